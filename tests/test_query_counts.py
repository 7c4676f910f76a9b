"""No page issues more SQL statements as the data grows: the main pages and API lists are requested
with a small world, the world is grown several times over (courses, enrolments, progress, staff,
certificates, a cohort's learners), and each page must issue exactly as many statements as before and
no more than a fixed cap. An N+1 query (one statement per row shown) fails this test."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from lms.accounts.services import create_api_token
from lms.courses.models import Course, CourseInstructor, Item, ItemKind, Level, Module
from lms.extensions import db
from lms.learning.models import Cohort, Enrolment, EnrolmentStatus, ItemProgress
from lms.organisations.models import Organisation
from lms.clock import today as local_today
from tests import factories
from tests.conftest import signed_in_client

SMALL, LARGE = 3, 15  # LARGE stays under one page (page_size 25), so every row is rendered
CAP = 25  # statements per request, whatever the page


class World:
    """A learner, an HR officer, an instructor and an admin, and a world that ``grow`` enlarges."""

    def __init__(self):
        self.ministry = factories.organisation("MQ")
        self.unit = factories.organisation("DQ", parent=self.ministry)
        self.learner = factories.user("learner", organisation=self.unit)
        self.hr = factories.user("hr", organisation=self.ministry)
        self.instructor = factories.user("instructor", organisation=self.ministry)
        self.admin = factories.user("admin")
        self.courses: list[str] = []  # slugs
        self.staff = 0
        self.first_cohort_id: int | None = None
        self.tokens = {role: create_api_token(getattr(self, role), getattr(self, role), "t")[1]
                       for role in ("learner", "hr")}
        self.ids = {role: getattr(self, role).id for role in ("learner", "hr", "instructor", "admin")}
        self.unit_id = self.unit.id

    def _course(self, n: int) -> Course:
        course = Course(slug=f"course-{n}", title_kk=f"Курс {n}", title_ru=f"Курс {n}", level=Level.beginner,
                        hours=8, tags=",ai,", languages=",kk,ru,", search_text=f"курс {n}")
        db.session.add(course)
        db.session.add(CourseInstructor(course=course, user_id=self.ids["instructor"]))  # who sees /teaching
        for m in range(2):
            module = Module(course=course, key=f"m{m}", position=m, title_kk="Бөлім", title_ru="Раздел")
            db.session.add(module)
            for i, kind in enumerate((ItemKind.lesson, ItemKind.quiz)):
                db.session.add(Item(course=course, module=module, key=f"m{m}-i{i}", kind=kind, position=i,
                                    title_kk="Сабақ", title_ru="Урок", content={}))
        cohort = Cohort(course=course, name="2026", starts_on=local_today() - timedelta(days=10),
                        ends_on=local_today() + timedelta(days=100), due_on=local_today() + timedelta(days=30))
        db.session.add(cohort)
        db.session.flush()
        return course

    def grow(self, size: int) -> None:
        """Up to ``size`` courses (the learner in each, with progress), ``size`` colleagues in the first
        course's cohort, each with a certificate in the HR officer's ministry."""
        learner_id = self.ids["learner"]
        while len(self.courses) < size:
            n = len(self.courses) + 1
            course = self._course(n)
            self.courses.append(course.slug)
            cohort = db.session.query(Cohort).filter_by(course_id=course.id).one()
            self.first_cohort_id = self.first_cohort_id or cohort.id
            status = EnrolmentStatus.completed if n % 3 == 0 else EnrolmentStatus.enrolled
            db.session.add(Enrolment(user_id=learner_id, course_id=course.id, cohort_id=cohort.id, status=status,
                                     mandatory=n % 2 == 0, enrolled_at=db.func.now()))
            for item in course.active_items()[: n % 4 + 1]:
                db.session.add(ItemProgress(user_id=learner_id, item_id=item.id, course_id=course.id,
                                            completed_at=db.func.now(),
                                            best_percent=90.0 if item.kind == ItemKind.quiz else None,
                                            passed=item.kind == ItemKind.quiz))
            db.session.commit()
        first = db.session.query(Course).filter_by(slug=self.courses[0]).one()
        unit = db.session.get(Organisation, self.unit_id)
        while self.staff < size:
            person = factories.user("learner", organisation=unit, surname=f"Қызметкер{self.staff}")
            self.staff += 1
            db.session.add(Enrolment(user_id=person.id, course_id=first.id, cohort_id=self.first_cohort_id,
                                     status=EnrolmentStatus.completed))
            db.session.add(ItemProgress(user_id=person.id, item_id=first.active_items()[1].id, course_id=first.id,
                                        completed_at=db.func.now(), best_percent=75.0, passed=True))
            db.session.commit()
            factories.certificate(person, first, valid_until=local_today() + timedelta(days=20))


def pages(world: World) -> dict[str, tuple[str, str]]:
    """name → (who asks, path); ``token:`` paths go to the API with the person's bearer token."""
    first = world.courses[0]
    return {
        "learner dashboard": ("learner", "/"),
        "catalogue": ("learner", "/courses"),
        "course page": ("learner", f"/courses/{first}"),
        "HR certificate dashboard": ("hr", "/hr/certificates"),
        "staff directory": ("hr", "/staff"),
        "teaching overview": ("instructor", "/teaching"),
        "teaching course page": ("instructor", f"/teaching/courses/{first}"),
        "cohort roster": ("instructor", f"/teaching/cohorts/{world.first_cohort_id}"),
        "admin users list": ("admin", "/admin/users"),
        "API course list": ("learner", "token:/api/v1/courses"),
        "API my progress": ("learner", "token:/api/v1/me/progress"),
        "API certificate list": ("hr", "token:/api/v1/certificates"),
    }


def count_statements(app, client, path: str, headers: dict | None = None) -> int:
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(path, headers=headers or {})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, f"{path}: HTTP {response.status_code}"
    return len(statements)


def measure(app, world: World, clients: dict) -> dict[str, int]:
    counts = {}
    for name, (role, path) in pages(world).items():
        headers = None
        if path.startswith("token:"):
            path, headers = path[len("token:"):], {"Authorization": f"Bearer {world.tokens[role]}"}
        count_statements(app, clients[role], path, headers)  # warm: first-request caches do not count
        db.session.remove()  # each request starts with an empty session, as in production
        counts[name] = count_statements(app, clients[role], path, headers)
        db.session.remove()
    return counts


@pytest.fixture
def grown(app):
    world = World()
    world.grow(SMALL)
    clients = {role: signed_in_client(app, getattr(world, role)) for role in ("learner", "hr", "instructor", "admin")}
    db.session.remove()
    return world, clients


def test_main_pages_issue_as_many_queries_with_five_times_the_data(app, grown):
    world, clients = grown
    small = measure(app, world, clients)
    world.grow(LARGE)
    large = measure(app, world, clients)
    grew = {name: (small[name], large[name]) for name in small if large[name] != small[name]}
    assert not grew, f"statements per request grew with the data (N+1 queries), {SMALL} → {LARGE} rows: {grew}"


def test_no_main_page_issues_more_than_a_fixed_number_of_queries(app, grown):
    world, clients = grown
    world.grow(LARGE)
    counts = measure(app, world, clients)
    over = {name: count for name, count in counts.items() if count > CAP}
    assert not over, f"more than {CAP} SQL statements for one request: {over}"

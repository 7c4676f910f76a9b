"""No page issues more SQL statements as the data grows: the main pages and API lists are requested
with a small world, the world is grown several times over (courses, enrolments, progress, staff,
certificates, a cohort's learners), and each page must issue exactly as many statements as before and
no more than a fixed cap. An N+1 query (one statement per row shown) fails this test."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from lms.accounts.services import create_api_token
from lms.courses.models import Course, CourseInstructor, Item, ItemKind
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
        course = factories.course(f"course-{n}", items=("lesson", "quiz"), modules=2)
        db.session.add(CourseInstructor(course=course, user_id=self.ids["instructor"]))  # who sees /teaching
        factories.cohort(course, starts_in=-10, lasts=110, due_in=30)
        return course

    def add_notebook_assignments(self, count: int, assignments_dir: str) -> None:
        """Up to ``count`` nbgrader assignments in the first course, as a learner's course page shows
        them: each with a source folder, two published versions (so the page tells the learner of the
        newer one) and a graded submission of the learner's against the first."""
        from lms.grading.models import AssignmentVersion, Submission, SubmissionStatus

        course = db.session.query(Course).filter_by(slug=self.courses[0]).one()
        course.has_notebooks = True
        module = course.modules[0]
        notebooks = [item for item in course.active_items() if item.kind == ItemKind.notebook]
        for n in range(len(notebooks), count):
            key = f"lab{n}"
            folder = Path(assignments_dir) / course.slug / key
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{key}.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
            db.session.add(Item(course=course, module=module, key=key, kind=ItemKind.notebook, position=10 + n,
                                title_kk="Зертхана", title_ru="Лаборатория", content={"file": f"{key}.ipynb"}))
            first = AssignmentVersion(course_id=course.id, assignment=key, version=1, content_hash="a" * 64,
                                      cells=[], max_total=10.0)
            db.session.add(first)
            db.session.flush()
            db.session.add(Submission(user_id=self.ids["learner"], course_id=course.id, assignment=key, attempt=1,
                                      content={f"{key}.ipynb": "{}"}, content_hash=f"{n:064d}", size_bytes=2,
                                      status=SubmissionStatus.graded, total=7.0, max_total=10.0, flags=[],
                                      version_id=first.id))
            db.session.flush()
            db.session.add(AssignmentVersion(course_id=course.id, assignment=key, version=2, content_hash="b" * 64,
                                             cells=[], max_total=10.0))
        db.session.commit()

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
def app_overrides(app_overrides, tmp_path):
    """Assignment sources in the test's own folder (the course page looks for each one's folder)."""
    return {**app_overrides, "assignments_dir": str(tmp_path / "assignments")}


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


NOTEBOOK_ASSIGNMENTS = (1, 3, 6)


def test_the_course_page_issues_as_many_queries_whatever_its_number_of_notebook_assignments(app, grown):
    """The learner's course page lists each nbgrader assignment with the learner's latest submission and
    a notice of a newer version: one statement per assignment (or per pair) would grow here."""
    world, clients = grown
    assignments_dir = app.config["OQU_SETTINGS"].assignments_dir
    path = f"/courses/{world.courses[0]}"
    counts = {}
    for count in NOTEBOOK_ASSIGNMENTS:
        world.add_notebook_assignments(count, assignments_dir)
        db.session.remove()
        response = clients["learner"].get(path)
        assert response.get_data(as_text=True).count('data-testid="new-version"') == count  # every one shown
        db.session.remove()
        counts[count] = count_statements(app, clients["learner"], path)
        db.session.remove()
    assert len(set(counts.values())) == 1, f"course page statements by number of notebook assignments: {counts}"
    assert counts[NOTEBOOK_ASSIGNMENTS[-1]] <= CAP, counts


def test_a_notebook_items_page_issues_as_many_queries_whatever_its_courses_number_of_assignments(app, grown):
    """A notebook item's page ticks the graded assignments in its syllabus and shows its own state and the
    notebook panel (the other domains' parts built by the view through lms.hooks, not by the template)."""
    world, clients = grown
    assignments_dir = app.config["OQU_SETTINGS"].assignments_dir
    path = f"/courses/{world.courses[0]}/items/lab0"
    counts = {}
    for count in NOTEBOOK_ASSIGNMENTS:
        world.add_notebook_assignments(count, assignments_dir)
        db.session.remove()
        page = clients["learner"].get(path).get_data(as_text=True)
        assert 'data-testid="assignment-state"' in page and 'data-testid="notebook-panel"' in page
        assert page.count(" ✓</li>") >= count  # every graded assignment ticked
        db.session.remove()
        counts[count] = count_statements(app, clients["learner"], path)
        db.session.remove()
    assert len(set(counts.values())) == 1, f"item page statements by number of notebook assignments: {counts}"
    assert counts[NOTEBOOK_ASSIGNMENTS[-1]] <= CAP, counts


def test_assigning_a_course_to_a_300_person_subtree_is_one_transaction(app):
    """HR assigning a mandatory course to a department of 300: one transaction (everyone enrolled and
    audited together), and a number of statements that grows by a few per person, not by commits."""
    from lms.audit.models import AuditEvent
    from lms.learning import services as learning

    ministry = factories.organisation("MT")
    units = [factories.organisation(f"DT{n}", parent=ministry) for n in range(3)]
    hr = factories.user("hr", organisation=ministry)
    people = [factories.user("learner", organisation=units[n % 3], surname=f"Қызметкер{n}") for n in range(300)]
    course = factories.course()
    cohort = factories.cohort(course, capacity=250)
    factories.enrolment(people[0], course, cohort=cohort)  # already enrolled: counted, not enrolled again
    hr, ministry, cohort = db.session.get(type(hr), hr.id), db.session.get(Organisation, ministry.id), db.session.get(Cohort, cohort.id)
    commits, statements = [], []

    def committed(_conn):
        commits.append(1)

    def executed(*_args):
        statements.append(1)

    event.listen(db.engine, "commit", committed)
    event.listen(db.engine, "before_cursor_execute", executed)
    try:
        report = learning.assign_course(hr, course, organisation=ministry, cohort=cohort,
                                        due_on=local_today() + timedelta(days=30))
    finally:
        event.remove(db.engine, "commit", committed)
        event.remove(db.engine, "before_cursor_execute", executed)
    # (the HR officer works in the ministry too: they enrol themself, which is not an assignment)
    assert (report.already, report.enrolled, report.waitlisted, report.refused) == (1, 250, 50, [])
    assert len(commits) == 1, f"{len(commits)} transactions for one assignment"
    assert len(statements) < 5 * 300, f"{len(statements)} statements for 300 people"
    assert db.session.query(AuditEvent).filter_by(action="enrolment_assigned").count() == 299

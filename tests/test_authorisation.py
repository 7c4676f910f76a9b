"""Who may open which page: every HTML route of the app × every role, against one table.

The table below is the authorisation policy of the web interface written out by hand. The routes
come from ``app.url_map``, so a new page cannot be added without deciding who may open it:
:func:`test_every_html_route_has_an_expectation` fails until the route is in the table.

GET routes are opened with GET. Routes that only accept POST are sent a valid form (with the
session's CSRF token), since that is the only way a browser reaches them.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import pytest
from flask import url_for

from lms.accounts import services

from .conftest import csrf_token, page_text, sign_in, translated

ROLES = ("anonymous", "learner", "instructor", "hr", "admin")
SIGNED_IN = ROLES[1:]


@dataclass(frozen=True)
class Ok:
    """200: the page is shown."""

    def describe(self, response) -> str | None:
        return None if response.status_code == 200 else "expected 200"


@dataclass(frozen=True)
class Denied:
    """403 for a signed-in person without permission; 302 to the sign-in page for a visitor."""

    def describe(self, response) -> str | None:
        return None if response.status_code == 403 else "expected 403"


@dataclass(frozen=True)
class SignInFirst:
    def describe(self, response) -> str | None:
        location = response.headers.get("Location", "")
        if response.status_code == 302 and location.startswith("/login?next="):
            return None
        return "expected 302 to /login?next=…"


@dataclass(frozen=True)
class Redirect:
    """302 to ``target`` (formatted with the ids of the test's objects): the action was done."""

    target: str

    def describe(self, response, ids=None) -> str | None:
        expected = self.target.format(**(ids or {}))
        if response.status_code == 302 and response.headers.get("Location") == expected:
            return None
        return f"expected 302 to {expected}"


@dataclass(frozen=True)
class NotFound:
    """404: someone else's object (a quiz attempt), answered as if it did not exist."""

    def describe(self, response) -> str | None:
        return None if response.status_code == 404 else "expected 404"


@dataclass(frozen=True)
class Status:
    """This exact status: what a protocol endpoint (OAuth) answers a request without its parameters."""

    code: int

    def describe(self, response) -> str | None:
        return None if response.status_code == self.code else f"expected {self.code}"


OK, DENIED, SIGN_IN_FIRST, NOT_FOUND = Ok(), Denied(), SignInFirst(), NotFound()


def public(result=OK) -> dict:
    return {role: result for role in ROLES}


def signed_in(result=OK) -> dict:
    return {"anonymous": SIGN_IN_FIRST, **{role: result for role in SIGNED_IN}}


def only(*allowed: str, result=OK) -> dict:
    return {"anonymous": SIGN_IN_FIRST, **{role: result if role in allowed else DENIED for role in SIGNED_IN}}


# endpoint → (URL arguments, {role: expected}). Arguments in braces name objects of the test.
EXPECTED: dict[str, tuple[dict, dict]] = {
    # pages anyone may open
    "accounts.login": ({}, {"anonymous": OK, **{role: Redirect("/") for role in SIGNED_IN}}),
    "accounts.forgot_password": ({}, public()),
    "accounts.set_password": ({"purpose": "invitation", "token": "{invitation}"}, public()),
    "accounts.set_language": ({}, public(Redirect("/"))),
    # one's own things
    "dashboard.index": ({}, signed_in()),
    "accounts.account": ({}, signed_in()),
    "accounts.tokens": ({}, signed_in()),
    "accounts.revoke_token": ({"token_id": "{own_token}"}, signed_in(Redirect("/account/tokens"))),
    "accounts.logout": ({}, signed_in(Redirect("/login"))),
    # HR and administrators
    "organisations.staff": ({}, only("hr", "admin")),
    "organisations.person": ({"user_id": "{colleague}"}, only("hr", "admin")),
    # administrators only
    "accounts.users": ({}, only("admin")),
    "accounts.new_user": ({}, only("admin")),
    "accounts.edit_user": ({"user_id": "{colleague}"}, only("admin")),
    "accounts.change_active": ({"user_id": "{colleague}", "change": "deactivate"}, only("admin")),
    "accounts.edit_roles": ({"user_id": "{colleague}"}, only("admin", result=Redirect("/admin/users/{colleague}"))),
    "accounts.invite": ({"user_id": "{colleague}"}, only("admin", result=Redirect("/admin/users/{colleague}"))),
    "accounts.end_sessions": ({"user_id": "{colleague}"}, only("admin")),
    "accounts.import_users": ({}, only("hr", "admin")),  # HR: into their own subtree
    "accounts.confirm_import": ({}, only("hr", "admin", result=Status(400))),  # no staged upload named
    "accounts.import_result": ({"token": "no-such-import"}, only("hr", "admin", result=NOT_FOUND)),
    "organisations.index": ({}, only("admin")),
    "organisations.new": ({}, only("admin")),
    "organisations.edit": ({"organisation_id": "{a}"}, only("admin")),
    "audit.index": ({}, only("admin")),
    "audit.export_csv": ({}, only("admin")),
    "gpu.usage": ({}, only("admin")),
    "gpu.usage_csv": ({}, only("admin")),
    # courses and learning (every signed-in role is enrolled in course "demo"; the attempt is the learner's)
    "courses.catalogue": ({}, signed_in()),
    "courses.course": ({"slug": "demo"}, signed_in()),
    "courses.asset": ({"slug": "demo", "path": "images/d.png"}, signed_in()),
    "courses.code_stylesheet": ({}, public()),
    "learning.item": ({"slug": "demo", "key": "l1"}, signed_in()),
    "learning.resume": ({"slug": "demo"}, signed_in(Redirect("/courses/demo/items/l1"))),
    "learning.withdraw": ({"slug": "demo"}, signed_in()),
    "learning.enrol": ({"slug": "demo"}, signed_in(Redirect("/courses/demo"))),
    "learning.complete": ({"slug": "demo", "key": "l1"}, signed_in(Redirect("/courses/demo/items/l2"))),
    "learning.start_attempt": ({"slug": "demo", "key": "l1"}, signed_in(Redirect("/courses/demo/items/l1"))),
    "learning.attempt": ({"attempt_id": "{attempt}"}, {**only("learner"), **{r: NOT_FOUND for r in SIGNED_IN[1:]}}),
    # (an empty form: the learner gets the list of unanswered questions back, nothing is submitted)
    "learning.submit": ({"attempt_id": "{attempt}"},
                        {**only("learner"),
                         **{r: NOT_FOUND for r in SIGNED_IN[1:]}}),
    "learning.assign": ({"slug": "demo"}, only("hr", "admin")),
    "learning.teaching": ({}, only("instructor", "admin")),
    "learning.teaching_course": ({"slug": "demo"}, only("instructor", "admin")),
    "learning.roster": ({"cohort_id": "{cohort}"}, only("instructor", "admin")),
    "learning.roster_csv": ({"cohort_id": "{cohort}"}, only("instructor", "admin")),
    "learning.quiz_stats": ({"slug": "demo", "key": "q1"}, only("instructor", "admin")),
    "learning.quiz_stats_csv": ({"slug": "demo", "key": "q1"}, only("instructor", "admin")),
    "learning.quiz_preview": ({"slug": "demo", "key": "q1"}, only("instructor", "admin")),
    "learning.lesson_preview": ({"slug": "demo", "key": "l1"}, only("instructor", "admin")),
    # course packages and the lesson editor (lms/courses/uploads.py): who may manage courses
    "courses.upload_package": ({}, only("instructor", "admin")),
    "courses.confirm_package": ({}, only("instructor", "admin", result=Status(400))),  # no kept upload named
    "courses.package_result": ({"token": "no-such-upload"}, only("instructor", "admin", result=NOT_FOUND)),
    "courses.edit_lesson": ({"slug": "demo", "key": "l1"}, only("instructor", "admin")),
    # notebooks ("demo" has none, so nobody may open one) and the OAuth endpoints the hub calls
    "hub.launch": ({"slug": "demo"}, only()),
    "hub.launch_page": ({"slug": "demo"}, only()),
    "hub.launch_status": ({"slug": "demo"}, only()),
    "hub.stop": ({}, signed_in(Redirect("/"))),
    "hub.authorize": ({}, public(Status(400))),  # no client, no redirect URI: refused before anything else
    "hub.token": ({}, public(Status(400))),
    "hub.userinfo": ({}, public(Status(401))),
    "hub.openid_configuration": ({}, public()),
    # certificates ("{certificate}" is the learner's): public verification, the holder's own list,
    # the PDF for the holder, their HR and admins; revocation for admins
    "certificates.verify_lookup": ({}, public()),
    "certificates.verify": ({"number": "{certificate}"}, public()),
    "certificates.mine": ({}, signed_in()),
    "certificates.pdf": ({"number": "{certificate}"}, only("learner", "hr", "admin")),
    "certificates.credential": ({"number": "{certificate}"}, only("learner", "hr", "admin")),
    "certificates.verify_credential": ({}, public()),
    "certificates.did_document": ({}, public(NOT_FOUND)),  # did:key (the default) has no DID document
    "certificates.revoke": ({"number": "{certificate}"}, only("admin")),
    "hr.certificate_list": ({}, only("hr", "admin")),
    "hr.export_csv": ({}, only("hr", "admin")),
    "hr.export_xlsx": ({}, only("hr", "admin")),
    "hr.dashboard": ({}, only("hr", "admin")),
    "hr.no_training_csv": ({}, only("hr", "admin")),
    "hr.due_date": ({"enrolment": "{enrolment}"}, only("hr", "admin")),
    # grading ("{submission}" is the learner's: theirs, their instructors', their HR's (totals), admins')
    "grading.submission": ({"submission_id": "{submission}"}, signed_in()),
    "grading.submit": ({"slug": "demo", "assignment": "no-such-assignment"}, signed_in(NOT_FOUND)),
    # instructors' grading pages: the course's instructors (world.instructor teaches "demo") and admins;
    # "{score}" is a cell of "{submission}"; POSTs without their fields come back with a message
    "grading_instructor.index": ({}, only("instructor", "admin")),
    "grading_instructor.queue": ({"slug": "demo"}, only("instructor", "admin")),
    "grading_instructor.grade": ({"score_id": "{score}"},
                                 only("instructor", "admin", result=Redirect("/teaching/grading/demo/queue"))),
    "grading_instructor.submission": ({"submission_id": "{submission}"}, only("instructor", "admin")),
    "grading_instructor.override": ({"score_id": "{score}"}, only("instructor", "admin")),
    "grading_instructor.clear_flag": ({"submission_id": "{submission}"},
                                      only("instructor", "admin",
                                           result=Redirect("/teaching/grading/submissions/{submission}"))),
    "grading_instructor.gradebook": ({"slug": "demo"}, only("instructor", "admin")),
    "grading_instructor.gradebook_csv": ({"slug": "demo"}, only("instructor", "admin")),
    "grading_instructor.assignments": ({"slug": "demo"}, only("instructor", "admin")),
    "grading_instructor.validate": ({"slug": "demo", "assignment": "no-such-assignment"},
                                    only("instructor", "admin", result=NOT_FOUND)),
    "grading_instructor.publish": ({"slug": "demo", "assignment": "no-such-assignment"},
                                   only("instructor", "admin", result=NOT_FOUND)),
    "grading_instructor.confirm_publish": ({"slug": "demo", "assignment": "no-such-assignment"},
                                           only("instructor", "admin", result=NOT_FOUND)),
    "grading_instructor.test_grade": ({"slug": "demo"}, only("instructor", "admin")),
    # the authoring notebook (issue #18): before the hub is asked, the course and the assignment
    "grading_instructor.open_authoring_notebook": ({"slug": "demo", "assignment": "no-such-assignment"},
                                                   only("instructor", "admin", result=NOT_FOUND)),
    "grading_instructor.import_from_server": ({"slug": "demo", "assignment": "no-such-assignment"},
                                              only("instructor", "admin", result=NOT_FOUND)),
    "grading_instructor.publish_import": ({"slug": "demo", "assignment": "no-such-assignment"},
                                          only("instructor", "admin", result=NOT_FOUND)),
    # the course's content versions: instructors who teach it (the instructor does) and admins; rolling back
    # to the current version changes nothing and returns to the list
    "courses.versions": ({"slug": "demo"}, only("instructor", "admin")),
    "courses.confirm_rollback": ({"slug": "demo", "number": 1}, only("instructor", "admin")),
    "courses.rollback": ({"slug": "demo", "number": 1},
                         only("instructor", "admin", result=Redirect("/teaching/courses/demo/versions"))),
}

# Form fields a POST-only route needs to do its work (the CSRF token is added to each).
POST_DATA = {
    "accounts.set_language": {"language": "kk", "next": "/"},
    "accounts.edit_roles": {"roles-roles": "learner", "roles-hr_organisation_id": "0"},
}
# Routes sent last, because they end the session.
LAST = ("accounts.logout",)


def html_routes(app) -> dict[str, str]:
    """endpoint → method to test, for every route that is not static or under /api/."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/api/"):
            continue
        routes[rule.endpoint] = "GET" if "GET" in rule.methods else "POST"
    return routes


def test_every_html_route_has_an_expectation(app):
    routes = set(html_routes(app))
    missing = sorted(routes - set(EXPECTED))
    stale = sorted(set(EXPECTED) - routes)
    assert not missing, f"routes with no authorisation expectation: add them to EXPECTED: {missing}"
    assert not stale, f"EXPECTED names routes the app no longer has: {stale}"
    for endpoint, (_args, expectations) in EXPECTED.items():
        assert set(expectations) == set(ROLES), endpoint


@pytest.fixture
def ids(world, tmp_path):
    """The concrete values behind the braces of :data:`EXPECTED`, per acting role."""
    from lms.learning import services as learning

    from . import factories
    from .courses.files import import_course

    course = import_course(tmp_path / "courses", image=True)
    for role in SIGNED_IN:
        learning.enrol_learner(getattr(world, role), course)
    cohort = learning.create_cohort(world.admin, course, name="C", starts_on=course.created_at.date(),
                                    ends_on=course.created_at.date())
    learner_enrolment = learning.enrolment_for(world.learner, course)
    attempt = learning.start_attempt(world.learner, learner_enrolment, course.active_items()[2])

    person_without_password = factories.user("learner", organisation=world.a1, password=None)
    tokens = {role: services.create_api_token(getattr(world, role), getattr(world, role), "t")[0].id
              for role in SIGNED_IN}
    return {
        "invitation": services.make_link_token(person_without_password, "invitation"),
        "colleague": world.colleague.id,
        "a": world.a.id,
        "own_token": tokens,
        "cohort": cohort.id,
        "enrolment": learner_enrolment.id,
        "attempt": attempt.id,
        "certificate": factories.certificate(world.learner, course).number,
        "submission": _submission(world.learner, course),
        "score": _score(world.instructor, course),
    }


def _score(instructor, course) -> int:
    """A cell of the learner's submission; ``instructor`` is made to teach the course."""
    from lms.extensions import db
    from lms.grading.models import Submission, SubmissionScore
    from lms.courses.teaching import add_instructor
    from lms.security import SYSTEM

    add_instructor(SYSTEM, course, instructor)
    submission = db.session.scalars(db.select(Submission)).first()
    score = SubmissionScore(submission_id=submission.id, notebook="a.ipynb", cell="c", score=None, max_score=1,
                            needs_manual_grade=True)
    db.session.add(score)
    db.session.commit()
    return score.id


def _submission(learner, course) -> int:
    from lms.extensions import db
    from lms.grading.models import Submission

    submission = Submission(user_id=learner.id, course_id=course.id, assignment="a", attempt=1, content={},
                            content_hash="0" * 64, size_bytes=0, flags=[])
    db.session.add(submission)
    db.session.commit()
    return submission.id


def _url(app, endpoint: str, args: dict, ids: dict, role: str) -> str:
    values = {}
    for name, value in args.items():
        if isinstance(value, str) and value.startswith("{"):
            value = ids[value.strip("{}")]
            if isinstance(value, dict):  # one object per acting role
                value = value.get(role, next(iter(value.values())))
        values[name] = value
    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_pages_it_may(app, world, ids, role):
    client = app.test_client()
    if role != "anonymous":
        sign_in(client, getattr(world, role))
    # (a route missing from the table fails test_every_html_route_has_an_expectation)
    routes = {endpoint: method for endpoint, method in html_routes(app).items() if endpoint in EXPECTED}
    order = sorted(routes, key=lambda endpoint: (endpoint in LAST, routes[endpoint] == "POST", endpoint))
    flat_ids = {name: value for name, value in ids.items() if not isinstance(value, dict)}
    failures = []
    for endpoint in order:
        args, expectations = EXPECTED[endpoint]
        url = _url(app, endpoint, args, ids, role)
        if routes[endpoint] == "GET":
            response = client.get(url)
        else:
            data = {"csrf_token": csrf_token(client, "/password/forgot"), **POST_DATA.get(endpoint, {})}
            response = client.post(url, data=data)
        expected = expectations[role]
        problem = (expected.describe(response, flat_ids) if isinstance(expected, Redirect)
                   else expected.describe(response))
        if problem:
            failures.append(f"{routes[endpoint]} {url} as {role}: {problem}, got {response.status_code} "
                            f"{response.headers.get('Location', '')}")
    assert not failures, "\n".join(failures)


def test_denied_page_is_the_translated_error_page(app, world):
    client = app.test_client()
    sign_in(client, world.learner)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert translated(app, "You do not have permission to open this page.") in page_text(response)
    assert world.colleague.email not in page_text(response)


OBJECTS_OF_A = ("{colleague}", "{certificate}", "{submission}", "{a}")


def test_hr_of_another_organisation_reaches_nothing_of_this_one(app, world, ids):
    """The HR column of the table again, acted by the HR officer of organisation B: every page about a
    person, certificate or submission of organisation A is refused, and every list or export HR may
    open shows nothing of A."""
    client = app.test_client()
    sign_in(client, world.hr_b)
    secrets_of_a = (world.learner.email, world.colleague.email, "Оқушыұлы", ids["certificate"])
    failures = []
    for endpoint, method in html_routes(app).items():
        args, expectations = EXPECTED.get(endpoint, ({}, {}))
        if method != "GET" or not isinstance(expectations.get("hr"), Ok) or isinstance(expectations["anonymous"], Ok):
            continue  # (public pages, such as certificate verification, are for everyone)
        url = _url(app, endpoint, args, ids, "hr")
        response = client.get(url, buffered=True)  # streamed exports are read inside the request
        about_a = any(value in OBJECTS_OF_A for value in args.values())
        if about_a and response.status_code not in (403, 404):
            failures.append(f"{url}: HR of B got {response.status_code} for an object of A")
        elif not about_a:
            text = _readable(response)
            failures += [f"{url}: HR of B sees {secret!r}" for secret in secrets_of_a if secret in text]
    assert not failures, "\n".join(failures)


def _readable(response) -> str:
    """What a person would read in the response: a page, a CSV file, or an XLSX workbook's cells."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
        return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                         for cell in row if cell is not None)
    return html.unescape(response.get_data().decode("utf-8", "replace"))


# Pages the main menu and the dashboard link to: a person is shown a link exactly when they may open it.
MENU_PAGES = ("learning.teaching", "grading_instructor.index", "hr.dashboard", "organisations.staff",
              "hr.certificate_list", "accounts.users", "accounts.import_users", "organisations.index",
              "audit.index", "gpu.usage")


@pytest.mark.parametrize("role", SIGNED_IN)
def test_the_menu_and_dashboard_link_to_exactly_the_pages_the_role_may_open(app, world, role):
    """Templates ask the permission table (``can(...)``), so a link is never shown to someone the page
    would refuse, nor hidden from someone it admits."""
    client = app.test_client()
    sign_in(client, getattr(world, role))
    text = client.get("/").get_data(as_text=True)
    failures = []
    for endpoint in MENU_PAGES:
        with app.test_request_context():
            path = url_for(endpoint)
        shown = f'href="{path}"' in text
        may = isinstance(EXPECTED[endpoint][1][role], Ok)
        if shown != may:
            failures.append(f"{path}: {'shown' if shown else 'hidden'} to {role}, who {'may' if may else 'may not'} open it")
        if shown:
            assert client.get(path).status_code == 200, path
    assert not failures, "\n".join(failures)

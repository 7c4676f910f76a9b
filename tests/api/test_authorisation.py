"""Who may call which API operation: every ``/api/v1`` operation × every caller, against one table.

As ``tests/test_authorisation.py`` does for the HTML pages. The operations come from ``app.url_map``,
so a new endpoint cannot ship without two decisions: its declaration (``@needs(...)`` in
:mod:`lms.api`, JupyterHub's ``@needs_scope``) and its row here. The callers are a request without a
credential, each role's personal API token, and the hub's own credential.

Each operation is called as a client would call it, with the objects of the test (the learner's
certificate, submission, quiz attempt; the course ``demo``, without notebooks). A request that the
declaration admits reaches the operation, which may still answer about the object (404 for someone
else's attempt, 403 for a course without notebooks): the table says what each caller gets.
"""
from __future__ import annotations

import pytest

from lms.accounts import services as accounts

HUB_TOKEN = "h" * 40
CALLERS = ("anonymous", "learner", "instructor", "hr", "admin", "hub")
PEOPLE = ("learner", "instructor", "hr", "admin")


def everyone(status: int) -> dict:
    return {caller: status for caller in CALLERS}


def tokens(status: int, **others: int) -> dict:
    """A personal token of any role gets ``status`` (or what ``others`` says); no token, or the hub's, 401."""
    return {"anonymous": 401, "hub": 401, **{role: others.get(role, status) for role in PEOPLE}}


def hub_users_only() -> dict:
    """A learner's own hub token (none of these callers holds one): refused to everyone, the hub's own
    credential and personal tokens included (tests/assignments/test_lab_api.py has the learner's)."""
    return everyone(401)


def hub_only(status: int) -> dict:
    return {**{caller: 401 for caller in CALLERS}, "hub": status}


# (endpoint, method) → (declared access, URL arguments, JSON body, {caller: status}).
# Arguments in braces name objects of the test.
EXPECTED: dict[tuple[str, str], tuple[str, dict, dict | None, dict]] = {
    ("api.health", "GET"): ("anyone", {}, None, everyone(200)),
    ("api.ping", "GET"): ("anyone", {}, None, everyone(200)),
    ("api.openapi", "GET"): ("anyone", {}, None, everyone(200)),
    ("api.certificate_status", "GET"): ("anyone", {"number": "{certificate}"}, None, everyone(200)),
    ("api.credential_status_list", "GET"): ("anyone", {"number": 1}, None, everyone(200)),
    ("api.me", "GET"): ("token", {}, None, tokens(200)),
    ("api.list_courses", "GET"): ("token", {}, None, tokens(200)),
    ("api.get_course", "GET"): ("token", {"slug": "demo"}, None, tokens(200)),
    ("api.my_progress", "GET"): ("token", {}, None, tokens(200)),
    # enrolling oneself again answers with the enrolment (every role is enrolled in "demo")
    ("api.create_enrolment", "POST"): ("token", {"slug": "demo"}, {}, tokens(200)),
    # the learner's own attempt; to anyone else it does not exist
    ("api.quiz_attempt", "GET"): ("token", {"attempt_id": "{attempt}"}, None,
                                  tokens(404, learner=200)),
    # HR officers (their organisation subtree) and admins
    ("api.certificate_list", "GET"): ("view_certificates", {}, None, tokens(403, hr=200, admin=200)),
    # the holder, their HR officer and admins
    ("api.certificate_pdf", "GET"): ("token", {"number": "{certificate}"}, None,
                                     tokens(403, learner=200, hr=200, admin=200)),
    ("api.certificate_credential", "GET"): ("token", {"number": "{certificate}"}, None,
                                            tokens(403, learner=200, hr=200, admin=200)),
    # the learner's submission: theirs, their instructor's and admins' in full, their HR's in totals
    ("api.get_submission", "GET"): ("token", {"submission_id": "{submission}"}, None, tokens(200)),
    ("api.create_submission", "POST"): ("token", {"course_slug": "demo", "assignment": "no-such"}, {},
                                        tokens(404)),
    # "demo" has no notebooks: nobody may open one
    ("api.launch_notebook", "POST"): ("token", {"slug": "demo"}, {}, tokens(403)),
    ("api.notebook_status", "GET"): ("token", {"slug": "demo"}, None, tokens(403)),
    ("api.stop_notebook", "DELETE"): ("token", {"slug": "demo"}, None, tokens(403)),
    # a course package: who may manage courses (a request without its zip is a bad request)
    ("api.upload_course_package", "POST"): ("manage_courses", {}, {}, tokens(403, instructor=400, admin=400)),
    # the hub's reports and questions (an empty one is a bad request, but only the hub gets that far)
    ("api.hub_usage_event", "POST"): ("hub", {}, {}, hub_only(400)),
    ("api.spawn_check", "POST"): ("hub", {}, {}, hub_only(400)),
    ("api.access_check", "POST"): ("hub", {}, {}, hub_only(400)),
    # the learner's JupyterLab, with the learner's hub token verified with the hub
    ("api.lab_notebook", "GET"): ("hub_user", {"path": "demo/lab1/lab1.ipynb"}, None, hub_users_only()),
    ("api.lab_assignments", "GET"): ("hub_user", {"slug": "demo"}, None, hub_users_only()),
    ("api.lab_submit", "POST"): ("hub_user", {"slug": "demo", "assignment": "lab1"}, {}, hub_users_only()),
    ("api.lab_submission", "GET"): ("hub_user", {"submission_id": "{submission}"}, None, hub_users_only()),
    # the content store: instructors who teach the course (the instructor teaches "demo") and admins
    ("api.course_versions", "GET"): ("manage_courses", {"slug": "demo"}, None,
                                     tokens(403, instructor=200, admin=200)),
    # "demo" has no notebook item "no-such": those who may change the course learn that it does not exist (the
    # JSON body {} here is the variant from the caller's authoring notebook, which answers the same)
    ("api.upload_assignment_version", "POST"): ("manage_courses", {"slug": "demo", "assignment": "no-such"}, {},
                                                tokens(403, instructor=404, admin=404)),
    ("api.publish_assignment_version", "POST"): ("manage_courses", {"slug": "demo", "assignment": "no-such",
                                                                    "number": 1}, {},
                                                 tokens(403, instructor=404, admin=404)),
}


def api_operations(app) -> dict[tuple[str, str], object]:
    """(endpoint, method) → view, for every operation under /api/v1."""
    operations = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operations[(rule.endpoint, method)] = app.view_functions[rule.endpoint]
    return operations


def test_every_api_operation_declares_who_may_call_it_and_has_an_expectation(app):
    operations = api_operations(app)
    undeclared = sorted(f"{method} {endpoint}" for (endpoint, method), view in operations.items()
                        if getattr(view, "api_access", None) is None)
    assert not undeclared, f"API operations without @needs(...): {undeclared}"
    missing = sorted(set(operations) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(operations))
    assert not missing, f"API operations with no authorisation expectation: add them to EXPECTED: {missing}"
    assert not stale, f"EXPECTED names API operations the app no longer has: {stale}"
    wrong = {f"{method} {endpoint}": (view.api_access, EXPECTED[(endpoint, method)][0])
             for (endpoint, method), view in operations.items() if view.api_access != EXPECTED[(endpoint, method)][0]}
    assert not wrong, f"declared access differs from the table (declared, expected): {wrong}"
    for key, (_access, _args, _body, expectations) in EXPECTED.items():
        assert set(expectations) == set(CALLERS), key


@pytest.fixture
def app_overrides(app_overrides):
    return {**app_overrides, "hub_report_token": HUB_TOKEN}


@pytest.fixture
def ids(world, tmp_path):
    from lms.learning import services as learning

    from .. import factories
    from ..courses.files import import_course

    course = import_course(tmp_path / "courses")
    for role in PEOPLE:
        learning.enrol_learner(getattr(world, role), course)
    enrolment = learning.enrolment_for(world.learner, course)
    attempt = learning.start_attempt(world.learner, enrolment, course.active_items()[2])
    from lms.courses.teaching import add_instructor
    from lms.security import SYSTEM

    add_instructor(SYSTEM, course, world.instructor)
    return {
        "certificate": factories.certificate(world.learner, course).number,
        "submission": factories.submission(world.learner, course, "lab1").id,
        "attempt": attempt.id,
    }


def _headers(app, world, caller: str) -> dict:
    if caller == "anonymous":
        return {}
    if caller == "hub":
        return {"Authorization": f"token {HUB_TOKEN}"}
    person = getattr(world, caller)
    return {"Authorization": f"Bearer {accounts.create_api_token(person, person, 't')[1]}"}


def _url(app, endpoint: str, args: dict, ids: dict) -> str:
    from flask import url_for

    values = {name: ids[value.strip("{}")] if isinstance(value, str) and value.startswith("{") else value
              for name, value in args.items()}
    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.mark.parametrize("caller", CALLERS)
def test_each_caller_reaches_exactly_the_api_operations_it_may(app, world, ids, caller):
    client = app.test_client()
    headers = _headers(app, world, caller)
    failures = []
    for (endpoint, method), (_access, args, body, expectations) in sorted(EXPECTED.items()):
        if (endpoint, method) not in api_operations(app):
            continue  # (reported by the test above)
        url = _url(app, endpoint, args, ids)
        response = client.open(url, method=method, headers=headers, json=body)
        if response.status_code != expectations[caller]:
            failures.append(f"{method} {url} as {caller}: expected {expectations[caller]}, got "
                            f"{response.status_code} {response.get_data(as_text=True)[:120]}")
        elif response.status_code >= 400:
            assert response.is_json and "error" in response.get_json(), f"{method} {url}: not the error envelope"
    assert not failures, "\n".join(failures)

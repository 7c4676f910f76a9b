"""With the hub down, every LMS page still works; notebooks say "temporarily unavailable"; health
says the hub is down (HTTP 200, degraded). Also the launch rules that need no real hub."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.accounts.services import create_api_token
from lms.extensions import db
from lms.hub import services
from lms.hub.client import HubUnavailable, ServerState
from lms.hub.models import LaunchStatus, NotebookLaunch
from lms.learning.models import EnrolmentStatus
from lms.utils import utcnow

from .. import factories
from ..conftest import page_text, post_form, signed_in_client, translated
from .conftest import enrol, make_course
from .fakes import FakeHub

UNAVAILABLE = ("Notebooks are temporarily unavailable. Everything else in Oqu works; please try again in a few "
               "minutes.")


@pytest.fixture
def app_overrides():
    return {"hub_url": "http://127.0.0.1:9", "hub_api_url": "http://127.0.0.1:9/hub/api", "queue_url": "memory://"}


@pytest.fixture
def course(app):
    return make_course()


@pytest.fixture
def learner(app, course):
    person = factories.user("learner")
    enrol(person, course)
    return person


def api_token(user) -> str:
    _, secret = create_api_token(user, user, "tests")
    return secret


def test_pages_work_and_the_button_says_notebooks_are_unavailable(app, learner, course):
    browser = signed_in_client(app, learner)
    for path in ("/", "/courses", "/account"):
        assert browser.get(path).status_code == 200, path
    browser.set_cookie("oqu_lang", "ru")
    response = browser.get(f"/courses/{course.slug}")
    assert response.status_code == 200
    text = page_text(response)
    assert translated(app, UNAVAILABLE, "ru") in text
    assert translated(app, "Open notebook", "ru") not in text


def test_launch_with_the_hub_down_explains_instead_of_failing(app, learner, course):
    browser = signed_in_client(app, learner)
    response = post_form(browser, f"/courses/{course.slug}/notebook", page=f"/courses/{course.slug}")
    assert response.status_code == 503
    assert translated(app, UNAVAILABLE) in page_text(response)
    status = browser.get(f"/courses/{course.slug}/notebook/status")
    assert status.status_code == 503 and status.get_json()["status"] == "unavailable"
    assert db.session.scalar(select(NotebookLaunch)) is None


def test_api_answers_503_hub_unavailable(app, learner, course):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(learner)}", "Accept-Language": "ru"}
    for method in ("post", "get", "delete"):
        response = getattr(client, method)(f"/api/v1/courses/{course.slug}/notebook", headers=headers)
        if method == "get" and response.status_code == 200:
            assert response.get_json()["status"] == "stopped"  # nothing launched yet: nothing to ask the hub
            continue
        assert response.status_code == 503, (method, response.get_json())
        body = response.get_json()
        assert body["error"] == "hub_unavailable"
        assert body["message"] == translated(app, UNAVAILABLE, "ru")


def test_health_reports_the_hub_down_with_http_200(app):
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded", "database": "ok", "hub": "down", "queue": "ok",
                                   "grading": "ok"}


def test_api_refuses_a_person_without_the_course(app, course):
    outsider = factories.user("learner")
    response = app.test_client().post(f"/api/v1/courses/{course.slug}/notebook",
                                      headers={"Authorization": f"Bearer {api_token(outsider)}"})
    assert response.status_code == 403 and response.get_json()["error"] == "notebooks_not_allowed"


def test_course_page_of_a_course_without_notebooks_has_no_notebook_panel(app, learner):
    ethics = make_course("ethics", notebooks=False)
    enrol(learner, ethics)
    response = signed_in_client(app, learner).get("/courses/ethics")
    assert 'data-testid="notebook-panel"' not in response.get_data(as_text=True)


def test_not_enrolled_learner_is_invited_to_enrol(app, course):
    visitor = factories.user("learner")
    response = signed_in_client(app, visitor).get(f"/courses/{course.slug}")
    assert translated(app, "Enrol in this course to work in its notebooks.") in page_text(response)
    assert post_form(signed_in_client(app, visitor), f"/courses/{course.slug}/notebook",
                     page=f"/courses/{course.slug}").status_code == 403


@pytest.fixture
def fake_hub(monkeypatch):
    hub = FakeHub(ServerState(exists=False))
    monkeypatch.setattr(services, "hub_client", lambda: hub)
    return hub


def test_launch_is_idempotent_while_the_server_starts(app, learner, course, fake_hub):
    first = services.launch_notebook(learner, course)
    second = services.launch_notebook(learner, course)
    assert first.status == second.status == "pending"
    assert [(c[0], c[1]["profile"]) for c in fake_hub.calls if isinstance(c, tuple)] == [("start", "cpu")]
    assert len(db.session.scalars(select(NotebookLaunch)).all()) == 1


def test_a_spawn_that_takes_too_long_is_stopped_and_reported_with_a_retry(app, learner, course, fake_hub):
    services.launch_notebook(learner, course)
    launch = db.session.scalar(select(NotebookLaunch))
    launch.requested_at = utcnow() - timedelta(seconds=app.config["OQU_SETTINGS"].hub_spawn_timeout + 1)
    db.session.commit()
    state = services.notebook_status(learner, course)
    assert state.status == "failed" and "stop" in fake_hub.calls
    assert state.message == translated(app, "Your notebook took too long to start. Please try again.")
    # Retrying starts afresh.
    assert services.launch_notebook(learner, course).status == "pending"
    assert [(c[0], c[1]["profile"]) for c in fake_hub.calls if isinstance(c, tuple)] == [("start", "cpu")] * 2


def test_a_failed_spawn_is_reported_with_the_reason_kept_for_the_audit(app, learner, course, fake_hub):
    services.launch_notebook(learner, course)
    fake_hub.state = ServerState(exists=True)  # the spawn ended without a server…
    fake_hub.events = [{"progress": 100, "failed": True, "message": "Spawn failed: boom"}]  # …and the hub says why
    state = services.notebook_status(learner, course)
    assert state.status == "failed" and state.url is None
    launch = db.session.scalar(select(NotebookLaunch))
    assert launch.status == LaunchStatus.failed and launch.message == "Spawn failed: boom"
    from ..conftest import audit_events

    assert audit_events("notebook_launch_failed")[0].details["reason"] == "Spawn failed: boom"


def test_a_hub_that_drops_the_start_request_leaves_no_launch_waiting(app, learner, course, fake_hub):
    def dropped(username, options):
        fake_hub.calls.append(("start", options))
        raise HubUnavailable("connection reset")

    fake_hub.start_server = dropped
    with pytest.raises(HubUnavailable):
        services.launch_notebook(learner, course)
    assert db.session.scalar(select(NotebookLaunch.status)) == LaunchStatus.failed
    del fake_hub.start_server  # the hub answers again
    assert services.launch_notebook(learner, course).status == "pending"  # the retry asks the hub again
    assert [(c[0], c[1]["profile"]) for c in fake_hub.calls if isinstance(c, tuple)] == [("start", "cpu")] * 2


def test_progress_follows_the_hubs_events(app, learner, course, fake_hub):
    services.launch_notebook(learner, course)
    fake_hub.events = [{"progress": 0, "message": "Server requested"}, {"progress": 50, "message": "Spawning"}]
    state = services.notebook_status(learner, course)
    assert state.status == "pending" and state.progress == 10 + 50 * 85 // 100


def test_withdrawn_learner_may_not_launch(app, learner, course, fake_hub):
    from lms.learning.models import Enrolment

    enrolment = db.session.scalar(select(Enrolment))
    enrolment.status = EnrolmentStatus.withdrawn
    db.session.commit()
    with pytest.raises(services.NotebookNotAllowed):
        services.launch_notebook(learner, course)
    assert fake_hub.calls == []

"""``/api/v1/courses/<slug>/notebook`` against a real hub: idempotent launch, status, stop, failure
with retry; and the health endpoint with the hub up."""
from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import select

from lms.accounts.services import create_api_token
from lms.extensions import db
from lms.hub.models import HubAccount, LaunchStatus, NotebookLaunch

from .. import factories
from ..conftest import audit_events
from .conftest import LearnerServer, enrol, make_course


@pytest.fixture
def api(live_server, learner):
    _, secret = create_api_token(learner, learner, "tests")
    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = f"Bearer {secret}"
    session.base = f"{live_server}/api/v1"
    yield session
    session.close()


def follow(api, slug: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = api.get(f"{api.base}/courses/{slug}/notebook?wait=5", timeout=30).json()
        if body["status"] != "pending" or time.monotonic() > deadline:
            return body


def test_api_launch_is_idempotent_reports_ready_and_stops(hub, api, learner, course, hub_secrets,
                                                          no_leftover_servers):
    first = api.post(f"{api.base}/courses/{course.slug}/notebook", timeout=30)
    assert first.status_code == 202, first.text
    assert first.json()["status"] == "pending" and first.json()["url"] is None
    again = api.post(f"{api.base}/courses/{course.slug}/notebook", timeout=30)
    assert again.json()["status"] in ("pending", "ready")
    assert db.session.scalar(select(NotebookLaunch).where(NotebookLaunch.status == LaunchStatus.failed)) is None
    assert len(db.session.scalars(select(NotebookLaunch)).all()) == 1  # one launch, not two

    ready = follow(api, course.slug)
    account = db.session.scalar(select(HubAccount).where(HubAccount.user_id == learner.id))
    assert ready == {"status": "ready", "progress": 100, "course": course.slug, "profile": "cpu",
                     "url": f"{hub.url}/user/{account.username}/lab/tree/{course.slug}",
                     "message": ready["message"]}
    # Already running: straight there.
    repeat = api.post(f"{api.base}/courses/{course.slug}/notebook", timeout=30)
    assert repeat.status_code == 200 and repeat.json()["url"] == ready["url"]
    # The course folder was made through the Jupyter contents API.
    contents = hub.api("GET", "").json()  # the hub answers
    assert contents
    assert course.slug in LearnerServer(hub, account.username).listing("")

    stopped = api.delete(f"{api.base}/courses/{course.slug}/notebook", timeout=30)
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
    assert api.get(f"{api.base}/courses/{course.slug}/notebook", timeout=30).json()["status"] == "stopped"
    assert hub.api("GET", f"/users/{account.username}").json()["servers"] == {}
    assert [e.action for e in audit_events() if e.action.startswith("notebook")] == ["notebook_launched",
                                                                                      "notebook_stopped"]
    for body in (first.text, again.text, repeat.text, stopped.text):
        assert hub_secrets.api_token not in body


def test_a_failing_spawn_is_reported_and_can_be_retried(hub, app, live_server, no_leftover_servers):
    broken = make_course("broken-profile", profile="quantum")  # the hub knows no such profile
    learner = factories.user("learner")
    enrol(learner, broken)
    _, secret = create_api_token(learner, learner, "tests")
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "ru"}
    url = f"{live_server}/api/v1/courses/{broken.slug}/notebook"
    for attempt in (1, 2):
        started = requests.post(url, headers=headers, timeout=30)
        assert started.status_code in (200, 202)
        deadline = time.monotonic() + 30
        body = started.json()
        while body["status"] == "pending" and time.monotonic() < deadline:
            body = requests.get(url + "?wait=5", headers=headers, timeout=30).json()
        assert body["status"] == "failed", body
        assert body["url"] is None and body["message"]
        assert len(db.session.scalars(select(NotebookLaunch)).all()) == attempt
    reasons = [e.details["reason"] for e in audit_events("notebook_launch_failed")]
    assert len(reasons) == 2 and all("quantum" in reason for reason in reasons)


def test_failed_launch_page_offers_a_retry(hub, app, live_server, browser_session, no_leftover_servers):
    broken = make_course("broken-profile", profile="quantum")
    learner = factories.user("learner")
    enrol(learner, broken)
    browser_session.sign_in(live_server, learner)
    token = browser_session.form_token(f"{live_server}/courses/{broken.slug}")
    browser_session.post(f"{live_server}/courses/{broken.slug}/notebook", data={"csrf_token": token}, timeout=30)
    deadline = time.monotonic() + 30
    while browser_session.get(f"{live_server}/courses/{broken.slug}/notebook/status?wait=5",
                              timeout=30).json()["status"] == "pending":
        assert time.monotonic() < deadline
    page = browser_session.get(f"{live_server}/courses/{broken.slug}/notebook", timeout=30)
    assert page.status_code == 200
    assert 'data-testid="notebook-failed"' in page.text
    assert f'action="/courses/{broken.slug}/notebook"' in page.text  # "Try again"


def test_health_reports_the_hub_ok_when_it_is_up(hub, live_server):
    body = requests.get(f"{live_server}/api/v1/health", timeout=10).json()
    assert body["hub"] == "ok" and body["database"] == "ok"
    assert body["status"] == "ok"


def test_two_clicks_at_once_start_one_server_and_record_one_launch(hub, api, learner, course,
                                                                   no_leftover_servers):
    from concurrent.futures import ThreadPoolExecutor

    url = f"{api.base}/courses/{course.slug}/notebook"
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: api.post(url, timeout=60), range(2)))
    assert [a.status_code in (200, 202) for a in answers] == [True, True], [a.text for a in answers]
    ready = follow(api, course.slug)
    assert ready["status"] == "ready"
    account = db.session.scalar(select(HubAccount).where(HubAccount.user_id == learner.id))
    assert list(hub.api("GET", f"/users/{account.username}").json()["servers"]) == [""]
    db.session.expire_all()
    assert len(db.session.scalars(select(NotebookLaunch)).all()) == 1
    assert len(audit_events("notebook_launched")) == 1
    assert api.delete(url, timeout=30).json()["status"] == "stopped"

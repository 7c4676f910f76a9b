"""Least privilege between the LMS and the hub, tried as a hostile learner would, against a real hub:
what a learner's server sees of the LMS's requests opens nothing else, only the hub's own credential
reports to the LMS, the hub itself refuses what the LMS would refuse, and deactivating an account ends
its hub access at once (docs/security.md, "Tokens between the LMS and the hub")."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import requests
from sqlalchemy import select

from lms.accounts.services import set_user_active
from lms.extensions import db
from lms.gpu.models import GpuUsageSession
from lms.gpu.services import set_quota
from lms.hub.models import HubAccount
from lms.hub.services import hub_account, spawn_refusal
from lms.security import SYSTEM
from lms.utils import utcnow

from .. import factories
from ..conftest import translated
from .conftest import LearnerApi, course_with_assignment, enrol, learner_token, make_course
from .test_gpu_launch import server_environment

# What a learner puts in ~/.jupyter/jupyter_server_config.py of their own server: every request's
# headers, written to a file in their home.
HEADER_LOGGER = '''
import json, os
import tornado.web

_find_handler = tornado.web.Application.find_handler


def find_handler(self, request, **kwargs):
    with open(os.path.expanduser("~/captured-headers.jsonl"), "a") as log:
        log.write(json.dumps(dict(request.headers)) + "\\n")
    return _find_handler(self, request, **kwargs)


tornado.web.Application.find_handler = find_handler
'''


def plain():
    session = requests.Session()
    session.trust_env = False
    return session


def with_token(token: str) -> dict:
    return {"Authorization": f"token {token}"}


def servers_of(hub, name: str) -> dict:
    return hub.api("GET", f"/users/{name}").json().get("servers") or {}


def start_straight(hub, name: str, token: str, profile: str) -> int:
    """What a learner does with a hub token of their own: ``POST /hub/api/users/<name>/server``."""
    return plain().post(f"{hub.api_url}/users/{name}/server", json={"profile": profile}, headers=with_token(token),
                        timeout=30).status_code


def spawn_outcome(hub, name: str, timeout: float = 30) -> dict:
    """Follow a spawn until the hub runs the server (``ready``) or has given it up (``failed``, with why)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server = servers_of(hub, name).get("")
        if server and server.get("ready"):
            return {"ready": True}
        if not server:
            progress = hub.api("GET", f"/users/{name}/server/progress")
            events = [json.loads(line[5:]) for line in progress.text.splitlines() if line.startswith("data:")]
            return {"ready": False, "message": next((e["message"] for e in events if e.get("failed")), "")}
        time.sleep(0.3)
    raise AssertionError(f"{name}'s spawn neither started nor failed in {timeout} s")


def test_a_learner_server_that_logs_request_headers_captures_no_token_of_use(
        hub, app, live_server, hub_secrets, monkeypatch, no_leftover_servers):
    monkeypatch.setattr("lms.grading.submissions._enqueue", lambda submission_id: None)  # no grading needed
    course = course_with_assignment()
    spy, other = factories.user("learner"), factories.user("learner")
    enrol(spy, course)
    enrol(other, course)
    spy_name, other_name = hub_account(spy).username, hub_account(other).username
    config = hub.state_dir / "home" / spy_name / ".jupyter"
    config.mkdir(parents=True)
    (config / "jupyter_server_config.py").write_text(HEADER_LOGGER)
    spy_api, other_api = LearnerApi(live_server, spy), LearnerApi(live_server, other)
    try:
        # The LMS works in the spy's server: the course folder and the assignment at launch, then a hand-in.
        assert spy_api.launch(course.slug)["status"] == "ready"
        assert other_api.launch(course.slug)["status"] == "ready"
        handed_in = spy_api.post(f"{spy_api.base}/assignments/{course.slug}/mean-and-median/submissions", timeout=60)
        assert handed_in.status_code == 202, handed_in.text

        captured = (hub.state_dir / "home" / spy_name / "captured-headers.jsonl").read_text()
        tokens = {json.loads(line).get("Authorization", "") for line in captured.splitlines()}
        tokens = {value.split(" ", 1)[1] for value in tokens if value.lower().startswith("token ")}
        assert tokens, "the LMS's calls into the server were not seen"
        assert hub_secrets.api_token not in captured and hub_secrets.report_token not in captured
        for token in tokens:
            # Not the hub's user list, not another learner, not their server…
            assert plain().get(f"{hub.api_url}/users", headers=with_token(token), timeout=10).status_code == 403
            assert plain().get(f"{hub.api_url}/users/{other_name}", headers=with_token(token),
                               timeout=10).status_code in (403, 404)
            other_files = plain().get(f"{hub.url}/user/{other_name}/api/contents/", headers=with_token(token),
                                      allow_redirects=False, timeout=10)
            assert other_files.status_code == 403, other_files.status_code
            # …no start of anyone's server, no forged usage…
            assert start_straight(hub, other_name, token, "gpu-1") == 403
            forged = plain().post(f"{live_server}/api/v1/hub/usage-events", headers=with_token(token), timeout=10,
                                  json={"id": "forged", "event": "start", "user": other_name, "profile": "gpu-1",
                                        "at": (utcnow() - timedelta(hours=22)).isoformat() + "Z"})
            assert forged.status_code == 401
            # …and by now nothing at all: the operation it was minted for is over.
            assert plain().get(f"{hub.api_url}/user", headers=with_token(token), timeout=10).status_code == 403
        assert db.session.scalar(select(GpuUsageSession).where(GpuUsageSession.start_event == "forged")) is None
        # The hub's own credential is not in the learner's server either.
        environment = server_environment(hub, spy_name)
        assert environment and not {hub_secrets.api_token, hub_secrets.report_token} & set(environment.values())
    finally:
        for api in (spy_api, other_api):
            api.delete(f"{api.base}/courses/{course.slug}/notebook", timeout=60)
            api.close()


def test_a_direct_hub_api_spawn_of_a_refused_profile_fails(hub, app, live_server, no_leftover_servers):
    gpu = make_course("deep-learning", profile="gpu-1")
    learner = factories.user("learner")
    enrol(learner, gpu)
    name = hub_account(learner).username
    hub.api("POST", f"/users/{name}")
    # As after earlier launches from the LMS: the course group grants gpu-1 and the learner is in it…
    group = f"/groups/course-{gpu.slug}"
    hub.api("POST", group)
    hub.api("PUT", group + "/properties", json={"oqu_profile": "gpu-1"})
    hub.api("POST", group + "/users", json={"users": [name]})
    # …but the GPU time left this month is less than a launch needs, so the LMS refuses the launch.
    set_quota(SYSTEM, course=gpu, learner_hours=0.1)
    api = LearnerApi(live_server, learner)
    refused = api.post(f"{api.base}/courses/{gpu.slug}/notebook", timeout=30)
    assert refused.status_code == 403 and refused.json()["error"] == "notebooks_not_allowed"

    # The learner's own hub token, straight to the hub's API: the hub asks the LMS and refuses too.
    own = learner_token(hub, name)
    # (Nor can that token make a group grant a profile, or put them in one.)
    assert plain().put(hub.api_url + group + "/properties", json={"oqu_profile": "gpu-1"}, headers=with_token(own),
                       timeout=10).status_code in (403, 404)
    assert plain().post(f"{hub.api_url}/groups/mine", headers=with_token(own), timeout=10).status_code in (403, 404)
    assert start_straight(hub, name, own, "gpu-1") in (201, 202)
    outcome = spawn_outcome(hub, name)
    assert outcome["ready"] is False and spawn_refusal(name, "gpu-1") in outcome["message"]
    assert server_environment(hub, name) == {}
    # What the LMS would allow, the hub starts: a CPU server.
    assert start_straight(hub, name, own, "cpu") in (201, 202)
    assert spawn_outcome(hub, name) == {"ready": True}
    hub.api("DELETE", f"/users/{name}/server")
    api.close()


def test_a_deactivated_learner_cannot_start_a_server_and_their_running_one_stops(
        hub, app, live_server, no_leftover_servers):
    course = make_course()
    learner = factories.user("learner")
    enrol(learner, course)
    api = LearnerApi(live_server, learner)
    assert api.launch(course.slug)["status"] == "ready"
    name = db.session.scalar(select(HubAccount.username).where(HubAccount.user_id == learner.id))
    own = learner_token(hub, name)  # from the hub's token page, say
    assert plain().get(f"{hub.api_url}/user", headers=with_token(own), timeout=10).status_code == 200

    set_user_active(factories.user("admin"), learner, False)

    # At once: the server is gone and every hub token of theirs is dead…
    assert servers_of(hub, name) == {} and server_environment(hub, name) == {}
    assert plain().get(f"{hub.api_url}/user", headers=with_token(own), timeout=10).status_code == 403
    assert hub.api("GET", f"/users/{name}/tokens").json()["api_tokens"] == []
    # …and a token minted afterwards (the hub's sign-in cookie still opens its token page) starts nothing.
    fresh = learner_token(hub, name)
    assert start_straight(hub, name, fresh, "cpu") in (201, 202)
    outcome = spawn_outcome(hub, name)
    assert outcome["ready"] is False
    assert translated(app, "This account has been deactivated. Contact your administrator.") in outcome["message"]
    assert servers_of(hub, name) == {}
    api.close()

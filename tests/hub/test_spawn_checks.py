"""``POST /api/v1/hub/spawn-checks``: the hub asks before every start, with its own credential only, and
gets the LMS's own rules — account active, a course with notebooks, a course of theirs that runs the
profile, GPU time left — with the reason in the person's language (the real hub: test_least_privilege)."""
from __future__ import annotations

import pytest

from lms.accounts.services import set_user_active
from lms.hub import ended as hub_ended, services as hub_services
from lms.hub.client import ServerState
from lms.hub.models import LaunchStatus, NotebookLaunch
from lms.extensions import db
from lms.gpu.services import set_quota
from lms.security import SYSTEM

from .. import factories
from ..conftest import translated
from ..gpu.conftest import enrol, hub_name, make_course
from .fakes import FakeHub

URL = "/api/v1/hub/spawn-checks"


@pytest.fixture
def app_overrides():
    return {"hub_url": "http://127.0.0.1:9", "queue_url": "memory://"}


def ask(client, app, user: str, profile: str, token: str | None = None):
    token = token or app.config["OQU_SETTINGS"].hub_report_token
    return client.post(URL, json={"user": user, "server": "", "profile": profile},
                       headers={"Authorization": f"token {token}"})


def refusal(answer) -> str:
    assert answer.status_code == 403 and answer.json["error"] == "spawn_refused", answer.json
    return answer.json["message"]


def test_only_the_hubs_own_credential_may_ask(app, client):
    name = hub_name(factories.user("learner"))
    assert client.post(URL, json={"user": name, "profile": "cpu"}).status_code == 401
    for token in (app.config["OQU_SETTINGS"].hub_api_token, "x" * 40):
        assert ask(client, app, name, "cpu", token=token).status_code == 401
    assert client.post(URL, data="not json", headers={
        "Authorization": f"token {app.config['OQU_SETTINGS'].hub_report_token}"}).status_code == 400


def test_the_hub_gets_what_a_launch_from_the_lms_would_get(app, client):
    cpu, gpu = make_course("ai-basics", "cpu"), make_course("deep-learning", "gpu-1")
    outsider = factories.user("learner")
    cpu_learner, gpu_learner = factories.user("learner", preferred_language="ru"), factories.user("learner")
    enrol(cpu_learner, cpu)
    enrol(gpu_learner, gpu)

    assert refusal(ask(client, app, hub_name(outsider), "cpu")) == translated(
        app, "Notebooks are open to people enrolled in a course that has notebooks, and to instructors. "
             "Enrol in such a course to use them.")
    assert refusal(ask(client, app, "u-nobody", "cpu"))  # a hub user the LMS does not know
    cpu_name, gpu_name = hub_name(cpu_learner), hub_name(gpu_learner)
    assert ask(client, app, cpu_name, "cpu").json == {"allowed": True}
    assert refusal(ask(client, app, cpu_name, "gpu-1")) == translated(
        app, "None of your courses runs its notebooks with the %(profile)s profile, so this notebook cannot start.",
        "ru", profile="gpu-1")
    assert refusal(ask(client, app, cpu_name, "quantum"))
    assert ask(client, app, gpu_name, "gpu-1").json == {"allowed": True}

    set_quota(SYSTEM, course=gpu, learner_hours=0.1)  # less than a launch needs
    assert "GPU" in refusal(ask(client, app, gpu_name, "gpu-1"))
    assert ask(client, app, gpu_name, "cpu").json == {"allowed": True}

    set_user_active(factories.user("admin"), cpu_learner, False)
    assert refusal(ask(client, app, cpu_name, "cpu")) == translated(
        app, "This account has been deactivated. Contact your administrator.", "ru")


def test_a_server_the_hub_kept_running_at_deactivation_is_stopped_by_the_sweep(app, monkeypatch):
    course = make_course("ai-basics", "cpu")
    learner = factories.user("learner")
    enrol(learner, course)
    hub_name(learner)
    db.session.add(NotebookLaunch(user_id=learner.id, course_id=course.id, profile="cpu", status=LaunchStatus.ready))
    db.session.commit()
    down = FakeHub(ServerState(exists=True, running=True, ready=True))
    down.stop_server = lambda username: (_ for _ in ()).throw(hub_services.HubUnavailable("down"))
    monkeypatch.setattr(hub_services, "hub_client", lambda: down)
    set_user_active(factories.user("admin"), learner, False)  # goes through with the hub down
    assert not learner.active and hub_ended.end_access_of_deactivated() == []

    back = FakeHub(ServerState(exists=True, running=True, ready=True))
    monkeypatch.setattr(hub_services, "hub_client", lambda: back)
    assert hub_ended.end_access_of_deactivated() == [learner.id]
    assert back.calls == ["stop", "revoke"]
    assert hub_services.latest_launch(learner).status == LaunchStatus.stopped
    assert hub_ended.end_access_of_deactivated() == []  # done once


def ask_server(client, app, user: str, server: str, profile: str = "cpu"):
    return client.post(URL, json={"user": user, "server": server, "profile": profile},
                       headers={"Authorization": f"token {app.config['OQU_SETTINGS'].hub_report_token}"})


def test_only_instructors_and_admins_get_an_authoring_server_and_nobody_another_named_one(app, client):
    course = make_course("ai-basics", "cpu")
    learner, instructor, admin = factories.user("learner"), factories.user("instructor"), factories.user("admin")
    enrol(learner, course)
    enrol(admin, course)
    names = {person: hub_name(person) for person in (learner, instructor, admin)}
    refused = translated(app, "Only instructors and administrators have an authoring notebook; your notebook is "
                              "opened from your course page.")
    assert ask_server(client, app, names[learner], "").json == {"allowed": True}  # their own notebook
    assert refusal(ask_server(client, app, names[learner], "authoring")) == refused
    assert refusal(ask_server(client, app, names[learner], "mine")) == refused
    assert ask_server(client, app, names[instructor], "authoring").json == {"allowed": True}
    assert ask_server(client, app, names[admin], "authoring").json == {"allowed": True}
    assert refusal(ask_server(client, app, names[instructor], "second")) == refused
    assert refusal(ask_server(client, app, names[instructor], "authoring", "gpu-1"))
    set_user_active(admin, instructor, False)
    assert refusal(ask_server(client, app, names[instructor], "authoring")) == translated(
        app, "This account has been deactivated. Contact your administrator.")

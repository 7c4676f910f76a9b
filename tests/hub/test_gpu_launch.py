"""GPU courses against a real hub (local back end): the LMS grants the course group its profile and
asks for nothing else, the hub refuses what no course grants, start and stop land in the LMS through
the hub's hooks, the server gets its profile in its environment and a landing notebook, and a learner
out of GPU time is refused before the hub is asked — while their CPU course still opens."""
from __future__ import annotations

import html
import time
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from lms.accounts.services import create_api_token
from lms.extensions import db
from lms.gpu.models import GpuUsageSession
from lms.gpu.services import enforce_gpu_time, set_quota
from lms.hub.models import HubAccount
from lms.security import SYSTEM

from .. import factories
from ..conftest import translated
from .conftest import LearnerServer, enrol, make_course


def api_session(user):
    _, secret = create_api_token(user, user, "tests")
    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = f"Bearer {secret}"
    return session


def follow(session, url: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    body = session.get(url + "?wait=5", timeout=30).json()
    while body["status"] == "pending" and time.monotonic() < deadline:
        body = session.get(url + "?wait=5", timeout=30).json()
    return body


def eventually(check, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def server_environment(hub, username: str) -> dict[str, str]:
    for pid in hub.descendants():
        try:
            raw = open(f"/proc/{pid}/environ", "rb").read()
        except OSError:
            continue
        env = dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)
        if env.get("JUPYTERHUB_USER") == username:
            return env
    return {}


def gpu_server_running(live_server):
    """A learner of a GPU course whose server has started through the LMS's API: (course, learner, their
    API session, the course's notebook URL, their hub name)."""
    course = make_course("deep-learning", profile="gpu-1")
    learner = factories.user("learner")
    enrol(learner, course)
    session = api_session(learner)
    url = f"{live_server}/api/v1/courses/{course.slug}/notebook"
    assert session.post(url, timeout=30).status_code in (200, 202)
    ready = follow(session, url)
    assert ready["status"] == "ready" and ready["profile"] == "gpu-1", ready
    username = db.session.scalar(select(HubAccount.username).where(HubAccount.user_id == learner.id))
    return course, learner, session, url, username


def test_a_gpu_course_launch_is_granted_reported_and_stopped(hub, app, live_server, hub_secrets,
                                                             no_leftover_servers):
    course, learner, session, url, username = gpu_server_running(live_server)

    # The hub knows the course group grants gpu-1, and recorded only the profile and the course (which
    # its usage reports name, so that the GPU time is the course's).
    group = hub.api("GET", f"/groups/course-{course.slug}").json()
    assert group["properties"] == {"oqu_profile": "gpu-1"} and username in group["users"]
    assert hub.api("GET", f"/users/{username}").json()["servers"][""]["user_options"] == {"profile": "gpu-1",
                                                                                          "course": course.slug}
    env = server_environment(hub, username)
    assert env["OQU_PROFILE"] == "gpu-1" and env["OQU_GPU_COUNT"] == "1"
    # The landing notebook that says whether a GPU is visible is in the course folder.
    assert "gpu-check.ipynb" in LearnerServer(hub, username).listing(course.slug)

    # The hub's spawn hook reported the start to the LMS…
    row = eventually(lambda: db.session.scalar(select(GpuUsageSession).where(GpuUsageSession.user_id == learner.id)))
    assert row is not None and row.gpus == 1 and row.course_id == course.id and row.stopped_at is None
    # …and its stop hook the stop.
    assert session.delete(url, timeout=30).json()["status"] == "stopped"
    stopped = eventually(lambda: db.session.scalar(select(GpuUsageSession.stopped_at).where(
        GpuUsageSession.id == row.id)))
    assert stopped is not None and stopped >= row.started_at


def test_the_hub_refuses_a_profile_no_course_grants_and_smuggled_options(hub, app, live_server,
                                                                         no_leftover_servers):
    learner = factories.user("learner")
    enrol(learner, make_course("ai-basics", profile="cpu"))
    username = "u" + "0ddba11"
    db.session.add(HubAccount(user_id=learner.id, username=username))
    db.session.commit()
    hub.api("POST", f"/users/{username}")
    # Posting straight to the hub's API: a GPU profile without a granting course group fails…
    hub.api("POST", f"/users/{username}/server", json={"user_options": {"profile": "gpu-1"}})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and hub.api("GET", f"/users/{username}").json()["servers"]:
        time.sleep(0.2)
    assert hub.api("GET", f"/users/{username}").json()["servers"] == {}
    assert "not granted" in hub.log()
    # …and extra keys come to nothing: the server runs the cpu profile with its options cleaned.
    started = hub.api("POST", f"/users/{username}/server",
                      json={"user_options": {"profile": "cpu", "gres": "gpu:8", "image": "evil"}})
    assert started.status_code in (201, 202)
    deadline = time.monotonic() + 30
    server = {}
    while time.monotonic() < deadline:
        server = hub.api("GET", f"/users/{username}").json()["servers"].get("", {})
        if server.get("ready"):
            break
        time.sleep(0.3)
    assert server.get("ready") and server["user_options"] == {"profile": "cpu"}
    assert server_environment(hub, username)["OQU_GPU_COUNT"] == "0"
    hub.api("DELETE", f"/users/{username}/server")


@pytest.mark.parametrize("language", ["ru"])
def test_a_learner_out_of_gpu_time_is_refused_but_their_cpu_course_opens(hub, app, live_server, language,
                                                                         monkeypatch, no_leftover_servers):
    gpu = make_course("deep-learning", profile="gpu-1")
    cpu = make_course("ai-basics", profile="cpu")
    learner = factories.user("learner")
    enrol(learner, gpu)
    enrol(learner, cpu)
    now = datetime(2026, 11, 15, 12, 0)  # mid-month, so the usage below falls in one month
    monkeypatch.setattr("lms.gpu.services.utcnow", lambda: now)
    start = now - timedelta(hours=10)
    hours_left = 0.1
    db.session.add(GpuUsageSession(user_id=learner.id, hub_username="x", server_name="", profile="gpu-1", gpus=1,
                                   started_at=start, stopped_at=start + timedelta(hours=10 - hours_left),
                                   start_event="earlier", closed_by="hub"))
    db.session.commit()
    session = api_session(learner)
    session.headers["Accept-Language"] = language
    refused = session.post(f"{live_server}/api/v1/courses/{gpu.slug}/notebook", timeout=30)
    assert refused.status_code == 403 and refused.json()["error"] == "notebooks_not_allowed"
    message = refused.json()["message"]
    assert "9,9" in message and "10,0" in message  # used and limit, in Russian number format
    assert message.startswith(translated(app, "You have used %(used)s of your %(limit)s GPU-hours this month, so a "
                                              "GPU notebook cannot start now. Your GPU time resets on %(date)s.",
                                         language, used="9,9", limit="10,0", date="").rstrip(".").rstrip())
    username = db.session.scalar(select(HubAccount.username).where(HubAccount.user_id == learner.id))
    assert username is None or not hub.api("GET", f"/users/{username}").json().get("servers")

    url = f"{live_server}/api/v1/courses/{cpu.slug}/notebook"
    assert session.post(url, timeout=30).status_code in (200, 202)
    assert follow(session, url)["status"] == "ready"
    assert session.delete(url, timeout=30).json()["status"] == "stopped"


def test_a_running_cpu_server_is_restarted_with_a_gpu_only_when_the_learner_confirms(
        hub, app, live_server, browser_session, no_leftover_servers):
    cpu = make_course("ai-basics", profile="cpu")
    gpu = make_course("deep-learning", profile="gpu-1")
    learner = factories.user("learner", preferred_language="ru")
    enrol(learner, cpu)
    enrol(learner, gpu)
    session = api_session(learner)
    api = f"{live_server}/api/v1/courses"
    assert session.post(f"{api}/{cpu.slug}/notebook", timeout=30).status_code in (200, 202)
    assert follow(session, f"{api}/{cpu.slug}/notebook")["profile"] == "cpu"
    username = db.session.scalar(select(HubAccount.username).where(HubAccount.user_id == learner.id))

    def running_profile():
        return hub.api("GET", f"/users/{username}").json()["servers"].get("", {}).get("user_options")

    # The GPU course does not silently open on the CPU server, nor stop it unasked.
    refused = session.post(f"{api}/{gpu.slug}/notebook", timeout=30)
    assert refused.status_code == 409 and refused.json()["error"] == "notebook_restart_needed"
    assert running_profile() == {"profile": "cpu", "course": cpu.slug}

    browser_session.sign_in(live_server, learner)
    token = browser_session.form_token(f"{live_server}/courses/{gpu.slug}")
    asked = browser_session.post(f"{live_server}/courses/{gpu.slug}/notebook", data={"csrf_token": token},
                                 allow_redirects=False, timeout=30)
    assert asked.status_code == 409 and 'name="restart" value="1"' in asked.text
    assert translated(app, "Your notebook is running without a GPU, and this course needs one. Restart it with a "
                           "GPU? Your saved files are kept; code that is running and changes not yet saved are "
                           "lost.", "ru") in html.unescape(asked.text)
    assert running_profile() == {"profile": "cpu", "course": cpu.slug}

    confirmed = browser_session.post(f"{live_server}/courses/{gpu.slug}/notebook",
                                     data={"csrf_token": token, "restart": "1"}, allow_redirects=False, timeout=60)
    assert confirmed.status_code == 302
    ready = follow(session, f"{api}/{gpu.slug}/notebook")
    assert ready["status"] == "ready" and ready["profile"] == "gpu-1", ready
    assert running_profile() == {"profile": "gpu-1", "course": gpu.slug}
    assert server_environment(hub, username)["OQU_GPU_COUNT"] == "1"

    # A GPU server serves the CPU course as it is: no question, no restart.
    reused = session.post(f"{api}/{cpu.slug}/notebook", timeout=30)
    assert reused.status_code == 200 and reused.json()["status"] == "ready"
    assert running_profile() == {"profile": "gpu-1", "course": gpu.slug}
    assert session.delete(f"{api}/{cpu.slug}/notebook", timeout=30).json()["status"] == "stopped"


def test_a_gpu_server_is_stopped_when_the_gpu_time_runs_out(hub, app, live_server, no_leftover_servers):
    course, learner, session, url, username = gpu_server_running(live_server)
    row = eventually(lambda: db.session.scalar(select(GpuUsageSession).where(GpuUsageSession.user_id == learner.id)))
    assert row is not None and row.stopped_at is None

    assert enforce_gpu_time() == []  # ten hours a month by default: time is left
    set_quota(SYSTEM, course=course, learner_hours=0.0001)  # a third of a second: already used
    assert enforce_gpu_time() == [learner.id]
    assert hub.api("GET", f"/users/{username}").json()["servers"] == {}
    assert eventually(lambda: db.session.scalar(select(GpuUsageSession.stopped_at).where(
        GpuUsageSession.id == row.id))) is not None  # the hub's stop hook closed the session
    assert session.get(url, timeout=30).json()["status"] == "stopped"
    again = session.post(url, timeout=30)
    assert again.status_code == 403 and again.json()["error"] == "notebooks_not_allowed"

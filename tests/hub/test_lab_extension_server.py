"""Oqu's server extension in the learner's server on a real hub: JupyterLab's calls to ``/oqu/…`` reach
the LMS with the server's own hub token (JUPYTERHUB_API_TOKEN), which the LMS verifies with the hub;
answers and refusals come back in the learner's language. No LMS secret is in the learner's server."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.hub.models import HubAccount

from .. import factories
from ..grading.files import DEMO
from .conftest import LearnerApi, course_with_assignment, enrol
from .test_learner_lab import LabOf

NOTEBOOK = "ai-basics/mean-and-median/mean-and-median.ipynb"


@pytest.fixture
def app_overrides(app_overrides, tmp_path):
    folder = tmp_path / "assignments"
    shutil.copytree(DEMO, folder / "ai-basics" / "mean-and-median")
    return {**app_overrides, "assignments_dir": str(folder)}


def test_the_lab_extension_acts_for_its_learner_with_the_servers_hub_token(hub, app, live_server, hub_secrets,
                                                                           no_leftover_servers):
    course = course_with_assignment()
    learner = factories.user("learner", given_name="Дана", preferred_language="ru")
    outsider = factories.user("learner", given_name="Ерлан", preferred_language="kk")
    enrol(learner, course)
    api = LearnerApi(live_server, learner)
    try:
        assert api.launch(course.slug)["status"] == "ready"
        username = db.session.scalar(select(HubAccount.username).where(HubAccount.user_id == learner.id))
        lab = LabOf(hub, username)
        base = f"{lab.base}/oqu"

        answer = lab.get(f"{base}/notebook", params={"path": NOTEBOOK}, timeout=30)
        assert answer.status_code == 200, answer.text[:300]
        assignment = answer.json()["assignment"]
        assert (assignment["course"], assignment["assignment"]) == ("ai-basics", "mean-and-median")
        assert assignment["title"] == "Задание: среднее и медиана" and assignment["latest"] is None
        listing = lab.get(f"{base}/courses/ai-basics/assignments", timeout=30)
        assert [a["assignment"] for a in listing.json()["assignments"]] == ["mean-and-median"]

        # handing in goes through the submit page's service: here the notebook is not in the folder yet
        server = lab.get(f"{lab.base}/api/contents/{NOTEBOOK}", timeout=30)
        if server.status_code == 200:  # the release already placed it: move it away for this check
            lab.patch(f"{lab.base}/api/contents/{NOTEBOOK}", json={"path": "elsewhere.ipynb"}, timeout=30)
        refused = lab.post(f"{base}/courses/ai-basics/assignments/mean-and-median/submissions", timeout=60)
        assert refused.status_code == 409, refused.text[:300]
        assert refused.json()["error"] == "submission_refused"
        assert "mean-and-median.ipynb" in refused.json()["message"] and "не найден" in refused.json()["message"]

        # a course the learner is not enrolled in, and another learner's work, stay closed
        assert lab.get(f"{base}/courses/other/assignments", timeout=30).status_code == 404
        other_course = course_with_assignment(slug="other-course")
        enrol(outsider, other_course)
        closed = lab.get(f"{base}/courses/other-course/assignments", timeout=30)
        assert closed.status_code == 403 and "Запишитесь на курс" in closed.json()["message"]
        theirs = factories.submission(outsider, other_course, "mean-and-median")
        assert lab.get(f"{base}/submissions/{theirs.id}", timeout=30).status_code == 404

        # the learner's server knows where the LMS is, and holds no LMS credential
        environ = Path(f"/proc/{_server_pid(hub, username)}/environ").read_bytes().decode(errors="replace")
        assert f"OQU_LMS_URL={live_server}" in environ.split("\0")
        settings = app.config["OQU_SETTINGS"]
        for secret in (settings.hub_api_token, settings.hub_report_token, settings.hub_client_secret,
                       app.config["SECRET_KEY"]):
            assert secret not in environ
    finally:
        api.delete(f"{api.base}/courses/{course.slug}/notebook", timeout=60)


def _server_pid(hub, username: str) -> int:
    from tests.hubs import command_line

    for pid in hub.descendants():
        line = command_line(pid)
        if "jupyterhub-singleuser" in line or "jupyter-labhub" in line or "singleuser" in line:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            if f"JUPYTERHUB_USER={username}".encode() in environ:
                return pid
    raise AssertionError(f"no server process of {username}")

"""The whole grading journey with real parts: a real hub, the LMS served on a port, a real worker
process (``flask --app wsgi lms worker``) on the test's database and queue, nbgrader in the sandbox.

Two learners open the assignment from the LMS (their servers get the student version through the
contents API), write their answers into the released notebook through the same API, and submit —
one through the JSON API, one with the course page's Submit button. The LMS grades them off the
request path: full marks for the right answer; partial marks for the wrong one, with feedback that
says which test cell failed (on a hidden check) but none of the hidden test's code or words.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.extensions import db
from tests.hubs import ROOT
from lms.hub.models import HubAccount

from .. import factories
from ..conftest import csrf_token, page_text, signed_in_client, translated
from ..grading.files import DEMO
from .conftest import LearnerApi, LearnerServer, course_with_assignment, enrol, set_cell

NOTEBOOK = "ai-basics/mean-and-median/mean-and-median.ipynb"
RIGHT_MEAN = ("def mean_requests(counts):\n    if not counts:\n        raise ValueError('empty')\n"
              "    return sum(counts) / len(counts)\n")
WRONG_MEAN = "def mean_requests(counts):\n    return sum(counts) / len(counts) if counts else 0\n"
MEDIAN = ("def median_requests(counts):\n    if not counts:\n        raise ValueError('empty')\n"
          "    ordered = sorted(counts)\n    half = len(ordered) // 2\n"
          "    return ordered[half] if len(ordered) % 2 else (ordered[half - 1] + ordered[half]) / 2\n")
HIDDEN_TEST_CODE = ["mean_requests([])", "except ValueError", "median_requests([4, 1, 3, 2])",
                    "median_requests([7])", "BEGIN HIDDEN TESTS"]
FINISHED = ("graded", "flagged", "failed")


@pytest.fixture
def assignments_dir(tmp_path) -> Path:
    folder = tmp_path / "assignments"
    shutil.copytree(DEMO, folder / "ai-basics" / "mean-and-median")
    return folder


@pytest.fixture
def app_overrides(app_overrides, tmp_path, assignments_dir):
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    return {**app_overrides, "queue_url": f"sqlite:///{tmp_path / 'queue.db'}", "grading_dir": str(jobs),
            "assignments_dir": str(assignments_dir)}


@pytest.fixture
def worker(app, tmp_path):
    """``flask --app wsgi lms worker`` with the test's database, queue, secret and folders."""
    settings = app.config["OQU_SETTINGS"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "FLASK_"))}
    env.update({"LMS_ENV": "testing", "LMS_INSTANCE_PATH": str(tmp_path / "worker-instance"),
                "LMS_SECRET_KEY": app.config["SECRET_KEY"], "LMS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "LMS_QUEUE_URL": settings.queue_url, "LMS_GRADING_DIR": settings.grading_dir,
                "LMS_ASSIGNMENTS_DIR": settings.assignments_dir, "LMS_HUB_URL": settings.hub_url,
                "LMS_HUB_API_URL": settings.hub_api_url,
                "LMS_HUB_API_TOKEN": settings.hub_api_token})  # it releases assignments into learners' servers
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "lms", "worker",
                                    "--workers", "2", "--max-delay", "0.1"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    yield SimpleWorker(process, log_path)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


class SimpleWorker:
    def __init__(self, process, log_path):
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


def _server_of(hub, hub_secrets, user) -> LearnerServer:
    username = db.session.scalar(select(HubAccount.username).where(HubAccount.user_id == user.id))
    return LearnerServer(hub, username)


def _graded(api: LearnerApi, submission_id: int, worker, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = api.get(f"{api.base}/submissions/{submission_id}", timeout=10).json()
        if body["status"] in FINISHED:
            return body
        assert worker.process.poll() is None, f"the worker died:\n{worker.log()}"
        assert time.monotonic() < deadline, f"not graded in {timeout} s: {body}\n{worker.log()}"
        time.sleep(0.2)


def test_learners_open_answer_submit_and_get_graded_with_feedback(hub, app, live_server, hub_secrets, worker,
                                                                  no_leftover_servers):
    started = time.monotonic()
    course = course_with_assignment()
    ana, bek = factories.user("learner", given_name="Ана"), factories.user("learner", given_name="Бек")
    for learner in (ana, bek):
        enrol(learner, course)
    api_a, api_b = LearnerApi(live_server, ana), LearnerApi(live_server, bek)
    try:
        # Both open their notebook from the LMS; the assignment is released into each server.
        for api in (api_a, api_b):
            assert api.post(f"{api.base}/courses/{course.slug}/notebook", timeout=60).status_code in (200, 202)
        assert api_a.launch(course.slug)["status"] == "ready"
        assert api_b.launch(course.slug)["status"] == "ready"
        server_a, server_b = _server_of(hub, hub_secrets, ana), _server_of(hub, hub_secrets, bek)
        # The worker places the assignment once the server is ready (never inside the launch request).
        deadline = time.monotonic() + 120
        while not (server_a.exists(NOTEBOOK) and server_b.exists(NOTEBOOK)):
            assert time.monotonic() < deadline, "the worker did not release the assignment"
            time.sleep(0.5)
        opened = time.monotonic()

        # Each writes an answer into the released notebook, as JupyterLab saves it.
        released = server_a.notebook(NOTEBOOK)
        assert "NotImplementedError" in str(released) and "BEGIN SOLUTION" not in str(released)
        server_a.save_notebook(NOTEBOOK, set_cell(set_cell(released, "mean", RIGHT_MEAN), "median", MEDIAN))
        released = server_b.notebook(NOTEBOOK)
        server_b.save_notebook(NOTEBOOK, set_cell(set_cell(released, "mean", WRONG_MEAN), "median", MEDIAN))

        # Ana submits through the API; Bek with the course page's Submit button.
        response = api_a.post(f"{api_a.base}/assignments/{course.slug}/mean-and-median/submissions", timeout=60)
        assert response.status_code == 202, response.text
        assert response.json()["status"] in ("queued", "grading")
        submission_a = response.json()["id"]
        browser_b = signed_in_client(app, bek)
        response = browser_b.post(f"/courses/{course.slug}/assignments/mean-and-median/submit",
                                  data={"csrf_token": csrf_token(browser_b, f"/courses/{course.slug}")})
        assert response.status_code == 302, page_text(response)[:500]
        submission_b = int(re.search(r"/submissions/(\d+)$", response.headers["Location"]).group(1))

        # Graded off the request path by the worker process.
        result_a = _graded(api_a, submission_a, worker)
        result_b = _graded(api_b, submission_b, worker)
        graded = time.monotonic()
        assert (result_a["status"], result_a["total"], result_a["max_total"]) == ("graded", 5, 5), result_a
        assert (result_b["status"], result_b["total"], result_b["max_total"]) == ("graded", 3, 5), result_b
        assert {s["cell"]: s["score"] for s in result_b["scores"]} == {"test_mean": 0, "test_median": 3}

        # The LMS pages show it.
        page_a = page_text(signed_in_client(app, ana).get(f"/submissions/{submission_a}"))
        assert re.search(r'data-testid="submission-total">\s*5 / 5\s*<', page_a), page_a
        page_b = page_text(browser_b.get(response.headers["Location"]))
        assert re.search(r'data-testid="submission-total">\s*3 / 5\s*<', page_b), page_b
        feedback = page_b.split('data-testid="submission-feedback"', 1)
        assert len(feedback) == 2, "no feedback on the submission page"
        # which cell failed, and that it was a hidden check, in the learner's language; never the hidden
        # test's own words
        assert translated(app, "Failed on a hidden check: the checks you see in %(cell)s may pass, but the same "
                               "cell has more checks you do not see. Try your answer on other inputs, including "
                               "unusual ones.", cell="«Орташа мәнді тексеру»") in feedback[1]  # its label
        assert "an empty list must raise ValueError" not in page_b
        for code in HIDDEN_TEST_CODE:
            assert code not in page_b, f"the feedback shows hidden test code: {code!r}"
        # Nobody sees the other's submission.
        assert api_a.get(f"{api_a.base}/submissions/{submission_b}", timeout=10).status_code == 404
    finally:
        for api in (api_a, api_b):
            api.delete(f"{api.base}/courses/{course.slug}/notebook", timeout=60)
            api.close()
    print(f"\ngrading journey: {time.monotonic() - started:.1f} s (both servers ready with the assignment "
          f"{opened - started:.1f} s, answered, submitted and both graded {graded - opened:.1f} s)")

"""SIGKILL of the whole worker in the middle of grading, then a fresh worker: graded exactly once.

Huey removes a task from its queue before running it, so the killed consumer's task is gone; the
submission row (``grading`` with a lease) is the truth, and the new worker's reaper hands it on
once the lease has run out (DESIGN §4).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lms.extensions import db
from lms.grading import submissions
from lms.grading.models import Submission, SubmissionScore, SubmissionStatus
from lms.grading.sandbox import JOB_MARKER
from tests.hubs import ROOT
from tests.conftest import audit_events
from tests.grading.files import DEMO, assignment_course, learner_version

pytestmark = pytest.mark.integration  # a real worker process grades in the sandbox

LEASE = 6


@pytest.fixture
def app_overrides(tmp_path):
    return {"hub_url": "http://127.0.0.1:9", "queue_url": f"sqlite:///{tmp_path / 'queue.db'}",
            "grading_dir": str(_jobs(tmp_path)), "grading_lease": LEASE}


def _jobs(tmp_path: Path) -> Path:
    folder = tmp_path / "jobs"
    folder.mkdir(exist_ok=True)
    return folder


def _start_worker(app, tmp_path: Path, name: str) -> subprocess.Popen:
    settings = app.config["OQU_SETTINGS"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "FLASK_"))}
    env.update({"LMS_INSTANCE_PATH": str(tmp_path / "instance"), "LMS_SECRET_KEY": app.config["SECRET_KEY"],
                "LMS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "LMS_QUEUE_URL": settings.queue_url,
                "LMS_GRADING_DIR": settings.grading_dir, "LMS_GRADING_LEASE": str(LEASE),
                "LMS_ASSIGNMENTS_DIR": settings.assignments_dir})
    log = open(tmp_path / f"{name}.log", "wb")
    return subprocess.Popen([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "lms", "worker",
                             "--workers", "1", "--max-delay", "0.1"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _graders_under(folder: Path) -> list[int]:
    """Grading processes (runner and kernel) whose job folder lies under ``folder``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(v.startswith(JOB_MARKER.encode() + b"=") for v in environ) and \
                f"HOME={folder}".encode() in b"\0".join(environ):
            found.append(int(entry.name))
    return found


def _descendants(root: int) -> list[int]:
    """Every process below ``root`` now (the warm grading runner, the job it forked, the kernel)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _row(submission_id: int) -> Submission:
    db.session.expire_all()
    return db.session.get(Submission, submission_id)


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_grading_leaves_the_submission_graded_exactly_once(app, make, tmp_path):
    course = assignment_course(tmp_path)
    notebook = learner_version(DEMO / "mean-and-median.ipynb")
    notebook["cells"].insert(1, {"cell_type": "code", "id": "slow", "metadata": {}, "execution_count": None,
                                 "outputs": [], "source": "import time\ntime.sleep(3)"})
    learner = make.user("learner")
    workers = [_start_worker(app, tmp_path, "first")]
    try:
        submission = submissions.store_submission(learner, course, "mean-and-median",
                                                  {"mean-and-median.ipynb": json.dumps(notebook)})
        # the first worker picks it up; kill it, with its sandboxed grader, while the row says grading
        _wait(lambda: _row(submission.id).status == SubmissionStatus.grading, 120, "grading to start")
        _wait(lambda: _graders_under(_jobs(tmp_path)), 120, "the learner's kernel to start in the sandbox")
        below = _descendants(workers[0].pid)  # graders run in sessions of their own: not in the group
        os.killpg(workers[0].pid, signal.SIGKILL)
        for pid in below + _graders_under(_jobs(tmp_path)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        workers[0].wait(timeout=10)
        killed = _row(submission.id)
        assert (killed.status, killed.grading_attempts, killed.total) == (SubmissionStatus.grading, 1, None)
        assert audit_events("submission_graded") == []

        time.sleep(LEASE)  # the lease runs out; a fresh worker's reaper hands the row on at start
        workers.append(_start_worker(app, tmp_path, "second"))
        done = _wait(lambda: _row(submission.id).status not in (SubmissionStatus.grading, SubmissionStatus.queued)
                     and _row(submission.id), 60, "the second worker to finish grading")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGINT)
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.wait()
        for pid in _graders_under(_jobs(tmp_path)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    log = (tmp_path / "second.log").read_text(errors="replace")
    assert done.status == SubmissionStatus.graded, (done.error, log[-3000:])
    assert (done.total, done.max_total, done.grading_attempts, done.claim_token) == (5.0, 5.0, 2, None)
    scores = db.session.execute(db.select(SubmissionScore).filter_by(submission_id=submission.id)).scalars().all()
    assert sorted((s.cell, s.score) for s in scores) == [("test_mean", 2.0), ("test_median", 3.0)]
    graded = audit_events("submission_graded")
    assert len(graded) == 1 and graded[0].details["total"] == 5.0
    assert db.session.execute(db.select(db.func.count(Submission.id))).scalar() == 1
    assert submissions.grade_submission(submission.id) == "not claimed"  # a late duplicate task changes nothing

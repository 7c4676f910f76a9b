"""A machine where the grading sandbox cannot be set up (no bubblewrap here): the worker refuses to
grade, says so in its log and in /api/v1/health, and loses nothing — the submission waits, queued,
and is graded once the sandbox works."""
import json
import logging

import pytest

from lms.extensions import db
from lms.grading import sandbox, submissions
from lms.grading.models import Submission, SubmissionStatus
from tests.grading.files import DEMO, assignment_course, learner_version

pytestmark = pytest.mark.integration  # a real worker process and the grading sandbox


@pytest.fixture
def no_bubblewrap(monkeypatch):
    real = sandbox.shutil.which
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None if name == "bwrap" else real(name))
    monkeypatch.setattr(sandbox, "_probe", {})
    yield
    monkeypatch.setattr(sandbox.shutil, "which", real)
    sandbox._probe.clear()


def test_without_a_sandbox_nothing_is_graded_and_nothing_is_lost(app, client, make, tmp_path, no_bubblewrap,
                                                                 monkeypatch, caplog):
    course = assignment_course(tmp_path)
    learner = make.user("learner")
    notebook = json.dumps(learner_version(DEMO / "mean-and-median.ipynb"))

    with caplog.at_level(logging.ERROR):
        submission = submissions.store_submission(learner, course, "mean-and-median",
                                                  {"mean-and-median.ipynb": notebook})
    db.session.refresh(submission)

    assert (submission.status, submission.grading_attempts, submission.total) == (SubmissionStatus.queued, 0, None)
    assert "grading is unsafe on this worker" in caplog.text and "bubblewrap (bwrap) is not installed" in caplog.text
    health = client.get("/api/v1/health").get_json()
    assert health["grading"] == "unsafe" and health["status"] == "degraded"
    cli = app.test_cli_runner().invoke(args=["lms", "test-grade", "ai-basics", "mean-and-median",
                                             str(DEMO / "mean-and-median.ipynb")])
    assert cli.exit_code == 1 and "grading is unsafe on this machine: bubblewrap (bwrap) is not installed" in cli.output

    monkeypatch.undo()  # bubblewrap is back: the waiting submission is graded
    sandbox._probe.clear()
    assert submissions.grade_submission(submission.id) == "graded"
    graded = db.session.get(Submission, submission.id)
    db.session.refresh(graded)
    assert (graded.status, graded.total, graded.grading_attempts) == (SubmissionStatus.graded, 5.0, 1)
    assert client.get("/api/v1/health").get_json()["grading"] == "ok"


@pytest.mark.settings(grading_sandbox="off")
def test_a_development_machine_may_switch_the_sandbox_off_and_health_says_so(app, client, no_bubblewrap):
    assert client.get("/api/v1/health").get_json()["grading"] == "off"
    assert sandbox.sandbox_problem(sandbox.SandboxLimits(sandbox="off")) == ""

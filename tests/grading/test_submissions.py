"""Submissions: immutable content, a row that is the truth about grading, claims, the reaper."""
import json
from datetime import timedelta
from pathlib import Path

import pytest

from lms import signals
from lms.extensions import db
from lms.grading import submissions
from lms.grading.models import Submission, SubmissionScore, SubmissionStatus
from lms.utils import utcnow
from tests.grading.files import DEMO, assignment_course, learner_version

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def course(app, tmp_path):
    return assignment_course(tmp_path)


@pytest.fixture
def graded_events():
    events = []

    def listen(sender, submission):
        events.append(submission.id)

    signals.submission_graded.connect(listen)
    yield events
    signals.submission_graded.disconnect(listen)


def _files(solve=True):
    return {"mean-and-median.ipynb": json.dumps(learner_version(DEMO / "mean-and-median.ipynb", solve=solve))}


@pytest.mark.integration  # grades in the sandbox
def test_a_submission_is_graded_once_and_recorded(app, make, course, graded_events):
    learner = make.user("learner")
    submission = submissions.store_submission(learner, course, "mean-and-median", _files())  # the queue runs it at once

    db.session.refresh(submission)
    assert submission.status == SubmissionStatus.graded, submission.error
    assert (submission.total, submission.max_total, submission.attempt, submission.grading_attempts) == (5.0, 5.0, 1, 1)
    scores = db.session.execute(db.select(SubmissionScore).filter_by(submission_id=submission.id)).scalars().all()
    assert {(s.cell, s.score, s.max_score) for s in scores} == {("test_mean", 2.0, 2.0), ("test_median", 3.0, 3.0)}
    assert graded_events == [submission.id]
    from tests.conftest import audit_events
    assert [e.action for e in audit_events()][-2:] == ["submission_created", "submission_graded"]
    assert {s.outcome for s in scores} == {"passed"}  # the learner's feedback (lms.grading.feedback)
    # a second, identical submission while none is pending is the next attempt
    again = submissions.store_submission(learner, course, "mean-and-median", _files(solve=False))
    assert again.attempt == 2 and again.total == 0.0


def test_stored_content_never_changes(app, make, course, monkeypatch):
    monkeypatch.setattr(submissions, "_enqueue", lambda _id: None)
    submission = submissions.store_submission(make.user("learner"), course, "mean-and-median", _files())
    submission.content = {"other.ipynb": "{}"}
    with pytest.raises(ValueError, match="never changes"):
        db.session.commit()
    db.session.rollback()


def test_a_double_click_makes_one_submission(app, make, course, monkeypatch):
    monkeypatch.setattr(submissions, "_enqueue", lambda _id: None)
    learner = make.user("learner")
    first = submissions.store_submission(learner, course, "mean-and-median", _files())
    second = submissions.store_submission(learner, course, "mean-and-median", _files())
    assert first.id == second.id
    assert db.session.execute(db.select(db.func.count(Submission.id))).scalar() == 1


def test_only_one_worker_claims_a_submission(app, make, course, monkeypatch):
    monkeypatch.setattr(submissions, "_enqueue", lambda _id: None)
    submission = submissions.store_submission(make.user("learner"), course, "mean-and-median", _files())
    assert submissions.claim_submission(submission.id, 60)
    assert submissions.claim_submission(submission.id, 60) is None


@pytest.mark.integration  # grades in the sandbox
def test_an_expired_lease_is_reaped_and_graded_exactly_once(app, make, course, monkeypatch, graded_events):
    enqueued = []
    monkeypatch.setattr(submissions, "_enqueue", enqueued.append)
    submission = submissions.store_submission(make.user("learner"), course, "mean-and-median", _files())
    # a worker claimed it and was killed (-9) mid-grading: the row says grading, the lease runs out
    assert submissions.claim_submission(submission.id, 60)
    assert submissions.reap_submissions() == []  # lease still running
    db.session.execute(db.update(Submission).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    monkeypatch.undo()

    assert submissions.reap_submissions() == [submission.id]  # and the queue grades it now

    db.session.refresh(submission)
    assert submission.status == SubmissionStatus.graded and submission.grading_attempts == 2
    assert graded_events == [submission.id]
    assert submissions.grade_submission(submission.id) == "not claimed"  # a duplicate task does nothing
    assert graded_events == [submission.id]


@pytest.mark.integration  # an endless notebook in the sandbox
@pytest.mark.settings(grading_timeout=5)
def test_a_grading_timeout_is_a_failure_never_a_zero(app, make, course, monkeypatch, tmp_path, graded_events):
    monkeypatch.setattr(submissions, "MAX_GRADING_ATTEMPTS", 1)
    notebook = learner_version(DEMO / "mean-and-median.ipynb")
    notebook["cells"].append({"cell_type": "code", "id": "spin", "metadata": {}, "execution_count": None,
                              "outputs": [], "source": "while True:\n    pass"})
    submission = submissions.store_submission(make.user("learner"), course, "mean-and-median",
                                              {"mean-and-median.ipynb": json.dumps(notebook)})
    db.session.refresh(submission)
    assert submission.status == SubmissionStatus.failed
    assert submission.total is None and "timed out" in submission.error
    assert graded_events == [submission.id]

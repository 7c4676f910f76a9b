"""The submission pipeline: store → queue → claim → grade in the sandbox → record scores → signal.

The submission row is the truth about a job (Huey removes a task from its queue before running it,
so a killed consumer loses the task, never the row): a task claims the row with one conditional
UPDATE that sets a claim token and a lease; finishing must match that token; :func:`reap_submissions`
re-enqueues rows whose lease expired and rows left ``queued``, up to ``MAX_GRADING_ATTEMPTS``.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, update

from .. import signals
from ..extensions import db
from ..utils import utcnow
from .models import Submission, SubmissionScore, SubmissionStatus

log = logging.getLogger(__name__)
MAX_GRADING_ATTEMPTS = 3
QUEUED_STALE = timedelta(minutes=2)
FEEDBACK_FIELDS = ("outcome", "failed_check", "check_message", "learner_error")  # lms.grading.feedback


def content_hash(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()


def store_submission(actor, course, assignment: str, files: dict[str, str], late: bool = False,
                     now=None) -> Submission:
    """Store a hand-in as the learner's next attempt (``queued``), send ``submission_created`` and
    enqueue its grading. The caller has checked the learner may submit (permissions, size); the
    assignment's policy (lms.grading.policy) is applied here: :class:`PolicyRefusal` past the
    deadline or the attempt limit; otherwise the late flag and penalty are stored with the row.
    An identical hand-in to the learner's latest queued or grading one returns that one (a double
    click makes one submission, also when the two requests race: the attempt number is unique)."""
    from sqlalchemy.exc import IntegrityError

    from .policy import check_attempts, lateness, policy_of

    digest = content_hash(files)
    policy = policy_of(course, assignment)
    now = now or utcnow()
    for _try in range(3):
        latest = db.session.execute(
            db.select(Submission).filter_by(user_id=actor.id, course_id=course.id, assignment=assignment)
            .order_by(Submission.attempt.desc()).limit(1)).scalar_one_or_none()
        if latest is not None and latest.content_hash == digest and latest.status in (SubmissionStatus.queued,
                                                                                      SubmissionStatus.grading):
            return latest
        used = db.session.execute(
            db.select(db.func.count(Submission.id)).filter_by(user_id=actor.id, course_id=course.id,
                                                              assignment=assignment)
            .where(Submission.status != SubmissionStatus.failed)).scalar()  # a grading failure costs no attempt
        check_attempts(policy, used)
        when = lateness(policy, now)
        submission = Submission(user_id=actor.id, course_id=course.id, assignment=assignment,
                                attempt=(latest.attempt + 1) if latest else 1, content=dict(files),
                                content_hash=digest, size_bytes=sum(len(t.encode()) for t in files.values()),
                                late=late or when.late, late_penalty=when.penalty or None,
                                status=SubmissionStatus.queued, flags=[])
        db.session.add(submission)
        try:
            db.session.commit()
        except IntegrityError:  # another request stored this attempt number first: look again
            db.session.rollback()
            continue
        break
    else:
        raise RuntimeError("could not store the submission: attempt numbers keep colliding")
    signals.submission_created.send(actor, submission=submission)
    db.session.commit()  # what the listeners recorded (the audit event)
    _enqueue(submission.id)
    db.session.refresh(submission)
    return submission


def claim_submission(submission_id: int, lease_seconds: int) -> str | None:
    """Claim a queued (or lease-expired) submission for grading; the claim token, or None if another
    worker holds it or it is finished."""
    token = secrets.token_hex(16)
    now = utcnow()
    result = db.session.execute(
        update(Submission)
        .where(Submission.id == submission_id,
               Submission.grading_attempts < MAX_GRADING_ATTEMPTS,
               or_(Submission.status == SubmissionStatus.queued,
                   (Submission.status == SubmissionStatus.grading) & (Submission.lease_expires_at < now)))
        .values(status=SubmissionStatus.grading, claim_token=token,
                lease_expires_at=now + timedelta(seconds=lease_seconds),
                grading_attempts=Submission.grading_attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return token if result.rowcount == 1 else None


def grade_submission(submission_id: int) -> str:
    """Claim, grade in the sandbox and record one submission. Returns what happened."""
    from .notebooks import AssignmentError, find_assignment, source_of_hash
    from .services import GradingError, SandboxUnavailable, grade_notebooks, limits_from
    from .sandbox import sandbox_problem

    settings = current_app.config["OQU_SETTINGS"]
    problem = sandbox_problem(limits_from(settings))
    if problem:  # left queued, untouched: the reaper offers it again until a sandboxed worker takes it
        log.error("grading is unsafe on this worker, submission %s left queued: %s", submission_id, problem)
        return "unsafe"
    token = claim_submission(submission_id, lease_seconds=settings.grading_lease or settings.grading_timeout * 2 + 60)
    if token is None:
        return "not claimed"
    submission = db.session.get(Submission, submission_id)
    db.session.refresh(submission)
    try:
        # the source of the version the submission was made against (stored), else the latest
        source = (source_of_hash(settings, submission.course, submission.assignment, submission.version.content_hash)
                  if submission.version is not None else None) \
            or find_assignment(settings, submission.course.slug, submission.assignment)
        result = grade_notebooks(settings, source, {n: t.encode() for n, t in submission.content.items()},
                                 student=f"u{submission.user_id}")
    except SandboxUnavailable as exc:  # the sandbox broke since the check above: back in the queue
        return _finish(submission, token, SubmissionStatus.queued, error=str(exc))
    except (AssignmentError, GradingError) as exc:
        return _finish(submission, token, SubmissionStatus.failed, error=str(exc))
    if result.status != "graded":
        # a timeout or crash: retried by the reaper until the attempts are used up; never a zero
        final = submission.grading_attempts >= MAX_GRADING_ATTEMPTS
        return _finish(submission, token, SubmissionStatus.failed if final else SubmissionStatus.queued,
                       error=result.error, flags=result.flags)
    status = SubmissionStatus.flagged if result.flags else SubmissionStatus.graded
    return _finish(submission, token, status, result=result)


def _finish(submission: Submission, token: str, status: SubmissionStatus, error: str = "", flags=None,
            result=None) -> str:
    values = dict(status=status, claim_token=None, lease_expires_at=None, error=error or None)
    if result is not None:
        from .policy import apply_penalty

        values.update(total=apply_penalty(result.total, submission.late_penalty), raw_total=result.total,
                      max_total=result.max_total, flags=result.flags, graded_at=utcnow(), feedback_html=None)
    elif flags is not None:
        values.update(flags=flags)
    done = db.session.execute(
        update(Submission).where(Submission.id == submission.id, Submission.claim_token == token)
        .values(**values).execution_options(synchronize_session=False))
    if done.rowcount != 1:  # the lease expired and another worker took it over: its result counts
        db.session.rollback()
        return "lease lost"
    if result is not None:
        db.session.execute(db.delete(SubmissionScore).where(SubmissionScore.submission_id == submission.id))
        for cell in result.cells:
            db.session.add(SubmissionScore(submission_id=submission.id, notebook=cell["notebook"], cell=cell["cell"],
                                           score=cell["score"], max_score=cell["max_score"],
                                           needs_manual_grade=cell["needs_manual_grade"],
                                           **{key: cell.get(key) for key in FEEDBACK_FIELDS}))
    db.session.commit()
    db.session.refresh(submission)
    if status == SubmissionStatus.queued:
        _enqueue(submission.id)
        return "retry"
    signals.submission_graded.send(None, submission=submission)
    db.session.commit()  # what the listeners recorded (audit, progress, certification)
    return status.value


def _enqueue(submission_id: int) -> None:
    from ..worker import registered_tasks

    registered_tasks().grade_submission(submission_id)


def reap_submissions() -> list[int]:
    """Re-enqueue submissions whose grading lease expired (a killed worker) and ones left ``queued``
    longer than a couple of minutes (a lost task). Rows out of attempts become ``failed``."""
    now = utcnow()
    exhausted = db.session.execute(
        update(Submission).where(Submission.status == SubmissionStatus.grading, Submission.lease_expires_at < now,
                                 Submission.grading_attempts >= MAX_GRADING_ATTEMPTS)
        .values(status=SubmissionStatus.failed, claim_token=None, error="grading did not finish")
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    ids = db.session.execute(
        db.select(Submission.id).where(or_(
            (Submission.status == SubmissionStatus.grading) & (Submission.lease_expires_at < now),
            (Submission.status == SubmissionStatus.queued) & (Submission.submitted_at < now - QUEUED_STALE)))
    ).scalars().all()
    for submission_id in ids:
        _enqueue(submission_id)
    if ids or exhausted:
        log.info("reaper: re-enqueued %s, failed %s", ids, exhausted)
    return list(ids)

"""Where a learner stands on one notebook assignment: attempts used and left, the due date, what a
hand-in now would cost (late penalty) or whether it would be refused, and the latest submission; and
a submission's progress and the feedback a learner may see, in words. What the learner's JupyterLab
shows (lms/assignments/api.py); the rules are lms.grading.policy's, applied as the submit page does."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from ..extensions import db
from ..utils import utcnow
from . import policy as policies
from .models import Submission, SubmissionStatus


@dataclass
class Standing:
    max_attempts: int | None
    attempts_used: int
    attempts_left: int | None        # None: no limit
    due: datetime | None
    late_now: bool
    late_penalty_now: float          # percent that a hand-in now would lose
    refusal: str | None              # why a hand-in now would be refused (translated), else None
    latest: Submission | None


def standing_of(person, course, assignment: str, now: datetime | None = None) -> Standing:
    now = now or utcnow()
    rules = policies.policy_of(course, assignment)
    rows = db.session.scalars(db.select(Submission).filter_by(user_id=person.id, course_id=course.id,
                                                              assignment=assignment)
                              .order_by(Submission.attempt.desc())).all()
    used = sum(1 for row in rows if row.status != SubmissionStatus.failed)  # as store_submission counts
    limit = rules.get("max_attempts") or None
    refusal, lateness = None, policies.Lateness()
    try:
        lateness = policies.lateness(rules, now)
        policies.check_attempts(rules, used)
    except policies.PolicyRefusal as why:
        refusal = str(why)
    return Standing(max_attempts=limit, attempts_used=used, attempts_left=max(limit - used, 0) if limit else None,
                    due=policies.due_of(rules), late_now=lateness.late, late_penalty_now=lateness.penalty,
                    refusal=refusal, latest=rows[0] if rows else None)


def status_text(submission: Submission) -> str:
    """The submission's state in the words of the LMS's submission page (grading/_status.html)."""
    if submission.status in (SubmissionStatus.queued, SubmissionStatus.grading):
        return _("Received, grading…")
    if submission.status == SubmissionStatus.graded:
        return _("Graded")
    if submission.status == SubmissionStatus.flagged:
        return _("Graded; held for an instructor's review")
    return _("Grading failed. Your submission is kept; an instructor will look at it.")


def cell_text(score, name: str | None = None) -> str:
    """What the submission page says about one graded cell (the learner's view: outcome and the
    instructor's check, never what learner code printed); ``name``: the cell's name for people
    (lms.grading.cell_names), its grade id when not given."""
    cell = f"«{name or score.cell}»"
    if score.outcome == "passed":
        return _("Passed")
    if score.outcome == "failed" and score.failed_check:
        return _("Failed. Run your answer cells, then the test cell %(cell)s in your notebook: this check fails "
                 "there.", cell=cell)
    if score.outcome == "failed":
        return _("Failed. Run your answer cells, then the test cell %(cell)s in your notebook to see which check "
                 "fails.", cell=cell)
    if score.outcome == "hidden":
        return _("Failed on a hidden check: the checks you see in %(cell)s may pass, but the same cell has more "
                 "checks you do not see. Try your answer on other inputs, including unusual ones.", cell=cell)
    if getattr(score, "adjustment", None) == "manual":
        return _("graded by the instructor")
    if score.needs_manual_grade:
        return _("needs grading")
    return ""


def own_submission(person, submission_id: int) -> Submission:
    """``person``'s own submission (LookupError for anyone else's: a learner's JupyterLab sees only
    its learner's work, whatever roles the person has in the LMS)."""
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.user_id != person.id:
        raise LookupError(submission_id)
    return submission

"""The score that counts: one rule for a learner's result on a notebook assignment, used by the
gradebook (and HR's training record, which reads it) and by certification.

Of a learner's submissions of one assignment, only those grading finished as ``graded`` with a
total count (flagged submissions, held for an instructor's review, count once the flag is cleared;
failed gradings and submissions still queued never count). Of those, the *latest* attempt counts,
or the *best* when the notebook item says ``counts: best`` in ``course.yaml`` (stored in
``Item.content["counts"]``; see docs/course-format.md).
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import defer

from ..courses.models import Course, Item, ItemKind
from ..extensions import db
from .models import Submission, SubmissionStatus

COUNTS = ("latest", "best")
DEFAULT_COUNTS = "latest"


def counting_policy(item: Item) -> str:
    """``latest`` or ``best``: which graded attempt of this notebook item counts."""
    counts = (item.content or {}).get("counts", DEFAULT_COUNTS)
    return counts if counts in COUNTS else DEFAULT_COUNTS


def counting_submission(submissions: Sequence[Submission], policy: str) -> Submission | None:
    """The submission whose score counts, of one learner's ``submissions`` of one assignment given
    in attempt order (None: nothing graded yet)."""
    graded = [s for s in submissions if s.status == SubmissionStatus.graded and s.total is not None]
    if not graded:
        return None
    if policy == "best":
        return max(graded, key=lambda s: (s.total, s.attempt))
    return graded[-1]


def percent_of(submission: Submission | None) -> float | None:
    """The submission's score in percent of its points, to one decimal (None without points)."""
    if submission is None or submission.total is None or not submission.max_total:
        return None
    return round(float(submission.total) * 100.0 / float(submission.max_total), 1)


def counting_percents(user_id: int, course: Course) -> dict[str, float]:
    """Assignment key → the percent that counts for the learner, for each current notebook item of
    ``course`` they have a counting score in. One query; reads submissions, never changes them."""
    policies = {item.key: counting_policy(item) for item in course.active_items() if item.kind == ItemKind.notebook}
    if not policies:
        return {}
    by_assignment: dict[str, list[Submission]] = {}
    for submission in db.session.scalars(
            select(Submission).where(Submission.user_id == user_id, Submission.course_id == course.id,
                                     Submission.assignment.in_(list(policies)))
            .options(defer(Submission.content)).order_by(Submission.attempt)):
        by_assignment.setdefault(submission.assignment, []).append(submission)
    percents = {}
    for key, submissions in by_assignment.items():
        percent = percent_of(counting_submission(submissions, policies[key]))
        if percent is not None:
            percents[key] = percent
    return percents

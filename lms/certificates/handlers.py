"""Certification listens to learning and grading: when progress changes or a notebook assignment is
graded, the learner's rule is evaluated.

The learning services send these signals inside their own transaction, just before committing:
a certificate earned is added in a savepoint and committed with the progress that earned it. A
failure here never breaks the learner's action: it is logged, and ``lms issue-certificates``
catches up.
"""
from __future__ import annotations

import logging

from .. import signals

log = logging.getLogger(__name__)
_handlers = []  # blinker keeps weak references


def _evaluate(user, course) -> None:
    from . import services

    if user is None or course is None or not course.certification:
        return
    try:
        services.issue_if_earned(None, user, course, commit=False)
    except Exception:  # noqa: BLE001 — the learner's progress must be saved regardless
        log.exception("certificate evaluation failed for user %s, course %s", user.id, course.id)


def _on_lesson_completed(actor, enrolment, item):
    _evaluate(enrolment.user, enrolment.course)


def _on_quiz_submitted(actor, attempt):
    _evaluate(attempt.user, attempt.item.course)


def _on_course_completed(actor, enrolment):
    _evaluate(enrolment.user, enrolment.course)


def _on_submission_graded(actor, submission):
    """A notebook assignment's grading finished: only ``graded`` counts (not flagged or failed).
    Grading sends this after committing the scores and commits what listeners added."""
    if getattr(submission.status, "value", submission.status) != "graded":
        return
    _evaluate(submission.user, submission.course)


def connect() -> None:
    if _handlers:
        return
    from .views import tell_the_holder

    _handlers.append(tell_the_holder)
    signals.certificate_issued.connect(tell_the_holder)
    for signal, handler in ((signals.lesson_completed, _on_lesson_completed),
                            (signals.quiz_submitted, _on_quiz_submitted),
                            (signals.course_completed, _on_course_completed),
                            (signals.submission_graded, _on_submission_graded)):
        _handlers.append(handler)
        signal.connect(handler)

"""What the parts of the learning domain share: the errors they raise (messages translated) and
the limits of quiz answers, and a person's enrolment in a course."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..courses.models import Course
from ..extensions import db
from .models import Enrolment


LATE_GRACE = timedelta(seconds=30)  # network and clock slack after a quiz's time limit
TEXT_ANSWER_MAX = 500


class EnrolmentError(ValueError):
    """An enrolment request was refused; the message is translated."""


class QuizError(ValueError):
    """A quiz action was refused; the message is translated."""


class LateSubmission(QuizError):
    """The attempt's time ran out and the quiz refuses late submissions (the attempt is now expired)."""


def _is(actor, user) -> bool:
    return getattr(actor, "id", None) is not None and actor.id == user.id


def enrolment_for(user, course: Course) -> Enrolment | None:
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id))

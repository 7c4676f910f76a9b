from datetime import timedelta

import pytest

from lms.extensions import db
from lms.clock import today as local_today, utcnow
from lms.learning import services as learning
from lms.learning.models import EnrolmentStatus

from ..certificates.conftest import course  # noqa: F401 — the standard test course with a certification rule


def _complete(enrolment):
    enrolment.status = EnrolmentStatus.completed
    enrolment.completed_at = utcnow()
    db.session.commit()


@pytest.fixture
def training(world, course):
    """A: learner (A1) completed, colleague (A1) mandatory and overdue, instructor (A) completed.
    B: outsider mandatory and overdue (assigned by B's HR)."""
    today = local_today()
    yesterday = today - timedelta(days=1)
    learner = learning.enrol_learner(world.hr, course, learner=world.learner)
    lesson = next(i for i in course.active_items() if i.key == "l1")
    learning.complete_lesson(world.learner, learner, lesson)
    _complete(learner)
    learning.assign_course(world.hr, course, people=[world.colleague], due_on=today - timedelta(days=10))
    _complete(learning.enrol_learner(world.hr, course, learner=world.instructor))
    learning.assign_course(world.hr_b, course, people=[world.outsider], due_on=yesterday)
    return course



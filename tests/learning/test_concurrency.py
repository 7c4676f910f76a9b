"""Simultaneous enrolments never oversubscribe a cohort (runs on SQLite and on PostgreSQL)."""
import threading

from sqlalchemy import func, select

from lms.courses.models import Course
from lms.extensions import db
from lms.learning import services
from lms.learning.models import Cohort, Enrolment, EnrolmentStatus
from lms.accounts.models import User


def test_twenty_simultaneous_enrolments_into_five_seats(app, course, make, cohort_factory):
    cohort = cohort_factory(capacity=5)
    learner_ids = [make.user("learner").id for _ in range(20)]
    course_id, cohort_id = course.id, cohort.id
    barrier = threading.Barrier(len(learner_ids))
    errors = []

    def enrol(user_id):
        try:
            barrier.wait(timeout=30)  # all start together (before taking a pooled connection)
            with app.app_context():  # its own context, session and connection
                learner = db.session.get(User, user_id)
                target = db.session.get(Course, course_id)
                chosen = db.session.get(Cohort, cohort_id)
                services.enrol_learner(learner, target, cohort=chosen)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 — collected and asserted below
            errors.append(repr(error))

    threads = [threading.Thread(target=enrol, args=(user_id,)) for user_id in learner_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    statuses = dict(db.session.execute(select(Enrolment.status, func.count()).where(Enrolment.cohort_id == cohort_id)
                                       .group_by(Enrolment.status)).all())
    assert statuses == {EnrolmentStatus.enrolled: 5, EnrolmentStatus.waitlisted: 15}
    assert db.session.get(Cohort, cohort_id).seats_taken == 5


def test_a_double_click_creates_one_enrolment(app, course, make, cohort_factory):
    cohort = cohort_factory(capacity=5)
    learner_id, course_id, cohort_id = make.user("learner").id, course.id, cohort.id
    barrier = threading.Barrier(4)
    errors = []

    def enrol():
        try:
            barrier.wait(timeout=30)
            with app.app_context():
                learner = db.session.get(User, learner_id)
                services.enrol_learner(learner, db.session.get(Course, course_id),
                                       cohort=db.session.get(Cohort, cohort_id))
                db.session.remove()
        except Exception as error:  # noqa: BLE001
            errors.append(repr(error))

    threads = [threading.Thread(target=enrol) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
    assert db.session.get(Cohort, cohort_id).seats_taken == 1

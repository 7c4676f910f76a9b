"""The demo seed imports the demo courses and enrols the demo learner."""
import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.courses import services as courses
from lms.demo import _seed_learning
from lms.extensions import db
from lms.learning import services


def test_demo_courses_are_imported_and_the_learner_enrolled(app, make):
    learner = make.user("learner", email="learner@oqu.demo")
    _seed_learning(learner)
    _seed_learning(db.session.scalar(select(User).where(User.email == "learner@oqu.demo")))  # idempotent
    basics = courses.get_course("ai-basics")
    assert courses.get_course("responsible-ai").prerequisites == ["ai-basics"]
    entries = {entry.enrolment.course.slug: entry for entry in services.learner_courses(learner)}
    assert set(entries) == {"ai-basics", "responsible-ai", "python-ml"}  # the starter curriculum (issue #8)
    entry = entries["ai-basics"]
    assert entry.enrolment.course.id == basics.id and entry.enrolment.cohort_id is not None
    assert entry.progress.done == 1 and entry.next_item is not None


def test_demo_certificates_some_expiring_one_revoked(app, make):
    from datetime import timedelta

    from lms.certificates.models import Certificate
    from lms.demo import _seed_certificates
    from lms.i18n import today

    learner = make.user("learner", email="learner@oqu.demo")
    _seed_learning(learner)
    unit = make.organisation("DEMO")
    for n in range(60):
        make.user("learner", email=f"employee{n:04d}@oqu.demo", organisation=unit)
    _seed_certificates()
    _seed_certificates()  # idempotent
    rows = list(db.session.scalars(select(Certificate)))
    assert len(rows) == 30
    assert sum(1 for c in rows if c.revoked_at is not None) == 1
    soon = [c for c in rows if c.status(today()) == "valid" and c.valid_until <= today() + timedelta(days=60)]
    assert soon and any(c.status(today()) == "expired" for c in rows)


@pytest.mark.integration  # publishing makes the student version in the grading sandbox
def test_the_demo_instructor_has_published_the_starter_assignments(app, make, client):
    from lms.demo import _seed_teaching
    from lms.grading.models import AssignmentVersion
    from tests.conftest import sign_in

    learner = make.user("learner", email="learner@oqu.demo")
    make.user("instructor", email="instructor@oqu.demo")
    _seed_learning(learner)
    _seed_teaching()
    _seed_teaching()  # idempotent: no second version
    versions = db.session.execute(select(AssignmentVersion.assignment, AssignmentVersion.version,
                                         AssignmentVersion.max_total)
                                  .where(AssignmentVersion.course_id == courses.get_course("ai-basics").id)).all()
    assert versions == [("mean-and-median", 1, 5.0)]  # its cells: test_mean 2 + test_median 3
    sign_in(client, learner)
    page = client.get("/courses/ai-basics").get_data(as_text=True)
    assert "/courses/ai-basics/assignments/mean-and-median/submit" in page  # learners find it

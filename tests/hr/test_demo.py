"""The demo seed gives the HR dashboard and the exports something to show, and a second run changes nothing."""
from datetime import timedelta

from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.hr import services
from lms.i18n import today
from lms.learning.models import Enrolment

from ..courses.files import write_course


def _counts():
    return (db.session.scalar(select(func.count(Certificate.id))),
            db.session.scalar(select(func.count(Enrolment.id))))


def test_seed_demo_fills_the_hr_dashboard_and_is_idempotent(app, tmp_path):
    from lms.accounts.models import User

    write_course(tmp_path / "courses", "ai-basics")
    write_course(tmp_path / "courses", "responsible-ai")
    app.config["OQU_SETTINGS"].courses_dir = str(tmp_path / "courses")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "seed-demo"])
    assert result.exit_code == 0, result.output
    first = _counts()

    hr = db.session.scalar(select(User).where(User.email == "hr@oqu.demo"))
    roots = services.roots(hr)
    departments = services.completion_by_department(hr, roots)
    assert len([d for d in departments if d.enrolled]) >= 2 and len({d.percent for d in departments}) >= 2
    assert services.overdue_trainings(hr, roots)[0] >= 5
    idle = db.session.scalar(select(func.count()).select_from(services.no_training_query(hr, roots).subquery()))
    assert 10 <= idle < services.staff_count(hr, roots)
    certificates = db.session.scalars(select(Certificate)).all()
    assert len(certificates) >= 100
    assert sum(1 for c in certificates if c.revoked_at is not None) == 1
    soon = [c for c in certificates if c.revoked_at is None and c.valid_until is not None
            and today() <= c.valid_until <= today() + timedelta(days=30)]
    assert soon
    organisations = {c.organisation_id for c in certificates}
    assert len(organisations) >= 5

    assert runner.invoke(args=["lms", "seed-demo"]).exit_code == 0
    assert _counts() == first

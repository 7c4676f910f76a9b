"""Certificates are issued by the course's rule as progress changes, once, and renewed after expiry."""
from datetime import date, datetime, timedelta

from sqlalchemy import select

from lms.certificates import numbers, services
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.learning import services as learning
from lms.security import SYSTEM
from lms.clock import today as local_today

from ..conftest import audit_events
from ..courses.files import CORRECT


def _items(course):
    return {item.key: item for item in course.active_items()}


def _finish(learner, course, answers=CORRECT):
    enrolment = learning.enrol_learner(learner, course)
    items = _items(course)
    learning.complete_lesson(learner, enrolment, items["l1"])
    learning.complete_lesson(learner, enrolment, items["l2"])
    attempt = learning.start_attempt(learner, enrolment, items["q1"])
    learning.submit_attempt(learner, attempt, answers)
    return enrolment


def _certificates(user=None):
    query = select(Certificate).order_by(Certificate.id)
    if user is not None:
        query = query.where(Certificate.user_id == user.id)
    return list(db.session.scalars(query))


def test_certificate_is_issued_when_the_rule_is_met(world, course):
    _finish(world.learner, course)
    [certificate] = _certificates(world.learner)
    assert numbers.normalise(certificate.number) == certificate.number
    assert certificate.holder_name == world.learner.full_name and certificate.organisation_id == world.a1.id
    assert certificate.hours == course.hours and certificate.score == 100.0
    assert certificate.valid_until == services.add_months(certificate.issued_on, 12)
    assert certificate.course_version == course.content_hash
    [event] = audit_events("certificate_issued")
    assert event.details["number"] == certificate.number and event.actor_id is None


def test_no_certificate_below_the_minimum_score(world, course):
    # 3 of 5 points = 60 %: passes the quiz (pass mark 60) but not the rule's min_score 70
    _finish(world.learner, course, answers={"capital": "astana", "risks": ["err", "bias"]})
    assert _certificates() == []
    assert services.evaluate_learner(world.learner, course).score == 60.0


def test_no_certificate_while_a_lesson_is_missing(world, course):
    enrolment = learning.enrol_learner(world.learner, course)
    items = _items(course)
    learning.complete_lesson(world.learner, enrolment, items["l1"])
    attempt = learning.start_attempt(world.learner, enrolment, items["q1"])
    learning.submit_attempt(world.learner, attempt, CORRECT)
    assert _certificates() == []
    assert services.evaluate_learner(world.learner, course).missing == ("l2",)


def test_issuing_is_idempotent_and_backfill_issues_only_missing(world, course):
    _finish(world.learner, course)
    assert services.issue_if_earned(SYSTEM, world.learner, course) is None
    assert services.issue_certificates(SYSTEM) == []
    db.session.execute(Certificate.__table__.delete())  # as if earned before certificates existed
    db.session.commit()
    [issued] = services.issue_certificates(SYSTEM)
    assert issued.user_id == world.learner.id
    assert services.issue_certificates(SYSTEM) == [] and len(_certificates()) == 1


def test_expired_certificate_is_renewed_with_a_reference_to_the_previous(world, course):
    _finish(world.learner, course)
    [first] = _certificates()
    later = first.valid_until + timedelta(days=1)
    assert first.status(later) == "expired"
    renewed = services.issue_if_earned(SYSTEM, world.learner, course, today=later)
    assert renewed.previous_id == first.id and renewed.renewal == 1 and renewed.number != first.number
    assert services.issue_if_earned(SYSTEM, world.learner, course, today=later) is None


def test_revoked_certificate_is_not_reissued_automatically(world, course):
    _finish(world.learner, course)
    [certificate] = _certificates()
    services.revoke_certificate(world.admin, certificate, "Обман на тесте")
    assert services.issue_certificates(SYSTEM) == []


def test_withdrawn_learner_gets_no_certificate_from_backfill(world, course):
    from lms.learning.models import EnrolmentStatus

    enrolment = _finish(world.learner, course)
    db.session.execute(Certificate.__table__.delete())
    enrolment.status = EnrolmentStatus.withdrawn
    db.session.commit()
    assert services.issue_certificates(SYSTEM) == []


def test_cli_issue_certificates_backfills(app, world, course):
    _finish(world.learner, course)
    db.session.execute(Certificate.__table__.delete())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["lms", "issue-certificates"])
    assert result.exit_code == 0, result.output
    assert "1 certificate(s) issued" in result.output and world.learner.email in result.output
    again = app.test_cli_runner().invoke(args=["lms", "issue-certificates", "--course", "demo"])
    assert "0 certificate(s) issued" in again.output
    unknown = app.test_cli_runner().invoke(args=["lms", "issue-certificates", "--course", "nope"])
    assert unknown.exit_code == 1


def test_numbers_are_random_and_checked():
    drawn = {numbers.new_number(2026) for _ in range(2000)}
    assert len(drawn) >= 1990  # 32⁵ ≈ 33.5 million a year: a repeat or two in 2,000 draws is chance
    number = sorted(drawn)[0]
    assert numbers.PATTERN.match(number) and len(number) == 16
    assert numbers.normalise(f"  {number.lower()} ") == number
    # every single-character change of the random part is caught by the check character
    for position in (9, 10, 11, 12, 14):
        for char in numbers.ALPHABET:
            if char != number[position]:
                assert numbers.normalise(number[:position] + char + number[position + 1:]) is None
    for bad in ("", "OQU", "OQU-2026-<>'\"-X9", "x" * 1000, "OQU-2026-7KQ3-X9/../", None, "ОQU-2026-7KQ3-X9"):
        assert numbers.normalise(bad) is None


def test_issue_date_is_local_today(world, course, clock):
    clock.set(datetime(2026, 12, 31, 20, 30))  # already 1 January 2027 in Almaty
    _finish(world.learner, course)
    [certificate] = _certificates()
    assert certificate.issued_on == local_today() == date(2027, 1, 1)


def test_simultaneous_issue_gives_one_certificate(world, course, monkeypatch):
    """Two requests that both saw "no certificate yet": the unique (person, course, renewal) key
    lets one insert win; the other rolls back only its savepoint and issues nothing."""
    _finish(world.learner, course)
    [first] = _certificates()
    real_latest = services.latest_certificate
    calls = []

    def stale_then_real(user, course_):
        calls.append(1)
        return None if len(calls) == 1 else real_latest(user, course_)

    monkeypatch.setattr(services, "latest_certificate", stale_then_real)
    assert services.issue_if_earned(SYSTEM, world.learner, course) is None
    assert [c.id for c in _certificates()] == [first.id]

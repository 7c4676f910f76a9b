"""Issuing, finding, verifying and revoking certificates.

Certificates read learning's public services and models (progress, enrolment) and never change
them. Every operation that changes data takes the acting user first, checks permission, changes
data, sends a signal from :mod:`lms.signals` (the audit log listens) and commits.
"""
from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import signals
from ..clock import local_date, today as local_today
from ..courses.models import Course
from ..extensions import db
from ..i18n import written_date
from ..organisations.services import covers
from ..security import PermissionDenied, ensure, has_permission
from ..utils import utcnow
from . import numbers, rules
from .models import Certificate

log = logging.getLogger(__name__)
REASON_MAX = 500


class CertificateError(ValueError):
    """A certificate operation was refused; the message is translated."""


# --------------------------------------------------------------------------- rules

def course_rule(course: Course) -> rules.Rule | None:
    return rules.parse_rule(course.certification)


def evaluate_learner(user, course: Course) -> rules.Outcome | None:
    """Whether ``user`` meets the course's rule now (None: the course awards no certificate)."""
    from ..learning import services as learning  # public, read-only

    rule = course_rule(course)
    if rule is None:
        return None
    enrolment = learning.enrolment_for(user, course)
    if enrolment is None or not enrolment.is_active:
        return rules.Outcome(met=False, score=None)
    return rules.evaluate(rule, _item_states(user, course))


def _item_states(user, course: Course) -> list[rules.ItemState]:
    """What the rule needs of each current lesson, quiz and notebook assignment of ``user``."""
    from ..learning import services as learning  # public, read-only

    progress = learning.course_progress(user, course)
    notebooks = notebook_scores(user, course) if getattr(user, "id", None) else {}
    states = []
    for item in course.active_items():
        kind = item.kind.value
        if kind not in rules.CERTIFIABLE_KINDS:
            continue
        if kind == "notebook":
            best = notebooks.get(item.key)
            states.append(rules.ItemState(key=item.key, kind=kind, completed=best is not None, best_percent=best))
            continue
        row = progress.item_rows.get(item.id)
        states.append(rules.ItemState(key=item.key, kind=kind,
                                      completed=row is not None and row.completed_at is not None,
                                      best_percent=row.best_percent if row is not None else None))
    return states


@dataclass
class Requirement:
    """One line of the certification checklist: a required item, or (``item`` None) the overall score."""
    item: object | None
    done: bool
    best: float | None = None  # the learner's best score (%), for quizzes and notebooks
    needed: float | None = None  # the score the rule asks for, if any


@dataclass
class Checklist:
    """A course's certification rule for one person: what it asks, what is done and what is left,
    and the certificate they hold (if any)."""
    rule: rules.Rule
    all_items: bool
    requirements: list[Requirement]
    met: bool
    tracked: bool  # the person is enrolled: done / left is theirs
    certificate: Certificate | None

    @property
    def scored(self) -> list[Requirement]:
        """Required quizzes and notebooks with a score of their own to reach (``min_scores``)."""
        return [r for r in self.requirements if r.item is not None and r.needed is not None]


def certification_checklist(user, course: Course, today: date | None = None) -> Checklist | None:
    """The course's rule as a checklist for ``user`` (None: the course gives no certificate)."""
    from ..learning import services as learning  # public, read-only

    rule = course_rule(course)
    if rule is None:
        return None
    enrolment = learning.enrolment_for(user, course)
    tracked = enrolment is not None and enrolment.is_active
    states = _item_states(user, course) if tracked else []
    outcome = rules.evaluate(rule, states) if tracked else rules.Outcome(met=False, score=None)
    by_state = {state.key: state for state in states}
    items = {item.key: item for item in course.active_items()}
    keys = rules.required_keys(rule, [rules.ItemState(item.key, item.kind.value, False) for item in items.values()
                                      if item.kind.value in rules.CERTIFIABLE_KINDS])
    requirements = []
    for key in keys:
        item = items.get(key)
        if item is None:  # retired since the rule was written
            continue
        state = by_state.get(key)
        requirements.append(Requirement(item, tracked and key not in outcome.missing,
                                        state.best_percent if state else None, rule.min_scores.get(key)))
    if rule.min_score is not None:
        overall = outcome.score if outcome.score is not None else 100.0  # as rules.evaluate
        requirements.append(Requirement(None, tracked and overall >= rule.min_score, outcome.score, rule.min_score))
    certificate = latest_certificate(user, course) if getattr(user, "id", None) else None
    if certificate is not None and certificate.status(today or local_today()) != "valid":
        certificate = None
    return Checklist(rule, rule.items is None, requirements, outcome.met, tracked, certificate)


def notebook_scores(user, course: Course) -> dict[str, float]:
    """Assignment key → the learner's score (%) that counts, by grading's one rule
    (:mod:`lms.grading.scores`: the latest graded submission, or the best with ``counts: best``).
    Flagged (held for review), failed and unfinished submissions do not count. Reads grading's
    submissions, never changes them."""
    from ..grading.scores import counting_percents  # public, read-only

    return counting_percents(user.id, course)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --------------------------------------------------------------------------- issuing

def latest_certificate(user, course: Course) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.user_id == user.id,
                                                       Certificate.course_id == course.id)
                             .order_by(Certificate.renewal.desc()).limit(1))


def issue_if_earned(actor, user, course: Course, *, today: date | None = None,
                    commit: bool = True) -> Certificate | None:
    """Issue ``user``'s certificate for ``course`` if they meet its rule and hold no current one.

    Idempotent: a person holds at most one current certificate per course. A revoked certificate
    is not reissued automatically; an expired one is renewed (a new number, ``previous`` set).
    Returns the newly issued certificate, or None. With ``commit=False`` (inside another service's
    transaction, from a signal) the certificate is written in a savepoint and committed by the caller.
    """
    today = today or local_today()
    outcome = evaluate_learner(user, course)
    if outcome is None or not outcome.met:
        return None
    latest = latest_certificate(user, course)
    if latest is not None and latest.status(today) != "expired":
        return None
    rule = course_rule(course)
    for _attempt in range(5):
        certificate = Certificate(
            number=numbers.new_number(today.year), user_id=user.id, course_id=course.id,
            organisation_id=user.organisation_id, renewal=latest.renewal + 1 if latest else 0,
            previous_id=latest.id if latest else None, course_version=course.content_hash or "",
            holder_name=user.full_name, hours=rule.hours or course.hours, score=outcome.score,
            issued_at=utcnow(), issued_on=today,
            valid_until=add_months(today, rule.valid_months) if rule.valid_months else None)
        savepoint = db.session.begin_nested()
        try:
            db.session.add(certificate)
            db.session.flush()
        except IntegrityError:
            savepoint.rollback()
            if latest_certificate(user, course) is not latest:  # issued at the same moment elsewhere
                return None
            continue  # the random number was taken: draw another
        savepoint.commit()
        signals.certificate_issued.send(actor, certificate=certificate)
        if commit:
            db.session.commit()
        return certificate
    raise RuntimeError("could not draw a free certificate number")


def issue_certificates(actor, *, course: Course | None = None, today: date | None = None) -> list[Certificate]:
    """Backfill: issue every certificate earned and not yet issued (``lms issue-certificates``)."""
    from ..learning.models import Enrolment, EnrolmentStatus  # read-only

    ensure(actor, "issue_certificates")
    query = select(Enrolment).where(Enrolment.status.in_([EnrolmentStatus.enrolled, EnrolmentStatus.completed]))
    if course is not None:
        query = query.where(Enrolment.course_id == course.id)
    issued = []
    for enrolment in db.session.scalars(query.order_by(Enrolment.id)).all():
        if not enrolment.course.certification:
            continue
        certificate = issue_if_earned(actor, enrolment.user, enrolment.course, today=today)
        if certificate is not None:
            issued.append(certificate)
    return issued


# --------------------------------------------------------------------------- finding and verifying

def find_certificate(raw_number: str | None) -> Certificate | None:
    """The certificate with this number as a person typed it; None if malformed or unknown."""
    number = numbers.normalise(raw_number)
    if number is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.number == number))


@dataclass(frozen=True)
class PublicStatus:
    """What anyone may learn of a certificate: nothing personal beyond the holder's name."""

    number: str
    status: str  # valid | expired | revoked
    holder: str
    course_kk: str
    course_ru: str
    hours: int
    issued_on: date
    valid_until: date | None
    revoked_on: date | None
    organisation_kk: str = ""  # the holder's unit when the certificate was issued (shown, not in the API)
    organisation_ru: str = ""


def public_status(certificate: Certificate, today: date | None = None) -> PublicStatus:
    today = today or local_today()
    return PublicStatus(
        number=certificate.number, status=certificate.status(today), holder=certificate.holder_name,
        course_kk=certificate.course.title_kk, course_ru=certificate.course.title_ru, hours=certificate.hours,
        issued_on=certificate.issued_on, valid_until=certificate.valid_until,
        revoked_on=local_date(certificate.revoked_at),
        organisation_kk=certificate.organisation.name_kk if certificate.organisation else "",
        organisation_ru=certificate.organisation.name_ru if certificate.organisation else "")


def may_download(actor, certificate: Certificate) -> bool:
    """The holder, HR officers whose subtree holds the certificate's organisation, and admins."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if getattr(actor, "id", None) is not None and actor.id == certificate.user_id:
        return True
    if has_permission(actor, "revoke_certificates"):
        return True
    return has_permission(actor, "view_certificates") and covers(actor, certificate.organisation)


def ensure_may_download(actor, certificate: Certificate) -> None:
    if not may_download(actor, certificate):
        raise PermissionDenied("certificate")


def credential_for(actor, certificate: Certificate, *, share_name: bool = False) -> dict:
    """The signed credential of ``certificate`` for someone who may download it. The holder's name
    is in it only when the holder themself chose to share it (``share_name``)."""
    from .credential import signed_credential

    ensure_may_download(actor, certificate)
    return signed_credential(certificate, share_name=share_name and getattr(actor, "id", None) == certificate.user_id)


@dataclass(frozen=True)
class CredentialCheck:
    """Oqu's verdict on a credential file: its proof (:func:`lms.certificates.credential.check`)
    and the certificate it names, if this LMS has it."""

    proof: str  # valid | legacy | foreign | invalid
    certificate: Certificate | None


CREDENTIAL_MAX_BYTES = 256 * 1024


def check_credential(raw: bytes | str) -> CredentialCheck:
    """Check an uploaded or pasted credential. Raises :class:`CertificateError` (translated) for
    something that is not a credential at all."""
    import json

    from .credential import check

    if len(raw) > CREDENTIAL_MAX_BYTES:
        raise CertificateError(_("The file is too large for a credential (at most %(size)s KB).",
                                 size=CREDENTIAL_MAX_BYTES // 1024))
    try:
        credential = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON (UnicodeDecodeError is a ValueError), or nested too deep
        credential = None
    if not isinstance(credential, dict) or "credentialSubject" not in credential:
        raise CertificateError(_("This is not a credential file: choose the .json file downloaded from "
                                 "“My certificates”, or paste its text."))
    proof = check(credential)
    certificate = None
    if proof in {"valid", "legacy"}:
        certificate = find_certificate(str(credential.get("id", "")).rstrip("/").rsplit("/", 1)[-1])
    return CredentialCheck(proof=proof, certificate=certificate)


def certificates_of(user) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)
                                   .order_by(Certificate.issued_at.desc(), Certificate.id.desc())))


def count_issued() -> int:
    return db.session.scalar(select(func.count(Certificate.id))) or 0


# --------------------------------------------------------------------------- revoking

def revoke_certificate(actor, certificate: Certificate, reason: str) -> Certificate:
    ensure(actor, "revoke_certificates")
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError(_("Give the reason for revoking the certificate."))
    if len(reason) > REASON_MAX:
        raise CertificateError(_("The reason is too long (at most %(max)s characters).", max=REASON_MAX))
    if certificate.revoked_at is not None:
        raise CertificateError(_("This certificate was already revoked on %(date)s.",
                                 date=written_date(local_date(certificate.revoked_at), "locative")))
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by_id = getattr(actor, "id", None)
    signals.certificate_revoked.send(actor, certificate=certificate, reason=reason)
    db.session.commit()
    return certificate


_LISTING = frozenset({"MAX_EXPIRING_DAYS", "STATUSES", "CertificateFilters", "certificate_query", "parse_filters"})


def __getattr__(name: str):
    """The HR listing (filters and the scoped query) lives in lms.certificates.listing; its callers may
    keep asking this module."""
    if name in _LISTING:
        from . import listing

        return getattr(listing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

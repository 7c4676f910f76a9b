"""The certificates an HR officer may list, filter and export: filters read from a query string or CLI
options, and the query scoped to the officer's subtree (administrators: all)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.search import matching
from ..clock import today as local_today
from ..courses.models import Course
from ..extensions import db
from ..organisations.services import covers
from ..security import ensure
from .models import Certificate
from .services import CertificateError


STATUSES = ("valid", "expired", "revoked")
MAX_EXPIRING_DAYS = 3650


@dataclass(frozen=True)
class CertificateFilters:
    organisation_id: int | None = None  # this unit and its sub-units
    course_id: int | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    status: str | None = None
    expiring_within: int | None = None  # valid, and expiring within this many days
    holder: str | None = None  # words of the holder's name in any spelling, or IIN digits

    def as_dict(self) -> dict:
        """For the audit log and links: only the filters set, dates as ISO text."""
        values = {"organisation": self.organisation_id, "course": self.course_id,
                  "issued_from": self.issued_from.isoformat() if self.issued_from else None,
                  "issued_to": self.issued_to.isoformat() if self.issued_to else None,
                  "status": self.status, "expiring_within": self.expiring_within, "holder": self.holder}
        return {key: value for key, value in values.items() if value is not None}


def _parse_date(raw: str | None, label: str) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CertificateError(_("%(field)s is not a date (YYYY-MM-DD): %(value)s", field=label,
                                 value=raw[:20])) from None


def parse_filters(actor, args) -> CertificateFilters:
    """Filters from a query string or CLI options (text values). Raises :class:`CertificateError`
    (translated) for a bad date, status or number, or an organisation outside the actor's scope."""
    from ..organisations.models import Organisation

    ensure(actor, "view_certificates")
    issued_from = _parse_date(args.get("issued_from"), _("Issued from"))
    issued_to = _parse_date(args.get("issued_to"), _("Issued to"))
    if issued_from and issued_to and issued_to < issued_from:
        raise CertificateError(_("The end of the date range is before its start."))
    status = (args.get("status") or "").strip() or None
    if status is not None and status not in STATUSES:
        raise CertificateError(_("Unknown status: %(value)s", value=status[:20]))
    organisation_id = _parse_int(args.get("organisation"), _("Organisation"))
    if organisation_id:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None or not covers(actor, organisation):
            raise CertificateError(_("This organisation is not in your scope."))
    course_id = None
    course_value = (str(args.get("course") or "")).strip()
    if course_value:
        course = db.session.scalar(select(Course).where(
            Course.slug == course_value if not course_value.isdigit() else Course.id == int(course_value)))
        if course is None:
            raise CertificateError(_("There is no such course."))
        course_id = course.id
    expiring = _parse_int(args.get("expiring_within"), _("Expiring within (days)"))
    if expiring is not None and not 0 <= expiring <= MAX_EXPIRING_DAYS:
        raise CertificateError(_("Expiring within (days) must be between 0 and %(max)s.", max=MAX_EXPIRING_DAYS))
    holder = str(args.get("holder") or "").strip()[:100] or None
    return CertificateFilters(organisation_id=organisation_id or None, course_id=course_id, issued_from=issued_from,
                              issued_to=issued_to, status=status, expiring_within=expiring, holder=holder)


def _parse_int(raw, label: str) -> int | None:
    raw = (str(raw) if raw is not None else "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise CertificateError(_("%(field)s must be a whole number.", field=label))
    return int(raw)


def certificate_query(actor, filters: CertificateFilters, today: date | None = None):
    """The certificates ``actor`` may see (their HR subtree; admins all), filtered, newest first.
    Scoping goes through :func:`lms.organisations.services.visible_to`, like every list of people."""
    from datetime import timedelta

    from ..organisations.models import Organisation
    from ..organisations.services import visible_to

    ensure(actor, "view_certificates")
    today = today or local_today()
    query = select(Certificate).where(visible_to(actor, Certificate.organisation_id))
    if filters.organisation_id:
        unit = db.session.get(Organisation, filters.organisation_id)
        if unit is None or not covers(actor, unit):
            raise CertificateError(_("This organisation is not in your scope."))
        query = query.where(Certificate.organisation_id.in_(
            select(Organisation.id).where(Organisation.path.startswith(unit.path))))
    if filters.course_id:
        query = query.where(Certificate.course_id == filters.course_id)
    if filters.holder:
        query = query.where(matching(filters.holder, Certificate.user_id))
    if filters.issued_from:
        query = query.where(Certificate.issued_on >= filters.issued_from)
    if filters.issued_to:
        query = query.where(Certificate.issued_on <= filters.issued_to)
    not_revoked = Certificate.revoked_at.is_(None)
    if filters.status == "revoked":
        query = query.where(Certificate.revoked_at.is_not(None))
    elif filters.status == "expired":
        query = query.where(not_revoked, Certificate.valid_until < today)
    elif filters.status == "valid":
        query = query.where(not_revoked, (Certificate.valid_until.is_(None)) | (Certificate.valid_until >= today))
    if filters.expiring_within is not None:
        query = query.where(not_revoked, Certificate.valid_until >= today,
                            Certificate.valid_until <= today + timedelta(days=filters.expiring_within))
        return query.order_by(Certificate.valid_until, Certificate.id)
    return query.order_by(Certificate.issued_on.desc(), Certificate.id.desc())

"""Writing and reading the audit log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import has_request_context, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import clock, signals
from ..extensions import db
from ..i18n import localized
from ..security import ensure
from .models import AuditEvent


def record_event(actor, action: str, obj=None, **details) -> AuditEvent:
    """Add an audit event to the current transaction (the caller's commit writes it with the change)."""
    actor_id = getattr(actor, "id", None) if getattr(actor, "is_authenticated", actor is not None) else None
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) is not None else None,
        ip_address=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(event)
    return event


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    person: str | None = None         # words of the actor's name in any spelling, or their e-mail
    object_type: str | None = None
    object_id: str | None = None
    date_from: date | None = None     # Kazakhstan's dates, both included
    date_to: date | None = None

    def as_dict(self) -> dict:
        values = {"action": self.action, "person": self.person, "object_type": self.object_type,
                  "object_id": self.object_id, "date_from": self.date_from.isoformat() if self.date_from else None,
                  "date_to": self.date_to.isoformat() if self.date_to else None}
        return {key: value for key, value in values.items() if value}


def parse_filters(args) -> AuditFilters:
    """Filters from a query string; a malformed date is ignored rather than an error page."""
    def day(name):
        try:
            return date.fromisoformat((args.get(name) or "").strip())
        except ValueError:
            return None

    text = {name: (args.get(name) or "").strip()[:100] or None for name in ("action", "person", "object_type",
                                                                          "object_id")}
    return AuditFilters(date_from=day("date_from"), date_to=day("date_to"), **text)


def _query(filters: AuditFilters):
    from ..accounts.models import User
    from ..accounts.search import matching

    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.person:
        if "@" in filters.person:
            query = query.where(AuditEvent.actor_id.in_(select(User.id).where(User.email == filters.person.lower())))
        else:
            query = query.where(matching(filters.person, AuditEvent.actor_id))
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditEvent.object_id == filters.object_id)
    if filters.date_from:
        query = query.where(AuditEvent.created_at >= clock.start_of_local_day(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.created_at < clock.start_of_local_day(filters.date_to + timedelta(days=1)))
    return query


def list_events(actor, filters: AuditFilters = AuditFilters(), *, page: int = 1, per_page: int = 50):
    ensure(actor, "view_audit_log")
    return db.paginate(_query(filters), page=page, per_page=per_page, error_out=False)


def export_events(actor, filters: AuditFilters, limit: int = 100_000) -> list[AuditEvent]:
    """The filtered events for a CSV, newest first; the export itself is audited."""
    ensure(actor, "view_audit_log")
    events = list(db.session.scalars(_query(filters).limit(limit)))
    signals.audit_log_exported.send(actor, filters=filters.as_dict(), rows=len(events))
    db.session.commit()
    return events


def known_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def known_object_types() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.object_type).where(AuditEvent.object_type.is_not(None))
                                   .distinct().order_by(AuditEvent.object_type)))


# --------------------------------------------------------------------------- naming what events refer to

@dataclass(frozen=True)
class Named:
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Description:
    """An event as an auditor reads it: the object by name (and link), the details in words."""

    object: Named | None
    details: list[tuple[str, str]]


PERSON_KEYS = ("learner", "holder", "user")  # details that hold a person's id
DETAIL_LABELS = {
    "learner": _l("Learner"), "holder": _l("Holder"), "user": _l("Person"), "course": _l("Course"),
    "before": _l("Before"), "after": _l("After"), "reason": _l("Reason"), "rows": _l("Rows"),
    "format": _l("Format"), "filters": _l("Filters"), "number": _l("Number"), "email": _l("E-mail"),
}


def _ids(events, kind: str) -> set[int]:
    return {int(e.object_id) for e in events if e.object_type == kind and (e.object_id or "").isdigit()}


def _detail_ids(events, keys) -> set[int]:
    return {e.details[key] for e in events for key in keys if isinstance((e.details or {}).get(key), int)}


def describe(events: list[AuditEvent]) -> dict[int, Description]:
    """A page of events in words: one query per kind of object, whatever the number of events."""
    from ..accounts.models import User
    from ..certificates.models import Certificate
    from ..courses.models import Course
    from ..learning.models import Enrolment
    from ..organisations.models import Organisation

    def load(model, ids):
        return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}

    enrolments = load(Enrolment, _ids(events, "Enrolment"))
    people = {p.id: Named(p.full_name, url_for("accounts.edit_user", user_id=p.id)) for p in load(
        User, _ids(events, "User") | _detail_ids(events, PERSON_KEYS) | {e.user_id for e in enrolments.values()}).values()}
    courses = {c.id: Named(localized(c.title_kk, c.title_ru), url_for("courses.course", slug=c.slug)) for c in load(
        Course, _ids(events, "Course") | _detail_ids(events, ("course",))
        | {e.course_id for e in enrolments.values()}).values()}
    certificates = {c.id: Named(f"{c.number} — {c.holder_name}", url_for("certificates.verify", number=c.number))
                    for c in load(Certificate, _ids(events, "Certificate")).values()}
    units = {o.id: Named(localized(o.name_kk, o.name_ru)) for o in load(Organisation, _ids(events, "Organisation")).values()}
    for key, enrolment in enrolments.items():
        person, course = people.get(enrolment.user_id), courses.get(enrolment.course_id)
        enrolments[key] = Named(f"{person.text if person else '—'} — {course.text if course else '—'}",
                                person.url if person else None)
    by_kind = {"User": people, "Course": courses, "Certificate": certificates, "Organisation": units,
               "Enrolment": enrolments}

    def value(key, raw) -> str:
        if isinstance(raw, int) and key in PERSON_KEYS and raw in people:
            return people[raw].text
        if isinstance(raw, int) and key == "course" and raw in courses:
            return courses[raw].text
        if isinstance(raw, dict):
            return ", ".join(f"{k}: {v}" for k, v in raw.items())
        if isinstance(raw, list):
            return ", ".join(map(str, raw))
        return "—" if raw is None or raw == "" else str(raw)

    described = {}
    for event in events:
        key = int(event.object_id) if (event.object_id or "").isdigit() else None
        described[event.id] = Description(
            by_kind.get(event.object_type, {}).get(key),
            [(str(DETAIL_LABELS.get(name, name)), value(name, raw)) for name, raw in (event.details or {}).items()])
    return described

"""Writing and reading the audit log."""
from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import select

from ..extensions import db
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


def list_events(actor, *, action: str | None = None, page: int = 1, per_page: int = 50):
    ensure(actor, "view_audit_log")
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def known_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))

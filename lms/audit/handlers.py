"""The audit log listens to every sensitive signal (see :mod:`lms.signals`).

Each handler adds an event to the session the service is about to commit, so the change and its
audit record are written together or not at all.
"""
from __future__ import annotations

from .. import signals
from .services import record_event


def _user_event(action):
    def handler(actor, user, **extra):
        details = {"email": user.email}
        if "changes" in extra:
            details["changes"] = extra["changes"]
        if "added" in extra:
            details.update(added=extra["added"], removed=extra["removed"])
        if "via" in extra:
            details["via"] = extra["via"]
        record_event(actor, action, user, **details)
    return handler


def _on_sign_in_failed(actor, email, user, reason):
    record_event(None, "sign_in_failed", user, email=email, reason=reason)


def _on_employees_imported(actor, report, filename):
    record_event(actor, "employees_imported", None, filename=filename, created=report.created,
                 updated=report.updated, rejected=len(report.rejected))


def _token_event(action):
    def handler(actor, token):
        record_event(actor, action, token, name=token.name, prefix=token.prefix, owner=token.user_id)
    return handler


def _organisation_event(action):
    def handler(actor, organisation, changes=None):
        details = {"code": organisation.code}
        if changes:
            details["changes"] = changes
        record_event(actor, action, organisation, **details)
    return handler


_USER_ACTIONS = {
    signals.user_signed_in: "sign_in",
    signals.user_signed_out: "sign_out",
    signals.account_locked: "account_locked",
    signals.user_created: "user_created",
    signals.user_updated: "user_updated",
    signals.user_deactivated: "user_deactivated",
    signals.user_reactivated: "user_reactivated",
    signals.roles_changed: "roles_changed",
    signals.invitation_issued: "invitation_issued",
    signals.password_set: "password_set",
    signals.password_reset_requested: "password_reset_requested",
}

_handlers = []  # blinker keeps weak references: hold the closures here


def connect() -> None:
    """Connect every handler once per process (apps created later share them)."""
    if _handlers:
        return
    for signal, action in _USER_ACTIONS.items():
        handler = _user_event(action)
        _handlers.append(handler)
        signal.connect(handler)
    for signal, handler in (
        (signals.sign_in_failed, _on_sign_in_failed),
        (signals.employees_imported, _on_employees_imported),
        (signals.api_token_created, _token_event("api_token_created")),
        (signals.api_token_revoked, _token_event("api_token_revoked")),
        (signals.organisation_created, _organisation_event("organisation_created")),
        (signals.organisation_updated, _organisation_event("organisation_updated")),
    ):
        _handlers.append(handler)
        signal.connect(handler)

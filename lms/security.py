"""Who may do what: permissions named once, declared on routes and checked again in services.

Views declare ``@requires("manage_users")``; services call ``ensure(actor, "manage_users")``
before changing anything, so the web page, the API and the CLI all obey the same rule.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort
from flask_login import current_user
from werkzeug.exceptions import Forbidden

# permission → roles that hold it
PERMISSIONS: dict[str, frozenset[str]] = {
    "manage_users": frozenset({"admin"}),
    "manage_organisations": frozenset({"admin"}),
    "import_employees": frozenset({"hr", "admin"}),  # HR: into their own subtrees (lms/accounts/employees.py)
    "view_audit_log": frozenset({"admin"}),
    "view_staff": frozenset({"hr", "admin"}),
    # Instructors: cohorts, rosters and grading of the courses they teach only (lms/courses/teaching.py)
    "teach_every_course": frozenset({"admin"}),  # teaches every course, not only those listed for them
    "manage_courses": frozenset({"instructor", "admin"}),  # import course files, preview lessons, open cohorts
    "view_rosters": frozenset({"instructor", "admin"}),  # cohort rosters, quiz statistics
    "grade_submissions": frozenset({"instructor", "admin"}),
    "assign_courses": frozenset({"hr", "admin"}),  # enrol people or a subtree (HR: within their scope)
    "use_any_notebook": frozenset({"instructor"}),  # open any course's notebook without enrolling
    "view_certificates": frozenset({"hr", "admin"}),  # HR: certificates of their subtree; export them
    "revoke_certificates": frozenset({"admin"}),
    "issue_certificates": frozenset({"admin"}),  # the backfill (`lms issue-certificates`)
    "view_gpu_usage": frozenset({"admin"}),  # GPU-hours by organisation, course, person; CSV
    "manage_gpu_quotas": frozenset({"admin"}),  # `lms gpu-quota`
}


class PermissionDenied(Forbidden):
    """A service refused an action to its actor."""


def has_permission(actor, permission: str) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return bool(actor.role_names & PERMISSIONS[permission])


def ensure(actor, permission: str) -> None:
    if not has_permission(actor, permission):
        raise PermissionDenied(permission)


def requires(permission: str) -> Callable:
    """Route decorator: sign-in required, then the named permission."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                from .extensions import login_manager
                return login_manager.unauthorized()
            if not has_permission(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        wrapper.permission = permission
        return wrapper

    return decorator


def can(permission: str) -> bool:
    """Template global: whether the signed-in person holds ``permission`` (pages show a link or a button
    by the permission its route declares, never by role, so they follow :data:`PERMISSIONS`)."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)
    return has_permission(current_user, permission)


def init_app(app, settings) -> None:
    """Security headers: a strict Content-Security-Policy (no inline scripts), no framing, no sniffing;
    the ``can(permission)`` template global."""
    from flask_talisman import Talisman

    app.jinja_env.globals["can"] = can

    csp = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": ["'self'", "data:"],
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
    }
    Talisman(
        app,
        force_https=settings.force_https,
        strict_transport_security=settings.force_https or settings.env == "production",  # HSTS over HTTPS
        session_cookie_secure=settings.cookie_secure,
        content_security_policy=csp,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
    )


class _SystemActor:
    """The actor for command-line and scheduled work: holds every permission, audited as ``None``."""

    id = None
    is_authenticated = True
    is_active = True
    is_system = True
    role_names = frozenset().union(*PERMISSIONS.values())
    roles: list = []
    organisation = None
    email = "system"

    def has_role(self, *roles) -> bool:
        return True

    def __repr__(self) -> str:
        return "<system>"


SYSTEM = _SystemActor()

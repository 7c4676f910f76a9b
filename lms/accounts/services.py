"""Accounts: signing in, people, roles, one-time links and personal API tokens.

Every function takes the acting user first, checks permission, changes data, sends the signal
the audit log listens to, and commits.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import false, func, select
from werkzeug.exceptions import NotFound

from .. import signals
from ..extensions import db
from ..i18n.collation import by_name
from ..mail import send_mail
from ..organisations.models import Organisation
from ..organisations.services import covers, visible_to
from ..security import PermissionDenied, ensure
from ..utils import external_url, utcnow
from .iin import InvalidIIN, iin_error_message, mask_iin, normalise_iin
from .models import Role, RoleAssignment, User
from .passwords import hash_password, needs_rehash, verify_password
from .search import matching

NAME_MAX = 100
POSITION_MAX = 255
EMAIL_MAX = 254
LANGUAGE_CHOICES = ("kk", "ru", "kk-Latn")


class AccountError(ValueError):
    """A request about an account was refused; the message is translated for the user."""


class SignInError(AccountError):
    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


# --------------------------------------------------------------------------- people


@dataclass
class PersonData:
    """What an admin form or an import row says about a person."""

    email: str
    surname: str
    given_name: str
    patronymic: str = ""
    iin: str | None = None
    position: str = ""
    organisation: Organisation | None = None
    preferred_language: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def clean(self) -> "PersonData":
        """Normalise fields in place and collect translated errors in ``errors``."""
        for name, limit in (("surname", NAME_MAX), ("given_name", NAME_MAX), ("patronymic", NAME_MAX),
                            ("position", POSITION_MAX)):
            value = " ".join((getattr(self, name) or "").split())
            setattr(self, name, value)
            if len(value) > limit:
                self.errors[name] = _("At most %(limit)d characters.", limit=limit)
        for name in ("surname", "given_name"):
            if not getattr(self, name) and name not in self.errors:
                self.errors[name] = _("This field is required.")
        self.email = (self.email or "").strip()
        if len(self.email) > EMAIL_MAX:
            self.errors["email"] = _("At most %(limit)d characters.", limit=EMAIL_MAX)
        else:
            try:
                self.email = validate_email(self.email, check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                self.errors["email"] = _("This is not a valid e-mail address.")
        if self.iin:
            try:
                self.iin = normalise_iin(self.iin)
            except InvalidIIN as error:
                self.errors["iin"] = iin_error_message(error.reason)
        else:
            self.iin = None
        if self.preferred_language not in (None, "", *LANGUAGE_CHOICES):
            self.errors["preferred_language"] = _("Choose kk, ru or kk-Latn.")
        self.preferred_language = self.preferred_language or None
        return self


def _check_unique(person: PersonData, existing: User | None) -> None:
    """Add errors for an e-mail or IIN that already belongs to someone else."""
    own_id = existing.id if existing else None
    by_email = db.session.scalar(select(User).where(func.lower(User.email) == person.email))
    if by_email is not None and by_email.id != own_id:
        person.errors["email"] = _("This e-mail address already belongs to another person.")
    if person.iin:
        by_iin = db.session.scalar(select(User).where(User.iin == person.iin))
        if by_iin is not None and by_iin.id != own_id:
            person.errors["iin"] = _("This IIN already belongs to another person.")


_PERSON_FIELDS = ("email", "surname", "given_name", "patronymic", "iin", "position", "preferred_language")


def _apply(user: User, person: PersonData) -> dict[str, list]:
    changes = {}
    for name in _PERSON_FIELDS:
        value = getattr(person, name)
        if getattr(user, name) != value:
            shown = [mask_iin(getattr(user, name)), mask_iin(value)] if name == "iin" else [getattr(user, name), value]
            changes[name] = shown
            setattr(user, name, value)
    if user.organisation_id != (person.organisation.id if person.organisation else None):
        changes["organisation"] = [user.organisation_id, person.organisation.id if person.organisation else None]
        user.organisation = person.organisation
    return changes


def create_user(actor, person: PersonData, *, roles=(Role.learner,), invite: bool = False,
                commit: bool = True, permission: str = "manage_users") -> User:
    """``permission``: "import_employees" for the employee import, which checks the organisation's
    scope itself (lms/accounts/employees.py)."""
    ensure(actor, permission)
    person.clean()
    if not person.errors:
        _check_unique(person, None)
    if person.errors:
        raise AccountError("; ".join(person.errors.values()))
    user = User()
    _apply(user, person)
    user.roles = [RoleAssignment(role=Role(role)) for role in roles]
    db.session.add(user)
    db.session.flush()
    signals.user_created.send(actor, user=user)
    if invite:
        _send_invitation(actor, user)
    if commit:
        db.session.commit()
    return user


def update_user(actor, user: User, person: PersonData, *, commit: bool = True,
                permission: str = "manage_users") -> dict[str, list]:
    ensure(actor, permission)
    person.clean()
    if not person.errors:
        _check_unique(person, user)
    if person.errors:
        raise AccountError("; ".join(person.errors.values()))
    changes = _apply(user, person)
    if changes:
        signals.user_updated.send(actor, user=user, changes=changes)
    if commit:
        db.session.commit()
    return changes


def set_user_active(actor, user: User, active: bool) -> None:
    ensure(actor, "manage_users")
    if not active and getattr(actor, "id", None) == user.id:
        raise AccountError(_("You cannot deactivate your own account."))
    if user.active == active:
        return
    user.active = active
    if not active:
        _end_sessions(user)
        for token in user_tokens(user):
            token.revoked_at = token.revoked_at or utcnow()
    (signals.user_reactivated if active else signals.user_deactivated).send(actor, user=user)
    db.session.commit()


def set_roles(actor, user: User, wanted: list[tuple[Role | str, int | None]]) -> None:
    """Replace the person's roles with ``wanted``: (role, organisation id or None) pairs."""
    ensure(actor, "manage_users")
    wanted_set = {(Role(role), org_id if Role(role) == Role.hr else None) for role, org_id in wanted}
    current = {(a.role, a.organisation_id): a for a in user.roles}
    if getattr(actor, "id", None) == user.id and (Role.admin, None) in current and (Role.admin, None) not in wanted_set:
        raise AccountError(_("You cannot remove your own administrator role."))
    added = sorted(f"{r.value}@{o}" if o else r.value for r, o in wanted_set - current.keys())
    removed = sorted(f"{r.value}@{o}" if o else r.value for r, o in current.keys() - wanted_set)
    if not added and not removed:
        return
    for key, assignment in current.items():
        if key not in wanted_set:
            user.roles.remove(assignment)
    for role, org_id in wanted_set - current.keys():
        user.roles.append(RoleAssignment(role=role, organisation_id=org_id))
    signals.roles_changed.send(actor, user=user, added=added, removed=removed)
    db.session.commit()


def set_preferred_language(user: User, language: str) -> None:
    if language not in LANGUAGE_CHOICES:
        raise AccountError(_("Choose kk, ru or kk-Latn."))
    user.preferred_language = language
    db.session.commit()


def list_people(actor, *, search: str = "", organisation: Organisation | None = None,
                page: int = 1, per_page: int = 25, permission: str = "view_staff"):
    """People the actor may see, in the alphabetical order of the page's language, optionally filtered by
    text or subtree."""
    ensure(actor, permission)
    query = select(User).where(visible_to(actor, User.organisation_id) | _admin_sees_unassigned(actor))
    search = search.strip()
    if "@" in search:
        query = query.where(func.lower(User.email).like(f"%{search.lower()}%"))
    elif search:
        query = query.where(matching(search, User.id))
    if organisation is not None:
        if not covers(actor, organisation):
            raise PermissionDenied("organisation outside scope")
        query = query.join(Organisation, User.organisation_id == Organisation.id).where(
            Organisation.path.startswith(organisation.path))
    query = query.order_by(*by_name(User.surname, User.given_name), User.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def _admin_sees_unassigned(actor):
    return User.organisation_id.is_(None) if actor.has_role("admin") else false()


def get_person(actor, user_id: int, permission: str = "view_staff") -> User:
    """One person, if the actor may see them (404 otherwise, so ids do not leak)."""
    ensure(actor, permission)
    user = db.session.get(User, user_id)
    if user is None or not (actor.has_role("admin") or covers(actor, user.organisation)):
        raise NotFound()
    return user


def can_see_full_iin(viewer, person: User) -> bool:
    """The person themself, admins, and HR of their organisation see the whole IIN."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.id == person.id or viewer.has_role("admin"):
        return True
    return viewer.has_role("hr") and covers(viewer, person.organisation)


def shown_iin(viewer, person: User) -> str:
    return (person.iin or "") if can_see_full_iin(viewer, person) else mask_iin(person.iin)


# --------------------------------------------------------------------------- signing in


def authenticate(email: str, password: str) -> User:
    """Return the user for these credentials or raise :class:`SignInError` (translated).

    An unknown e-mail and a wrong password get the same message after the same work (one Argon2
    verification, against a dummy hash for an unknown e-mail). No account is ever locked: guessing is
    slowed down by the limits in :mod:`lms.accounts.throttling`, which spare the owner's browsers.
    """
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email)) if email else None
    if not verify_password(user.password_hash if user is not None else None, password) or user is None:
        reason = "unknown" if user is None else "password"
        signals.sign_in_failed.send(None, email=email, user=user, reason=reason)
        db.session.commit()
        raise SignInError(_("The e-mail or password is incorrect."), reason)
    if not user.active:
        signals.sign_in_failed.send(None, email=email, user=user, reason="inactive")
        db.session.commit()
        raise SignInError(_("This account has been deactivated. Contact your administrator."), "inactive")
    user.last_login_at = utcnow()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    signals.user_signed_in.send(user, user=user)
    db.session.commit()
    return user


def _end_sessions(user: User) -> None:
    """Every session and remember-me cookie of the person stops working (see User.get_id)."""
    user.session_generation += 1


def record_sign_out(user: User) -> None:
    """Signing out ends the person's sessions on every device, so a copied cookie is worthless too."""
    _end_sessions(user)
    signals.user_signed_out.send(user, user=user)
    db.session.commit()


def end_sessions(actor, user: User) -> None:
    """An administrator signs a person out everywhere (a lost laptop, a shared computer)."""
    ensure(actor, "manage_users")
    _end_sessions(user)
    signals.sessions_ended.send(actor, user=user)
    db.session.commit()


def check_password_strength(password: str) -> None:
    minimum = current_app.config["OQU_SETTINGS"].password_min_length
    if len(password) < minimum:
        raise AccountError(_("The password must have at least %(n)d characters.", n=minimum))
    if password.isdigit() or password.isalpha():
        raise AccountError(_("Use letters and at least one digit or symbol."))


def set_password(actor, user: User, password: str) -> None:
    """An administrator (or the command line) sets a password directly."""
    ensure(actor, "manage_users")
    check_password_strength(password)
    user.password_hash = hash_password(password)
    _end_sessions(user)
    signals.password_set.send(actor, user=user, via="admin")
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """A new password ends every session of the person; the page signs the browser that changed it in
    again."""
    if not verify_password(user.password_hash, current):
        raise AccountError(_("The current password is incorrect."))
    check_password_strength(new)
    user.password_hash = hash_password(new)
    _end_sessions(user)
    signals.password_set.send(user, user=user, via="change")
    db.session.commit()


# --------------------------------------------------------------------------- one-time links

_PURPOSES = {"invitation": "invitation_days", "reset": "password_reset_minutes"}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"oqu-{purpose}")


def _fingerprint(user: User) -> str:
    """Changes whenever the password does, so a link works once."""
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def make_link_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def _max_age(purpose: str) -> int:
    settings = current_app.config["OQU_SETTINGS"]
    return settings.invitation_days * 86400 if purpose == "invitation" else settings.password_reset_minutes * 60


def user_for_link_token(token: str, purpose: str) -> User:
    """The user a link belongs to, or AccountError saying why it no longer works."""
    try:
        data = _serializer(purpose).loads(token, max_age=_max_age(purpose))
    except SignatureExpired:
        if purpose == "invitation":
            raise AccountError(_("This invitation has expired. Ask your administrator for a new one.")) from None
        raise AccountError(_("This link has expired. Request a new one.")) from None
    except BadSignature:
        raise AccountError(_("This link is not valid.")) from None
    user = db.session.get(User, data.get("u"))
    if user is None or data.get("f") != _fingerprint(user):
        raise AccountError(_("This link has already been used.")) from None
    if not user.active:
        raise AccountError(_("This account has been deactivated. Contact your administrator."))
    return user


def _send_invitation(actor, user: User) -> str:
    link = external_url("accounts.set_password", purpose="invitation", token=make_link_token(user, "invitation"))
    with force_locale("ru" if user.preferred_language == "ru" else "kk"):
        send_mail(user.email, _("Invitation to Oqu"),
                  _("You have been invited to Oqu, the civil-service AI training platform. "
                    "Set your password here (the link works once):") + f"\n\n{link}\n")
    signals.invitation_issued.send(actor, user=user)
    return link


def invite_user(actor, user: User) -> str:
    """Send (again) an invitation link to set a password; returns the link for the admin to share."""
    ensure(actor, "manage_users")
    if not user.active:
        raise AccountError(_("This account has been deactivated. Contact your administrator."))
    link = _send_invitation(actor, user)
    db.session.commit()
    return link


def request_password_reset(email: str) -> None:
    """Send a reset link if an active account has this address. Says nothing either way."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None or not user.active:
        return
    link = external_url("accounts.set_password", purpose="reset", token=make_link_token(user, "reset"))
    with force_locale("ru" if user.preferred_language == "ru" else "kk"):
        send_mail(user.email, _("Password reset for Oqu"),
                  _("Someone asked to reset your Oqu password. If it was you, follow this link "
                    "(it works once); otherwise ignore this message:") + f"\n\n{link}\n")
    signals.password_reset_requested.send(None, user=user)
    db.session.commit()


def set_password_with_token(token: str, purpose: str, password: str) -> User:
    if purpose not in _PURPOSES:
        raise AccountError(_("This link is not valid."))
    user = user_for_link_token(token, purpose)
    check_password_strength(password)
    user.password_hash = hash_password(password)
    _end_sessions(user)
    signals.password_set.send(user, user=user, via=purpose)
    db.session.commit()
    return user


# personal API tokens live in lms.accounts.tokens; their callers may keep asking this module
from .tokens import (TOKEN_PREFIX, create_api_token, revoke_api_token, user_for_api_token,  # noqa: E402,F401
                     user_tokens)

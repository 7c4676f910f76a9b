"""Personal API tokens: made for their owner (or by an administrator), shown once and stored only as a
SHA-256 digest; revoked, never deleted; the API finds a token's active owner by its secret."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from .. import signals
from ..extensions import db
from ..security import ensure
from ..utils import utcnow
from .models import ApiToken, User


TOKEN_PREFIX = "oqu_"


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(actor, owner: User, name: str) -> tuple[ApiToken, str]:
    """A new personal token for ``owner``; the secret is returned once and stored only hashed."""
    if getattr(actor, "id", None) != owner.id:
        ensure(actor, "manage_users")
    name = " ".join((name or "").split())[:100] or _("API token")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=owner, name=name, token_hash=_token_digest(secret), prefix=secret[:12])
    db.session.add(token)
    db.session.flush()
    signals.api_token_created.send(actor, token=token)
    db.session.commit()
    return token, secret


def revoke_api_token(actor, token: ApiToken) -> None:
    if getattr(actor, "id", None) != token.user_id:
        ensure(actor, "manage_users")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        signals.api_token_revoked.send(actor, token=token)
        db.session.commit()


def user_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def user_for_api_token(secret: str) -> User | None:
    """The active owner of a valid, unrevoked token (and note its use), else None."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        db.session.commit()
    return token.user

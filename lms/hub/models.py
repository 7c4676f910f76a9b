"""What the LMS keeps about the hub: each person's hub name, the OAuth codes and tokens it issued to
the hub, and the notebook launches it made.

Codes and tokens are stored as SHA-256 digests only, like personal API tokens.
"""
from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..courses.models import Course
from ..extensions import db
from ..utils import utcnow


class HubAccount(db.Model):
    """A person's name on the hub: random, stable, and free of personal data (never the IIN or e-mail)."""

    __tablename__ = "hub_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship()


class OAuthAuthorizationCode(db.Model):
    """An authorization code: short-lived and claimed once by one conditional UPDATE (``used_at``)."""

    __tablename__ = "oauth_authorization_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(200), default="")
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    nonce: Mapped[str | None] = mapped_column(String(255))  # OpenID Connect
    auth_time: Mapped[datetime | None] = mapped_column()  # when the person last signed in to the LMS
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship()

    # Authlib's AuthorizationCodeMixin
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    # Authlib's OpenID Connect AuthorizationCodeMixin
    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int | None:
        return int(self.auth_time.replace(tzinfo=timezone.utc).timestamp()) if self.auth_time else None

    def get_acr(self):
        return None

    def get_amr(self):
        return None


class OAuthToken(db.Model):
    """An access token issued to the hub for one person; it only reads that person's userinfo."""

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int | None] = mapped_column(ForeignKey("oauth_authorization_codes.id", ondelete="SET NULL"),
                                                index=True)
    scope: Mapped[str] = mapped_column(String(200), default="")
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship()

    # Authlib's TokenMixin
    def check_client(self, client) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int((self.expires_at - self.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def get_user(self) -> User:
        return self.user


class LaunchStatus(str, enum.Enum):
    pending = "pending"
    ready = "ready"
    failed = "failed"
    stopped = "stopped"


class NotebookLaunch(db.Model):
    """One request to open a course's notebook: what the LMS asked the hub for and what came of it.

    The hub is the truth about servers; this row remembers what the LMS needs to answer the learner
    (which course and profile, when it was asked, why it failed) and is the usage record.
    """

    __tablename__ = "notebook_launches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    profile: Mapped[str] = mapped_column(String(40))
    status: Mapped[LaunchStatus] = mapped_column(
        Enum(LaunchStatus, name="launch_status", native_enum=False, length=20), index=True)
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(500), default="")  # the hub's last word, untranslated
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()

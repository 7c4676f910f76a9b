"""Uploads that wait for their uploader's confirmation (a preview first, then "Confirm").

An upload is kept in the database (``staged_uploads``), so that the "Confirm" of a preview made on one
LMS machine can be answered by any other, under a random token bound to the person who made it, for
:attr:`Staging.keep_s` seconds. :meth:`Staging.claim` hands its bytes over exactly once — one UPDATE
decides, so a double click or a resent form finds it gone (:class:`StagedUploadGone`) — and
:meth:`Staging.finish` keeps the outcome for the result page.

The HR employee import (:mod:`lms.accounts.employees`) and the course-package upload
(:mod:`lms.courses.uploads`) use it, each as its own kind.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import abort, session
from sqlalchemy import JSON, ForeignKey, LargeBinary, String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .utils import utcnow

STAGED, CLAIMED, FINISHED = "staged", "claimed", "finished"


class StagedUpload(db.Model):
    """One upload waiting for its confirmation; its bytes are dropped once claimed."""

    __tablename__ = "staged_uploads"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    state: Mapped[str] = mapped_column(String(10), default=STAGED)
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    outcome: Mapped[dict | None] = mapped_column(JSON)


def remember(session_key: str, token: str) -> None:
    """Note ``token`` as one of this browser session's staged uploads (the latest five are kept)."""
    session[session_key] = [*session.get(session_key, [])[-4:], token]


def ensure_remembered(session_key: str, token: str) -> None:
    """404 unless ``token`` is a staged upload this browser session was given."""
    if token not in session.get(session_key, []):
        abort(404)


class StagedUploadGone(LookupError):
    """The staged upload is unknown, expired, someone else's, or already confirmed."""


def valid_token(token: str) -> bool:
    return bool(token) and len(token) < 64 and all(c.isalnum() or c in "-_" for c in token)


class Staging:
    """The staged uploads of one kind."""

    def __init__(self, kind: str, keep_s: int):
        self.kind = kind
        self.keep_s = keep_s

    def _oldest_kept(self) -> datetime:
        return utcnow() - timedelta(seconds=self.keep_s)

    def _find(self, actor, token: str) -> StagedUpload | None:
        if not valid_token(token):
            return None
        return db.session.scalar(select(StagedUpload).where(
            StagedUpload.token == token, StagedUpload.kind == self.kind, StagedUpload.actor_id == actor.id))

    def forget_old(self) -> None:
        """Remove uploads and outcomes older than :attr:`keep_s`."""
        db.session.execute(delete(StagedUpload).where(StagedUpload.kind == self.kind,
                                                      StagedUpload.created_at < self._oldest_kept()))
        db.session.commit()

    def stage(self, actor, data: bytes, meta: dict) -> str:
        """Keep ``data`` (and ``meta``, JSON) for ``actor``; returns the new token."""
        self.forget_old()
        token = secrets.token_urlsafe(24)
        db.session.add(StagedUpload(token=token, kind=self.kind, actor_id=actor.id, created_at=utcnow(),
                                    state=STAGED, meta=meta, data=data))
        db.session.commit()
        return token

    def claim(self, actor, token: str) -> tuple[dict, bytes]:
        """The metadata and bytes of ``actor``'s unexpired upload ``token``, taken once; the caller then
        calls :meth:`finish` (also when processing failed). Raises :class:`StagedUploadGone`."""
        if not valid_token(token):
            raise StagedUploadGone(token)
        won = db.session.execute(update(StagedUpload).where(
            StagedUpload.token == token, StagedUpload.kind == self.kind, StagedUpload.actor_id == actor.id,
            StagedUpload.state == STAGED, StagedUpload.created_at >= self._oldest_kept(),
        ).values(state=CLAIMED).execution_options(synchronize_session=False)).rowcount == 1
        db.session.commit()  # the claim is seen by every other request before the work starts
        if not won:
            raise StagedUploadGone(token)
        found = db.session.get(StagedUpload, token, populate_existing=True)
        return dict(found.meta), found.data

    def finish(self, token: str, outcome: dict | None) -> None:
        """Keep the outcome of a claimed upload for :meth:`outcome` (None: it failed, keep nothing), and let go
        of its bytes."""
        if not db.session.is_active:  # the work failed half-way: what it left is not kept
            db.session.rollback()
        if outcome is None:
            db.session.execute(delete(StagedUpload).where(StagedUpload.token == token))
        else:
            db.session.execute(update(StagedUpload).where(StagedUpload.token == token).values(
                state=FINISHED, outcome=outcome, data=None).execution_options(synchronize_session=False))
        db.session.commit()

    def outcome(self, actor, token: str) -> tuple[dict, dict | None] | None:
        """``(meta, outcome)`` of ``actor``'s upload: outcome None while it is being processed; None when
        the token is unknown, not theirs, or was never claimed."""
        found = self._find(actor, token)
        if found is None or found.state == STAGED:
            return None
        return dict(found.meta), found.outcome

"""Uploads that wait for their uploader's confirmation (a preview first, then "Confirm").

An upload is kept in a private folder (0700/0600, :mod:`lms.private_files`) under a random token bound
to the person who made it, for :attr:`Staging.keep_s` seconds. :meth:`Staging.claim` hands it over
exactly once — an atomic rename decides, so a double click or a resent form finds it gone
(:class:`StagedUploadGone`) — and :meth:`Staging.finish` keeps the outcome for the result page.

The HR employee import (:mod:`lms.accounts.employees`) and the course-package upload
(:mod:`lms.courses.uploads`) use it, each with its own folder.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from flask import abort, session

from . import clock
from .private_files import private_folder, write_private_file


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
    """The staged uploads of one kind, in ``<instance>/<name>/``."""

    def __init__(self, instance_path: str, name: str, keep_s: int):
        self.folder = private_folder(Path(instance_path) / name)
        self.keep_s = keep_s

    def _expired(self, meta: dict) -> bool:
        created = meta.get("created")
        return not isinstance(created, (int, float)) or abs(clock.now().timestamp() - created) > self.keep_s

    def forget_old(self) -> None:
        """Remove uploads and outcomes older than :attr:`keep_s`."""
        for meta_path in self.folder.glob("*.json"):
            try:
                expired = self._expired(json.loads(meta_path.read_text()))
            except (OSError, ValueError):
                expired = True
            if expired:
                for suffix in (".data", ".claimed", ".report", ".json"):
                    meta_path.with_suffix(suffix).unlink(missing_ok=True)

    def stage(self, actor, data: bytes, meta: dict) -> str:
        """Keep ``data`` (and ``meta``, JSON) for ``actor``; returns the new token."""
        self.forget_old()
        token = secrets.token_urlsafe(24)
        write_private_file(self.folder / f"{token}.data", data)
        write_private_file(self.folder / f"{token}.json", json.dumps(
            {**meta, "actor": actor.id, "created": clock.now().timestamp()}).encode())
        return token

    def meta(self, actor, token: str) -> dict | None:
        """The metadata of ``actor``'s upload ``token`` (confirmed or not), or None."""
        if not valid_token(token):
            return None
        try:
            meta = json.loads((self.folder / f"{token}.json").read_text())
        except (OSError, ValueError):
            return None
        return meta if meta.get("actor") == actor.id else None

    def claim(self, actor, token: str) -> tuple[dict, bytes]:
        """The metadata and bytes of ``actor``'s unexpired upload ``token``, taken once; the caller then
        calls :meth:`finish` (also when processing failed). Raises :class:`StagedUploadGone`."""
        meta = self.meta(actor, token)
        if meta is None or self._expired(meta):
            raise StagedUploadGone(token)
        data_path, claimed = self.folder / f"{token}.data", self.folder / f"{token}.claimed"
        try:
            os.rename(data_path, claimed)  # only one request wins
        except OSError:
            raise StagedUploadGone(token) from None
        try:
            return meta, claimed.read_bytes()
        except OSError:
            claimed.unlink(missing_ok=True)
            raise StagedUploadGone(token) from None

    def finish(self, token: str, outcome: dict | None) -> None:
        """Keep the outcome of a claimed upload for :meth:`outcome` (None: it failed, keep nothing), and let go
        of its bytes."""
        try:
            if outcome is not None:
                write_private_file(self.folder / f"{token}.report", json.dumps(outcome).encode())
        finally:
            (self.folder / f"{token}.claimed").unlink(missing_ok=True)

    def outcome(self, actor, token: str) -> tuple[dict, dict | None] | None:
        """``(meta, outcome)`` of ``actor``'s upload: outcome None while it is being processed; None when
        the token is unknown, not theirs, or was never claimed."""
        meta = self.meta(actor, token)
        if meta is None:
            return None
        try:
            return meta, json.loads((self.folder / f"{token}.report").read_text())
        except (OSError, ValueError):
            if (self.folder / f"{token}.claimed").exists():
                return meta, None
            return None

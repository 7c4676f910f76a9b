"""An instructor's authoring notebook: their named server ``authoring`` on the hub (lms/hub/lab.py gives it
nbgrader's Create Assignment toolbar), started and seeded by the LMS, and read back when they import an
assignment from it.

As with learners' servers the LMS's own token never reaches it: each operation on it goes through a
token the hub mints for ``access:servers!server=<name>/authoring`` alone, revoked when the operation
ends (:class:`lms.hub.client.LearnerServer`). The hub's spawn check lets only instructors and admins
start it (:func:`lms.hub.access.spawn_refusal`). Paths are relative to the server's root, ``~/authoring``.
"""
from __future__ import annotations

import base64
import json
import logging
import posixpath
import time
from dataclasses import dataclass
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _

from ..profiles import DEFAULT_PROFILE
from ..security import PermissionDenied
from .access import AUTHORING_SERVER, may_author
from .client import HubError, HubUnavailable

log = logging.getLogger(__name__)

START_WAIT_SECONDS = 25.0
MAX_FILES = 200
MAX_DEPTH = 4
MAX_BYTES = 50 * 1024 * 1024  # the whole folder


class AuthoringRefused(ValueError):
    """The folder cannot be read or written as asked; the message is for the instructor (translated)."""


@dataclass
class AuthoringServer:
    status: str  # ready, pending, failed
    url: str | None = None  # the folder in the authoring JupyterLab, when ready
    message: str = ""


def _client():
    from .services import hub_client

    return hub_client()


def check_folder(folder: str) -> str:
    """``folder`` as a clean relative path of the authoring server (``course/assignment``), or
    :class:`AuthoringRefused`: no absolute path, no ``..``, no hidden part, no backslash."""
    given = folder if isinstance(folder, str) else ""
    parts = given.strip().strip("/").split("/")
    if (not given.strip() or given.strip().startswith("/") or "\\" in given or "\0" in given or len(parts) > MAX_DEPTH
            or any(part in ("", ".", "..") or part.startswith(".") for part in parts)):
        raise AuthoringRefused(_("%(folder)s is not a folder of your authoring notebook: give a path such as "
                                 "course/assignment, without “..”, hidden folders or a leading /.",
                                 folder=given[:100] or "—"))
    return "/".join(parts)


def open_authoring(actor, course, folder: str, seed: dict[str, bytes] | None,
                   wait: float = START_WAIT_SECONDS) -> AuthoringServer:
    """Start the instructor's authoring server unless it runs, in their LMS language; once it is ready,
    put ``seed`` (relative path → bytes) in ``folder`` unless that folder exists there already (the
    instructor's own work is never overwritten). Pending when the start takes longer than ``wait``."""
    from .services import _lab_options, remember_down, hub_account

    if not may_author(actor):
        raise PermissionDenied("author")
    folder = check_folder(folder)
    account = hub_account(actor)
    client = _client()
    try:
        state = client.server_state(account.username, AUTHORING_SERVER)
        if not state.exists:
            client.ensure_user(account.username)
        if not state.running:
            result, message = client.start_server(account.username, {
                "profile": DEFAULT_PROFILE, "lab": _lab_options(actor, course)}, AUTHORING_SERVER)
            if result == "failed":
                return AuthoringServer("failed", message=_failed(client, account.username, message))
        state = _wait_ready(client, account.username, wait)
        if state.pending == "spawn" or not state.ready:
            if not state.running:
                return AuthoringServer("failed", message=_failed(client, account.username, ""))
            return AuthoringServer("pending", message=_("Your authoring notebook is starting. Open it again in "
                                                        "a moment."))
        if seed:
            _seed(client, account.username, folder, seed)
    except HubUnavailable:
        remember_down(client)
        raise
    settings = current_app.config["OQU_SETTINGS"]
    return AuthoringServer("ready", f"{settings.hub_url}{state.url}lab/tree/{quote(folder)}")


def _wait_ready(client, username: str, wait: float):
    deadline = time.monotonic() + wait
    state = client.server_state(username, AUTHORING_SERVER)
    while state.pending == "spawn" and time.monotonic() < deadline:
        events = client.spawn_events(username, max(0.2, deadline - time.monotonic()), AUTHORING_SERVER)
        if any(e.get("failed") for e in events):
            break
        state = client.server_state(username, AUTHORING_SERVER)
    return client.server_state(username, AUTHORING_SERVER)


def _failed(client, username: str, message: str) -> str:
    events = client.spawn_events(username, 0.5, AUTHORING_SERVER)
    failed = next((e for e in reversed(events) if e.get("failed")), {})
    reason = str(failed.get("message") or message or "")
    log.warning("the authoring server of %s did not start: %s", username, reason)
    return _("Your authoring notebook could not be started: %(reason)s", reason=reason[:300] or "—")


def _seed(client, username: str, folder: str, files: dict[str, bytes]) -> None:
    with client.learner_server(username, AUTHORING_SERVER) as server:  # a token for this server alone
        if server.api("GET", f"contents/{quote(folder)}", params={"content": "0"}, ok=(200, 404)).status_code == 200:
            return  # the instructor's own copy: kept as it is
        made = set()
        for path in sorted(files):
            parts = check_folder(f"{folder}/{path}").split("/")
            for depth in range(1, len(parts)):
                sub = "/".join(parts[:depth])
                if sub not in made:
                    server.api("PUT", f"contents/{quote(sub)}", json={"type": "directory"})
                    made.add(sub)
            target = "/".join(parts)
            body = files[path]
            if target.endswith(".ipynb"):
                model = {"type": "notebook", "format": "json", "content": json.loads(body)}
            else:
                model = {"type": "file", "format": "base64", "content": base64.b64encode(body).decode()}
            server.api("PUT", f"contents/{quote(target)}", json=model)


def read_authoring_folder(actor, folder: str, *, max_bytes: int = MAX_BYTES) -> dict[str, bytes]:
    """Every file of ``folder`` on the instructor's authoring server (relative path → bytes), through the
    contents API: only that folder (each entry's path checked to lie in it), at most :data:`MAX_FILES`
    files, ``max_bytes`` in all and :data:`MAX_DEPTH` levels; hidden files and checkpoints left out.
    :class:`AuthoringRefused` with the reason, translated, when it cannot be read whole."""
    from .services import hub_account

    if not may_author(actor):
        raise PermissionDenied("author")
    folder = check_folder(folder)
    account = hub_account(actor, create=False)
    if account is None:
        raise _not_running()
    client = _client()
    state = client.server_state(account.username, AUTHORING_SERVER)
    if not state.ready:
        raise _not_running()
    files: dict[str, bytes] = {}
    with client.learner_server(account.username, AUTHORING_SERVER) as server:
        _read(server, folder, folder, files, max_bytes)
    if not files:
        raise AuthoringRefused(_("The folder %(folder)s of your authoring notebook is empty or does not exist.",
                                 folder=folder))
    return files


def _not_running() -> AuthoringRefused:
    return AuthoringRefused(_("Your authoring notebook is not running: open it first, then import."))


def _read(server, root: str, folder: str, files: dict[str, bytes], max_bytes: int) -> None:
    listing = _get(server, folder, {"content": "1", "type": "directory"}, root)
    entries = listing.get("content") if isinstance(listing, dict) else None
    if listing.get("type") != "directory" or not isinstance(entries, list):
        raise AuthoringRefused(_("The folder %(folder)s of your authoring notebook is empty or does not exist.",
                                 folder=root))
    for entry in entries:
        name, path, kind = entry.get("name"), entry.get("path"), entry.get("type")
        if not isinstance(name, str) or name.startswith(".") or name == "__pycache__":
            continue
        if path != f"{folder}/{name}" or "/" in name or posixpath.normpath(path) != path:
            raise _outside(root)
        relative = path[len(root) + 1:]
        if kind == "directory":
            if len(relative.split("/")) >= MAX_DEPTH:
                raise _too_big(root)
            _read(server, root, path, files, max_bytes)
            continue
        if len(files) >= MAX_FILES:
            raise _too_big(root)
        used = sum(len(body) for body in files.values())
        if kind == "notebook":
            model = _get(server, path, {"content": "1", "type": "notebook"}, root, max_bytes - used)
            body = json.dumps(model.get("content"), ensure_ascii=False, indent=1).encode()
        else:
            model = _get(server, path, {"content": "1", "type": "file", "format": "base64"}, root, max_bytes - used)
            try:
                body = base64.b64decode(model.get("content") or "", validate=False)
            except (ValueError, TypeError):
                raise _outside(root) from None
        if model.get("path") != path:
            raise _outside(root)
        if used + len(body) > max_bytes:
            raise _too_big(root)
        files[relative] = body


def _get(server, path: str, params: dict, root: str, room: int = 10 * 1024 * 1024) -> dict:
    """One contents-API model, read in chunks and abandoned once it passes ``room`` bytes (plus the
    JSON's own overhead: a base64 body is a third larger)."""
    room = room * 4 // 3 + 64 * 1024
    try:
        response = server.api("GET", f"contents/{quote(path)}", params=params, stream=True)
    except HubUnavailable:
        raise AuthoringRefused(_("Your authoring notebook cannot be reached right now. Please try again in a few "
                                 "minutes.")) from None
    except HubError as error:
        if error.status in (403, 404):
            raise AuthoringRefused(_("The folder %(folder)s of your authoring notebook is empty or does not "
                                     "exist.", folder=root)) from None
        raise AuthoringRefused(_("%(path)s could not be read from your authoring notebook.", path=path)) from None
    try:
        chunks, size = [], 0
        for chunk in response.iter_content(chunk_size=1024 * 1024):
            size += len(chunk)
            if size > room:
                raise _too_big(root)
            chunks.append(chunk)
        model = json.loads(b"".join(chunks))
    except (OSError, ValueError):
        raise AuthoringRefused(_("%(path)s could not be read from your authoring notebook.", path=path)) from None
    finally:
        response.close()
    if not isinstance(model, dict):
        raise AuthoringRefused(_("%(path)s could not be read from your authoring notebook.", path=path))
    return model


def _outside(root: str) -> AuthoringRefused:
    return AuthoringRefused(_("The folder %(folder)s holds an entry that leads outside it (a link or “..”), so "
                              "nothing was imported.", folder=root))


def _too_big(root: str) -> AuthoringRefused:
    return AuthoringRefused(_("The folder %(folder)s is too large to import (at most %(files)d files, "
                              "%(mb)d MB, %(depth)d levels of folders).", folder=root, files=MAX_FILES,
                              mb=MAX_BYTES // (1024 * 1024), depth=MAX_DEPTH))

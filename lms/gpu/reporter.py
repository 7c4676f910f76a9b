"""The hub's side of usage records: its spawn and stop hooks report each server's start and stop to
the LMS, durably.

Every event is first written to a spool folder (one JSON file, written atomically), then delivered
in order by a background thread with the hub's own credential on the LMS (``LMS_HUB_REPORT_TOKEN``,
never the LMS's service token, never seen by learners' servers); a file is removed only once the LMS
has answered. An LMS that is down, a hub restart or a crash between the two therefore loses nothing:
what is left in the folder is sent when the hub runs again. Events carry an id, so a delivery that
is repeated (the answer was lost) changes nothing in the LMS.

Imports nothing from the LMS or Flask: ``jupyterhub_config.py`` loads this file by path.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

log = logging.getLogger("oqu.usage")

RETRY_SECONDS = 30.0


def _now() -> datetime:
    """The instant of a report, in UTC. This file runs inside the hub, loaded by path without the LMS,
    so it cannot use ``lms.clock``; it derives no date: the LMS turns the instant into Kazakhstan's."""
    return datetime.fromtimestamp(time.time(), tz=timezone.utc)


class UsageReporter:
    def __init__(self, lms_url: str, token: str, spool: Path, *, gpus_of=None, timeout: float = 5.0,
                 background: bool = True):
        self.endpoint = lms_url.rstrip("/") + "/api/v1/hub/usage-events"
        self._token = token
        self.spool = Path(spool)
        self.spool.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        self._gpus_of = gpus_of or (lambda slug: 0)
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.background = background  # deliver from a thread (the hub); tests call flush() themselves

    # ------------------------------------------------------------------ the hub's hooks

    def hooks(self):
        """``(pre_spawn_hook, post_stop_hook)`` for the hub's Spawner config: plain functions, since the
        hub deep-copies its configuration into every spawner (a bound method would copy the lock)."""
        def pre_spawn_hook(spawner) -> None:  # the server is about to start with its checked profile
            self.record("start", spawner)

        def post_stop_hook(spawner) -> None:  # the server has stopped (also after a failed spawn)
            self.record("stop", spawner)

        pre_spawn_hook.reporter = post_stop_hook.reporter = self
        return pre_spawn_hook, post_stop_hook

    # ------------------------------------------------------------------ spooling

    def record(self, kind: str, spawner) -> dict:
        options = spawner.user_options or {}
        profile = str(options.get("profile") or "cpu")
        event = {"id": uuid.uuid4().hex, "event": kind, "user": spawner.user.name, "server": spawner.name or "",
                 "profile": profile, "gpus": self._gpus_of(profile),
                 "at": _now().isoformat(timespec="seconds")}
        if options.get("course"):  # the course the LMS launched this server for
            event["course"] = str(options["course"])[:120]
        if kind == "stop" and getattr(spawner, "end_reason", ""):  # e.g. Slurm's time limit (lms/hub/slurm.py)
            event["reason"] = str(spawner.end_reason)[:40]
        name = f"{time.time_ns():020d}-{event['id']}.json"
        temporary = self.spool / ("." + name)
        with open(temporary, "w") as handle:
            json.dump(event, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.spool / name)
        self.wake()
        return event

    def pending(self) -> list[Path]:
        return sorted(p for p in self.spool.glob("*.json") if not p.name.startswith("."))

    def flush(self) -> int:
        """Deliver spooled events in order; stop at the first that cannot be delivered now. Returns how
        many are left."""
        import requests

        with self._lock:
            left = self.pending()
            while left:
                path = left[0]
                try:
                    event = json.loads(path.read_text())
                except (OSError, ValueError):
                    log.error("unreadable usage event %s set aside", path)
                    path.rename(path.with_suffix(".bad"))
                    left.pop(0)
                    continue
                try:
                    response = requests.post(self.endpoint, json=event, timeout=self.timeout,
                                             headers={"Authorization": f"token {self._token}"})
                except requests.RequestException as error:
                    log.warning("LMS unreachable, %d usage event(s) kept for later: %s", len(left), error)
                    return len(left)
                if response.status_code >= 500 or response.status_code in (401, 403, 404, 429):
                    log.warning("LMS answered %s, %d usage event(s) kept for later", response.status_code, len(left))
                    return len(left)
                if response.status_code >= 400:  # the LMS cannot read it: keep it aside, go on
                    log.error("LMS refused usage event %s: %s", path.name, response.text[:200])
                    path.rename(path.with_suffix(".bad"))
                else:
                    path.unlink()
                left.pop(0)
            return 0

    # ------------------------------------------------------------------ background delivery

    def wake(self) -> None:
        self._wake.set()
        if self.background:
            self.start()

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="oqu-usage-reporter", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # never let the thread die: the next event or retry tries again
                log.exception("usage delivery failed")
            self._wake.wait(RETRY_SECONDS)

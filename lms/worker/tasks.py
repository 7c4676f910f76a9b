"""Oqu's background tasks. Each runs inside an application context of the worker's app.

For now there is one real task, the heartbeat, which tells the health endpoint that a consumer is
alive; grading and certificates add theirs here.
"""
from __future__ import annotations

import logging
import time
from types import SimpleNamespace

from huey import crontab

log = logging.getLogger(__name__)


def register(huey, app) -> SimpleNamespace:
    from . import HEARTBEAT_KEY

    def beat() -> float:
        now = time.time()
        huey.put(HEARTBEAT_KEY, now)
        return now

    @huey.on_startup()
    def announce_start():
        beat()

    @huey.periodic_task(crontab(minute="*"), name="heartbeat")
    def heartbeat():
        """Record that a worker is alive (every minute, and once when it starts)."""
        with app.app_context():
            return beat()

    @huey.task(name="ping")
    def ping(value=None):
        """A round trip through the queue: returns what it was given (used by tests and diagnostics)."""
        beat()
        return value

    return SimpleNamespace(heartbeat=heartbeat, ping=ping)

"""The worker's own tasks: the heartbeat, which tells the health endpoint that a consumer is alive
(and puts what the domains report of this worker, :func:`lms.worker.reports`), and a ping. The
domains' tasks are in their own ``tasks.py`` (grading, gpu, hub, assignments). Each task runs inside
an application context of the worker's app.
"""
from __future__ import annotations

import logging
import time

from huey import crontab

log = logging.getLogger(__name__)


def register(huey, app) -> dict:
    from . import HEARTBEAT_KEY, report_key, reported_states

    def beat() -> float:
        now = time.time()
        for name, state in reported_states(app.config["OQU_SETTINGS"]).items():
            huey.put(report_key(name), state)
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

    return {"heartbeat": heartbeat, "ping": ping}

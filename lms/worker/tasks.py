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
    from . import GRADING_KEY, HEARTBEAT_KEY, grading_state

    def beat() -> float:
        now = time.time()
        huey.put(GRADING_KEY, grading_state(app.config["OQU_SETTINGS"]))
        huey.put(HEARTBEAT_KEY, now)
        return now

    @huey.on_startup()
    def announce_start():
        _check_sandbox(app)
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

    @huey.task(name="grade_submission")
    def grade_submission(submission_id: int):
        """Grade one submission in the sandbox (the row, not this task, is the truth: see
        lms.grading.submissions)."""
        from ..grading.submissions import grade_submission as grade

        with app.app_context():
            return grade(submission_id)

    @huey.on_startup()
    def reap_on_start():
        _reap(app)

    @huey.on_startup()
    def warm_grading_runner():
        """Start this worker thread's warm grading runner (nbgrader imported, lms.grading.sandbox) now
        rather than at the first submission."""
        from ..grading import sandbox
        from ..grading.services import limits_from

        limits = limits_from(app.config["OQU_SETTINGS"])
        if sandbox.PREFORK and not sandbox.sandbox_problem(limits):
            sandbox.warm_runner(limits)

    @huey.periodic_task(crontab(minute="*"), name="enforce_gpu_time")
    def enforce_gpu_time():
        """Stop the GPU servers of people whose GPU time for the month has run out."""
        from ..gpu.services import enforce_gpu_time as enforce

        with app.app_context():
            return enforce()

    @huey.periodic_task(crontab(minute="*"), name="end_access_of_deactivated")
    def end_access_of_deactivated():
        """Stop the servers of deactivated people that the hub kept running (it was down at the time)."""
        from ..hub.services import end_access_of_deactivated as sweep

        with app.app_context():
            return sweep()

    @huey.periodic_task(crontab(minute="*"), name="reap_submissions")
    def reap_submissions():
        """Re-enqueue submissions whose grading lease expired or whose task was lost."""
        return _reap(app)

    return SimpleNamespace(heartbeat=heartbeat, ping=ping, grade_submission=grade_submission,
                           reap_submissions=reap_submissions)


def _check_sandbox(app) -> None:
    """Say in the log, once at start, whether this worker may grade."""
    from ..grading.sandbox import sandbox_problem
    from ..grading.services import limits_from

    settings = app.config["OQU_SETTINGS"]
    if settings.grading_sandbox == "off":
        log.warning("LMS_GRADING_SANDBOX=off: learner code is graded WITHOUT a sandbox (development only)")
        return
    problem = sandbox_problem(limits_from(settings))
    if problem:
        log.error("grading is unsafe on this machine, this worker will not grade (submissions wait, queued, for "
                  "one that can; LMS_GRADING_SANDBOX=off only on a development machine): %s", problem)
    else:
        log.info("grading sandbox: bubblewrap, ready")


def _reap(app):
    from ..grading.submissions import reap_submissions

    try:
        with app.app_context():
            return reap_submissions()
    except Exception:  # noqa: BLE001 — a reaper failure must not stop the consumer
        log.exception("reaping submissions failed")
        return []

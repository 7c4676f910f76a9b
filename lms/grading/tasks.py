"""Grading's background work: grade a submission in the sandbox, re-enqueue the ones whose lease
expired, keep a warm grading runner, and say on each heartbeat whether this worker can grade."""
from __future__ import annotations

import logging

from ..worker import registers, reports
from .sandbox import sandbox_problem
from .services import limits_from

log = logging.getLogger(__name__)


@reports("grading")
def grading_state(settings) -> str:
    """``ok`` when grading here runs in the sandbox, ``unsafe`` when the sandbox cannot be set up (the
    worker refuses to grade; submissions wait), ``off`` when the settings switch it off (a development
    machine: learner code runs unsandboxed)."""
    if settings.grading_sandbox == "off":
        return "off"
    return "unsafe" if sandbox_problem(limits_from(settings)) else "ok"


@registers
def register(huey, app) -> dict:
    from huey import crontab  # here: Huey's storage imports database clients a web process does not need

    @huey.on_startup()
    def check_sandbox_on_start():
        _check_sandbox(app)

    @huey.task(name="grade_submission")
    def grade_submission(submission_id: int):
        """Grade one submission in the sandbox (the row, not this task, is the truth: see
        lms.grading.submissions)."""
        from .submissions import grade_submission as grade

        with app.app_context():
            return grade(submission_id)

    @huey.on_startup()
    def reap_on_start():
        _reap(app)

    @huey.on_startup()
    def warm_grading_runner():
        """Start this worker thread's warm grading runner (nbgrader imported, lms.grading.sandbox) now
        rather than at the first submission."""
        from . import sandbox

        limits = limits_from(app.config["OQU_SETTINGS"])
        if sandbox.PREFORK and not sandbox.sandbox_problem(limits):
            sandbox.warm_runner(limits)

    @huey.periodic_task(crontab(minute="*"), name="reap_submissions")
    def reap_submissions():
        """Re-enqueue submissions whose grading lease expired or whose task was lost."""
        return _reap(app)

    return {"grade_submission": grade_submission, "reap_submissions": reap_submissions}


def _check_sandbox(app) -> None:
    """Say in the log, once at start, whether this worker may grade."""
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
    from .submissions import reap_submissions

    try:
        with app.app_context():
            return reap_submissions()
    except Exception:  # noqa: BLE001 — a reaper failure must not stop the consumer
        log.exception("reaping submissions failed")
        return []

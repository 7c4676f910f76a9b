"""The task queue: Huey, on a SQLite file under instance/ by default (no server to run) or on Redis
when ``LMS_QUEUE_URL=redis://…``, with signed messages so that nobody who can write to the queue can
make the worker run a pickle of their own.

The Huey instance is built from the settings on first use (no I/O at import); tasks are registered
on it by :func:`lms.worker.tasks.register`. The consumer is ``flask --app wsgi lms worker``.
"""
from __future__ import annotations

import time
from pathlib import Path

from flask import current_app

HEARTBEAT_KEY = "oqu:worker-heartbeat"
GRADING_KEY = "oqu:worker-grading"  # what the last worker to beat says of its grading sandbox
HEARTBEAT_STALE_SECONDS = 180  # the heartbeat task runs every minute


def create_huey(settings):
    # imported here: Huey's storage module imports the Redis and PostgreSQL clients (16 MB), which a
    # web worker that never queues a job does not need
    from huey import MemoryHuey, RedisHuey, SqliteHuey
    from huey.serializer import SignedSerializer

    serializer = SignedSerializer(secret=settings.secret_key, salt="oqu-queue")
    url = settings.queue_url
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("oqu", url=url, serializer=serializer)
    if url == "memory://":
        return MemoryHuey("oqu", immediate=True, serializer=serializer)
    filename = url[len("sqlite:///"):] if url.startswith("sqlite:///") else str(Path(settings.instance_path) / "queue.db")
    return SqliteHuey("oqu", filename=filename, serializer=serializer)


def get_huey(app=None):
    """The app's Huey, with Oqu's tasks registered (built on first use)."""
    app = app or current_app._get_current_object()
    huey = app.extensions.get("oqu_huey")
    if huey is None:
        from .tasks import register

        huey = create_huey(app.config["OQU_SETTINGS"])
        app.extensions["oqu_huey"] = huey
        app.extensions["oqu_tasks"] = register(huey, app)
    return huey


def registered_tasks(app=None):
    """The registered tasks by name (``registered_tasks().heartbeat()`` enqueues one; not named ``tasks``, which the submodule would shadow)."""
    app = app or current_app._get_current_object()
    get_huey(app)
    return app.extensions["oqu_tasks"]


def queue_health() -> str:
    """``ok`` when the queue's storage answers and a worker has beaten within three minutes; ``down``
    otherwise (jobs would wait)."""
    try:
        huey = get_huey()
        if huey.immediate:
            return "ok"
        beat = huey.get(HEARTBEAT_KEY, peek=True)
    except Exception:  # noqa: BLE001 — any storage failure means the queue is down
        return "down"
    if beat is None or time.time() - float(beat) > HEARTBEAT_STALE_SECONDS:
        return "down"
    return "ok"


def grading_state(settings) -> str:
    """``ok`` when grading here runs in the sandbox, ``unsafe`` when the sandbox cannot be set up (the
    worker refuses to grade; submissions wait), ``off`` when the settings switch it off (a development
    machine: learner code runs unsandboxed)."""
    from ..grading.sandbox import sandbox_problem
    from ..grading.services import limits_from

    if settings.grading_sandbox == "off":
        return "off"
    return "unsafe" if sandbox_problem(limits_from(settings)) else "ok"


def grading_health() -> str:
    """The grading sandbox as the workers report it (:func:`grading_state`; computed here when tasks
    run in this process); ``unknown`` while no worker has said."""
    try:
        huey = get_huey()
        if huey.immediate:
            return grading_state(current_app.config["OQU_SETTINGS"])
        state = huey.get(GRADING_KEY, peek=True)
    except Exception:  # noqa: BLE001 — the queue's storage is down: queue_health says so
        return "unknown"
    return state if state in ("ok", "unsafe", "off") else "unknown"

"""The task queue: Huey, on a SQLite file under instance/ by default (no server to run) or on Redis
when ``LMS_QUEUE_URL=redis://…``, with signed messages so that nobody who can write to the queue can
make the worker run a pickle of their own.

The Huey instance is built from the settings on first use (no I/O at import). The worker knows no
domain: each domain's ``tasks.py`` registers its tasks with :func:`registers` (imported by
``create_app``), and what a worker says of itself on each heartbeat (the grading sandbox's state) with
:func:`reports`. The worker's own tasks (heartbeat, ping) are in :mod:`lms.worker.tasks`. The consumer
is ``flask --app wsgi lms worker``.
"""
from __future__ import annotations

import time
from pathlib import Path

from flask import current_app

HEARTBEAT_KEY = "oqu:worker-heartbeat"
HEARTBEAT_STALE_SECONDS = 180  # the heartbeat task runs every minute

_REGISTRARS: list = []  # functions (huey, app) → {name: task}, one per domain's tasks.py
_REPORTS: dict = {}  # name → function (settings) → state, put under "oqu:worker-<name>" on each beat


def registers(function):
    """Decorate a domain's ``register(huey, app)``, which defines its tasks on ``huey`` and returns them by
    name (``{"grade_submission": task}``); they become attributes of :func:`registered_tasks`."""
    if function not in _REGISTRARS:
        _REGISTRARS.append(function)
    return function


def reports(name: str):
    """Decorate ``function(settings) → str``: what each worker beat says of ``name`` (read back by
    :func:`reported_state`)."""
    def register(function):
        _REPORTS[name] = function
        return function
    return register


def report_key(name: str) -> str:
    return f"oqu:worker-{name}"


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
        from types import SimpleNamespace

        from .tasks import register

        huey = create_huey(app.config["OQU_SETTINGS"])
        app.extensions["oqu_huey"] = huey
        tasks = register(huey, app)
        for registrar in _REGISTRARS:
            tasks.update(registrar(huey, app))
        app.extensions["oqu_tasks"] = SimpleNamespace(**tasks)
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


def reported_states(settings) -> dict[str, str]:
    """What this process would report of itself now (:func:`reports`), by name."""
    return {name: function(settings) for name, function in _REPORTS.items()}


def reported_state(name: str, states: tuple[str, ...]) -> str:
    """What the workers last said of ``name`` (:func:`reports`; computed here when tasks run in this
    process); ``unknown`` while no worker has said, or said something not in ``states``."""
    try:
        huey = get_huey()
        if huey.immediate:
            function = _REPORTS.get(name)
            state = function(current_app.config["OQU_SETTINGS"]) if function else None
        else:
            state = huey.get(report_key(name), peek=True)
    except Exception:  # noqa: BLE001 — the queue's storage is down: queue_health says so
        return "unknown"
    return state if state in states else "unknown"


def grading_health() -> str:
    """The grading sandbox as the workers report it: ``ok``, ``unsafe``, ``off`` (see
    :func:`lms.grading.tasks.grading_state`) or ``unknown``."""
    return reported_state("grading", ("ok", "unsafe", "off"))

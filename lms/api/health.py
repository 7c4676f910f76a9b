from flask import jsonify
from sqlalchemy import text

from ..extensions import db
from . import bp, needs


_CHECKS: dict = {}  # name → function returning "ok" or "down", added by the domains (health_check)


def health_check(name: str):
    """Register the decorated function as the health of ``name`` (the hub's, from the hub domain)."""
    def register(function):
        _CHECKS[name] = function
        return function
    return register


@bp.get("/health")
@needs("anyone")
def health():
    """Whether Oqu and the parts it depends on are working. No authentication.
    ---
    get:
      tags: [system]
      summary: Health of the LMS and its dependencies
      security: []
      responses:
        200:
          description: "`status` is `ok` when every part works, `degraded` otherwise (still HTTP 200).
            `hub` is JupyterHub's API; `queue` is `ok` when the task queue answers and a worker beat in the
            last three minutes; `grading` is `ok` when workers grade in the sandbox, `unsafe` when they cannot
            set it up and refuse to grade (submissions wait, queued), `off` when a development setting
            switched it off, `unknown` before a worker has said."
          content:
            application/json:
              schema: Health
    """
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means the database is down
        db.session.rollback()
        database = "down"
    from ..worker import grading_health, queue_health

    checks = {"database": database, **{name: check() for name, check in _CHECKS.items()}, "queue": queue_health(),
              "grading": grading_health()}
    status = "ok" if all(value == "ok" for value in checks.values()) else "degraded"
    return jsonify(status=status, **checks)


@bp.get("/ping")
@needs("anyone")
def ping():
    """A constant answer touching nothing (no database, no session): the framework's floor in the
    benchmarks (`python -m bench`) and a cheap liveness probe. No authentication.
    ---
    get:
      tags: [system]
      summary: Liveness of the web process alone
      security: []
      responses:
        200:
          description: "Always `{\\"status\\": \\"ok\\"}` while the process serves requests."
    """
    return jsonify(status="ok")

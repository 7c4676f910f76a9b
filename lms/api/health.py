from flask import jsonify
from sqlalchemy import text

from ..extensions import db
from . import bp


@bp.get("/health")
def health():
    """Whether Oqu and the parts it depends on are working. No authentication.
    ---
    get:
      tags: [system]
      summary: Health of the LMS and its dependencies
      security: []
      responses:
        200:
          description: "`status` is `ok` when every part works, `degraded` otherwise."
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
    checks = {"database": database}
    status = "ok" if all(value == "ok" for value in checks.values()) else "degraded"
    return jsonify(status=status, **checks)

"""Assignments on the course page: notices about releases (a new version beside the learner's work,
or a release that failed). No routes of its own."""
from flask import Blueprint
from flask_login import current_user

bp = Blueprint("assignments", __name__)


@bp.record_once
def _connect(state) -> None:
    from .handlers import connect

    connect()  # publishing a version prepares its student version (lms.assignments.handlers)


@bp.app_context_processor
def _notices():
    def assignment_release_notices(course):
        from .notices import release_notices

        return release_notices(current_user, course)

    def assignment_release_state(course):
        from .tasks import release_state

        return release_state(current_user, course)

    return {"assignment_release_notices": assignment_release_notices,
            "assignment_release_state": assignment_release_state}

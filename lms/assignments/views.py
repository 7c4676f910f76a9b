"""Assignments on the course page (its ``course-page-work`` slot, lms.hooks): notices about releases (a
new version beside the learner's work, or a release that failed) and their progress. No routes of its own."""
from flask import Blueprint, render_template

from ..hooks import fills, provides

bp = Blueprint("assignments", __name__)


@bp.record_once
def _connect(state) -> None:
    from .handlers import connect

    connect()  # publishing a version prepares its student version (lms.assignments.handlers)


@provides("course-page", "releases")
def _course_page_releases(course, user, **page) -> dict:
    from .notices import release_notices
    from .tasks import release_state

    return {"notices": release_notices(user, course), "state": release_state(user, course)}


@fills("course-page-work", order=30)
def _course_page_release_notices(course, panels, **page) -> str:
    return render_template("assignments/release_notices.html", course=course,
                           release_notices=panels["releases"]["notices"], release_state=panels["releases"]["state"])

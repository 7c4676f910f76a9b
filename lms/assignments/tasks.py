"""The assignments domain's background work: release a course's assignments into a learner's server
once it is ready (``notebook_ready``). That may run nbgrader's generate step (up to the grading
timeout) and makes hub round trips per file, so it runs in the worker, never in a web request; the
course page shows its state (:class:`lms.assignments.models.CourseRelease`)."""
from __future__ import annotations

import logging

from sqlalchemy import select

from ..clock import utcnow
from ..extensions import db
from ..worker import registered_tasks, registers
from .models import CourseRelease, CourseReleaseState

log = logging.getLogger(__name__)


@registers
def register(huey, app) -> dict:
    @huey.task(name="release_assignments")
    def release_assignments(user_id: int, course_id: int, username: str):
        """Place the student versions of the course's assignments on the learner's server."""
        with app.app_context():
            return release_into_server(user_id, course_id, username)

    return {"release_assignments": release_assignments}


def _set_state(user_id: int, course_id: int, state: str) -> None:
    row = db.session.scalar(select(CourseRelease).where(CourseRelease.user_id == user_id,
                                                        CourseRelease.course_id == course_id))
    if row is None:
        row = CourseRelease(user_id=user_id, course_id=course_id)
        db.session.add(row)
    row.state = state
    row.updated_at = utcnow()
    db.session.commit()


def release_into_server(user_id: int, course_id: int, username: str) -> str:
    """The task's body: release, and record how it went (never raises: the failures are recorded per
    assignment by :func:`lms.assignments.release.release_course`)."""
    from ..accounts.models import User
    from ..courses.models import Course
    from ..hub.services import hub_client
    from .release import release_course

    user, course = db.session.get(User, user_id), db.session.get(Course, course_id)
    if user is None or course is None:
        return "gone"
    _set_state(user_id, course_id, CourseReleaseState.releasing)
    try:
        report = release_course(user, course, hub_client(), username)
        state = CourseReleaseState.failed if report.failed else CourseReleaseState.done
    except Exception:  # noqa: BLE001 — release_course records its own failures; this is a last guard
        db.session.rollback()
        log.exception("releasing the assignments of %s failed", course.slug)
        state = CourseReleaseState.failed
    _set_state(user_id, course_id, state)
    return state


def queue_release(sender, launch=None, course=None, username=None, **extra) -> None:
    """``notebook_ready``: record the release as queued and give it to the worker."""
    if launch is None or course is None or not username:
        return
    _set_state(launch.user_id, course.id, CourseReleaseState.queued)
    registered_tasks().release_assignments(launch.user_id, course.id, username)


def release_state(user, course) -> str | None:
    """The state of the learner's latest release for the course page (None: never released)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(CourseRelease.state).where(CourseRelease.user_id == user.id,
                                                               CourseRelease.course_id == course.id))

"""What the notebook panel of a course page or of a notebook item shows, built for one person (the pages
get it through their declared slots, lms.hooks): whether they may open the course's notebook, whether
the hub answers (cached for a few seconds, never waited on), whether their server is running and why it
last stopped, and their GPU time."""
from __future__ import annotations

from ..courses.models import Course
from ..gpu.services import gpu_time_note
from . import ended, services


def notebook_panel(user, course: Course) -> dict:
    """The "Open notebook" panel's data for ``user`` (None or anonymous: nothing to show)."""
    if user is None or not getattr(user, "is_authenticated", False) or not course.has_notebooks:
        return {"show": False}
    allowed = services.may_use_course_notebook(user, course)
    launch = services.latest_launch(user) if allowed else None
    running = launch is not None and launch.status.value in ("pending", "ready")
    here = launch is not None and launch.course_id == course.id
    return {"show": True, "allowed": allowed, "available": allowed and services.hub_available(),
            "running": running, "running_here": running and here,
            "gpu_note": gpu_time_note(user, course) if allowed else None,
            "gpu_time_was_up": here and launch.message == ended.GPU_TIME_UP,
            "time_limit_reached": here and launch.message == ended.TIME_LIMIT}

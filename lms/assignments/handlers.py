"""The assignments domain listens: publishing a version prepares its student version, and a ready
notebook server gets the course's assignments (queued for the worker, lms.assignments.tasks)."""
from __future__ import annotations

import logging

from ..grading.notebooks import find_assignment, source_of_hash
from .student_version import source_version, student_version


log = logging.getLogger(__name__)


def _on_published(sender, version=None, **extra) -> None:
    """A version was published: make (and cache) its student version now, so that learners' launches
    need not, and so that it stays releasable after later unpublished edits of the folder."""
    from flask import current_app

    if version is None:
        return
    settings = current_app.config["OQU_SETTINGS"]
    try:
        source = source_of_hash(settings, version.course, version.assignment, version.content_hash) \
            or find_assignment(settings, version.course.slug, version.assignment)
        if source_version(source) == version.content_hash:
            student_version(settings, source)
    except Exception:  # noqa: BLE001 — the next launch tries again and reports a failure
        log.exception("could not prepare the student version of %s/%s", version.course_id, version.assignment)


def connect() -> None:
    from .. import signals

    from .tasks import queue_release

    signals.assignment_published.connect(_on_published, weak=False)
    signals.notebook_ready.connect(queue_release, weak=False)

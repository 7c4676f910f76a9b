"""What the course page tells a learner about releases: a new version placed beside their work, or a
release that failed (they may open the notebook again to retry)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from sqlalchemy import select

from ..extensions import db
from .models import AssignmentRelease


log = logging.getLogger(__name__)


@dataclass
class ReleaseNotice:
    assignment: str
    title: str
    kind: str                       # "beside" or "failed"
    paths: list[str] = field(default_factory=list)
    own: list[str] = field(default_factory=list)   # the learner's own files the new version went beside


def release_notices(user, course) -> list[ReleaseNotice]:
    """Notices for the course page: a new version placed beside the learner's work, or a release
    that failed (they may open the notebook again to retry)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    rows = db.session.scalars(select(AssignmentRelease).where(
        AssignmentRelease.user_id == user.id, AssignmentRelease.course_id == course.id)
        .order_by(AssignmentRelease.assignment)).all()
    if not rows:
        return []
    from ..i18n import localized

    titles = {item.key: localized(item.title_kk, item.title_ru) for item in course.active_items()}
    notices = []
    for row in rows:
        title = titles.get(row.assignment, row.assignment)
        if row.error:
            notices.append(ReleaseNotice(row.assignment, title, "failed"))
        elif row.beside:
            own = [str(PurePosixPath(f"{course.slug}/{row.assignment}") / name)
                   for name, placed in (row.files or {}).items() if placed.get("path") in row.beside]
            notices.append(ReleaseNotice(row.assignment, title, "beside", list(row.beside), own))
    return notices

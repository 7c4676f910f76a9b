"""What the LMS remembers about releasing assignments to learners.

One row per learner and assignment: which version of the student notebooks (the hash of the
instructor's source) was last placed on the learner's server, where each file went and the hash of
what was put there. With it a later release can tell a file the learner has worked on (keep it, put
the new version beside it) from one they have not touched (update it in place).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class AssignmentRelease(db.Model):
    __tablename__ = "assignment_releases"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "assignment", name="uq_assignment_releases_learner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    assignment: Mapped[str] = mapped_column(String(80))
    version: Mapped[str] = mapped_column(String(64), default="")   # SHA-256 of the source folder released
    number: Mapped[int] = mapped_column(Integer, default=0)        # 1, 2, … versions this learner received
    # {file in the student version: {"path": where it lies in the course folder, "hash": what was put}}
    files: Mapped[dict] = mapped_column(JSON, default=dict)
    beside: Mapped[list] = mapped_column(JSON, default=list)       # paths the latest version went to, beside the learner's work
    error: Mapped[str | None] = mapped_column(Text)                # why the latest release failed (untranslated)
    released_at: Mapped[datetime | None] = mapped_column()


class CourseReleaseState:
    """Where placing a course's assignments on a learner's server stands (``CourseRelease.state``)."""
    queued = "queued"        # the notebook is ready; the worker has the job
    releasing = "releasing"  # the worker is placing the files
    done = "done"
    failed = "failed"        # AssignmentRelease.error says why, per assignment

    working = (queued, releasing)


class CourseRelease(db.Model):
    """One row per learner and course: the state of the latest release of the course's assignments
    into their server, which the worker runs after the notebook is ready (the course page shows it)."""
    __tablename__ = "course_releases"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_course_releases_learner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=CourseReleaseState.queued)
    updated_at: Mapped[datetime | None] = mapped_column()

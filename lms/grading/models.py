"""Submissions and their scores. The LMS database is the source of truth (nbgrader's gradebook is a
throwaway working store inside each sandboxed job).

A submission's stored notebooks never change once written (content, hash, size): a new hand-in is a
new row with the next attempt number. Grading moves it ``queued`` → ``grading`` (a lease, a claim
token, an attempt count; claimed by one conditional UPDATE) → ``graded``, ``failed`` or ``flagged``.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..courses.models import Course
from ..extensions import db
from ..utils import utcnow


class SubmissionStatus(str, enum.Enum):
    queued = "queued"
    grading = "grading"
    graded = "graded"
    failed = "failed"     # grading did not finish (timeout, crash, attempts used up): never a zero
    flagged = "flagged"   # graded, but held for an instructor's review before it counts


class Submission(db.Model):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "assignment", "attempt",
                                       name="uq_submissions_attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    assignment: Mapped[str] = mapped_column(String(80))
    attempt: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column(JSON)               # {file name: notebook JSON text}
    content_hash: Mapped[str] = mapped_column(String(64))     # SHA-256 over names and texts
    size_bytes: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[SubmissionStatus] = mapped_column(
        Enum(SubmissionStatus, name="submission_status", native_enum=False, length=20),
        default=SubmissionStatus.queued, index=True)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column()
    grading_attempts: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[float | None] = mapped_column(Float)
    max_total: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    feedback_html: Mapped[str | None] = mapped_column(Text)
    graded_at: Mapped[datetime | None] = mapped_column()
    # the late policy of course.yaml: percent taken off a late submission's points (``total`` is after
    # the penalty, ``raw_total`` before it; both equal when on time)
    late_penalty: Mapped[float | None] = mapped_column(Float)
    raw_total: Mapped[float | None] = mapped_column(Float)
    # the published version of the assignment the submission was made against (set on insert)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("assignment_versions.id", ondelete="SET NULL"))
    # an instructor cleared the flag ("reviewed, counts"): who, when and why
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    course: Mapped[Course] = relationship()
    version: Mapped["AssignmentVersion | None"] = relationship()
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    scores: Mapped[list["SubmissionScore"]] = relationship(back_populates="submission", cascade="all, delete-orphan",
                                                           order_by="SubmissionScore.id")


class SubmissionScore(db.Model):
    """One graded cell of one notebook of a submission."""

    __tablename__ = "submission_scores"
    __table_args__ = (UniqueConstraint("submission_id", "notebook", "cell", name="uq_submission_scores_cell"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    notebook: Mapped[str] = mapped_column(String(200))
    cell: Mapped[str] = mapped_column(String(200))
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    needs_manual_grade: Mapped[bool] = mapped_column(Boolean, default=False)
    # An instructor's hand on the score (lms/grading/instructor/manual.py): ``manual`` (a manually graded cell)
    # or ``override`` (an automatic score replaced, with a mandatory reason). ``auto_score`` keeps
    # what the autograder gave, so the gradebook and the learner see what was adjusted.
    adjustment: Mapped[str | None] = mapped_column(String(20))
    auto_score: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None] = mapped_column()
    # The autograder's feedback (lms/grading/feedback.py): ``outcome`` passed | failed | hidden | manual;
    # for a failed visible check, the instructor's statement and assertion message. ``learner_error``
    # is what the learner's kernel reported (learner-written: shown to instructors only, marked so).
    outcome: Mapped[str | None] = mapped_column(String(20))
    failed_check: Mapped[str | None] = mapped_column(Text)
    check_message: Mapped[str | None] = mapped_column(Text)
    learner_error: Mapped[str | None] = mapped_column(Text)

    submission: Mapped[Submission] = relationship(back_populates="scores")
    graded_by: Mapped[User | None] = relationship()


class AssignmentVersion(db.Model):
    """One publication of an assignment: its source folder's content hash, the graded cells the
    validation found, who published it and when. Republishing a changed source adds a version;
    earlier submissions keep pointing at the version they were made against."""

    __tablename__ = "assignment_versions"
    __table_args__ = (UniqueConstraint("course_id", "assignment", "version", name="uq_assignment_versions_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    assignment: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    cells: Mapped[list] = mapped_column(JSON, default=list)   # [{notebook, cell, max_score, auto}]
    max_total: Mapped[float] = mapped_column(Float, default=0.0)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship()
    published_by: Mapped[User | None] = relationship()


class SourceVersion(db.Model):
    """One numbered version of an assignment's source folder (the nbgrader-marked notebooks and the
    data files they read), stored in the database (lms.grading.sources) so that every LMS machine and
    worker serves the same files. ``content_hash`` is the hash a published :class:`AssignmentVersion`
    records (lms.grading.student_versions.content_hash). ``origin``: package (came with a course
    package), upload, folder (adopted from ``LMS_ASSIGNMENTS_DIR``), rollback, editor, notebook server.
    ``published_at`` / ``published_version``: when the number was published, as which version."""

    __tablename__ = "assignment_sources"
    __table_args__ = (UniqueConstraint("course_id", "assignment", "number", name="uq_assignment_sources_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    assignment: Mapped[str] = mapped_column(String(80))
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    origin: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column()
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignment_versions.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship()
    created_by: Mapped[User | None] = relationship()
    published_version: Mapped[AssignmentVersion | None] = relationship()
    files: Mapped[list["SourceFile"]] = relationship(cascade="all, delete-orphan", order_by="SourceFile.path")


class SourceFile(db.Model):
    """A file of a source version: its path in the source folder ('/'-separated) and its blob."""

    __tablename__ = "assignment_source_files"
    __table_args__ = (UniqueConstraint("source_id", "path", name="uq_assignment_source_files_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("assignment_sources.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(ForeignKey("content_blobs.sha256"), index=True)
    size: Mapped[int] = mapped_column(Integer)


IMMUTABLE = ("content", "content_hash", "size_bytes", "submitted_at", "user_id", "course_id", "assignment", "attempt")


@event.listens_for(Submission, "before_insert")
def _made_against_latest_version(mapper, connection, target) -> None:
    """A new submission references the assignment's latest published version (if any)."""
    if target.version_id is None:
        from sqlalchemy import select

        table = AssignmentVersion.__table__
        target.version_id = connection.execute(
            select(table.c.id).where(table.c.course_id == target.course_id, table.c.assignment == target.assignment)
            .order_by(table.c.version.desc()).limit(1)).scalar()


@event.listens_for(Submission, "before_update")
def _keep_content(mapper, connection, target) -> None:
    from sqlalchemy import inspect

    state = inspect(target)
    for name in IMMUTABLE:
        if state.attrs[name].history.has_changes():
            raise ValueError(f"a submission's {name} never changes")

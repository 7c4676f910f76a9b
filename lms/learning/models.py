"""Cohorts, enrolments, progress per item and quiz attempts.

Progress and attempts point at the learner and the course item (not at the enrolment), so they
survive a withdrawal and re-enrolment, and a course re-import (items keep their ids).
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Enum, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..courses.models import Course, Item
from ..extensions import db
from ..utils import utcnow


class EnrolmentStatus(str, enum.Enum):
    enrolled = "enrolled"
    waitlisted = "waitlisted"
    withdrawn = "withdrawn"
    completed = "completed"


class AttemptStatus(str, enum.Enum):
    open = "open"
    submitted = "submitted"
    expired = "expired"  # the time ran out and the quiz refuses late submissions


class Cohort(db.Model):
    """An intake of a course: dates, capacity and the window in which people may enrol.

    ``seats_taken`` is changed only by one conditional UPDATE (``seats_taken < capacity``), so
    simultaneous enrolments can never put more people in than there are seats.
    """

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date] = mapped_column()
    ends_on: Mapped[date] = mapped_column()
    enrol_from: Mapped[date | None] = mapped_column()
    enrol_until: Mapped[date | None] = mapped_column()
    due_on: Mapped[date | None] = mapped_column()  # when learners should have completed the course
    capacity: Mapped[int | None] = mapped_column()  # None: no limit
    seats_taken: Mapped[int] = mapped_column(default=0)
    self_enrolment: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship()

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.seats_taken, 0)

    def window_open(self, today: date) -> bool:
        return (self.enrol_from is None or self.enrol_from <= today) and \
               (self.enrol_until is None or today <= self.enrol_until) and today <= self.ends_on


class Enrolment(db.Model):
    """A person in a course (one row per person and course; re-enrolling reuses it)."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_enrolments_user_course"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        Enum(EnrolmentStatus, name="enrolment_status", native_enum=False, length=20), index=True)
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    due_on: Mapped[date | None] = mapped_column()  # overrides the cohort's due date
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)  # waitlist order
    enrolled_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    last_item_id: Mapped[int | None] = mapped_column(ForeignKey("course_items.id"))  # resume here

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    course: Mapped[Course] = relationship()
    cohort: Mapped[Cohort | None] = relationship()
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])
    last_item: Mapped[Item | None] = relationship()

    @property
    def due_date(self) -> date | None:
        return self.due_on or (self.cohort.due_on if self.cohort else None)

    def is_overdue(self, today: date) -> bool:
        due = self.due_date
        return due is not None and today > due and self.status == EnrolmentStatus.enrolled

    @property
    def is_active(self) -> bool:
        """May open lessons and take quizzes."""
        return self.status in (EnrolmentStatus.enrolled, EnrolmentStatus.completed)


class ItemProgress(db.Model):
    """One learner's state on one item: completed lessons; for quizzes the best result."""

    __tablename__ = "item_progress"
    __table_args__ = (UniqueConstraint("user_id", "item_id", name="uq_item_progress_user_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("course_items.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    first_opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()
    best_percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)

    item: Mapped[Item] = relationship()


class QuizAttempt(db.Model):
    """One attempt at a quiz. ``questions`` is the server-side snapshot (with answers) in the order
    this attempt shows them; it is never sent to the browser before the attempt is submitted."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("user_id", "item_id", "number", name="uq_quiz_attempts_user_item_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("course_items.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    status: Mapped[AttemptStatus] = mapped_column(
        Enum(AttemptStatus, name="attempt_status", native_enum=False, length=20), default=AttemptStatus.open)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column()
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    questions: Mapped[list] = mapped_column(JSON, default=list)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    results: Mapped[dict] = mapped_column(JSON, default=dict)  # question id → {correct, points, max}
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship()
    item: Mapped[Item] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.open

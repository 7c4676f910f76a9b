"""What the LMS keeps about GPU time: one row per notebook server (start to stop), and quotas."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..courses.models import Course
from ..extensions import db
from ..organisations.models import Organisation
from ..utils import utcnow


class GpuUsageSession(db.Model):
    """A learner's server from the hub's start report to its stop report: the record GPU-hours are
    counted from (the hub's API knows no stop times). ``stopped_at`` is empty while it runs."""

    __tablename__ = "gpu_usage_sessions"
    __table_args__ = (Index("ix_gpu_usage_sessions_open", "hub_username", "server_name", "stopped_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"),
                                                        index=True)  # the person's, when it started
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"), index=True)
    hub_username: Mapped[str] = mapped_column(String(40))
    server_name: Mapped[str] = mapped_column(String(60), default="")
    profile: Mapped[str] = mapped_column(String(40))
    gpus: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(index=True)
    stopped_at: Mapped[datetime | None] = mapped_column()
    start_event: Mapped[str] = mapped_column(String(64), unique=True)  # the hub's event id: a replay is ignored
    stop_event: Mapped[str | None] = mapped_column(String(64))
    closed_by: Mapped[str] = mapped_column(String(20), default="")  # "hub", or "next-start" when a stop was lost,
    # or "slurm": the times are the scheduler's record of the job (lms/gpu/slurmacct.py)
    scheduler_job: Mapped[str | None] = mapped_column(String(120), unique=True)  # "cluster:job id" once reconciled
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    course: Mapped[Course | None] = relationship()


class GpuQuota(db.Model):
    """GPU-hours per month for one organisation (its learners each, and its whole subtree together)
    or for one course (each learner). Empty values fall back to the next rule, then to the settings."""

    __tablename__ = "gpu_quotas"
    __table_args__ = (CheckConstraint("(organisation_id IS NULL) <> (course_id IS NULL)",
                                      name="one_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                        unique=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), unique=True)
    learner_hours: Mapped[float | None] = mapped_column(Float)  # per learner per month
    organisation_hours: Mapped[float | None] = mapped_column(Float)  # the organisation's subtree per month
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
    course: Mapped[Course | None] = relationship()

"""Helpers for GPU usage tests: courses with a profile, hub accounts, usage sessions written directly."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from lms.courses.models import Course
from lms.extensions import db
from lms.gpu.models import GpuUsageSession

from .. import factories

_events = iter(range(1, 10 ** 6))
NOW = datetime(2026, 11, 15, 12, 0)  # mid-month: usage written "hours ago" never crosses a month boundary


@pytest.fixture(autouse=True)
def mid_month(monkeypatch):
    """The quota and report code sees a fixed 'now' in the middle of a month."""
    monkeypatch.setattr("lms.gpu.services.utcnow", lambda: NOW)
    return NOW


def make_course(slug: str, profile: str) -> Course:
    return factories.course(slug, items=(), notebooks=True, profile=profile, title_kk=f"{slug} kk",
                            title_ru=f"{slug} ru")


def enrol(user, course: Course) -> None:
    factories.enrolment(user, course)


def hub_name(user) -> str:
    return factories.hub_account(user).username


def used(user, hours: float, *, course: Course | None = None, started: datetime | None = None, gpus: int = 1,
         running: bool = False) -> GpuUsageSession:
    """A finished (or still running) GPU session of ``hours`` hours, recorded as the hub would have."""
    start = started or NOW - timedelta(hours=hours)
    session = GpuUsageSession(user_id=user.id, organisation_id=user.organisation_id,
                              course_id=course.id if course else None, hub_username=f"u{user.id:06x}",
                              server_name="", profile="gpu-1" if gpus else "cpu", gpus=gpus, started_at=start,
                              stopped_at=None if running else start + timedelta(hours=hours),
                              start_event=f"e{next(_events)}", closed_by="" if running else "hub")
    db.session.add(session)
    db.session.commit()
    return session


@pytest.fixture
def ministry(app):
    return factories.organisation("MIN", name_kk="Министрлік", name_ru="Министерство")


@pytest.fixture
def department(ministry):
    return factories.organisation("DEP", parent=ministry, name_kk="Департамент", name_ru="Департамент")


@pytest.fixture
def gpu_course(app):
    return make_course("deep-learning", "gpu-1")


@pytest.fixture
def cpu_course(app):
    return make_course("ai-basics", "cpu")

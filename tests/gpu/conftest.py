"""Helpers for GPU usage tests: courses with a profile, hub accounts, usage sessions written directly."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from lms.courses.models import Course, Level, Module
from lms.extensions import db
from lms.gpu.models import GpuUsageSession
from lms.hub.models import HubAccount
from lms.learning.models import Enrolment, EnrolmentStatus
from lms.utils import utcnow

from .. import factories

_events = iter(range(1, 10 ** 6))
NOW = datetime(2026, 11, 15, 12, 0)  # mid-month: usage written "hours ago" never crosses a month boundary


@pytest.fixture(autouse=True)
def mid_month(monkeypatch):
    """The quota and report code sees a fixed 'now' in the middle of a month."""
    monkeypatch.setattr("lms.gpu.services.utcnow", lambda: NOW)
    return NOW


def make_course(slug: str, profile: str) -> Course:
    course = Course(slug=slug, title_kk=f"{slug} kk", title_ru=f"{slug} ru", level=Level.beginner, has_notebooks=True,
                    notebook_profile=profile, hours=8)
    course.modules.append(Module(key="m1", title_kk="Кіріспе", title_ru="Введение"))
    db.session.add(course)
    db.session.commit()
    return course


def enrol(user, course: Course) -> None:
    db.session.add(Enrolment(user_id=user.id, course_id=course.id, status=EnrolmentStatus.enrolled, enrolled_at=utcnow()))
    db.session.commit()


def hub_name(user) -> str:
    account = HubAccount(user_id=user.id, username=f"u{user.id:06x}")
    db.session.add(account)
    db.session.commit()
    return account.username


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

"""GPU time from the real scheduler's record: the stop report of a GPU job is lost on its way to the LMS,
so the LMS would count the session for ever; ``lms gpu-reconcile-slurm`` charges it the job's elapsed
time from Slurm's job-completion record (the times ``scontrol`` showed), once. A learner left with 0.1
GPU-hours is then refused the next GPU launch, and the scheduler gets no job."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.gpu.models import GpuUsageSession
from lms.gpu.services import learner_quota, set_quota
from lms.security import SYSTEM

from .. import factories
from ..hub.conftest import LearnerApi, enrol, hub_settings, make_course
from .conftest import job_of, until
from .test_slurm_jobs import hub_name


@pytest.fixture
def app_overrides(hub, hub_secrets, lms_port, slurm):  # noqa: F811
    return {**hub_settings(hub, hub_secrets, lms_port), "gpu_slurm_accounting": f"jobcomp:{slurm.jobcomp}"}


def slurm_time(value: str) -> datetime:
    return datetime.fromisoformat(value)  # LocalSlurm's commands print UTC, as its controller records


def test_a_lost_stop_report_is_charged_from_the_schedulers_record(hub, app, live_server, slurm, monkeypatch):
    course = make_course("deep-learning", profile="gpu-1")
    learner = factories.user("learner")
    enrol(learner, course)
    api = LearnerApi(live_server, learner)
    assert api.launch(course.slug)["status"] == "ready"
    username = hub_name(learner)
    job = job_of(slurm, username)
    assert job["JobName"] == f"oqu:{username}:" and job["JOB_GRES"] == "gpu:1"

    # The hub's stop report reaches the LMS but is lost there (as if the hub died before sending it).
    lost = []
    monkeypatch.setattr("lms.gpu.services._record_stop", lambda *args: lost.append(args) or "ignored")
    assert api.delete(f"{api.base}/courses/{course.slug}/notebook", timeout=60).json()["status"] == "stopped"
    assert until(lambda: not job_of(slurm, username)), slurm.jobs()
    assert until(lambda: lost, 15)
    ended = slurm.job(job["JobId"])  # Slurm keeps an ended job for MinJobAge (30 s)
    assert ended["JobState"] in ("CANCELLED", "COMPLETED"), ended

    db.session.expire_all()
    session = db.session.scalar(select(GpuUsageSession).where(GpuUsageSession.user_id == learner.id))
    assert session.stopped_at is None  # the LMS still counts it as running

    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "gpu-reconcile-slurm"])
    assert result.exit_code == 0, result.output
    assert f"{username}: job" in result.output and "1 session(s)" in result.output
    db.session.expire_all()
    session = db.session.get(GpuUsageSession, session.id)
    assert session.closed_by == "slurm" and session.scheduler_job.endswith(":" + job["JobId"])
    assert session.started_at == slurm_time(ended["StartTime"]) and session.stopped_at == slurm_time(ended["EndTime"])
    elapsed = (session.stopped_at - session.started_at).total_seconds()
    assert 0 < elapsed < 300
    used = learner_quota(learner, course)[0].used
    assert abs(used - elapsed / 3600) < 1e-6  # one GPU for the job's elapsed time, no longer

    again = runner.invoke(args=["lms", "gpu-reconcile-slurm"])
    assert again.exit_code == 0 and "0 session(s)" in again.output
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "gpu_usage_reconciled")) == 1

    # With 0.1 GPU-hours left (less than LMS_GPU_MIN_LAUNCH_MINUTES), the next GPU launch is refused.
    set_quota(SYSTEM, course=course, learner_hours=round(used + 0.1, 6))
    refused = api.post(f"{api.base}/courses/{course.slug}/notebook", timeout=30)
    assert refused.status_code == 403 and refused.json()["error"] == "notebooks_not_allowed"
    assert not job_of(slurm, username) and slurm.jobs() == []

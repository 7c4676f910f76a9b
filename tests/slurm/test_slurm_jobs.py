"""Learners' servers as jobs of a real Slurm cluster: a CPU course runs in partition ``cpu``, a GPU
course in ``gpu`` with one GPU allocated by the scheduler, options smuggled past the LMS reach the
real ``sbatch`` as nothing, and a stopped server or a stopped hub leaves no job in ``squeue``."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from lms.extensions import db
from lms.gpu.models import GpuUsageSession
from lms.hub.models import HubAccount
from lms.hub.services import hub_account

from .. import factories
from ..hub.conftest import LearnerApi, enrol, make_course, running_hub
from .conftest import job_of, slurm_hub_env, until


def hub_name(user) -> str:
    return db.session.scalar(select(HubAccount.username).where(HubAccount.user_id == user.id))


def test_courses_run_as_jobs_with_their_profile_and_stop_leaves_no_job(hub, app, live_server, slurm):
    cpu = make_course("ai-basics", profile="cpu")
    gpu = make_course("deep-learning", profile="gpu-1")
    analyst, researcher = factories.user("learner"), factories.user("learner")
    enrol(analyst, cpu)
    enrol(researcher, gpu)
    analyst_api, researcher_api = LearnerApi(live_server, analyst), LearnerApi(live_server, researcher)

    # Ready means the job's server reached the hub and answers through the proxy.
    assert analyst_api.launch(cpu.slug)["status"] == "ready"
    assert researcher_api.launch(gpu.slug)["status"] == "ready"

    cpu_job = job_of(slurm, hub_name(analyst))
    assert cpu_job["JobState"] == "RUNNING" and cpu_job["Partition"] == "cpu"
    assert cpu_job["NumCPUs"] == "1" and cpu_job["MinMemoryNode"] == "2G" and cpu_job["TimeLimit"] == "08:00:00"
    assert "gpu" not in cpu_job.get("TresPerNode", "") and cpu_job.get("JOB_GRES", "(null)") == "(null)"

    gpu_job = job_of(slurm, hub_name(researcher))
    assert gpu_job["JobState"] == "RUNNING" and gpu_job["Partition"] == "gpu"
    assert gpu_job["TresPerNode"] == "gres:gpu:1" and gpu_job["JOB_GRES"] == "gpu:1"  # allocated, not only asked
    assert gpu_job["NumCPUs"] == "4" and gpu_job["MinMemoryNode"] == "16G" and gpu_job["TimeLimit"] == "04:00:00"

    assert analyst_api.delete(f"{analyst_api.base}/courses/{cpu.slug}/notebook", timeout=60).json()["status"] == "stopped"
    assert researcher_api.delete(f"{researcher_api.base}/courses/{gpu.slug}/notebook",
                                 timeout=60).json()["status"] == "stopped"
    assert until(lambda: not slurm.jobs()), slurm.jobs()

    # The GPU job's start and stop reached the LMS's GPU-time records through the hub's hooks.
    def gpu_session():
        db.session.expire_all()
        return db.session.scalar(select(GpuUsageSession).where(GpuUsageSession.user_id == researcher.id,
                                                               GpuUsageSession.stopped_at.is_not(None)))
    recorded = until(gpu_session, 15)
    assert recorded is not None and recorded.gpus == 1 and recorded.profile == "gpu-1"


def test_a_learner_out_of_gpu_time_gets_no_job(hub, app, live_server, slurm, monkeypatch):
    gpu = make_course("deep-learning", profile="gpu-1")
    learner = factories.user("learner")
    enrol(learner, gpu)
    now = datetime(2026, 11, 15, 12, 0)
    monkeypatch.setattr("lms.gpu.services.utcnow", lambda: now)
    start = now - timedelta(hours=10)
    db.session.add(GpuUsageSession(user_id=learner.id, hub_username="x", server_name="", profile="gpu-1", gpus=1,
                                   started_at=start, stopped_at=start + timedelta(hours=9.9), start_event="earlier",
                                   closed_by="hub"))
    db.session.commit()
    api = LearnerApi(live_server, learner)
    refused = api.post(f"{api.base}/courses/{gpu.slug}/notebook", timeout=30)
    assert refused.status_code == 403 and refused.json()["error"] == "notebooks_not_allowed"
    assert slurm.jobs() == []


def _entitled_learner(profile: str = "cpu") -> str:
    """A learner the LMS lets start a ``profile`` server (the hub asks it before every spawn); their hub name."""
    course = make_course("ai-basics" if profile == "cpu" else "deep-learning", profile=profile)
    learner = factories.user("learner")
    enrol(learner, course)
    return hub_account(learner).username


def test_smuggled_options_get_nothing_from_the_real_sbatch(hub, app, live_server, slurm):
    username = _entitled_learner()
    hub.api("POST", f"/users/{username}")
    started = hub.api("POST", f"/users/{username}/server", json={
        "user_options": {"profile": "cpu", "gres": "gpu:8", "partition": "gpu", "nprocs": "16", "memory": "60G",
                         "options": "--exclusive"}})
    assert started.status_code in (201, 202)
    job = until(lambda: job_of(slurm, username))
    assert job, hub.log()[-3000:]
    assert job["Partition"] == "cpu" and job["NumCPUs"] == "1" and job["MinMemoryNode"] == "2G"
    assert "gpu" not in job.get("TresPerNode", "") and job.get("JOB_GRES", "(null)") == "(null)"
    assert job["OverSubscribe"] != "NO"  # --exclusive did not get through
    assert until(lambda: hub.api("GET", f"/users/{username}").json()["servers"].get("", {}).get("ready"), 60)
    assert hub.api("GET", f"/users/{username}").json()["servers"][""]["user_options"] == {"profile": "cpu"}
    hub.api("DELETE", f"/users/{username}/server")
    assert until(lambda: not job_of(slurm, username)), slurm.jobs()


def test_a_hub_shutdown_leaves_no_job(tmp_path, hub_secrets, slurm, app, live_server, lms_port):
    hubs = running_hub(tmp_path / "hub", hub_secrets, lms_port, slurm_hub_env(slurm))
    other_hub = next(hubs)
    username = _entitled_learner()
    other_hub.api("POST", f"/users/{username}")
    other_hub.api("POST", f"/users/{username}/server", json={"user_options": {"profile": "cpu"}})
    assert until(lambda: other_hub.api("GET", f"/users/{username}").json()["servers"].get("", {}).get("ready"), 60), \
        other_hub.log()[-3000:]
    assert job_of(slurm, username)["JobState"] == "RUNNING"
    for _ in hubs:  # the hub's SIGTERM (and the check that none of its processes is left): it cancels its jobs
        pass
    assert not job_of(slurm, username), slurm.jobs()

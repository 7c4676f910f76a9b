"""A real single-node Slurm cluster (lms/hub/localslurm.py: munged, slurmctld, slurmd with their own
state directory and ports) for the whole session, and a real hub whose learners' servers are its jobs
(``LMS_HUB_BACKEND=slurm``). The cluster is stopped at the end, and the session fails if a daemon had
to be killed."""
from __future__ import annotations

import time

import pytest

from lms.hub.localslurm import LocalSlurm

from ..hub.conftest import hub_secrets, hub_settings, live_server_port, lms_port, running_hub  # noqa: F401 (fixtures)


@pytest.fixture(scope="session")
def slurm(tmp_path_factory):
    cluster = LocalSlurm(tmp_path_factory.mktemp("slurm")).start()
    yield cluster
    killed = cluster.stop()
    assert not killed, f"Slurm daemons that had to be killed: {killed}"


def slurm_hub_env(slurm) -> dict[str, str]:
    return {"LMS_HUB_BACKEND": "slurm", **slurm.env()}


@pytest.fixture(scope="session")
def hub(tmp_path_factory, hub_secrets, lms_port, slurm):  # noqa: F811
    yield from running_hub(tmp_path_factory.mktemp("hub"), hub_secrets, lms_port, slurm_hub_env(slurm))


@pytest.fixture
def app_overrides(hub, hub_secrets, lms_port):  # noqa: F811
    return hub_settings(hub, hub_secrets, lms_port)


def job_of(slurm, username: str) -> dict[str, str] | None:
    """The queued or running job of a learner's server (its working folder is their home)."""
    for job in slurm.jobs():
        fields = slurm.job(job["id"])
        if fields.get("WorkDir", "").rstrip("/").endswith("/" + username):
            return fields
    return None


def until(check, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.3)

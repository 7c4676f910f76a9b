"""`make run` starts the LMS, the hub (with its proxy) and the worker under honcho (deploy/Procfile);
Ctrl-C stops every one of them, learner servers included."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.hubs import ROOT, alive, children_of, command_line, free_port, wait_for

pytestmark = pytest.mark.integration  # runs the whole system (LMS, hub, worker) as `make run` does

BIN = Path(sys.executable).parent

# the whole system, as the health check sees it: the worker reports its grading sandbox as working too
EVERYTHING_UP = {"status": "ok", "database": "ok", "hub": "ok", "queue": "ok", "grading": "ok"}


def _enrolled_hub_user(instance: Path, database_url: str, name: str) -> None:
    """A learner of a CPU course whose hub name is ``name``, in the database ``make run`` serves: the hub
    asks the LMS before it starts anyone's server."""
    from lms import create_app
    from lms.extensions import db
    from lms.hub.models import HubAccount

    from .. import factories
    from .conftest import enrol, make_course

    with create_app({"instance_path": str(instance), "database_url": database_url}).app_context():
        learner = factories.user("learner")
        enrol(learner, make_course())
        db.session.add(HubAccount(user_id=learner.id, username=name))
        db.session.commit()


def _processes_mentioning(marker: str) -> list[int]:
    """Every process whose command line or environment mentions ``marker`` (our temporary instance)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            text = (entry / "environ").read_bytes() + (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in text and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def test_procfile_runs_lms_hub_and_worker_and_ctrl_c_stops_them_all(tmp_path):
    instance = tmp_path / "instance"
    lms_port, hub_port, hub_api_port, proxy_port = free_port(), free_port(), free_port(), free_port()
    token = secrets.token_urlsafe(32)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "HUB_", "JUPYTERHUB_", "FLASK_"))}
    env.update({
        "LMS_ENV": "development", "LMS_INSTANCE_PATH": str(instance),
        "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'oqu.db'}", "LMS_PORT": str(lms_port),
        "LMS_BASE_URL": f"http://127.0.0.1:{lms_port}", "LMS_HUB_URL": f"http://127.0.0.1:{hub_port}",
        "LMS_HUB_API_URL": f"http://127.0.0.1:{hub_api_port}/hub/api", "HUB_PROXY_API_PORT": str(proxy_port),
        "LMS_HUB_API_TOKEN": token, "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
    })
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    _enrolled_hub_user(instance, env["LMS_DATABASE_URL"], "ulearner")
    log = open(tmp_path / "honcho.log", "wb")
    runner = subprocess.Popen([str(BIN / "honcho"), "start", "-f", "deploy/Procfile", "-d", str(ROOT), "-e", "/dev/null"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              start_new_session=True)  # its own process group, like a terminal's foreground job
    try:
        wait_for(f"http://127.0.0.1:{hub_api_port}/hub/api/", 60, process=runner)
        wait_for(f"http://127.0.0.1:{lms_port}/api/v1/health", 60, process=runner)
        deadline = time.monotonic() + 30
        while True:  # everything reports in: the hub, and the worker's heartbeat
            health = requests.get(f"http://127.0.0.1:{lms_port}/api/v1/health", timeout=5).json()
            if health == EVERYTHING_UP or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert health == EVERYTHING_UP

        # A learner server runs when Ctrl-C comes.
        api = f"http://127.0.0.1:{hub_api_port}/hub/api"
        headers = {"Authorization": f"token {token}"}
        assert requests.post(f"{api}/users/ulearner", headers=headers, timeout=10).status_code == 201
        requests.post(f"{api}/users/ulearner/server", headers=headers, json={"user_options": {"profile": "cpu"}},
                      timeout=10)
        deadline = time.monotonic() + 60
        while not requests.get(f"{api}/users/ulearner", headers=headers, timeout=10).json()["servers"].get("", {}).get("ready"):
            assert time.monotonic() < deadline, "the learner server did not start"
            time.sleep(0.2)

        tree = children_of(runner.pid)
        commands = " | ".join(command_line(pid) for pid in tree)
        for part in ("flask --app wsgi run", "jupyterhub -f", "configurable-http-proxy", "jupyterhub-singleuser",
                     "lms worker"):
            assert part in commands, f"{part!r} not running: {commands}"

        os.killpg(runner.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        stopped_at = time.monotonic()
        runner.wait(15)
        while any(alive(pid) for pid in tree) and time.monotonic() - stopped_at < 15:
            time.sleep(0.1)
        left = [(pid, command_line(pid)) for pid in tree if alive(pid)]
        assert not left, f"still running {time.monotonic() - stopped_at:.1f} s after Ctrl-C: {left}"
        assert not _processes_mentioning(str(instance)), "a process of this run is still alive"
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait(5)
        for pid in _processes_mentioning(str(instance)):
            os.kill(pid, signal.SIGKILL)
        log.close()

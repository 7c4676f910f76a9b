"""A real JupyterHub on loopback ports for tests and the launch benchmark.

Each hub gets its own state directory (database, cookie secret, proxy pid file, learners' homes)
and its own ports, is polled on ``/hub/api/`` until it answers 200, and is stopped with SIGTERM so
that it stops its learner servers and its proxy (SIGKILL would leave them running).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from lms.hub.localslurm import alive, free_port  # noqa: F401 — used here and by the tests

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "jupyterhub_config.py"


def _stop_with_parent() -> None:
    """In the child before exec: get SIGTERM when the process that started us dies (Linux), so that a
    test run killed outright still stops its hub, which then stops its learner servers and proxy."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def children_of(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def wait_for(url: str, timeout: float, *, status: int = 200, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    session = requests.Session()
    session.trust_env = False
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            if session.get(url, timeout=1).status_code == status:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer {status} within {timeout} s")


class LocalHub:
    """``jupyterhub -f jupyterhub_config.py`` with its own state directory and ports."""

    def __init__(self, state_dir: Path, *, lms_url: str, api_token: str, client_secret: str, report_token: str,
                 client_id: str = "jupyterhub", port: int | None = None, extra_env: dict | None = None):
        self.state_dir = Path(state_dir)
        self.port = port or free_port()
        self.api_port = free_port()
        self.proxy_api_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_url = f"http://127.0.0.1:{self.api_port}/hub/api"  # the hub itself, not through the proxy
        self.api_token = api_token
        self.log_path = self.state_dir / "jupyterhub.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "HUB_", "JUPYTERHUB_", "CONFIGPROXY_"))}
        env.update({
            "LMS_HUB_URL": self.url, "LMS_BASE_URL": lms_url, "LMS_HUB_API_TOKEN": api_token,
            "LMS_HUB_REPORT_TOKEN": report_token, "LMS_HUB_CLIENT_ID": client_id, "LMS_HUB_CLIENT_SECRET": client_secret,
            "LMS_INSTANCE_PATH": str(self.state_dir), "HUB_STATE_DIR": str(self.state_dir),
            "LMS_HUB_API_URL": self.api_url, "HUB_PROXY_API_PORT": str(self.proxy_api_port),
        })
        env.update(extra_env or {})
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "LocalHub":
        self.state_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(CONFIG)], cwd=self.state_dir,
            env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=_stop_with_parent)
        log.close()
        try:
            wait_for(self.api_url + "/", timeout, process=self.process)
        except Exception:
            self.stop()
            raise RuntimeError(f"the hub did not start; its log:\n{self.log()[-4000:]}") from None
        return self

    def descendants(self) -> list[int]:
        return children_of(self.process.pid) if self.process and self.process.poll() is None else []

    def stop(self, timeout: float = 20) -> list[int]:
        """SIGTERM, wait; returns the processes (hub, proxy, learner servers) still alive afterwards."""
        if self.process is None:
            return []
        tree = [self.process.pid, *self.descendants()]
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(alive(pid) for pid in tree):
            time.sleep(0.1)
        left = [pid for pid in tree if alive(pid)]
        for pid in left:  # never leave anything behind, but report it
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process.poll() is None:
            self.process.wait(5)
        return left

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        session = requests.Session()
        session.trust_env = False
        return session.request(method, self.api_url + path, headers={"Authorization": f"token {self.api_token}"},
                               timeout=30, **kwargs)

"""Run the grading child process in a sandbox (DESIGN §4 "Sandboxed grading").

The child (:mod:`lms.grading._runner`, which imports nbgrader and nothing of the LMS) gets:

* its own session (``start_new_session``), so the whole group can be killed at the wall-clock limit;
* a scrubbed environment — a fixed PATH, HOME in the job folder, no ``LMS_*`` variable, no secret,
  no database URL — plus a job marker used to find and end leftover processes that called setsid;
* resource limits set before any job code runs: RLIMIT_DATA (not RLIMIT_AS, which a kernel importing numpy needs
  far more of just to start), CPU, FSIZE, NOFILE, and — when it runs as a grading user — NPROC;
* optionally (``LMS_GRADING_USER``, when the worker runs as root) an unprivileged Unix user, set
  with setgroups/setgid/setuid; the job folder is then made 0700 and owned by that user.

A wall-clock kill, a crash or a non-zero exit is reported as such; the caller records "grading
failed", never a score of zero.

The child is forked from a warm runner (``_runner.py --serve``, one per worker thread, nbgrader
already imported, itself started with the scrubbed environment) that sets all of the above in the
child before the job starts; the learner's kernel is a fresh process as before. Without a runner
(``PREFORK = False``, or it cannot start) each job is a fresh interpreter started with the same
limits (``preexec_fn``).
"""
from __future__ import annotations

import json
import os
import resource
import secrets
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

RUNNER = Path(__file__).with_name("_runner.py")
JOB_MARKER = "OQU_GRADING_JOB"


@dataclass
class SandboxLimits:
    timeout: int = 120          # wall-clock seconds for the whole child
    memory_mb: int = 1024       # RLIMIT_DATA
    user: str = ""              # Unix user to run as (only when the caller is root)
    nproc: int = 64
    nofile: int = 256
    fsize_mb: int = 100


@dataclass
class SandboxRun:
    status: str                 # "ok", "failed" (exit ≠ 0) or "timed out"
    returncode: int | None
    result: dict                # the runner's {success, error, log}; empty when it wrote none
    stderr: str
    seconds: float


def _limit_values(limits: SandboxLimits, uid: int | None) -> dict[str, tuple[int, int]]:
    data = limits.memory_mb * 1024 * 1024
    cpu = limits.timeout + 5
    fsize = limits.fsize_mb * 1024 * 1024
    values = {"RLIMIT_DATA": (data, data), "RLIMIT_CPU": (cpu, cpu), "RLIMIT_FSIZE": (fsize, fsize),
              "RLIMIT_NOFILE": (limits.nofile, limits.nofile), "RLIMIT_CORE": (0, 0)}
    if uid is not None:
        values["RLIMIT_NPROC"] = (limits.nproc, limits.nproc)
    return values


def _preexec(limits: SandboxLimits, uid: int | None, gid: int | None):
    def apply() -> None:
        for name, value in _limit_values(limits, uid).items():
            resource.setrlimit(getattr(resource, name), value)
        if uid is not None:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
    return apply


class _WarmRunner:
    """``_runner.py --serve``: a process with nbgrader already imported that forks one child per job
    (its own session, the job's limits, user and scrubbed environment, set in the child before any
    job code runs), so a job does not pay nbgrader's imports. One per worker thread, started on first
    use with a scrubbed environment (no LMS variable, no secret); it ends when its stdin closes."""

    def __init__(self):
        self.buffer = b""
        home = Path(tempfile.gettempdir()) / "oqu-grading-runner"  # holds nothing: jobs get their own
        home.mkdir(mode=0o700, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(RUNNER), "--serve"], cwd=home, env=_clean_env(home, "warm-runner"),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)
        try:
            if self._read(120).get("ready") is not True:
                raise OSError("the warm grading runner did not start")
        except (OSError, TimeoutError, ValueError):
            self.process.kill()
            self.process.wait()
            raise

    def _read(self, timeout: float | None) -> dict:
        """The runner's next answer line. Read unbuffered with our own buffer: a file object's
        readline could swallow the next line too, and select would then wait for it in vain."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.process.stdout], [], [], left)
            if not ready:
                raise TimeoutError
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                raise OSError("the warm grading runner ended")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def alive(self) -> bool:
        return self.process.poll() is None

    def start(self, job_dir: Path, env: dict, limits: SandboxLimits, uid, gid) -> int:
        request = {"job_dir": str(job_dir), "env": env, "limits": _limit_values(limits, uid), "uid": uid, "gid": gid}
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()
        return self._read(30)["pid"]

    def finish(self, timeout: float | None) -> int:
        """The job's exit code; TimeoutError when it runs past ``timeout`` seconds."""
        return self._read(timeout)["returncode"]


_runners = threading.local()
PREFORK = True  # use a warm runner per thread (False: a fresh interpreter per job)


def warm_runner() -> _WarmRunner | None:
    """This thread's warm runner, started if need be; None when it cannot start."""
    runner = getattr(_runners, "runner", None)
    if runner is not None and runner.alive():
        return runner
    try:
        _runners.runner = _WarmRunner()
    except (OSError, TimeoutError, ValueError):
        _runners.runner = None
    return _runners.runner


def _clean_env(job_dir: Path, marker: str) -> dict[str, str]:
    python_bin = str(Path(sys.executable).parent)
    return {
        "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(job_dir),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "JUPYTER_RUNTIME_DIR": str(job_dir / "runtime"),
        "JUPYTER_DATA_DIR": str(job_dir / "data"),
        "JUPYTER_CONFIG_DIR": str(job_dir / "config"),
        "IPYTHONDIR": str(job_dir / "ipython"),
        "MPLCONFIGDIR": str(job_dir / "mpl"),
        JOB_MARKER: marker,
    }


def _leftovers(marker: str) -> list[int]:
    """Processes still carrying this job's marker (e.g. ones that escaped the group with setsid)."""
    needle = f"{JOB_MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _kill_all(pgid: int, marker: str, uid: int | None) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for _ in range(3):
        pids = _leftovers(marker)
        if uid is not None:  # every process of the grading user is a leftover of some job
            pids += [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _owner(p) == uid]
        pids = [pid for pid in pids if pid != os.getpid()]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


def _owner(proc: Path) -> int | None:
    try:
        return proc.stat().st_uid
    except OSError:
        return None


def run_job(job_dir: Path, job: dict, limits: SandboxLimits) -> SandboxRun:
    """Write ``job`` to the job folder and run the grading child on it under ``limits``."""
    job_dir = Path(job_dir)
    (job_dir / "job.json").write_text(json.dumps(job))
    uid = gid = None
    if limits.user and os.geteuid() == 0:
        import pwd

        entry = pwd.getpwnam(limits.user)
        uid, gid = entry.pw_uid, entry.pw_gid
        for path in [job_dir, *job_dir.rglob("*")]:
            os.chown(path, uid, gid)
        job_dir.chmod(0o700)
    marker = secrets.token_hex(16)
    env = _clean_env(job_dir, marker)
    runner = warm_runner() if PREFORK else None
    started = time.monotonic()
    timed_out = False
    pid = None
    if runner is not None:
        try:
            pid = runner.start(job_dir, env, limits, uid, gid)
        except (OSError, TimeoutError, ValueError, KeyError):  # the runner died: a fresh interpreter instead
            _runners.runner = None
            runner.process.kill()
    if pid is not None:
        try:
            try:
                returncode = runner.finish(limits.timeout)
            except TimeoutError:
                timed_out = True
                _kill_all(pid, marker, uid)
                returncode = runner.finish(30)
        except (OSError, TimeoutError, ValueError, KeyError):
            _runners.runner = None
            runner.process.kill()
            returncode = None
        _kill_all(pid, marker, uid)
        stderr_path = job_dir / "stderr.txt"
        stderr = stderr_path.read_bytes()[-20000:] if stderr_path.exists() else b""
    else:
        child = subprocess.Popen(
            [sys.executable, "-I", str(RUNNER), str(job_dir)], cwd=job_dir, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True, preexec_fn=_preexec(limits, uid, gid), close_fds=True)
        try:
            _, stderr = child.communicate(timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_all(child.pid, marker, uid)
            _, stderr = child.communicate()
        _kill_all(child.pid, marker, uid)
        returncode = child.returncode
    seconds = time.monotonic() - started
    result_path = job_dir / "result.json"
    result = {}
    if result_path.exists() and not timed_out:
        try:
            result = json.loads(result_path.read_text())
        except ValueError:
            result = {}
    text = stderr.decode("utf-8", "replace")[-20000:]
    if timed_out:
        return SandboxRun("timed out", None, {}, text, seconds)
    status = "ok" if returncode == 0 and result.get("success") else "failed"
    return SandboxRun(status, returncode, result, text, seconds)

"""Run the grading child process in a sandbox (DESIGN §4 "Sandboxed grading").

The child (:mod:`lms.grading._runner`, which imports nbgrader and nothing of the LMS) gets:

* its own session (``start_new_session``), so the whole group can be killed at the wall-clock limit;
* a scrubbed environment — a fixed PATH, HOME in the job folder, no ``LMS_*`` variable, no secret,
  no database URL — plus a job marker used to find and end leftover processes that called setsid;
* resource limits set before exec: RLIMIT_DATA (not RLIMIT_AS, which a kernel importing numpy needs
  far more of just to start), CPU, FSIZE, NOFILE, and — when it runs as a grading user — NPROC;
* optionally (``LMS_GRADING_USER``, when the worker runs as root) an unprivileged Unix user, set
  with setgroups/setgid/setuid; the job folder is then made 0700 and owned by that user.

A wall-clock kill, a crash or a non-zero exit is reported as such; the caller records "grading
failed", never a score of zero.
"""
from __future__ import annotations

import json
import os
import resource
import secrets
import signal
import subprocess
import sys
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


def _preexec(limits: SandboxLimits, uid: int | None, gid: int | None):
    def apply() -> None:
        data = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (data, data))
        cpu = limits.timeout + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        fsize = limits.fsize_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.nofile, limits.nofile))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if uid is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.nproc, limits.nproc))
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
    return apply


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
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-I", str(RUNNER), str(job_dir)], cwd=job_dir, env=_clean_env(job_dir, marker),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True, preexec_fn=_preexec(limits, uid, gid), close_fds=True)
    timed_out = False
    try:
        _, stderr = child.communicate(timeout=limits.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_all(child.pid, marker, uid)
        _, stderr = child.communicate()
    _kill_all(child.pid, marker, uid)
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
    status = "ok" if child.returncode == 0 and result.get("success") else "failed"
    return SandboxRun(status, child.returncode, result, text, seconds)

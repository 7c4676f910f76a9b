"""Run the grading child process in a sandbox (DESIGN §4 "Sandboxed grading", docs/security.md).

With ``LMS_GRADING_SANDBOX=bwrap`` (the default) the child (:mod:`lms.grading._runner`, which imports
nbgrader and nothing of the LMS) runs in a bubblewrap sandbox:

* every namespace of its own: no network at all (its loopback is not the host's: PostgreSQL and
  Redis on 127.0.0.1 are out of reach), its own processes, IPC and host name;
* a read-only view of only what Python and nbgrader need (``/usr``, the interpreter and the
  virtualenv, a few files of ``/etc``, the runner's own files) — not the LMS, its ``instance/`` folder,
  ``notebooks/`` or any home folder; a private ``/tmp``; only the job folder writable;
* an unprivileged uid (``LMS_GRADING_USER``, ``nobody`` by default when the worker runs as root);
* the learner's kernel in a second, narrower sandbox (:mod:`lms.grading._runner` ``--kernel``): it
  sees a copy of the submission's folder (its notebook and the assignment's data files), not the
  gradebook, not the job's other files, and talks to nbgrader over ZeroMQ's ``ipc`` transport.

Either way the child gets its own session, a scrubbed environment — a fixed PATH, HOME in the job
folder, no ``LMS_*`` variable, no secret — plus a job marker, and resource limits set before any
job code runs: RLIMIT_DATA (not RLIMIT_AS, which a kernel importing numpy needs far more of just
to start), CPU, FSIZE, NOFILE and, under a grading user, NPROC.

A worker that cannot set the sandbox up does not grade (:func:`sandbox_problem`): submissions wait,
queued, for one that can. ``LMS_GRADING_SANDBOX=off`` is for a development machine without
bubblewrap only: learner code then sees what the worker's user sees.

A wall-clock kill, a crash, a sandbox that does not start or a non-zero exit is reported as such;
the caller records "grading failed", never a score of zero.

The child is forked from a warm runner (``_runner.py --serve``, one per worker thread, nbgrader
already imported, itself started in the sandbox with the scrubbed environment and a folder of its
own for its jobs, which it runs one at a time) that sets the job's limits in the child before the
job starts; after each job every other process in the runner's sandbox is ended. Without a runner
(``PREFORK = False``, or it cannot start) each job is a fresh interpreter in a sandbox of its own.
"""
from __future__ import annotations

import json
import os
import resource
import secrets
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .bwrap import (ETC, HERE, JOB_MARKER, KERNEL, RUNNER, _ids_argument, _kill_all, _kill_namespace,  # noqa: F401
                    _leftovers, _namespace_of, _owner, bwrap_args)


@dataclass
class SandboxLimits:
    timeout: int = 120          # wall-clock seconds for the whole child
    memory_mb: int = 1024       # RLIMIT_DATA
    user: str = ""              # Unix user to run as (only when the caller is root)
    nproc: int = 128            # threads count: a kernel and nbgrader's process use a dozen each
    nofile: int = 256
    fsize_mb: int = 100
    sandbox: str = "bwrap"      # "bwrap" or "off" (LMS_GRADING_SANDBOX)
    folder: str = ""            # where job folders go (LMS_GRADING_DIR); empty: the temporary folder


@dataclass
class SandboxRun:
    status: str                 # "ok", "failed" (exit ≠ 0) or "timed out"
    returncode: int | None
    result: dict                # the runner's {success, error, log}; empty when it wrote none
    stderr: str
    seconds: float


def grading_ids(limits: SandboxLimits) -> tuple[int, int] | None:
    """The (uid, gid) grading runs as: the grading user when the worker is root (``nobody`` in the
    sandbox when none is set); None to keep the worker's own."""
    if os.geteuid() != 0:
        return None
    name = limits.user or ("nobody" if limits.sandbox == "bwrap" else "")
    if not name:
        return None
    import pwd

    entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def _limit_values(limits: SandboxLimits, ids) -> dict[str, tuple[int, int]]:
    data = limits.memory_mb * 1024 * 1024
    cpu = limits.timeout + 5
    fsize = limits.fsize_mb * 1024 * 1024
    values = {"RLIMIT_DATA": (data, data), "RLIMIT_CPU": (cpu, cpu), "RLIMIT_FSIZE": (fsize, fsize),
              "RLIMIT_NOFILE": (limits.nofile, limits.nofile), "RLIMIT_CORE": (0, 0)}
    if ids is not None:  # a dedicated user: the count is the grading user's processes, not the worker's
        values["RLIMIT_NPROC"] = (limits.nproc, limits.nproc)
    return values


_probe_lock = threading.Lock()
_probe: dict = {}
PROBE_AGAIN = 60  # seconds before a failed probe is tried again (bubblewrap may get installed)


def sandbox_problem(limits: SandboxLimits) -> str:
    """Why grading cannot be sandboxed here (empty when it can, or when the sandbox is switched off):
    bubblewrap missing, user namespaces refused, or a sandbox that does not hold (network reachable,
    running as root, the kernel's inner sandbox not starting). Probed once per setting, again after a
    minute when it failed."""
    if limits.sandbox == "off":
        return ""
    key = (limits.user, limits.folder)
    with _probe_lock:
        known = _probe.get(key)
        if known is not None and (not known[0] or time.monotonic() - known[1] < PROBE_AGAIN):
            return known[0]
        problem = _run_probe(limits)
        _probe[key] = (problem, time.monotonic())
        return problem


def _run_probe(limits: SandboxLimits) -> str:
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    try:
        ids = grading_ids(limits)
    except KeyError:
        return f"the grading user {limits.user!r} does not exist"
    probe_dir = Path(tempfile.mkdtemp(prefix="oqu-probe-", dir=limits.folder or None))
    try:
        (probe_dir / "kernel_sandbox.json").write_text(json.dumps(bwrap_args([], inner=True)))
        if ids is not None:
            os.chown(probe_dir, *ids)
        command = [*bwrap_args([str(probe_dir)], ids=ids), "--chdir", str(probe_dir), "--",
                   sys.executable, "-I", str(RUNNER), *_ids_argument(ids), "--probe", str(probe_dir)]
        try:
            done = subprocess.run(command, env=_clean_env(probe_dir, "probe"), stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap did not start: {exc}"
        answer = done.stdout.decode(errors="replace").strip().splitlines()
        if done.returncode != 0 or answer[-1:] != ["ok"]:
            text = (done.stderr.decode(errors="replace").strip() or " ".join(answer)).splitlines()
            return "the sandbox does not hold: " + (" ".join(text[-3:]) or f"exit {done.returncode}")[:500]
        return ""
    finally:
        shutil.rmtree(probe_dir, ignore_errors=True)


class _WarmRunner:
    """``_runner.py --serve``: a process with nbgrader already imported that forks one child per job
    (its own session, the job's limits and scrubbed environment, set in the child before any job code
    runs), so a job does not pay nbgrader's imports. One per worker thread, started on first use with
    a scrubbed environment (no LMS variable, no secret), in the sandbox with a folder of its own
    (``slot``) that holds the job it runs; it ends when its stdin closes."""

    def __init__(self, limits: SandboxLimits):
        self.buffer = b""
        self.key = _runner_key(limits)
        self.ids = grading_ids(limits)
        self.sandboxed = limits.sandbox == "bwrap"
        self.namespace = None
        self.slot = Path(tempfile.mkdtemp(prefix="oqu-slot-", dir=limits.folder or None))
        if self.ids is not None:
            os.chown(self.slot, *self.ids)
        command = [sys.executable, "-I", str(RUNNER)]
        if self.sandboxed:
            command = [*bwrap_args([str(self.slot)], ids=self.ids), "--chdir", str(self.slot), "--", *command,
                       *_ids_argument(self.ids)]
        self.process = subprocess.Popen(
            [*command, "--serve"], cwd=self.slot, env=_clean_env(self.slot, "warm-runner"),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True,
            start_new_session=True)
        try:
            ready = self._read(120)
            if ready.get("ready") is not True:
                raise OSError("the warm grading runner did not start")
            self.keep = {1, ready["pid"]}
            if self.sandboxed:
                self.namespace = self._find_namespace()
        except (OSError, TimeoutError, ValueError, KeyError):
            self.stop()
            raise

    def _find_namespace(self) -> str:
        """The runner's pid namespace: that of bubblewrap's child (not of bubblewrap itself)."""
        own = _namespace_of(self.process.pid)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                namespace = _namespace_of(int(entry.name))
                if parent == self.process.pid and namespace not in (None, own):
                    return namespace
        raise OSError("the warm grading runner's sandbox was not found")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.slot, ignore_errors=True)

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

    def start(self, job_dir: Path, env: dict, limits: SandboxLimits) -> int:
        uid_gid = None if self.sandboxed else self.ids  # in the sandbox the runner already runs as the user
        request = {"job_dir": str(job_dir), "env": env, "limits": _limit_values(limits, self.ids),
                   "uid": uid_gid[0] if uid_gid else None, "gid": uid_gid[1] if uid_gid else None}
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()
        return self._read(30)["pid"]

    def finish(self, timeout: float | None) -> int:
        """The job's exit code; TimeoutError when it runs past ``timeout`` seconds."""
        return self._read(timeout)["returncode"]

    def end_job(self, pid: int, marker: str) -> None:
        """End whatever is left of the job ``pid`` (in the runner's namespace when sandboxed)."""
        if self.namespace is not None:
            _kill_namespace(self.namespace, self.keep)
        else:  # outside the sandbox only a user named in the settings is the jobs' alone
            _kill_all(pid, marker, self.ids[0] if self.ids else None)


def _runner_key(limits: SandboxLimits) -> tuple:
    return (limits.sandbox, limits.user, limits.folder)


_runners = threading.local()
PREFORK = True  # use a warm runner per thread (False: a fresh interpreter per job)


def warm_runner(limits: SandboxLimits) -> _WarmRunner | None:
    """This thread's warm runner for ``limits``, started if need be; None when it cannot start."""
    runner = getattr(_runners, "runner", None)
    if runner is not None and runner.alive() and runner.key == _runner_key(limits):
        return runner
    if runner is not None:
        runner.stop()
    try:
        _runners.runner = _WarmRunner(limits)
    except (OSError, TimeoutError, ValueError, KeyError):
        _runners.runner = None
    return _runners.runner


def job_folder(limits: SandboxLimits, prefix: str = "oqu-grade-") -> Path:
    """A fresh folder for one job: in this thread's warm runner's own folder when there is one (its
    sandbox sees only that), otherwise under the grading folder."""
    runner = warm_runner(limits) if PREFORK else None
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=runner.slot if runner else (limits.folder or None)))
    folder.chmod(0o700)
    return folder


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


def _prepare(job_dir: Path, ids) -> None:
    """The job folder the grading user's: 0700, everything in it theirs."""
    if ids is not None:
        for path in [job_dir, *job_dir.rglob("*")]:
            os.chown(path, *ids, follow_symlinks=False)
    job_dir.chmod(0o700)


def run_job(job_dir: Path, job: dict, limits: SandboxLimits) -> SandboxRun:
    """Write ``job`` to the job folder and run the grading child on it under ``limits`` (the caller
    has made sure that the sandbox can be set up: :func:`sandbox_problem`)."""
    job_dir = Path(job_dir)
    (job_dir / "job.json").write_text(json.dumps({**job, "sandbox": limits.sandbox,
                                                  "kernel_sandbox": bwrap_args([], inner=True)}))
    ids = grading_ids(limits)
    _prepare(job_dir, ids)
    marker = secrets.token_hex(16)
    env = _clean_env(job_dir, marker)
    runner = warm_runner(limits) if PREFORK else None
    if runner is not None and job_dir.parent != runner.slot:
        runner = None  # made before this runner started (the last one died): a sandbox of its own
    started = time.monotonic()
    timed_out = False
    pid = None
    if runner is not None:
        try:
            pid = runner.start(job_dir, env, limits)
        except (OSError, TimeoutError, ValueError, KeyError):  # the runner died: a fresh interpreter instead
            _runners.runner = None
            runner.stop()
    if pid is not None:
        try:
            try:
                returncode = runner.finish(limits.timeout)
            except TimeoutError:
                timed_out = True
                runner.end_job(pid, marker)
                returncode = runner.finish(30)
        except (OSError, TimeoutError, ValueError, KeyError):
            _runners.runner = None
            runner.stop()
            returncode = None
        if runner.alive():
            runner.end_job(pid, marker)
        stderr_path = job_dir / "stderr.txt"
        stderr = stderr_path.read_bytes()[-20000:] if stderr_path.exists() else b""
    else:
        command = [sys.executable, "-I", str(RUNNER)]
        sandboxed = limits.sandbox == "bwrap"
        if sandboxed:
            command = [*bwrap_args([str(job_dir)], ids=ids), "--chdir", str(job_dir), "--", *command,
                       *_ids_argument(ids)]
        child = subprocess.Popen(
            [*command, str(job_dir)], cwd=job_dir, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True, preexec_fn=_preexec(limits, ids, switch=not sandboxed), close_fds=True)
        owner = ids[0] if ids and not sandboxed else None  # bubblewrap's namespace ends with bubblewrap
        try:
            _, stderr = child.communicate(timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_all(child.pid, marker, owner)
            _, stderr = child.communicate()
        _kill_all(child.pid, marker, owner)
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


def _preexec(limits: SandboxLimits, ids, switch: bool):
    """Limits for a fresh interpreter, set before exec, and the grading user when ``switch`` (outside
    the sandbox; in it the runner switches itself, ``--as``, once bubblewrap has set up — root is not
    held to RLIMIT_NPROC meanwhile)."""
    values = _limit_values(limits, ids)

    def apply() -> None:
        for name, value in values.items():
            resource.setrlimit(getattr(resource, name), value)
        if switch and ids is not None:
            os.setgroups([])
            os.setgid(ids[1])
            os.setuid(ids[0])
    return apply

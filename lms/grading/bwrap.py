"""The isolation primitives of the grading sandbox: bubblewrap's command line (a read-only system, a
private /tmp, no network, the job folder the only writable place) and finding and killing what a job
left behind (its process group, its PID namespace, processes marked with the job's marker). Used by
:mod:`lms.grading.sandbox`, which decides when and with which limits."""
from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "_runner.py"
KERNEL = HERE / "_kernel.py"
JOB_MARKER = "OQU_GRADING_JOB"


# what of /etc the interpreter, nbgrader and the kernel read (nothing else: a deployment may keep
# configuration with secrets there)
ETC = ["ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives", "fonts", "mime.types",
       "nsswitch.conf"]


def _system_paths() -> list[str]:
    """What of the host every sandbox sees, read-only: the system, the interpreter, the virtualenv
    and the runner's own files."""
    paths = ["/usr"] + [f"/etc/{name}" for name in ETC]
    for prefix in {sys.prefix, sys.base_prefix, str(Path(sys.executable).resolve().parent.parent)}:
        if not prefix.startswith("/usr/"):
            paths.append(prefix)
    paths += [str(RUNNER), str(KERNEL)]
    return [path for path in dict.fromkeys(paths) if os.path.exists(path)]


def bwrap_args(writable: list[str], *, ids=None, inner: bool = False) -> list[str]:
    """bubblewrap's arguments for a sandbox whose only writable paths are ``writable`` (each bound at
    its own path). As root the outer sandbox keeps the host's user namespace so that the runner can
    switch to the grading user (a real unprivileged uid, not root seen through a mapping); the
    kernel's inner sandbox (``inner``) runs as that user in a user namespace of its own that cannot
    make further ones."""
    args = [shutil.which("bwrap") or "bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if inner:
        args += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    elif os.geteuid() == 0:
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"] if ids is not None else []
    else:
        args += ["--unshare-user"]
    args += ["--dev", "/dev"]
    if not inner:  # a kernel gets no /proc: nested, bwrap cannot mount one
        args += ["--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp"]
    else:  # …but numerical libraries (PyTorch's cpuinfo) read the processor's description, or warn on stderr,
        # which nbgrader counts as a failed test: that one harmless file, read-only
        args += ["--perms", "0555", "--dir", "/proc", "--ro-bind-try", "/proc/cpuinfo", "/proc/cpuinfo"]
    binds = [(path, "--ro-bind") for path in _system_paths()] + [(str(path), "--bind") for path in writable]
    parents = sorted({str(parent) for path, _ in binds for parent in Path(path).parents if str(parent) != "/"})
    for parent in parents:  # bwrap would make them 0700 as root: the grading user could not pass
        args += ["--perms", "0755", "--dir", parent]
    for path, how in binds:
        args += [how, path, path]
    for link in ("bin", "lib", "lib64", "sbin"):  # merged /usr: the top-level names are links
        target = Path("/" + link)
        if target.is_symlink():
            args += ["--symlink", os.readlink(target), f"/{link}"]
        elif target.is_dir():
            args += ["--ro-bind", str(target), f"/{link}"]
    return args


def _ids_argument(ids) -> list[str]:
    return ["--as", f"{ids[0]}:{ids[1]}"] if ids is not None and os.geteuid() == 0 else []


def _namespace_of(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def _kill_namespace(namespace: str, keep: set[int]) -> None:
    """SIGKILL every process in the pid namespace ``namespace`` except those whose pid there is in
    ``keep`` (the runner and bubblewrap's init): leftovers of a job, whatever they did to hide."""
    for _ in range(5):
        found = False
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or _namespace_of(int(entry.name)) != namespace:
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            inner = [int(v) for v in status.split("NSpid:", 1)[1].split("\n", 1)[0].split()][-1:] \
                if "NSpid:" in status else []
            if inner and inner[0] in keep:
                continue
            found = True
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except ProcessLookupError:
                pass
        if not found:
            return
        time.sleep(0.05)


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



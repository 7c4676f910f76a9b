"""The ``local`` back end with each learner's JupyterLab in its own bubblewrap sandbox.

``SimpleLocalProcessSpawner`` runs every learner's server as the hub's own Unix user (root in the
demo): a learner's kernel could read the LMS's ``instance/`` (and forge an admin session with its
secret key), the LMS database, every course's solutions under ``notebooks/`` and other learners'
homes. :class:`SandboxedLocalSpawner` starts the same server inside ``bwrap`` instead:

- its own Unix uid and gid, :attr:`SandboxedLocalSpawner.uid_base` + the hub's id of the person
  (no account needed on the machine), with no capabilities, no supplementary groups and
  ``no_new_privs``; the hub (root) starts bubblewrap, which drops to that uid through ``setpriv``;
- a filesystem of its own: the system (``/usr``, ``/etc``, ``/sys``) and the Python environment
  read-only, the learner's home (``$HUB_STATE_DIR/home/<name>``, 0700, owned by their uid) as
  ``/home/<name>``, a private ``/tmp``, ``/proc`` of its own PID namespace and a minimal ``/dev``
  (GPU devices only for a GPU profile). Nothing else of the machine is there: not the project folder
  (``instance/``, ``notebooks/``, ``courses/``), not the hub's state, not other homes;
- its own PID, IPC and UTS namespaces, a new session (no terminal injection), and it dies with the
  bubblewrap process the hub signals to stop it.

The network namespace is the host's: the server must reach the hub's API and the proxy must reach
the server on loopback. docs/deployment.md says what that implies (nothing on loopback may trust
a connection for coming from loopback: PostgreSQL and Redis with passwords).

Like ``profiles.py`` this module imports nothing from the LMS: ``jupyterhub_config.py`` loads it by
file path.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import Integer

UID_BASE = 1_900_000_000  # above systemd's container range, below 2³¹ (systemd's "UIDs and GIDs")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing, or cannot set up a sandbox on this machine."""


def _system_binds() -> list[str]:
    """The machine's programs and libraries, read-only; /bin, /lib… as the links they are (merged /usr)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def _folders_to(path: str) -> list[str]:
    """``--dir`` for each folder above ``path``, searchable by everyone (bubblewrap's own would be 0700)."""
    parents = [str(parent) for parent in reversed(Path(path).parents) if str(parent) != "/"]
    return [arg for parent in parents for arg in ("--perms", "0755", "--dir", parent)]


# The LMS's own code, read-only: the learner's JupyterLab reads its configuration and Oqu's language packs
# from it (lms/hub/learner_jupyter, lms/hub/languagepacks). Code only: secrets live in the instance folder,
# solutions under notebooks/ and courses/, and neither is bound.
LMS_CODE = str(Path(__file__).resolve().parents[1])


def sandbox_command(*, uid: int, name: str, home: Path, etc: Path, gpus: int = 0) -> list[str]:
    """The bubblewrap and setpriv prefix that runs a command as ``uid`` with ``home`` as ``/home/<name>``."""
    inside = f"/home/{name}"
    python = sorted({sys.prefix, sys.base_prefix} - {"/usr"})  # the venv and the interpreter it links to
    args = [
        shutil.which("bwrap") or "bwrap",
        "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try",  # not the network: see above
        "--die-with-parent", "--new-session", "--hostname", "oqu",
        *_system_binds(),
        "--ro-bind", "/etc", "/etc", "--ro-bind", str(etc / "passwd"), "/etc/passwd",
        "--ro-bind", str(etc / "group"), "/etc/group",
        "--ro-bind", "/sys", "/sys",
        *[arg for path in python for arg in (*_folders_to(path), "--ro-bind", path, path)],
        *_folders_to(LMS_CODE), "--ro-bind", LMS_CODE, LMS_CODE,
        "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp", "--tmpfs", "/run",
        *_folders_to("/var/tmp"), "--perms", "1777", "--dir", "/var/tmp",
        *_folders_to(inside), "--bind", str(home), inside, "--chdir", inside,
    ]
    if gpus:
        for device in sorted(glob.glob("/dev/nvidia*")) + sorted(glob.glob("/dev/dri/*")):
            args += ["--dev-bind", device, device]
    setpriv = [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
               "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return [*args, "--", *setpriv, "--"]


def write_identity(etc: Path, *, uid: int, name: str) -> None:
    """``passwd`` and ``group`` for the sandbox: the learner has a name there (shell prompt, ``whoami``)."""
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "passwd").write_text(f"root:x:0:0:root:/root:/usr/sbin/nologin\n"
                                f"{name}:x:{uid}:{uid}::/home/{name}:/bin/bash\n"
                                f"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
    (etc / "group").write_text(f"root:x:0:\n{name}:x:{uid}:\nnogroup:x:65534:\n")


def prepare_home(home: Path, uid: int) -> None:
    """The learner's home, 0700 and theirs; a home made by an older, unsandboxed hub is handed over."""
    home.mkdir(parents=True, exist_ok=True)
    home.parent.chmod(0o700)
    if home.lstat().st_uid != uid:
        for folder, dirs, files in os.walk(home):
            for entry in (folder, *(os.path.join(folder, n) for n in dirs + files)):
                os.lchown(entry, uid, uid)
    home.chmod(0o700)


def check_sandbox(state_dir: Path) -> None:
    """Start one sandbox as the hub will, or raise :class:`SandboxUnavailable` saying why."""
    if not shutil.which("bwrap"):
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)")
    if os.geteuid() != 0:
        raise SandboxUnavailable("the hub must run as root to give each learner a Unix uid of their own")
    probe = Path(state_dir) / "sandbox-probe"
    write_identity(probe / "etc", uid=UID_BASE, name="probe")
    prepare_home(probe / "home", UID_BASE)
    command = sandbox_command(uid=UID_BASE, name="probe", home=probe / "home", etc=probe / "etc")
    result = subprocess.run([*command, sys.executable, "-c", "import os; print(os.getuid())"],
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 0 or result.stdout.strip() != str(UID_BASE):
        raise SandboxUnavailable(f"bubblewrap could not start a sandbox: {result.stderr.strip()[-500:]}")


class SandboxedLocalSpawner(SimpleLocalProcessSpawner):
    """``SimpleLocalProcessSpawner`` in a bubblewrap sandbox per learner (see the module's docstring)."""

    uid_base = Integer(UID_BASE, config=True,
                       help="Learners' Unix uids (and gids) are this plus their hub user id.")

    @property
    def learner_uid(self) -> int:
        return self.uid_base + self.user.id

    @property
    def inside_home(self) -> str:
        return f"/home/{self.user.name}"

    def make_preexec_fn(self, name):
        return None  # bubblewrap sets the directory; setpriv the user

    def user_env(self, env):
        env = super().user_env(env)
        env["HOME"] = self.inside_home
        return env

    async def start(self):
        home = Path(self.home_dir)
        etc = home.parent.parent / "sandbox-etc" / self.user.name
        prepare_home(home, self.learner_uid)
        write_identity(etc, uid=self.learner_uid, name=self.user.name)
        gpus = int((self.environment or {}).get("OQU_GPU_COUNT") or 0)
        server_cmd = self.cmd
        self.cmd = [*sandbox_command(uid=self.learner_uid, name=self.user.name, home=home, etc=etc, gpus=gpus),
                    *server_cmd]
        try:
            return await super().start()  # Popen happens before its first await: cmd is restored after it
        finally:
            self.cmd = server_cmd

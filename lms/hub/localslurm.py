"""A real single-node Slurm cluster on this machine, for tests and ``LMS_HUB_BACKEND=slurm make run``.

Debian's Slurm 22.05 (``slurmctld``, ``slurmd``) and ``munged``, started directly (no systemd) with
everything of their own in one state directory: a fresh munge key and socket, ``slurm.conf`` and
``gres.conf`` written for this machine, free loopback ports, spool, logs and pid files. The Slurm
commands find this cluster through ``SLURM_CONF`` (:meth:`LocalSlurm.env`).

Two partitions, as on the National AI Platform: ``cpu`` and ``gpu``. The one node (``localhost``)
declares a counted generic resource ``gpu`` (``gres.conf``: one link to ``/dev/null`` per GPU), so
``--gres=gpu:1`` is really scheduled, allocated and recorded (``scontrol show job`` says
``gres/gpu=1``) where no GPU exists. The node declares more cores and memory than a test machine has
(``SlurmdParameters=config_overrides``) so that a GPU profile's 4 cores and 16 GB are schedulable;
nothing enforces them here (no cgroups, no systemd as PID 1).

    python -m lms.hub.localslurm start DIR   # prints the SLURM_CONF line, leaves the daemons running
    python -m lms.hub.localslurm stop DIR
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


NODE = "localhost"  # squeue's %B: where the hub reaches a job's server
NODE_CPUS = 16
NODE_MEMORY_MB = 64 * 1024
NODE_GPUS = 4
PARTITIONS = ("cpu", "gpu")
DAEMONS = ("munged", "slurmctld", "slurmd")


class SlurmNotInstalled(RuntimeError):
    pass


class LocalSlurm:
    """munged + slurmctld + slurmd with their own state directory and ports."""

    def __init__(self, state_dir: Path, *, gpus: int = NODE_GPUS):
        self.state_dir = Path(state_dir).resolve()
        self.gpus = gpus
        self.conf = self.state_dir / "slurm.conf"
        self.munge_socket = self.state_dir / "munge" / "munge.socket"
        self.jobcomp = self.state_dir / "log" / "jobcomp.txt"  # one line per ended job (Oqu's GPU accounting)

    # ------------------------------------------------------------------ configuration

    def env(self) -> dict[str, str]:
        """What every Slurm command (sbatch, squeue, scancel, scontrol) needs to reach this cluster."""
        return {"SLURM_CONF": str(self.conf)}

    def _write_config(self) -> None:
        state = self.state_dir
        for sub in ("munge", "ctld", "spool", "log"):
            (state / sub).mkdir(parents=True, exist_ok=True)
        (state / "munge").chmod(0o700)
        key = state / "munge" / "munge.key"
        if not key.exists():
            key.write_bytes(secrets.token_bytes(1024))
        key.chmod(0o600)
        host = socket.gethostname()
        conf = f"""# Written by lms/hub/localslurm.py: a single-node cluster for tests and make run.
ClusterName=oqu{secrets.token_hex(3)}
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SrunPortRange={_port_range()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.munge_socket}
StateSaveLocation={state / 'ctld'}
SlurmdSpoolDir={state / 'spool'}
SlurmctldPidFile={state / 'slurmctld.pid'}
SlurmdPidFile={state / 'slurmd.pid'}
SlurmctldLogFile={state / 'log' / 'slurmctld.log'}
SlurmdLogFile={state / 'log' / 'slurmd.log'}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc={self.jobcomp}
MpiDefault=none
MailProg=/bin/true
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=2
MinJobAge=120
SchedulerType=sched/backfill
NodeName={NODE} NodeAddr=127.0.0.1 CPUs={NODE_CPUS} RealMemory={NODE_MEMORY_MB} Gres=gpu:{self.gpus} State=UNKNOWN
PartitionName=cpu Nodes={NODE} Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes={NODE} MaxTime=INFINITE State=UP
"""
        self.conf.write_text(conf)
        # Slurm 22.05 drops a file-less GPU ("Removing file-less GPU") and wants a character device per GPU:
        # one link to /dev/null each, so the count is scheduled and allocated with nothing to bind.
        devices = state / "dev"
        devices.mkdir(exist_ok=True)
        for index in range(self.gpus):
            link = devices / f"gpu{index}"
            if not link.is_symlink():
                link.symlink_to("/dev/null")
        (state / "gres.conf").write_text(f"NodeName={NODE} Name=gpu File={devices}/gpu[0-{self.gpus - 1}]\n")

    # ------------------------------------------------------------------ daemons

    def _pid(self, daemon: str) -> int | None:
        try:
            return int((self.state_dir / f"{daemon}.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def running(self) -> bool:
        return all((pid := self._pid(d)) and alive(pid) for d in DAEMONS)

    def start(self, timeout: float = 30) -> "LocalSlurm":
        missing = [d for d in DAEMONS if not shutil.which(d, path=os.environ.get("PATH", "") + ":/usr/sbin")]
        if missing:
            raise SlurmNotInstalled(f"not installed: {', '.join(missing)} (apt-get install slurm-wlm munge)")
        if self.running():
            return self
        self._write_config()
        state = self.state_dir
        env = {**os.environ, **self.env(), "TZ": "UTC"}  # the job records' times are the controller's local times
        self._run(["munged", "--force", f"--socket={self.munge_socket}", f"--key-file={state / 'munge' / 'munge.key'}",
                   f"--pid-file={state / 'munged.pid'}", f"--log-file={state / 'log' / 'munged.log'}",
                   f"--seed-file={state / 'munge' / 'munged.seed'}"], env)
        self._run(["slurmctld", "-f", str(self.conf)], env)
        self._run(["slurmd", "-f", str(self.conf), "-N", NODE], env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = self.scontrol("show", "node", NODE, check=False)
            if "State=IDLE" in states or "State=MIXED" in states or "State=ALLOCATED" in states:
                return self
            time.sleep(0.3)
        log = "\n".join(self.log(d)[-1500:] for d in ("slurmctld", "slurmd"))
        self.stop()
        raise RuntimeError(f"the local Slurm cluster did not come up; its logs:\n{log}")

    def _run(self, command: list[str], env: dict) -> None:
        result = subprocess.run(command, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            log = "\n".join(self.log(d)[-1500:] for d in DAEMONS)
            self.stop()
            raise RuntimeError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}\n{log}")

    def stop(self, timeout: float = 15) -> list[str]:
        """Cancel every job, stop the daemons; returns the daemons that had to be killed."""
        if self._pid("slurmctld") and alive(self._pid("slurmctld")):
            self.command(["scancel", "--full", "--user", str(os.geteuid())], check=False)
            deadline = time.monotonic() + timeout
            while self.jobs() and time.monotonic() < deadline:
                time.sleep(0.2)
        killed = []
        for daemon in reversed(DAEMONS):
            pid = self._pid(daemon)
            if not pid or not alive(pid):
                continue
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
                killed.append(daemon)
        return killed

    # ------------------------------------------------------------------ commands

    def command(self, argv: list[str], *, check: bool = True) -> str:
        result = subprocess.run(argv, env={**os.environ, **self.env(), "TZ": "UTC"}, capture_output=True, text=True,
                                timeout=30)  # times in UTC, as the controller's records
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: {result.stderr.strip()}")
        return result.stdout

    def scontrol(self, *args: str, check: bool = True) -> str:
        return self.command(["scontrol", *args], check=check)

    def jobs(self) -> list[dict[str, str]]:
        """Jobs in the queue (pending, running, completing): id, name, partition, state."""
        out = self.command(["squeue", "-h", "-o", "%i|%j|%P|%T"])
        return [dict(zip(("id", "name", "partition", "state"), line.split("|"))) for line in out.splitlines() if line]

    def job(self, job_id: str) -> dict[str, str]:
        """``scontrol show job -o -d``, as a dictionary of its KEY=VALUE fields (empty once Slurm forgot it)."""
        out = self.scontrol("show", "job", "-o", "-d", str(job_id), check=False)
        fields = {}
        for token in out.split():
            key, _, value = token.partition("=")
            fields[key] = value
        return fields

    def log(self, daemon: str) -> str:
        try:
            return (self.state_dir / "log" / f"{daemon}.log").read_text(errors="replace")
        except OSError:
            return ""


def _port_range() -> str:
    start = free_port()
    start = min(start, 65000)
    return f"{start}-{start + 20}"


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__.rsplit("\n\n", 1)[-1], file=sys.stderr)
        return 2
    cluster = LocalSlurm(Path(argv[1]))
    if argv[0] == "start":
        cluster.start()
        print(f"SLURM_CONF={cluster.conf}")
    else:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Learners' servers as Slurm jobs: the hub's ``slurm`` back end (batchspawner 1.3's SlurmSpawner).

``jupyterhub_config.py`` loads this file by path (it imports nothing from the LMS) and calls
:func:`configure`. The profile (partition, time limit, memory, cores, ``--gres``) comes from
``lms/profiles.py`` through ``Spawner.apply_user_options``, which keeps only a known, granted
profile slug: batchspawner copies ``user_options`` into the batch script's variables, so nothing
else a learner posts may survive (DESIGN §4).

Whose account runs the jobs (``HUB_SLURM_RUN_AS``):

- ``hub`` (default): every job under the hub's own account, as on a platform where learners have no
  cluster accounts; each learner's files live in ``HUB_STATE_DIR/home/<name>`` (or the folder
  ``HUB_SLURM_HOME`` names, ``{username}`` replaced), which the nodes must see at the same path;
- ``learner``: ``sudo -E -u <name>`` around sbatch/squeue/scancel (batchspawner's default), for
  clusters where each learner has a Unix account of the same name and a home directory.

Other settings: ``HUB_SINGLEUSER_CMD`` (the server command on the nodes; default the hub's own
``jupyterhub-singleuser``, whose folder must also hold ``batchspawner-singleuser``),
``HUB_SLURM_SERVER_IP`` (where the server listens on its node: 127.0.0.1 when the node is the hub's
machine, the default; 0.0.0.0 on a real cluster), ``HUB_SLURM_ACCOUNT``, ``HUB_SLURM_QOS``, and
``SLURM_CONF`` (passed on to the Slurm commands when set).
"""
from __future__ import annotations

import os
import shlex
from pathlib import Path

from batchspawner import SlurmSpawner
from batchspawner.batchspawner import format_template
from traitlets import Unicode, default

RUN_AS = ("hub", "learner")


# Each job is named after its server, ``oqu:<hub user>:<server name>``: the scheduler's record of an ended job
# is then tied to the LMS's GPU-time session of that server (lms/gpu/slurmacct.py).
JOB_NAME = "--job-name=oqu:{{jobowner}}"
BATCH_SCRIPT = SlurmSpawner.batch_script.default_value.replace("--job-name=spawner-jupyterhub", JOB_NAME)
assert JOB_NAME in BATCH_SCRIPT, "batchspawner's Slurm batch script changed: name the job again"


class OquSlurmSpawner(SlurmSpawner):
    """SlurmSpawner whose jobs may all run under the hub's account (``run_as_hub``), named after their server."""

    batch_script = Unicode(BATCH_SCRIPT).tag(config=True)
    req_jobowner = Unicode()

    @default("req_jobowner")
    def _req_jobowner_default(self):
        # Hub names are the LMS's (letters, digits, "-", "_"); a server name is kept to the same characters.
        server = "".join(ch for ch in (self.name or "") if ch.isalnum() or ch in "-_.")
        return f"{self.user.name}:{server}"

    # batchspawner's start() resets ip to this trait's *default* value, so the default is the setting.
    ip = Unicode(os.environ.get("HUB_SLURM_SERVER_IP") or "127.0.0.1")

    home_dir_template = Unicode(
        "", config=True, help="The learner's folder, {username} replaced; empty: their Unix home (run as learner)")

    @default("req_homedir")
    def _req_homedir_default(self):
        if self.home_dir_template:
            return self.home_dir_template.format(username=self.user.name)
        return super()._req_homedir_default()

    def user_env(self, env):
        if not self.home_dir_template:  # learners with Unix accounts
            return super().user_env(env)
        env["USER"] = self.user.name
        env["HOME"] = self.req_homedir
        return env

    # Why the job ended by itself, for the stop report (lms/gpu/reporter.py): "time_limit" when Slurm killed it
    # at its time limit; empty when the hub stopped it or the reason is not known.
    end_reason = ""
    end_state_cmd = Unicode("scontrol show job -o {job_id}", config=True,
                            help="Prints the ended job's JobState=…; 'sacct -X -n -P -o State -j {job_id}' also works")

    async def start(self):
        self.end_reason = ""
        if self.home_dir_template:
            Path(self.req_homedir).mkdir(parents=True, exist_ok=True)
        return await super().start()

    async def poll(self):
        job_id = self.job_id  # batchspawner forgets it once the job is gone
        status = await super().poll()
        if status is not None and job_id:
            self.end_reason = await self._end_reason(job_id)
        return status

    async def _end_reason(self, job_id: str) -> str:
        subvars = {**self.get_req_subvars(), "job_id": job_id}
        command = " ".join((format_template(self.exec_prefix, **subvars),
                            format_template(self.end_state_cmd, **subvars)))
        try:
            out = await self.run_command(command)
        except Exception as error:  # noqa: BLE001 — the controller forgot it, or does not answer: reason unknown
            self.log.info("Slurm job %s ended; its state is not known: %s", job_id, error)
            return ""
        state = out.split("JobState=", 1)[1].split()[0] if "JobState=" in out else out.strip().split(" ")[0]
        self.log.info("Slurm job %s of %s ended by itself: %s", job_id, self.user.name, state or "?")
        return "time_limit" if state.startswith("TIMEOUT") else ""


def configure(c, state_dir: Path, bin_dir: Path) -> None:
    """Set the hub's configuration ``c`` for learners' servers as Slurm jobs."""
    run_as = (os.environ.get("HUB_SLURM_RUN_AS") or "hub").strip()
    if run_as not in RUN_AS:
        raise SystemExit(f"jupyterhub_config.py: HUB_SLURM_RUN_AS must be one of {', '.join(RUN_AS)}, not {run_as!r}")
    c.JupyterHub.spawner_class = OquSlurmSpawner
    command = shlex.split(os.environ.get("HUB_SINGLEUSER_CMD") or str(bin_dir / "jupyterhub-singleuser"))
    c.Spawner.cmd = command
    if os.path.isabs(command[0]):  # batchspawner's wrapper (it reports the server's port) sits beside it
        c.OquSlurmSpawner.batchspawner_singleuser_cmd = str(Path(command[0]).parent / "batchspawner-singleuser")
    c.OquSlurmSpawner.req_account = os.environ.get("HUB_SLURM_ACCOUNT") or ""
    c.OquSlurmSpawner.req_qos = os.environ.get("HUB_SLURM_QOS") or ""
    c.OquSlurmSpawner.startup_poll_interval = 1.0
    c.OquSlurmSpawner.poll_interval = 10  # a job Slurm ended is noticed (and the learner told) within seconds
    if run_as == "hub":
        c.OquSlurmSpawner.exec_prefix = ""
        c.OquSlurmSpawner.home_dir_template = os.environ.get("HUB_SLURM_HOME") or str(state_dir / "home" / "{username}")
        if os.geteuid() == 0:  # the jobs run as root too: the server exits without this (DESIGN §4)
            c.Spawner.args = [*c.Spawner.args, "--allow-root"]
    if os.environ.get("SLURM_CONF"):  # sbatch gets only the spawner's environment
        c.Spawner.env_keep = [*c.Spawner.env_keep, "SLURM_CONF"]

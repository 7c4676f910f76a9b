"""The GPU domain's background work: stop (through the hub, which listens for ``gpu_time_exhausted``)
the GPU servers of people whose GPU time for the month has run out, and charge Slurm jobs from the
scheduler's record (lms/gpu/slurmacct.py)."""
from __future__ import annotations

from ..worker import registers


@registers
def register(huey, app) -> dict:
    from huey import crontab  # here: Huey's storage imports database clients a web process does not need

    @huey.periodic_task(crontab(minute="*"), name="enforce_gpu_time")
    def enforce_gpu_time():
        """Stop the GPU servers of people whose GPU time for the month has run out, and charge Slurm jobs from the
scheduler's record (lms/gpu/slurmacct.py)."""
        from .services import enforce_gpu_time as enforce

        with app.app_context():
            return enforce()

    @huey.periodic_task(crontab(minute="*/10"), name="reconcile_slurm_gpu_time")
    def reconcile_slurm_gpu_time():
        """Charge ended Slurm jobs' GPU sessions from the scheduler's record (LMS_GPU_SLURM_ACCOUNTING)."""
        from .slurmacct import reconcile_slurm

        with app.app_context():
            if not app.config["OQU_SETTINGS"].gpu_slurm_accounting:
                return 0
            return len(reconcile_slurm())

    return {"enforce_gpu_time": enforce_gpu_time, "reconcile_slurm_gpu_time": reconcile_slurm_gpu_time}

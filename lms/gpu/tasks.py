"""The GPU domain's background work: stop (through the hub, which listens for ``gpu_time_exhausted``)
the GPU servers of people whose GPU time for the month has run out."""
from __future__ import annotations

from ..worker import registers


@registers
def register(huey, app) -> dict:
    from huey import crontab  # here: Huey's storage imports database clients a web process does not need

    @huey.periodic_task(crontab(minute="*"), name="enforce_gpu_time")
    def enforce_gpu_time():
        """Stop the GPU servers of people whose GPU time for the month has run out."""
        from .services import enforce_gpu_time as enforce

        with app.app_context():
            return enforce()

    return {"enforce_gpu_time": enforce_gpu_time}

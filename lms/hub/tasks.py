"""The hub domain's background work: stop the servers of deactivated people that the hub kept running."""
from __future__ import annotations

from ..worker import registers


@registers
def register(huey, app) -> dict:
    from huey import crontab  # here: Huey's storage imports database clients a web process does not need

    @huey.periodic_task(crontab(minute="*"), name="end_access_of_deactivated")
    def end_access_of_deactivated():
        """Stop the servers of deactivated people that the hub kept running (it was down at the time)."""
        from .ended import end_access_of_deactivated as sweep

        with app.app_context():
            return sweep()

    return {"end_access_of_deactivated": end_access_of_deactivated}

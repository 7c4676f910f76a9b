"""Servers that ended by themselves: the hub's stop report says why (``reason``), and the learner's
launch keeps it, so that the course page explains what happened instead of offering a server that is
gone. Today one reason: ``time_limit``, a Slurm job killed at its time limit (lms/hub/slurm.py)."""
from __future__ import annotations

from sqlalchemy import select

from .. import signals
from ..extensions import db
from ..security import SYSTEM
from ..utils import utcnow
from .models import HubAccount, LaunchStatus, NotebookLaunch

TIME_LIMIT = "time_limit"
REASONS = (TIME_LIMIT,)


def server_ended(username: str, reason: str) -> NotebookLaunch | None:
    """Record on the person's latest launch that their server ended by itself, and why. A launch the LMS
    already saw stop keeps its own reason (one given by the learner or the system stays)."""
    if reason not in REASONS:
        return None
    user_id = db.session.scalar(select(HubAccount.user_id).where(HubAccount.username == username))
    launch = db.session.scalar(select(NotebookLaunch).where(NotebookLaunch.user_id == user_id)
                               .order_by(NotebookLaunch.id.desc()).limit(1)) if user_id else None
    if launch is None or launch.message or launch.status not in (LaunchStatus.pending, LaunchStatus.ready,
                                                                 LaunchStatus.stopped):
        return None
    if launch.status != LaunchStatus.stopped:
        launch.status, launch.ended_at = LaunchStatus.stopped, utcnow()
    launch.message = reason
    signals.notebook_stopped.send(SYSTEM, launch=launch, reason=reason)
    db.session.commit()
    return launch

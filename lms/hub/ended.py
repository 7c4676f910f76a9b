"""Servers that ended without the learner asking, and why, kept on the learner's launch so that the
course page explains what happened instead of offering a server that is gone:

* by themselves: the hub's stop report says why (``reason``); today ``time_limit``, a Slurm job
  killed at its time limit (lms/hub/slurm.py);
* stopped by the system: GPU time ran out (``gpu_time_up``), or the account was deactivated
  (``account_deactivated``: every token the hub holds for the person is revoked too).
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from .. import signals
from ..extensions import db
from ..security import SYSTEM
from ..utils import utcnow
from .client import HubError, HubUnavailable
from .models import HubAccount, LaunchStatus, NotebookLaunch
from . import services

log = logging.getLogger(__name__)

TIME_LIMIT = "time_limit"
REASONS = (TIME_LIMIT,)  # what a stop report may say
GPU_TIME_UP = "gpu_time_up"
ACCOUNT_DEACTIVATED = "account_deactivated"


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


def stop_when_gpu_time_is_up(user) -> None:
    """The system stops ``user``'s server because their GPU time, or their organisation's, has run out
    (lms.gpu.enforce_gpu_time); the launch keeps why, for the course page."""
    services.stop_server(SYSTEM, user, reason=GPU_TIME_UP)


def end_hub_access(actor, user) -> None:
    """The account was deactivated (lms.hub.handlers): stop the person's server and revoke every token
    the hub holds for them, at once. A new start is refused by the hub itself (lms.hub.access.spawn_refusal)."""
    account = services.hub_account(user, create=False)
    if account is None:
        return
    services.stop_server(actor, user, reason=ACCOUNT_DEACTIVATED)
    client = services.hub_client()
    try:
        revoked = client.revoke_access(account.username)
    except HubUnavailable:
        services.remember_down(client)
        raise
    log.info("hub access of %s ended: server stopped, %d token(s) revoked", account.username, revoked)


def end_access_of_deactivated() -> list[int]:
    """The worker's sweep (every minute): end the hub access of deactivated people whose server the
    LMS still believes running (the hub did not answer at the deactivation). Returns their ids."""
    from ..accounts.models import User

    latest = (select(NotebookLaunch.user_id, db.func.max(NotebookLaunch.id).label("id"))
              .group_by(NotebookLaunch.user_id).subquery())
    users = db.session.scalars(
        select(User).join(latest, latest.c.user_id == User.id).join(NotebookLaunch, NotebookLaunch.id == latest.c.id)
        .where(User.active.is_(False), NotebookLaunch.status.in_([LaunchStatus.pending, LaunchStatus.ready]))).all()
    ended = []
    for user in users:
        try:
            end_hub_access(SYSTEM, user)
        except (HubUnavailable, HubError) as error:
            log.warning("hub access of user %s still not ended: %s", user.id, error)
            continue
        ended.append(user.id)
    return ended

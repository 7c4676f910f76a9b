"""The hub domain listens to accounts: deactivating a person ends their hub access at once — their
server stops and every token the hub holds for them is revoked (lms.hub.ended.end_hub_access).

The hub refuses any later start by itself (it asks the LMS, lms.hub.spawn_gate), so a hub that is
down at that moment cannot be used by the deactivated person either; their server, if the hub kept
it running, is stopped by the worker's next sweep (lms.hub.ended.end_access_of_deactivated).
"""
from __future__ import annotations

import logging

from .. import signals

log = logging.getLogger(__name__)


def _on_deactivated(actor, user):
    from .ended import end_hub_access
    from .services import HubError, HubUnavailable

    try:
        end_hub_access(actor, user)
    except (HubUnavailable, HubError) as error:  # the deactivation itself must go through
        log.warning("hub access of user %s not ended now (the worker retries): %s", user.id, error)


def _on_gpu_time_exhausted(sender, user=None, **extra):
    """The GPU domain says a person's GPU time ran out: stop their server (HubUnavailable propagates, so
    that the GPU domain's next run tries again)."""
    from .ended import stop_when_gpu_time_is_up

    if user is not None:
        stop_when_gpu_time_is_up(user)


def connect() -> None:
    signals.user_deactivated.connect(_on_deactivated, weak=False)
    signals.gpu_time_exhausted.connect(_on_gpu_time_exhausted, weak=False)

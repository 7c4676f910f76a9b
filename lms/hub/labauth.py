"""Who is calling from a learner's JupyterLab: the learner's own hub token, verified with the hub.

The Oqu extension in the learner's server (``lms/hub/oqulab``) calls the LMS with the server's
``JUPYTERHUB_API_TOKEN``. The LMS holds no copy of that token: it asks the hub whom the token belongs
to (``GET /hub/api/user`` with it), and acts only for a hub *user* whose name the LMS gave to one of its
people (:class:`~lms.hub.models.HubAccount`). Services (the LMS's own token among them), the hub's
admins, unknown names and deactivated people are refused. The answer is kept for a short while, by
the token's digest, so that a panel that polls does not ask the hub every second.
"""
from __future__ import annotations

import hashlib
import threading
import time

from flask_babel import gettext as _

from ..accounts.models import User
from ..extensions import db
from .access import user_id_for_hub_name
from .client import HubUnavailable

CACHE_SECONDS = 30.0
CACHE_SIZE = 2048
_cache: dict[str, tuple[float, str | None]] = {}
_lock = threading.Lock()


def forget_verified_tokens() -> None:
    with _lock:
        _cache.clear()


def hub_name_for_token(token: str) -> str | None:
    """The hub user name ``token`` belongs to (the hub asked at most every :data:`CACHE_SECONDS`),
    None when the hub does not accept it or it is not a user's. :class:`HubUnavailable` passes."""
    from .services import hub_client

    digest = hashlib.sha256(token.encode()).hexdigest()
    now = time.monotonic()
    with _lock:
        kept = _cache.get(digest)
    if kept is not None and kept[0] > now:
        return kept[1]
    model = hub_client().identify(token)
    name = model.get("name") if model and model.get("kind") == "user" and isinstance(model.get("name"), str) else None
    with _lock:
        if len(_cache) >= CACHE_SIZE:
            _cache.clear()
        _cache[digest] = (now + CACHE_SECONDS, name)
    return name


def user_for_hub_token(token: str) -> User | None:
    """The active person whose hub token this is, else None; a 503 API error while the hub is down."""
    import hmac

    from flask import current_app

    from ..api import ApiError

    settings = current_app.config["OQU_SETTINGS"]
    for own in (settings.hub_api_token, settings.hub_report_token):  # the LMS's and the hub's credentials
        if own and hmac.compare_digest(token.encode(), own.encode()):
            return None
    try:
        name = hub_name_for_token(token)
    except HubUnavailable:
        raise ApiError(503, "hub_unavailable", _("Notebooks are temporarily unavailable. Everything else in Oqu "
                                                 "works; please try again in a few minutes.")) from None
    if name is None:
        return None
    user_id = user_id_for_hub_name(name)
    user = db.session.get(User, user_id) if user_id is not None else None
    return user if user is not None and user.active else None

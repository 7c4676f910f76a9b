"""The hub's side of entitlement: before it starts any server, the hub asks the LMS whether this person
may start this profile now, and refuses the spawn unless the LMS says yes.

So a start that does not come from the LMS — the hub's own page, or a learner's hub token posting
``POST /hub/api/users/<name>/server`` with ``{"profile": "gpu-1"}`` — gets exactly what a launch from
the LMS would (an active account, a course entitlement, GPU time left: lms.hub.services.spawn_refusal).
The question goes to ``POST /api/v1/hub/spawn-checks`` with the hub's own credential
(``LMS_HUB_REPORT_TOKEN``), server to server; an LMS that cannot be asked means no start (fail closed).

:func:`hooks` wires it with the usage reporter (lms/gpu/reporter.py) into the spawner's hooks: the one
place ``jupyterhub_config.py`` and the Zero to JupyterHub values use. Imports nothing from the LMS or
Flask: the hub loads this file by path.
"""
from __future__ import annotations

import json
import logging

log = logging.getLogger("oqu.spawn_gate")

UNREACHABLE = "Oqu could not be asked whether this notebook may start. Please try again in a few minutes."
# Longer than the LMS's longest wait on a spawn's progress (25 s, lms.hub.services.notebook_status): a
# request thread of the LMS that follows this very spawn frees itself before the question times out.
TIMEOUT_SECONDS = 30.0


class SpawnGate:
    def __init__(self, lms_url: str, token: str, *, timeout: float = TIMEOUT_SECONDS):
        self.api = lms_url.rstrip("/") + "/api/v1/hub/"
        self.endpoint = self.api + "spawn-checks"
        self._token = token
        self.timeout = timeout

    async def _ask(self, question: str, body: dict):
        """POST ``body`` to the LMS's ``/api/v1/hub/<question>``: None when it says yes, its reason (a
        string) when it refuses (403); raises when it cannot be asked or answers anything else."""
        from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

        request = HTTPRequest(self.api + question, method="POST", request_timeout=self.timeout, body=json.dumps(body),
                              headers={"Authorization": f"token {self._token}", "Content-Type": "application/json"})
        try:
            await AsyncHTTPClient().fetch(request)
            return None
        except HTTPClientError as error:
            if error.code == 403 and error.response is not None:
                return _message(error.response.body)
            raise

    async def check(self, spawner) -> None:
        """Return when the LMS allows the spawn; raise ``tornado.web.HTTPError`` (403 with the LMS's
        reason, in the person's language; 503 when the LMS cannot be asked) otherwise."""
        from tornado import web

        user, profile = spawner.user.name, str((spawner.user_options or {}).get("profile") or "")
        try:
            reason = await self._ask("spawn-checks", {"user": user, "server": spawner.name or "", "profile": profile})
        except Exception as error:  # noqa: BLE001 — any failure to ask means no start
            log.error("the LMS could not be asked about the spawn of %s (%s): no start", user, error)
            raise web.HTTPError(503, UNREACHABLE) from None
        if reason is not None:
            log.info("the LMS refused to start %s with profile %s: %s", user, profile, reason)
            raise web.HTTPError(403, reason)

    async def still_allowed(self, username: str) -> bool:
        """Whether the person may go on using the hub (asked when their hub session is older than the
        hub's ``auth_refresh_age``). A deactivated or unknown person: no. An LMS that cannot be asked: yes,
        for now (they keep only what they had — their server was stopped and their tokens revoked at
        deactivation, and every start still asks :meth:`check`); asked again at the next refresh."""
        try:
            reason = await self._ask("access-checks", {"user": username})
        except Exception as error:  # noqa: BLE001
            log.warning("the LMS could not be asked whether %s may still use the hub (%s)", username, error)
            return True
        if reason is not None:
            log.info("the LMS ended the hub session of %s: %s", username, reason)
        return reason is None


def checked_authenticator(base, gate: SpawnGate):
    """``base`` (the hub's OAuthenticator class) whose ``refresh_user`` also asks the LMS whether the person
    is still allowed: once the LMS deactivates someone, their hub cookie stops working at the next refresh
    (``Authenticator.auth_refresh_age``) and signing in again goes through the LMS, which refuses them."""

    class CheckedAuthenticator(base):
        async def refresh_user(self, user, handler=None, **kwargs):
            if not await gate.still_allowed(user.name):
                return False
            return await super().refresh_user(user, handler, **kwargs)

    return CheckedAuthenticator  # c.<base>.… configures it too (traitlets reads the sections of its bases)


def _message(body: bytes) -> str:
    try:
        return str(json.loads(body).get("message") or "refused")[:500]
    except (ValueError, AttributeError):
        return "refused"


def hooks(gate: SpawnGate, reporter):
    """``(pre_spawn_hook, post_stop_hook)`` for the hub's Spawner: ask the LMS, then record the start;
    record every stop. Plain functions (the hub deep-copies its configuration into each spawner)."""
    record_start, record_stop = reporter.hooks()

    async def pre_spawn_hook(spawner) -> None:
        await gate.check(spawner)
        record_start(spawner)

    pre_spawn_hook.gate = gate
    pre_spawn_hook.reporter = reporter
    return pre_spawn_hook, record_stop

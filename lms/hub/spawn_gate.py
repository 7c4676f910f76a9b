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
        self.endpoint = lms_url.rstrip("/") + "/api/v1/hub/spawn-checks"
        self._token = token
        self.timeout = timeout

    async def check(self, spawner) -> None:
        """Return when the LMS allows the spawn; raise ``tornado.web.HTTPError`` (403 with the LMS's
        reason, in the person's language; 503 when the LMS cannot be asked) otherwise."""
        from tornado import web
        from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

        user, profile = spawner.user.name, str((spawner.user_options or {}).get("profile") or "")
        request = HTTPRequest(self.endpoint, method="POST", request_timeout=self.timeout,
                              body=json.dumps({"user": user, "server": spawner.name or "", "profile": profile}),
                              headers={"Authorization": f"token {self._token}", "Content-Type": "application/json"})
        try:
            await AsyncHTTPClient().fetch(request)
            return
        except HTTPClientError as error:
            if error.code == 403 and error.response is not None:
                reason = _message(error.response.body)
                log.info("the LMS refused to start %s with profile %s: %s", user, profile, reason)
                raise web.HTTPError(403, reason) from None
            log.error("the LMS answered %s to the spawn check of %s: no start", error.code, user)
        except Exception as error:  # noqa: BLE001 — any failure to ask means no start
            log.error("the LMS could not be asked about the spawn of %s (%s): no start", user, error)
        raise web.HTTPError(503, UNREACHABLE)


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

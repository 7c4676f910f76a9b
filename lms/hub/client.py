"""JupyterHub's REST API as the LMS uses it, authenticated with the LMS's service token.

The token travels only in the ``Authorization`` header of these server-to-server requests to the hub
itself; it is never put in a page, a redirect or a cookie, and never sent to a learner's server: calls
into a server (the Jupyter contents API) go through a :class:`LearnerServer`, with a token the hub mints
for that one server, for minutes, and revokes when the operation ends (docs/security.md). Every network failure becomes :class:`HubUnavailable`
so that callers have one thing to catch and the rest of the LMS keeps working when the hub is down.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:  # imported where a request is made: a process that never calls the hub does not load it
    import requests

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 10.0
SERVER_TOKEN_SECONDS = 600  # the longest one operation on a learner's server may use its token
_local = threading.local()


class HubUnavailable(RuntimeError):
    """The hub (or its proxy) did not answer, or answered with a server error."""


class HubError(RuntimeError):
    """The hub refused a request the LMS should not have made (a bug or a misconfiguration)."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


@dataclass
class ServerState:
    """The hub's view of a person's default server."""

    exists: bool = False  # the hub knows the user
    running: bool = False  # ready or starting
    ready: bool = False
    pending: str | None = None  # "spawn", "stop" or None
    url: str = ""  # path of the server, e.g. /user/u1a2b3/
    user_options: dict | None = None


def _session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        import requests

        session = _local.session = requests.Session()
        session.trust_env = False  # the hub is addressed directly, never through a proxy from the environment
    return session


class HubClient:
    def __init__(self, api_url: str, public_url: str, token: str):
        self.api_url = api_url.rstrip("/")
        self.public_url = public_url.rstrip("/")
        self._headers = {"Authorization": f"token {token}", "Accept": "application/json"}

    @classmethod
    def from_settings(cls, settings) -> "HubClient":
        return cls(settings.hub_api_url, settings.hub_url, settings.hub_api_token)

    # ------------------------------------------------------------------ plumbing

    def _request(self, method: str, url: str, *, auth: bool = True, token: str | None = None,
                 timeout: float | None = None, ok: tuple[int, ...] = (200,), **kwargs) -> requests.Response:
        """One request, with the service token (or ``token``, or none without ``auth``); a status in
        ``ok`` is returned, any other 5xx means the hub is unavailable."""
        import requests

        headers = {"Authorization": f"token {token}", "Accept": "application/json"} if token else self._headers
        try:
            response = _session().request(method, url, headers=headers if auth else {},
                                          timeout=(CONNECT_TIMEOUT, timeout or READ_TIMEOUT),
                                          allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            raise HubUnavailable(f"{method} {url}: {error.__class__.__name__}") from None
        if response.status_code not in ok and response.status_code >= 500:
            raise HubUnavailable(f"{method} {url}: HTTP {response.status_code}")
        if response.status_code not in ok:
            raise HubError(response.status_code, _hub_message(response))
        return response

    def _user_url(self, username: str, suffix: str = "") -> str:
        return f"{self.api_url}/users/{quote(username, safe='')}{suffix}"

    def _server_url(self, username: str, server: str = "", suffix: str = "") -> str:
        """The API address of the default server (``server`` empty) or of a named one."""
        return self._user_url(username, (f"/servers/{quote(server, safe='')}" if server else "/server") + suffix)

    # ------------------------------------------------------------------ hub

    def ping(self, timeout: float = 2.0) -> bool:
        """Whether the hub answers its API root (no token needed)."""
        try:
            self._request("GET", self.api_url + "/", auth=False, timeout=timeout)
        except (HubUnavailable, HubError):
            return False
        return True

    def identify(self, token: str) -> dict | None:
        """Whom ``token`` belongs to, as the hub says (``GET /hub/api/user`` with that token, which the hub
        answers for any valid token): the hub's model (``kind``, ``name``…), or None for a token it does not
        accept."""
        response = self._request("GET", self.api_url + "/user", token=token, ok=(200, 401, 403))
        if response.status_code != 200:
            return None
        try:
            model = response.json()
        except ValueError:
            return None
        return model if isinstance(model, dict) else None

    def server_state(self, username: str, name: str = "") -> ServerState:
        """The hub's view of the default server, or of the named server ``name``."""
        response = self._request("GET", self._user_url(username), ok=(200, 404))
        if response.status_code == 404:
            return ServerState()
        server = (response.json().get("servers") or {}).get(name)
        if not server:
            return ServerState(exists=True)
        return ServerState(exists=True, running=True, ready=bool(server.get("ready")),
                           pending=server.get("pending"), url=server.get("url") or "",
                           user_options=server.get("user_options"))

    def ensure_user(self, username: str) -> None:
        """Create the hub user unless it exists (201 created, 409 already there)."""
        self._request("POST", self._user_url(username), ok=(201, 409))

    def grant_profile(self, group: str, username: str, key: str, profile: str) -> None:
        """Make ``username`` a member of ``group`` and mark the group as granting ``profile`` (a group
        property the hub's profile check reads)."""
        group_url = f"{self.api_url}/groups/{quote(group, safe='')}"
        self._request("POST", group_url, ok=(201, 409))
        self._request("PUT", group_url + "/properties", json={key: profile})
        self._request("POST", group_url + "/users", json={"users": [username]})

    def start_server(self, username: str, user_options: dict, name: str = "") -> tuple[str, str]:
        """Ask the hub to start the default server (or the named one). Returns (``ready`` | ``pending`` |
        ``busy`` | ``failed``, the hub's message): busy when it is running or stopping, failed when the
        spawn failed at once."""
        response = self._request("POST", self._server_url(username, name), ok=(201, 202, 400, 500),
                                 json={"user_options": user_options})
        if response.status_code == 500:
            message = _hub_message(response)
            if not response.headers.get("Content-Type", "").startswith("application/json"):
                raise HubUnavailable(f"start: HTTP 500 {message[:100]}")
            return "failed", message
        outcome = {201: "ready", 202: "pending"}.get(response.status_code, "busy")
        return outcome, _hub_message(response) if outcome == "busy" else ""

    def stop_server(self, username: str, name: str = "") -> bool:
        """Ask the hub to stop the default server (or the named one); True once it is stopped (204), False
        while stopping (202)."""
        response = self._request("DELETE", self._server_url(username, name), ok=(202, 204, 400, 404))
        return response.status_code != 202

    def spawn_events(self, username: str, wait: float, name: str = "") -> list[dict]:
        """The hub's progress events for a pending spawn, read for at most ``wait`` seconds (or until the
        stream says ready or failed). An empty list when nothing is starting."""
        import requests

        deadline = time.monotonic() + max(wait, 0.2)
        events: list[dict] = []
        try:
            response = _session().get(self._server_url(username, name, "/progress"), headers=self._headers,
                                      stream=True, timeout=(CONNECT_TIMEOUT, max(wait, 0.2)))
        except requests.RequestException as error:
            raise HubUnavailable(f"progress: {error.__class__.__name__}") from None
        with response:
            if response.status_code >= 500:
                raise HubUnavailable(f"progress: HTTP {response.status_code}")
            if response.status_code != 200:
                return events
            try:
                for line in response.iter_lines(chunk_size=None, decode_unicode=True):
                    if line and line.startswith("data:"):
                        try:
                            event = json.loads(line[5:].strip())
                        except ValueError:
                            continue
                        events.append(event)
                        if event.get("ready") or event.get("failed"):
                            break
                    if time.monotonic() >= deadline:
                        break
            except requests.RequestException:
                pass  # the read timeout ends the wait: what has arrived so far is the answer
        return events

    def revoke_access(self, username: str) -> int:
        """Revoke every token the hub holds for ``username`` (their own, their servers' and browser
        sessions', those minted for the LMS); returns how many. A user the hub does not know has none."""
        response = self._request("GET", self._user_url(username, "/tokens"), ok=(200, 404))
        if response.status_code == 404:
            return 0
        tokens = response.json().get("api_tokens") or []
        for token in tokens:
            self._forget_token(username, str(token["id"]))
        return len(tokens)

    # ------------------------------------------------------------------ the learner's server

    def learner_server(self, username: str, name: str = "") -> "LearnerServer":
        """The Jupyter server API of ``username``'s default server (or of the named server ``name``, an
        instructor's ``authoring`` one), for one operation (``with``)."""
        return LearnerServer(self, username, name)

    def _server_token(self, username: str, name: str = "") -> tuple[str, str]:
        """A token that opens ``username``'s default server (or named server ``name``) and nothing else,
        for minutes: (token, id)."""
        response = self._request("POST", self._user_url(username, "/tokens"), ok=(200, 201), json={
            "scopes": [f"access:servers!server={username}/{name}"], "expires_in": SERVER_TOKEN_SECONDS,
            "note": "oqu-lms: one operation on this server"})
        body = response.json()
        return body["token"], str(body["id"])

    def _forget_token(self, username: str, token_id: str) -> None:
        self._request("DELETE", self._user_url(username, f"/tokens/{quote(token_id, safe='')}"), ok=(204, 404))


class LearnerServer:
    """Calls into one learner's server through the hub's proxy, as one operation (a release, a hand-in).

    The first call asks the hub for a token scoped to this server alone (``access:servers!server=<name>/``,
    :data:`SERVER_TOKEN_SECONDS`); leaving the ``with`` block revokes it. Whatever the server logs of
    its requests is therefore worth nothing beyond that server, and only for that long."""

    def __init__(self, client: HubClient, username: str, name: str = ""):
        self.client = client
        self.username = username
        self.name = name
        self._token: tuple[str, str] | None = None

    def __enter__(self) -> "LearnerServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._token is None:
            return
        token_id, self._token = self._token[1], None
        try:
            self.client._forget_token(self.username, token_id)
        except (HubUnavailable, HubError):  # it expires by itself within minutes
            pass

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """Call the Jupyter server API (``contents/…``); statuses in ``ok`` (default 200, 201) are
        returned, others raise as :meth:`HubClient._request` does."""
        if self._token is None:
            self._token = self.client._server_token(self.username, self.name)
        prefix = f"/user/{quote(self.username, safe='')}" + (f"/{quote(self.name, safe='')}" if self.name else "")
        url = f"{self.client.public_url}{prefix}/api/{path.lstrip('/')}"
        return self.client._request(method, url, token=self._token[0], ok=kwargs.pop("ok", (200, 201)), **kwargs)


def _hub_message(response: requests.Response) -> str:
    try:
        return str(response.json().get("message", ""))[:300]
    except ValueError:
        return response.text[:300]

"""Oqu's server extension in a learner's Jupyter server: the handlers the Oqu JupyterLab extension calls
(``<base_url>oqu/…``), which call the LMS's ``/api/v1/lab/…`` with the server's own hub token.

The learner's server holds no LMS secret: it presents ``JUPYTERHUB_API_TOKEN`` (the token the hub gave
this server), and the LMS asks the hub whose it is (lms.hub.labauth). The LMS's address comes at spawn in
``OQU_LMS_URL`` (lms/hub/lab.py); the learner's JupyterLab language in ``OQU_LAB_LOCALE`` goes along as
``Accept-Language`` for the answers the LMS gives before it knows who is calling. The handlers are
jupyter_server's ``APIHandler``: only the server's owner reaches them, and a POST without the XSRF token
(or the server's token) is refused. Loaded by learner_jupyter/jupyter_server_config.py; no LMS code here.
"""
from __future__ import annotations

import json
import os
from urllib.parse import quote, urlencode

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

TIMEOUT = 30.0  # a hand-in reads the notebooks back from this server: give it time


def _jupyter_server_extension_points():
    return [{"module": "oqu_lab"}]


def _language() -> str:
    locale = os.environ.get("OQU_LAB_LOCALE", "")
    return "ru" if locale.startswith("ru") else "kk"


class LmsHandler(APIHandler):
    """Forwards one call to the LMS, answering with its status and JSON body; ``lms_unavailable`` (503)
    when the LMS cannot be reached or is not configured (the frontend says so in the learner's language)."""

    async def forward(self, method: str, path: str, query: dict | None = None) -> None:
        lms = os.environ.get("OQU_LMS_URL", "").rstrip("/")
        token = os.environ.get("JUPYTERHUB_API_TOKEN", "")
        if not lms or not token:
            return self._answer(503, {"error": "lms_unavailable", "message": ""})
        url = f"{lms}/api/v1/lab/{path}" + (f"?{urlencode(query)}" if query else "")
        request = HTTPRequest(url, method=method, body=b"" if method == "POST" else None,
                              headers={"Authorization": f"token {token}", "Accept": "application/json",
                                       "Accept-Language": _language()},
                              request_timeout=TIMEOUT, connect_timeout=5.0, follow_redirects=False)
        try:
            response = await AsyncHTTPClient().fetch(request, raise_error=False)
        except (OSError, HTTPClientError):
            return self._answer(503, {"error": "lms_unavailable", "message": ""})
        try:
            body = json.loads(response.body or b"null")
        except ValueError:
            body = None
        if response.code >= 599 or not isinstance(body, dict):  # no answer, or not the LMS's JSON
            return self._answer(503, {"error": "lms_unavailable", "message": ""})
        self._answer(response.code, body)

    def _answer(self, status: int, body: dict) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))


class NotebookHandler(LmsHandler):
    @web.authenticated
    async def get(self):
        await self.forward("GET", "notebook", {"path": self.get_argument("path", "")})


class AssignmentsHandler(LmsHandler):
    @web.authenticated
    async def get(self, course: str):
        await self.forward("GET", f"courses/{quote(course, safe='')}/assignments")


class SubmitHandler(LmsHandler):
    @web.authenticated
    async def post(self, course: str, assignment: str):
        await self.forward("POST", f"courses/{quote(course, safe='')}/assignments/{quote(assignment, safe='')}"
                                   "/submissions")


class SubmissionHandler(LmsHandler):
    @web.authenticated
    async def get(self, submission_id: str):
        await self.forward("GET", f"submissions/{int(submission_id)}")


NAME = r"([a-z0-9][a-z0-9_-]*)"


def _load_jupyter_server_extension(server_app):
    base = url_path_join(server_app.web_app.settings["base_url"], "oqu")
    server_app.web_app.add_handlers(".*$", [
        (url_path_join(base, "notebook"), NotebookHandler),
        (url_path_join(base, "courses", NAME, "assignments"), AssignmentsHandler),
        (url_path_join(base, "courses", NAME, "assignments", NAME, "submissions"), SubmitHandler),
        (url_path_join(base, "submissions", r"(\d+)"), SubmissionHandler),
    ])
    server_app.log.info("Oqu: lab handlers at %s, LMS %s", base, os.environ.get("OQU_LMS_URL") or "(not set)")

"""A real JupyterHub for the whole session and a real LMS server per test.

The hub (jupyterhub_config.py, the pure-Python configurable-http-proxy, the sandboxed local spawner)
runs on free loopback ports with its own state directory; the LMS of each test is served on one
port fixed for the session, so that the hub's OAuth settings point at it. The hub is stopped with
SIGTERM at the end, and the session fails if any of its processes is left.
"""
from __future__ import annotations

import re
import secrets
from types import SimpleNamespace

import pytest
import requests

from lms.courses.models import Course, Level, Module
from lms.extensions import db
from tests.hubs import LocalHub, free_port
from lms.learning.models import Enrolment, EnrolmentStatus
from lms.utils import utcnow

from .. import factories

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture(scope="session")
def hub_secrets():
    return SimpleNamespace(api_token=secrets.token_urlsafe(32), client_secret=secrets.token_urlsafe(32),
                           report_token=secrets.token_urlsafe(32), client_id="jupyterhub")


@pytest.fixture(scope="session")
def lms_port():
    return free_port()


def running_hub(state_dir, hub_secrets, lms_port, extra_env=None):
    """Start a hub whose OAuth settings point at an LMS on ``lms_port``; yields it, then stops it and
    fails if any of its processes is left (a generator for fixtures)."""
    hub = LocalHub(state_dir, lms_url=f"http://127.0.0.1:{lms_port}", api_token=hub_secrets.api_token,
                   client_secret=hub_secrets.client_secret, report_token=hub_secrets.report_token,
                   client_id=hub_secrets.client_id, extra_env=extra_env)
    hub.start()
    yield hub
    from tests.hubs import command_line

    commands = {pid: command_line(pid) for pid in [hub.process.pid, *hub.descendants()]}
    left = hub.stop()
    assert not left, f"processes left after the hub stopped: {[(pid, commands.get(pid)) for pid in left]}"


def hub_settings(hub, hub_secrets, lms_port) -> dict:
    """The LMS settings that connect it to ``hub``."""
    return {"hub_url": hub.url, "hub_api_url": hub.api_url, "hub_api_token": hub_secrets.api_token,
            "hub_report_token": hub_secrets.report_token, "hub_client_id": hub_secrets.client_id, "hub_client_secret": hub_secrets.client_secret,
            "base_url": f"http://127.0.0.1:{lms_port}", "queue_url": "memory://"}


@pytest.fixture(scope="session")
def hub(tmp_path_factory, hub_secrets, lms_port):
    yield from running_hub(tmp_path_factory.mktemp("hub"), hub_secrets, lms_port)


@pytest.fixture
def live_server_port(lms_port):
    return lms_port


@pytest.fixture
def app_overrides(hub, hub_secrets, lms_port):
    return hub_settings(hub, hub_secrets, lms_port)


def make_course(slug: str = "ai-basics", *, notebooks: bool = True, profile: str = "cpu") -> Course:
    course = Course(slug=slug, title_kk="ЖИ негіздері", title_ru="Основы ИИ", level=Level.beginner,
                    has_notebooks=notebooks, notebook_profile=profile, hours=8)
    course.modules.append(Module(key="m1", title_kk="Кіріспе", title_ru="Введение"))
    db.session.add(course)
    db.session.commit()
    return course


def enrol(user, course: Course, status: EnrolmentStatus = EnrolmentStatus.enrolled) -> Enrolment:
    enrolment = Enrolment(user_id=user.id, course_id=course.id, status=status, enrolled_at=utcnow())
    db.session.add(enrolment)
    db.session.commit()
    return enrolment


@pytest.fixture
def course(app):
    return make_course()


@pytest.fixture
def learner(app, course):
    person = factories.user("learner", surname="Оқушыұлы", given_name="Айгүл")
    enrol(person, course)
    return person


class Browser(requests.Session):
    """A real HTTP client with a cookie jar: what a person's browser does, minus JavaScript."""

    def __init__(self):
        super().__init__()
        self.trust_env = False
        self.seen: list[requests.Response] = []  # every response, redirects included
        self.hooks["response"].append(lambda response, *args, **kwargs: self.seen.append(response))

    def everything_seen(self, origin: str) -> str:
        """Status lines, headers and bodies of every response from ``origin``, as one text."""
        parts = []
        for response in self.seen:
            if response.url.startswith(origin):
                parts.append(f"{response.url} {response.status_code} {dict(response.headers)}")
                parts.append(response.text if not response.raw or response.raw.closed or response._content else "")
        return "\n".join(parts)

    def form_token(self, url: str) -> str:
        match = CSRF.search(self.get(url, timeout=10).text)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def sign_in(self, lms: str, user, password: str = factories.PASSWORD):
        token = self.form_token(f"{lms}/login")
        response = self.post(f"{lms}/login", data={"csrf_token": token, "email": user.email, "password": password},
                             allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text[:300]
        return response


@pytest.fixture
def browser_session():
    session = Browser()
    yield session
    session.close()


@pytest.fixture
def no_leftover_servers(hub):
    """After the test: the hub runs no learner server (only its proxy is left as a child)."""
    yield
    import time

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        servers = [pid for pid in hub.descendants() if "jupyterhub-singleuser" in _cmd(pid)]
        if not servers:
            return
        time.sleep(0.2)
    pytest.fail(f"learner servers still running: {servers}")


def _cmd(pid: int) -> str:
    from tests.hubs import command_line

    return command_line(pid)




# --------------------------------------------------------------------------- assignments on a learner's server
# Used by test_assignment_release.py and test_grading_journey.py.


def course_with_assignment(slug: str = "ai-basics", assignment: str = "mean-and-median",
                           published: bool = True) -> Course:
    """A course with notebooks whose one notebook item is the nbgrader assignment ``assignment`` (its
    source folder: ``<LMS_ASSIGNMENTS_DIR>/<slug>/<assignment>/``), as course.yaml would list it;
    with ``published``, its source as it is now is published as version 1 (learners get only that)."""
    from lms.courses.models import Item, ItemKind
    from tests.grading.files import publish_version

    course = make_course(slug)
    db.session.add(Item(course_id=course.id, module_id=course.modules[0].id, key=assignment, kind=ItemKind.notebook,
                        position=1, title_kk="Тапсырма: орташа мән және медиана",
                        title_ru="Задание: среднее и медиана"))
    db.session.commit()
    if published:
        publish_version(course, assignment)
    return course


class LearnerApi(requests.Session):
    """A learner's automation: the LMS JSON API with their personal token."""

    def __init__(self, lms: str, user):
        from lms.accounts.services import create_api_token

        super().__init__()
        self.trust_env = False
        _, secret = create_api_token(user, user, "tests")
        self.headers["Authorization"] = f"Bearer {secret}"
        self.base = f"{lms}/api/v1"

    def launch(self, slug: str, timeout: float = 90) -> dict:
        """``POST …/notebook`` and follow it until it is no longer pending."""
        import time

        body = self.post(f"{self.base}/courses/{slug}/notebook", timeout=60).json()
        deadline = time.monotonic() + timeout
        while body.get("status") == "pending" and time.monotonic() < deadline:
            body = self.get(f"{self.base}/courses/{slug}/notebook?wait=5", timeout=60).json()
        return body


def learner_token(hub, username: str, scopes: list[str] | None = None) -> str:
    """A hub token of the learner's own, as their /hub/token page gives it (all their permissions), or
    with ``scopes``; minted with the LMS's service token."""
    body = {"note": "the learner's own"} if scopes is None else {"scopes": scopes, "note": "tests"}
    response = hub.api("POST", f"/users/{username}/tokens", json=body)
    assert response.status_code in (200, 201), response.text[:300]
    return response.json()["token"]


class LearnerServer(requests.Session):
    """A learner's server's Jupyter contents API through the hub's proxy (what JupyterLab does when the
    learner opens and saves files), with a token of the learner's for their server."""

    def __init__(self, hub, username: str):
        super().__init__()
        self.trust_env = False
        self.headers["Authorization"] = f"token {learner_token(hub, username, [f'access:servers!user={username}'])}"
        self.root = f"{hub.url}/user/{username}/api/contents/"

    def _url(self, path: str) -> str:
        from urllib.parse import quote

        return self.root + quote(path, safe="/")

    def exists(self, path: str) -> bool:
        return self.get(self._url(path), params={"content": "0"}, timeout=10).status_code == 200

    def listing(self, path: str) -> list[str]:
        response = self.get(self._url(path), timeout=10)
        assert response.status_code == 200, response.text[:300]
        return sorted(entry["name"] for entry in response.json()["content"])

    def notebook(self, path: str) -> dict:
        response = self.get(self._url(path), params={"type": "notebook", "content": "1"}, timeout=10)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
        return response.json()["content"]

    def save_notebook(self, path: str, notebook: dict) -> None:
        response = self.put(self._url(path), json={"type": "notebook", "format": "json", "content": notebook},
                            timeout=10)
        assert response.status_code in (200, 201), response.text[:300]

    def text(self, path: str) -> str:
        response = self.get(self._url(path), params={"type": "file", "format": "text", "content": "1"}, timeout=10)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
        return response.json()["content"]

    def save_text(self, path: str, text: str) -> None:
        response = self.put(self._url(path), json={"type": "file", "format": "text", "content": text}, timeout=10)
        assert response.status_code in (200, 201), response.text[:300]


def cell_text(notebook: dict, grade_id: str) -> str:
    for cell in notebook["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            source = cell["source"]
            return "".join(source) if isinstance(source, list) else source
    raise AssertionError(f"no cell {grade_id!r}")


def set_cell(notebook: dict, grade_id: str, text: str) -> dict:
    for cell in notebook["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            cell["source"] = text
            return notebook
    raise AssertionError(f"no cell {grade_id!r}")


# --------------------------------------------------------------------------- code run by a learner
# What a learner does in JupyterLab: run Python in a kernel, type commands in a terminal (both over the
# server's websockets, as the browser does).


class LearnerSession(LearnerServer):
    """A learner's server's kernels and terminals through the hub's proxy."""

    def __init__(self, hub, username: str):
        super().__init__(hub, username)
        self.api = f"{hub.url}/user/{username}/api"
        self.ws = self.api.replace("http://", "ws://", 1)

    def _socket(self, url: str):
        import websocket

        return websocket.create_connection(url, header=[f"Authorization: {self.headers['Authorization']}"],
                                           timeout=60)

    def run_python(self, code: str) -> str:
        """Run ``code`` in a new kernel; its standard output (an error's name and message when it fails)."""
        import json
        import uuid

        response = self.post(f"{self.api}/kernels", json={"name": "python3"}, timeout=60)
        assert response.status_code == 201, response.text[:300]
        kernel = response.json()["id"]
        channel = self._socket(f"{self.ws}/kernels/{kernel}/channels")
        try:
            msg_id = uuid.uuid4().hex
            channel.send(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "", "session": msg_id,
                           "version": "5.3"},
                "parent_header": {}, "metadata": {}, "channel": "shell",
                "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                            "allow_stdin": False, "stop_on_error": True}}))
            output = []
            while True:
                message = json.loads(channel.recv())
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = message["msg_type"], message["content"]
                if kind == "stream":
                    output.append(content["text"])
                elif kind == "error":
                    output.append(f"{content['ename']}: {content['evalue']}")
                elif kind == "status" and content["execution_state"] == "idle":
                    return "".join(output)
        finally:
            channel.close()
            self.delete(f"{self.api}/kernels/{kernel}", timeout=30)

    def run_in_terminal(self, command: str) -> str:
        """Type ``command`` in a new terminal; what the terminal shows (as text) until the command has finished."""
        import json

        response = self.post(f"{self.api}/terminals", timeout=60)
        assert response.status_code == 200, response.text[:300]
        name = response.json()["name"]
        channel = self._socket(f"{self.ws.removesuffix('/api')}/terminals/websocket/{name}")
        try:
            channel.send(json.dumps(["stdin", f"{command}; echo END-OF-''COMMAND\r"]))
            shown = ""
            while "END-OF-COMMAND" not in shown:
                message = json.loads(channel.recv())
                if message[0] == "stdout":
                    shown += message[1]
            return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.split("END-OF-COMMAND")[0])  # no terminal codes
        finally:
            channel.close()
            self.delete(f"{self.api}/terminals/{name}", timeout=30)

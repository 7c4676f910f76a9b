"""A real JupyterHub for the whole session and a real LMS server per test.

The hub (jupyterhub_config.py, the pure-Python configurable-http-proxy, SimpleLocalProcessSpawner)
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
from lms.hub.localhub import LocalHub, free_port
from lms.learning.models import Enrolment, EnrolmentStatus
from lms.utils import utcnow

from .. import factories

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture(scope="session")
def hub_secrets():
    return SimpleNamespace(api_token=secrets.token_urlsafe(32), client_secret=secrets.token_urlsafe(32),
                           client_id="jupyterhub")


@pytest.fixture(scope="session")
def lms_port():
    return free_port()


@pytest.fixture(scope="session")
def hub(tmp_path_factory, hub_secrets, lms_port):
    hub = LocalHub(tmp_path_factory.mktemp("hub"), lms_url=f"http://127.0.0.1:{lms_port}",
                   api_token=hub_secrets.api_token, client_secret=hub_secrets.client_secret,
                   client_id=hub_secrets.client_id)
    hub.start()
    yield hub
    left = hub.stop()
    assert not left, f"processes left after the hub stopped: {left}"


@pytest.fixture
def live_server_port(lms_port):
    return lms_port


@pytest.fixture
def app_overrides(hub, hub_secrets, lms_port):
    return {"hub_url": hub.url, "hub_api_url": hub.api_url, "hub_api_token": hub_secrets.api_token, "hub_client_id": hub_secrets.client_id,
            "hub_client_secret": hub_secrets.client_secret, "base_url": f"http://127.0.0.1:{lms_port}",
            "queue_url": "memory://"}


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
    from lms.hub.localhub import command_line

    return command_line(pid)



"""Fault: the hub stops while a learner's notebook is starting. The learner is told, in their language,
that notebooks are unavailable (no error page, no endless "starting…"); once the hub is back the same
button works again. This test runs its own hub, so stopping it does not disturb the session's."""
from __future__ import annotations

import time

import pytest

from tests.hubs import free_port

from ..conftest import translated
from .conftest import Browser, LearnerApi, hub_settings, running_hub

pytestmark = pytest.mark.integration  # starts and stops a hub of its own


@pytest.fixture(scope="module")
def own_port():
    return free_port()


@pytest.fixture(scope="module")
def own_hub(tmp_path_factory, hub_secrets, own_port):
    yield from running_hub(tmp_path_factory.mktemp("restarted-hub"), hub_secrets, own_port)


@pytest.fixture
def live_server_port(own_port):
    return own_port


@pytest.fixture
def app_overrides(own_hub, hub_secrets, own_port):
    return hub_settings(own_hub, hub_secrets, own_port)


def _until(check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not reached in time")


def test_hub_stopped_during_a_launch_is_explained_and_the_launch_works_after_restart(
        app, own_hub, live_server, learner, course):
    api = LearnerApi(live_server, learner)
    started = api.post(f"{api.base}/courses/{course.slug}/notebook", timeout=30)
    assert started.status_code == 202 and started.json()["status"] == "pending", started.text

    own_hub.stop()  # SIGTERM: the hub goes away and takes the starting server with it

    during = api.get(f"{api.base}/courses/{course.slug}/notebook", timeout=30)
    assert during.status_code == 503, during.text
    assert during.json()["error"] == "hub_unavailable"
    browser = Browser()
    browser.sign_in(live_server, learner)
    page = browser.get(f"{live_server}/courses/{course.slug}", timeout=30)
    assert page.status_code == 200
    assert translated(app, "Notebooks are temporarily unavailable. Everything else in Oqu works; "
                      "please try again in a few minutes.") in page.text

    own_hub.start()
    ready = _until(lambda: (body := api.launch(course.slug)) and body["status"] == "ready" and body)
    assert ready["url"].startswith(own_hub.url)
    assert api.delete(f"{api.base}/courses/{course.slug}/notebook", timeout=30).json()["status"] == "stopped"

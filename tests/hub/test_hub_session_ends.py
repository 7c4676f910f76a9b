"""A deactivated person's hub session ends: once it is older than the hub's refresh age, the hub asks the
LMS (POST /api/v1/hub/access-checks) and their sign-in cookie opens no hub page any more; signing in
again goes through the LMS, which refuses them. An active person's session goes on (real hub)."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from lms.accounts.services import set_user_active

from .. import factories
from ..conftest import translated
from .conftest import enrol, running_hub

REFRESH_AGE = 2  # seconds (production: 60)


@pytest.fixture(scope="module")
def hub(tmp_path_factory, hub_secrets, lms_port):
    yield from running_hub(tmp_path_factory.mktemp("hub-refresh"), hub_secrets, lms_port,
                           extra_env={"HUB_AUTH_REFRESH_AGE": str(REFRESH_AGE)})


def _hub_home(browser, hub):
    """Where the browser ends when it opens the hub's home page, following every redirect."""
    response = browser.get(f"{hub.url}/hub/home", timeout=20)
    return urlsplit(response.url), response


def _signed_in_to_the_hub(browser, lms, hub, person):
    browser.sign_in(lms, person)
    response = browser.get(f"{hub.url}/hub/login?next=%2Fhub%2Fhome", timeout=20)
    assert response.status_code == 200 and urlsplit(response.url).path == "/hub/home", response.url


def test_a_deactivated_learners_hub_cookie_opens_nothing_after_the_refresh_age(
        hub, app, live_server, browser_session, course):
    learner = factories.user("learner")
    enrol(learner, course)
    _signed_in_to_the_hub(browser_session, live_server, hub, learner)

    set_user_active(factories.user("admin"), learner, False)
    time.sleep(REFRESH_AGE + 1)

    where, response = _hub_home(browser_session, hub)
    # the hub dropped the session and sent the browser to sign in through the LMS, which refuses
    assert where.path != "/hub/home" and where.netloc != urlsplit(hub.url).netloc, response.url
    assert "/hub/login" in [urlsplit(r.url).path for r in response.history]
    assert "jupyterhub-session-id" not in response.text
    assert translated(app, "Start My Server") not in response.text


def test_an_active_learners_hub_session_goes_on_after_the_refresh_age(hub, app, live_server, course):
    from .conftest import Browser

    learner = factories.user("learner")
    enrol(learner, course)
    browser = Browser()
    _signed_in_to_the_hub(browser, live_server, hub, learner)
    time.sleep(REFRESH_AGE + 1)
    where, response = _hub_home(browser, hub)
    assert where.path == "/hub/home" and response.status_code == 200, response.url
    assert not any(urlsplit(r.url).path == "/hub/login" for r in response.history)
    browser.close()


def test_the_hub_asks_with_its_own_credential_and_is_told_why_in_the_persons_language(app, hub_secrets):
    from lms.hub.services import hub_account

    learner = factories.user("learner", preferred_language="ru")
    name = hub_account(learner).username
    client = app.test_client()
    headers = {"Authorization": f"token {hub_secrets.report_token}"}
    assert client.post("/api/v1/hub/access-checks", json={"user": name}, headers=headers).get_json() == {"allowed": True}
    set_user_active(factories.user("admin"), learner, False)
    refused = client.post("/api/v1/hub/access-checks", json={"user": name}, headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"] == "access_ended"
    assert refused.get_json()["message"] == translated(
        app, "This account has been deactivated. Contact your administrator.", "ru")
    unknown = client.post("/api/v1/hub/access-checks", json={"user": "no-such-hub-user"}, headers=headers)
    assert unknown.status_code == 403
    # a learner's own LMS token is not the hub's credential
    assert client.post("/api/v1/hub/access-checks", json={"user": name}).status_code in (401, 403)

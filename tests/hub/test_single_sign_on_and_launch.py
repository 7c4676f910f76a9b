"""End to end, with a real hub: sign in to the LMS, through OAuth into the hub, launch from the LMS,
use the learner's server through the proxy, stop it, and nothing is left running."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from lms.hub.models import HubAccount
from lms.extensions import db
from sqlalchemy import select

from ..conftest import audit_events
from .conftest import _cmd


def test_learner_signs_in_to_the_hub_launches_uses_and_stops_a_notebook(
        hub, live_server, browser_session, learner, course, hub_secrets, no_leftover_servers):
    lms = live_server
    browser_session.sign_in(lms, learner)

    # The hub sends the browser to the LMS, which (signed in, enrolled) hands back a code at once.
    response = browser_session.get(f"{hub.url}/hub/login?next=%2Fhub%2Fhome", timeout=20)
    assert response.status_code == 200, response.text[:500]
    hops = [urlsplit(r.headers["Location"]).path for r in response.history]
    assert "/oauth/authorize" in [urlsplit(r.url).path for r in response.history]
    assert "/hub/oauth_callback" in [urlsplit(r.url).path for r in response.history], hops
    account = db.session.scalar(select(HubAccount).where(HubAccount.user_id == learner.id))
    hub_user = hub.api("GET", f"/users/{account.username}").json()
    assert hub_user["name"] == account.username
    assert "course-ai-basics" in hub_user["groups"]
    assert learner.iin not in account.username and learner.email not in account.username
    assert [e.object_id for e in audit_events("hub_sign_in")] == [str(learner.id)]

    # "Open notebook": the LMS creates the server with the course's profile and shows the progress page.
    token = browser_session.form_token(f"{lms}/courses/{course.slug}")
    started = time.monotonic()
    response = browser_session.post(f"{lms}/courses/{course.slug}/notebook", data={"csrf_token": token},
                                    allow_redirects=False, timeout=20)
    assert response.status_code == 302
    target = response.headers["Location"]
    while not target.startswith(hub.url):
        assert time.monotonic() - started < 60, "the notebook did not become ready"
        status = browser_session.get(f"{lms}/courses/{course.slug}/notebook/status?wait=5", timeout=20).json()
        assert status["status"] in ("pending", "ready"), status
        assert 0 <= status["progress"] <= 100
        if status["status"] == "ready":
            target = status["url"]
    assert target == f"{hub.url}/user/{account.username}/lab/tree/{course.slug}"
    server = hub.api("GET", f"/users/{account.username}").json()["servers"][""]
    assert server["ready"] and server["user_options"] == {"profile": "cpu", "course": course.slug}

    # JupyterLab opens at the course folder, signed in by the hub (no second password).
    response = browser_session.get(target, timeout=30)
    assert response.status_code == 200 and "JupyterLab" in response.text, response.url
    # The learner's server API, through the proxy, with the browser's cookies; the course folder exists.
    response = browser_session.get(f"{hub.url}/user/{account.username}/api/contents/{course.slug}", timeout=10)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["type"] == "directory"

    # The learner server (and the sandbox around it) got none of the LMS's secrets.
    singleuser = [pid for pid in hub.descendants() if "jupyterhub-singleuser" in _cmd(pid)]
    assert singleuser
    for pid in singleuser:
        environ = open(f"/proc/{pid}/environ", "rb").read()
        assert hub_secrets.api_token.encode() not in environ
        assert hub_secrets.client_secret.encode() not in environ

    # "Stop my notebook".
    token = browser_session.form_token(f"{lms}/courses/{course.slug}")
    response = browser_session.post(f"{lms}/notebook/stop", data={"csrf_token": token, "course": course.slug},
                                    allow_redirects=False, timeout=30)
    assert response.status_code == 302
    assert hub.api("GET", f"/users/{account.username}").json()["servers"] == {}
    assert {e.action for e in audit_events()} >= {"hub_sign_in", "notebook_launched", "notebook_stopped"}


def test_the_lms_hub_token_never_reaches_the_browser(hub, live_server, browser_session, learner, course, hub_secrets,
                                                      no_leftover_servers):
    """Through a whole journey (course page, launch, progress, JupyterLab, stop), no LMS response carries
    the LMS's hub token or the OAuth client secret, in a body, a header or a redirect."""
    lms = live_server
    browser_session.sign_in(lms, learner)
    browser_session.get(f"{lms}/courses/{course.slug}", timeout=10)
    token = browser_session.form_token(f"{lms}/courses/{course.slug}")
    browser_session.post(f"{lms}/courses/{course.slug}/notebook", data={"csrf_token": token}, timeout=20)
    deadline = time.monotonic() + 60
    while True:
        status = browser_session.get(f"{lms}/courses/{course.slug}/notebook/status?wait=5", timeout=20).json()
        if status["status"] != "pending" or time.monotonic() > deadline:
            break
    assert status["status"] == "ready", status
    assert browser_session.get(status["url"], timeout=30).status_code == 200  # through OAuth into JupyterLab
    token = browser_session.form_token(f"{lms}/courses/{course.slug}")
    browser_session.post(f"{lms}/notebook/stop", data={"csrf_token": token}, timeout=30)

    seen = browser_session.everything_seen(lms)
    assert "/oauth/authorize" in seen and "/notebook/status" in seen
    assert hub_secrets.api_token not in seen
    assert hub_secrets.client_secret not in seen
    cookies = " ".join(f"{c.name}={c.value}" for c in browser_session.cookies)
    assert hub_secrets.api_token not in cookies and hub_secrets.client_secret not in cookies

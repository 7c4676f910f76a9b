"""In Chromium: "Open notebook" on a course page → progress → JupyterLab at the course folder,
signed in by the LMS without a second password; then "Stop my notebook"."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.hub.models import HubAccount

from ..conftest import sign_in_page

pytestmark = pytest.mark.browser


def test_open_notebook_from_the_course_page_lands_in_jupyterlab(page, hub, live_server, learner, course,
                                                                no_leftover_servers):
    page.set_default_timeout(60_000)
    sign_in_page(page, live_server, learner)

    page.goto(f"{live_server}/courses/{course.slug}")
    panel = page.get_by_test_id("notebook-panel")
    panel.get_by_role("button").first.click()  # "Open notebook"

    # The progress page follows the start (hub.js), then JupyterLab opens, through the hub's OAuth.
    page.wait_for_url(re.compile(rf"{re.escape(hub.url)}/user/[a-z0-9]+/lab/tree/{course.slug}"))
    page.wait_for_selector("#jp-main-dock-panel")
    account = db.session.scalar(select(HubAccount).where(HubAccount.user_id == learner.id))
    assert page.url.startswith(f"{hub.url}/user/{account.username}/lab")
    # JupyterLab's own API calls work once the page has completed the handoff (with the XSRF token, as Lab sends it).
    status = page.evaluate("""async (slug) => {
        const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || "";
        const base = location.pathname.split("/lab")[0];
        const response = await fetch(`${base}/api/contents/${slug}`, {headers: {"X-XSRFToken": decodeURIComponent(xsrf)}});
        return response.status;
    }""", course.slug)
    assert status == 200

    page.goto(f"{live_server}/courses/{course.slug}")
    page.get_by_test_id("notebook-panel").get_by_role("button").last.click()  # "Stop my notebook"
    page.wait_for_url(f"{live_server}/courses/{course.slug}")
    assert hub.api("GET", f"/users/{account.username}").json()["servers"] == {}

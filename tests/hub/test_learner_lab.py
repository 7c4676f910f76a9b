"""The learner's JupyterLab on a real hub: nbgrader's instructor and exchange parts, the news prompt and
the hub control panel are off; it opens in the learner's LMS language with a menu entry back to the
course; the lab options the LMS sends are checked by the hub."""
from __future__ import annotations

import json
import re

import pytest
import requests
from sqlalchemy import select

from lms.extensions import db
from lms.hub.models import HubAccount

from ..conftest import sign_in_page
from .conftest import LearnerApi, learner_token

CONFIG_DATA = re.compile(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.S)


class LabOf(requests.Session):
    """The learner's server through the hub's proxy, with a token of the learner's for their server."""

    def __init__(self, hub, username: str):
        super().__init__()
        self.trust_env = False
        self.headers["Authorization"] = f"token {learner_token(hub, username, [f'access:servers!user={username}'])}"
        self.base = f"{hub.url}/user/{username}"

    def page_config(self) -> dict:
        response = self.get(f"{self.base}/lab", timeout=20)
        assert response.status_code == 200, response.text[:300]
        return json.loads(CONFIG_DATA.search(response.text).group(1))

    def setting_default(self, plugin: str, name: str):
        response = self.get(f"{self.base}/lab/api/settings/{plugin}", timeout=20)
        assert response.status_code == 200, response.text[:300]
        return response.json()["schema"]["properties"][name].get("default")


@pytest.mark.parametrize("language, locale, label", [("ru", "ru_RU", "Вернуться в Oqu"),
                                                     ("kk", "kk_KZ", "Oqu-ға оралу")])
def test_learner_lab_has_no_nbgrader_news_or_hub_panel_and_speaks_the_lms_language(
        hub, live_server, learner, course, hub_secrets, no_leftover_servers, language, locale, label):
    learner.preferred_language = language
    db.session.commit()
    api = LearnerApi(live_server, learner)
    assert api.launch(course.slug)["status"] == "ready"
    account = db.session.scalar(select(HubAccount).where(HubAccount.user_id == learner.id))
    lab = LabOf(hub, account.username)
    try:
        disabled = lab.page_config()["disabledExtensions"]
        for plugin in ("@jupyter/nbgrader", "@jupyterlab/apputils-extension:announcements",
                       "@jupyterlab/hub-extension:plugin", "@jupyterlab/hub-extension:menu"):
            assert plugin in disabled
        # nbgrader's server side is off too: its pages and the exchange's API are not there.
        for path in ("/formgrader", "/assignments", "/formgrader/api/assignments"):
            assert lab.get(lab.base + path, timeout=20).status_code == 404, path
        assert lab.setting_default("@jupyterlab/apputils-extension:notification", "fetchNews") == "false"
        assert lab.setting_default("@jupyterlab/translation-extension:plugin", "locale") == locale
        menus = lab.setting_default("@jupyterlab/mainmenu-extension:plugin", "menus")
        back = next(item for menu in menus if menu["id"] == "jp-mainmenu-file" for item in menu["items"]
                    if item.get("command") == "help:open")
        assert back["args"]["url"] == f"{live_server}/courses/{course.slug}"
        assert back["args"]["text"] == label
    finally:
        api.delete(f"{api.base}/courses/{course.slug}/notebook", timeout=60)
        lab.close()
        api.close()


@pytest.mark.browser
@pytest.mark.parametrize("language, file, edit, back", [("kk", "Файл", "Өңдеу", "Oqu-ға оралу"),
                                                        ("ru", "Файл", "Редактировать", "Вернуться в Oqu"),
                                                        ("kk-Latn", "Fail", "Öñdeu", "Oqu-ğa oralu")])
def test_open_notebook_lands_in_jupyterlab_in_the_learners_language(page, hub, live_server, learner, course,
                                                                   no_leftover_servers, language, file, edit, back):
    learner.preferred_language = language  # chosen in the LMS; the sign-in page is the browser's Kazakh
    db.session.commit()
    page.set_default_timeout(60_000)
    sign_in_page(page, live_server, learner)
    page.goto(f"{live_server}/courses/{course.slug}")
    page.get_by_test_id("notebook-panel").get_by_role("button").first.click()  # "Open notebook"
    page.wait_for_url(re.compile(rf"{re.escape(hub.url)}/user/[a-z0-9]+/lab"))
    menubar = page.locator("#jp-menu-panel")
    menubar.get_by_text(file, exact=True).wait_for()
    titles = menubar.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    assert edit in titles and "Nbgrader" not in titles and "Edit" not in titles
    menubar.get_by_text(file, exact=True).click()
    assert page.locator(".lm-Menu").get_by_text(back, exact=True).is_visible()
    assert page.locator(".lm-Menu").get_by_text("Hub Control Panel").count() == 0
    page.keyboard.press("Escape")
    assert page.get_by_text("Would you like to get notified").count() == 0
    assert page.locator("#jp-left-stack").get_by_text("Create Assignment").count() == 0
    page.goto(f"{live_server}/courses/{course.slug}")
    page.get_by_test_id("notebook-panel").get_by_role("button").last.click()  # "Stop my notebook"
    page.wait_for_url(f"{live_server}/courses/{course.slug}")

"""In Chromium, in Kazakh and Russian: the notebook item of a course outline opens its page, which
shows the assignment's state and opens the learner's JupyterLab at the course folder."""
from __future__ import annotations

import re
import shutil

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.hub.models import HubAccount

from .. import factories
from ..browser.test_learner_journey import _sign_in
from ..grading.files import DEMO
from .conftest import course_with_assignment, enrol

pytestmark = pytest.mark.browser

WORDS = {"kk": ("Тапсырма: орташа мән және медиана", "Әлі тапсырылмаған", "Дәптерді ашу", "Дәптерімді тоқтату"),
         "ru": ("Задание: среднее и медиана", "Ещё не сдано", "Открыть блокнот", "Остановить блокнот")}


@pytest.fixture
def app_overrides(app_overrides, tmp_path):
    folder = tmp_path / "assignments"
    shutil.copytree(DEMO, folder / "ai-basics" / "mean-and-median")
    return {**app_overrides, "assignments_dir": str(folder)}


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_outline_notebook_item_opens_the_notebook(page, hub, live_server, no_leftover_servers, language):
    title, state, open_button, stop_button = WORDS[language]
    course = course_with_assignment()
    learner = factories.user("learner", preferred_language=language)
    enrol(learner, course)
    page.set_default_timeout(60_000)
    _sign_in(page, live_server, learner)
    page.goto(f"{live_server}/courses/{course.slug}")
    page.get_by_test_id("syllabus").get_by_role("link", name=title).click()
    page.wait_for_url(f"{live_server}/courses/{course.slug}/items/mean-and-median")
    assert state in page.get_by_test_id("assignment-state").inner_text()
    page.get_by_role("button", name=open_button).click()
    page.wait_for_url(re.compile(rf"{re.escape(hub.url)}/user/[a-z0-9]+/lab/tree/{course.slug}"))
    page.wait_for_selector("#jp-main-dock-panel")
    account = db.session.scalar(select(HubAccount).where(HubAccount.user_id == learner.id))
    assert page.url.startswith(f"{hub.url}/user/{account.username}/lab")
    page.goto(f"{live_server}/courses/{course.slug}/items/mean-and-median")
    page.get_by_role("button", name=stop_button).click()
    page.wait_for_url(f"{live_server}/courses/{course.slug}/items/mean-and-median")

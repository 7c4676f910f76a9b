"""In Chromium, on a real hub with a real grading worker: a learner opens the notebook from the LMS,
finds JupyterLab in their language (no nbgrader menu, no news prompt), edits the answer, presses
Тапсыру / Сдать, confirms (attempts left, due date), and sees the score and feedback in the Oqu panel —
and the same result on the course page left open in the other tab, which is not reloaded. In Kazakh
Latin at least the menus and the toolbar button."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.grading.models import Submission
from lms.hub.models import HubAccount

from .. import factories
from ..conftest import sign_in_page
from .conftest import LearnerServer, course_with_assignment, enrol
from .test_grading_journey import MEDIAN, NOTEBOOK, RIGHT_MEAN, app_overrides, assignments_dir, worker  # noqa: F401

pytestmark = pytest.mark.browser

LANGUAGES = {
    # language: (File menu, Submit button, confirmation words, graded, points, last attempt, course page's "graded")
    "kk": ("Файл", "Тапсыру", "Тапсыру мерзімі:", "Бағаланды", "Ұпай: 5 ұпайдың 5-і", "Бағаланды"),
    "ru": ("Файл", "Сдать", "Срок сдачи:", "Оценено", "Баллы: 5 из 5", "Оценено"),
}


def _open_lab(page, hub, live_server, course, learner) -> str:
    sign_in_page(page, live_server, learner)
    page.goto(f"{live_server}/courses/{course.slug}")
    page.get_by_test_id("notebook-panel").get_by_role("button").first.click()  # "Open notebook"
    page.wait_for_url(re.compile(rf"{re.escape(hub.url)}/user/[a-z0-9]+/lab"))
    return db.session.scalar(select(HubAccount.username).where(HubAccount.user_id == learner.id))


def _released(hub, username: str, timeout: float = 120) -> None:
    server = LearnerServer(hub, username)
    deadline = time.monotonic() + timeout
    while not server.exists(NOTEBOOK):
        assert time.monotonic() < deadline, "the worker did not release the assignment"
        time.sleep(0.5)


def _type_answer(page, text: str) -> None:
    """Replace the first answer cell still holding the student version's placeholder, as a person types."""
    cell = page.locator(".jp-Notebook .jp-CodeCell", has_text="NotImplementedError").first
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_submit_from_jupyterlab_and_see_the_score_there_and_in_the_lms(page, hub, app, live_server, worker,
                                                                      no_leftover_servers, language):
    file_menu, submit, due_words, graded, points, course_graded = LANGUAGES[language]
    course = course_with_assignment()
    learner = factories.user("learner", given_name="Айгерім", preferred_language=language)
    enrol(learner, course)
    page.set_default_timeout(60_000)
    course_tab = page.context.new_page()
    course_tab.set_default_timeout(60_000)
    try:
        username = _open_lab(page, hub, live_server, course, learner)
        course_tab.goto(f"{live_server}/courses/{course.slug}")  # the LMS page, left open
        course_tab.evaluate("window.notReloaded = true")
        assert course_tab.get_by_test_id("latest-state").count() == 0  # nothing submitted yet

        menubar = page.locator("#jp-menu-panel")
        menubar.get_by_text(file_menu, exact=True).wait_for()
        titles = menubar.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        assert "Nbgrader" not in titles and "File" not in titles
        assert page.get_by_text("Would you like to get notified").count() == 0

        _released(hub, username)
        page.goto(f"{hub.url}/user/{username}/lab/tree/{NOTEBOOK}")
        button = page.get_by_test_id("oqu-submit")
        button.wait_for()
        assert button.inner_text().strip() == submit
        _type_answer(page, RIGHT_MEAN)
        _type_answer(page, MEDIAN)
        button.click()  # saves the notebook, then asks
        dialog = page.locator(".jp-Dialog")
        dialog.get_by_test_id("oqu-confirm").wait_for()
        assert due_words not in dialog.inner_text()  # this assignment has no due date: it says so
        dialog.get_by_role("button", name=submit, exact=True).click()

        status = page.get_by_test_id("oqu-status")
        status.get_by_text(graded, exact=True).wait_for(timeout=180_000)
        assert page.get_by_test_id("oqu-score").inner_text().strip() == points
        feedback = page.get_by_test_id("oqu-feedback-cell").all_inner_texts()
        assert len(feedback) == 2 and all("5" in cell or "/" in cell for cell in feedback)
        row = db.session.scalars(select(Submission).where(Submission.user_id == learner.id)).one()
        db.session.refresh(row)
        assert (row.status.value, row.total, row.max_total) == ("graded", 5, 5)
        assert "sum(counts) / len(counts)" in str(row.content)  # what was typed, saved before the hand-in

        # the course page in the other tab shows it too, without a reload
        course_tab.get_by_test_id("latest-state").get_by_text(course_graded).wait_for(timeout=60_000)
        assert course_tab.evaluate("window.notReloaded") is True
    finally:
        course_tab.goto(f"{live_server}/courses/{course.slug}")
        course_tab.get_by_test_id("notebook-panel").get_by_role("button").last.click()  # "Stop my notebook"
        course_tab.wait_for_url(f"{live_server}/courses/{course.slug}")


def test_jupyterlab_in_kazakh_latin_has_its_menus_and_the_submit_button(page, hub, app, live_server, worker,
                                                                       no_leftover_servers):
    course = course_with_assignment()
    learner = factories.user("learner", given_name="Dana", preferred_language="kk-Latn")
    enrol(learner, course)
    page.set_default_timeout(60_000)
    try:
        username = _open_lab(page, hub, live_server, course, learner)
        page.locator("#jp-menu-panel").get_by_text("Fail", exact=True).wait_for()
        assert "Öñdeu" in page.locator("#jp-menu-panel .lm-MenuBar-itemLabel").all_inner_texts()
        _released(hub, username)
        page.goto(f"{hub.url}/user/{username}/lab/tree/{NOTEBOOK}")
        page.get_by_test_id("oqu-submit").wait_for()
        assert page.get_by_test_id("oqu-submit").inner_text().strip() == "Tapsyru"
        state = page.get_by_test_id("oqu-assignment-state").first  # in the Oqu panel (right sidebar, closed)
        state.wait_for(state="attached")
        assert state.text_content() == "Älı tapsyrylmağan"
    finally:
        page.goto(f"{live_server}/courses/{course.slug}")
        page.get_by_test_id("notebook-panel").get_by_role("button").last.click()
        page.wait_for_url(f"{live_server}/courses/{course.slug}")

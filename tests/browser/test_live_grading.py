"""In Chromium: a learner looks at a submission that is still queued, on its page and on the course
page; when the worker finishes grading it, both show the score without being reloaded (lms/static/live.js)."""
from __future__ import annotations

import json

import pytest

from lms.grading import submissions
from lms.hub import services as hub
from lms.learning.services import enrol_learner
from lms.security import SYSTEM
from tests.grading.files import DEMO, assignment_course, learner_version

from ..conftest import sign_in_page

pytestmark = pytest.mark.browser

RECEIVED = "Қабылданды, тексерілуде…"  # "Received, grading…" in Kazakh


def test_a_queued_submission_shows_its_score_when_grading_finishes(page, live_server, world, tmp_path,
                                                                   monkeypatch):
    course = assignment_course(tmp_path)
    learner = world.learner
    enrol_learner(SYSTEM, course, learner=learner)
    hub.hub_account(learner)
    monkeypatch.setattr(submissions, "_enqueue", lambda submission_id: None)  # the worker has not taken it yet
    notebook = json.dumps(learner_version(DEMO / "mean-and-median.ipynb"))
    submission = submissions.store_submission(learner, course, "mean-and-median", {"mean-and-median.ipynb": notebook})

    sign_in_page(page, live_server, learner)
    course_page = page.context.new_page()
    course_page.goto(f"{live_server}/courses/{course.slug}")
    page.goto(f"{live_server}/submissions/{submission.id}")
    for tab in (page, course_page):
        tab.evaluate("window.notReloaded = true")
    assert page.get_by_test_id("submission-status").inner_text().strip() == RECEIVED
    assert RECEIVED in course_page.get_by_test_id("latest-state").inner_text()
    assert page.get_by_test_id("submission-total").count() == 0

    assert submissions.grade_submission(submission.id) == "graded"  # what the worker does

    page.get_by_test_id("submission-total").wait_for(timeout=30_000)
    assert page.get_by_test_id("submission-total").inner_text().startswith("5 / 5")
    assert page.get_by_test_id("submission-status").inner_text().strip() == "Бағаланды"
    assert page.get_by_test_id("submission-feedback").is_visible()
    course_page.get_by_test_id("latest-state").get_by_text("Бағаланды").wait_for(timeout=30_000)
    assert "100" in course_page.get_by_test_id("latest-state").inner_text()  # the score, in words
    for tab in (page, course_page):
        assert tab.evaluate("window.notReloaded") is True  # the same page, updated in place

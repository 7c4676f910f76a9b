"""The course page's Submit button and the submission's status page."""
import pytest

from lms.extensions import db
from lms.grading.models import Submission
from lms.hub.client import HubUnavailable
from tests.conftest import csrf_token, page_text, signed_in_client
from tests.grading.files import DEMO, learner_version
from tests.grading.test_submission_api import _server, course, learner  # noqa: F401 — fixtures

SUBMIT = "/courses/ai-basics/assignments/mean-and-median/submit"


@pytest.mark.integration  # grades in the sandbox
def test_submit_from_the_course_page_and_see_the_score(app, learner, monkeypatch):  # noqa: F811
    _server(monkeypatch, files={"mean-and-median.ipynb": learner_version(DEMO / "mean-and-median.ipynb")})
    browser = signed_in_client(app, learner)
    course_page = browser.get("/courses/ai-basics")
    assert SUBMIT in course_page.get_data(as_text=True)

    response = browser.post(SUBMIT, data={"csrf_token": csrf_token(browser, "/courses/ai-basics")})

    submission = db.session.execute(db.select(Submission)).scalar_one()
    assert response.status_code == 302 and response.headers["Location"] == f"/submissions/{submission.id}"
    page = browser.get(response.headers["Location"])
    assert page.status_code == 200
    text = page_text(page)
    assert "5 / 5" in text and "test_median" in text


def test_submitting_while_the_hub_is_down_says_so_and_stores_nothing(app, learner, monkeypatch):  # noqa: F811
    _server(monkeypatch, error=HubUnavailable("down"))
    browser = signed_in_client(app, learner)

    response = browser.post(SUBMIT, data={"csrf_token": csrf_token(browser, "/courses/ai-basics")})

    assert response.status_code == 302 and response.headers["Location"] == "/courses/ai-basics"
    assert db.session.execute(db.select(db.func.count(Submission.id))).scalar() == 0
    assert "flash-error" in browser.get("/courses/ai-basics").get_data(as_text=True)

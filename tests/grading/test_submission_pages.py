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
    assert "5 / 5" in text and "Медиананы тексеру" in text  # the cell by its label (kk), not «test_median»


def test_submitting_while_the_hub_is_down_says_so_and_stores_nothing(app, learner, monkeypatch):  # noqa: F811
    _server(monkeypatch, error=HubUnavailable("down"))
    browser = signed_in_client(app, learner)

    response = browser.post(SUBMIT, data={"csrf_token": csrf_token(browser, "/courses/ai-basics")})

    assert response.status_code == 302 and response.headers["Location"] == "/courses/ai-basics"
    assert db.session.execute(db.select(db.func.count(Submission.id))).scalar() == 0
    assert "flash-error" in browser.get("/courses/ai-basics").get_data(as_text=True)



def _learner_on(app, world, course, language="kk"):
    from lms.learning.services import enrol_learner
    from lms.security import SYSTEM

    enrol_learner(SYSTEM, course, learner=world.learner)
    browser = signed_in_client(app, world.learner)
    browser.set_cookie("oqu_lang", language)
    return browser


def test_the_submission_page_shows_every_attempt_the_attempts_left_and_the_way_back(app, world, tmp_path):
    from tests import factories
    from tests.grading.files import assignment_course

    course = assignment_course(tmp_path, policy="max_attempts: 3")
    browser = _learner_on(app, world, course)
    first = factories.submission(world.learner, course, "mean-and-median", total=2.0, max_total=5.0, late=True)
    second = factories.submission(world.learner, course, "mean-and-median", status="queued")
    factories.submission(world.colleague, course, "mean-and-median", total=5.0, max_total=5.0)  # not listed

    page = browser.get(f"/submissions/{second.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    rows = html.split('data-testid="attempt-row"')[1:]
    assert len(rows) == 2  # this learner's two attempts, newest first
    assert 'aria-current="true"' in rows[0] and "—" in rows[0] and "уақытында" in rows[0]
    assert "2 / 5" in rows[1] and f"/submissions/{first.id}" in rows[1] and "кешіктіріп" in rows[1]
    assert "3 әрекеттің 1 әрекеті қалды." in page_text(page)
    assert "data-pending" in html  # live.js keeps refreshing the part being graded
    assert 'href="/courses/ai-basics/notebook"' in html and 'href="/courses/ai-basics"' in html

    older = browser.get(f"/submissions/{first.id}").get_data(as_text=True)
    assert 'data-testid="submission-total">2 / 5<' in older and "data-pending" not in older


def test_the_submission_page_in_russian_counts_attempts_in_words(app, world, tmp_path):
    from tests import factories
    from tests.grading.files import assignment_course

    course = assignment_course(tmp_path, policy="max_attempts: 2")
    browser = _learner_on(app, world, course, "ru")
    factories.submission(world.learner, course, "mean-and-median", total=4.0, max_total=5.0)
    last = factories.submission(world.learner, course, "mean-and-median", total=5.0, max_total=5.0)

    russian = page_text(browser.get(f"/submissions/{last.id}"))
    assert "Ваши попытки" in russian and "Вы использовали все попытки этого задания (2)." in russian
    assert "Открыть блокнот" in russian and "Вернуться к курсу" in russian


def test_the_course_page_row_shows_the_latest_score(app, world, tmp_path):
    from tests import factories
    from tests.grading.files import assignment_course

    course = assignment_course(tmp_path)
    browser = _learner_on(app, world, course, "ru")
    factories.submission(world.learner, course, "mean-and-median", total=2.0, max_total=5.0)
    factories.submission(world.learner, course, "mean-and-median", total=4.0, max_total=5.0)

    text = page_text(browser.get("/courses/ai-basics"))
    assert "Набрано баллов: 4 из 5 (80%)" in text and "2 из 5" not in text

"""Correct answers stay hidden until the quiz's ``review`` rule allows: on the result page and in
the API. Before that the learner sees which questions were right or wrong, and the hints."""
import json
from datetime import timedelta

import pytest

from lms import clock
from lms.accounts import services as accounts
from lms.courses.loader import load_course
from lms.learning import services
from lms.learning.models import AttemptStatus
from lms.security import SYSTEM

from ..conftest import fresh, page_text, post_form, sign_in
from ..courses.files import CORRECT, QUIZ, import_course, write_course

HINT = {"kk": "Еліміздің картасын еске түсіріңіз", "ru": "Вспомните карту страны"}
HINTED = dict(QUIZ, questions=[dict(QUIZ["questions"][0], hint=HINT)] + QUIZ["questions"][1:])
# what only someone who may see the answers reads: explanations, accepted text answers, the number
ANSWERS = ["ТҮСІНДІРМЕ-СЕКРЕТ", "ПОЯСНЕНИЕ-СЕКРЕТ", "Жауапсөз", "Ответслово", "7919", "correct-option",
           "correct-answer"]
WRONG = {"capital": "almaty", "risks": ["none"], "sum": "1", "word": "жоқ"}


def _quiz(course):
    return next(item for item in course.active_items() if item.is_quiz)


def _attempt(learner, course, answers):
    enrolment = services.enrol_learner(learner, course)
    attempt = services.start_attempt(learner, enrolment, _quiz(course))
    return services.submit_attempt(learner, attempt, answers)


def _api(client, learner, attempt):
    _token, secret = accounts.create_api_token(learner, learner, "t")
    response = client.get(f"/api/v1/attempts/{attempt.id}", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    return response.get_json()


def _shown(text: str) -> list[str]:
    return [secret for secret in ANSWERS if secret in text]


def test_first_of_two_attempts_failed_shows_right_and_wrong_but_no_answer(client, app, tmp_path, make):
    course = import_course(tmp_path / "c", quiz=HINTED)
    learner = make.user("learner")
    attempt = _attempt(learner, course, WRONG)
    sign_in(client, learner)
    html = page_text(client.get(f"/attempts/{attempt.id}"))
    assert _shown(html) == []
    assert html.count("— қате") == 4  # every question marked wrong
    assert HINT["kk"] in html  # the hint, which gives nothing away, is there
    assert "соңғы әрекетіңізді" in html  # and when the answers will be shown
    body = _api(client, learner, attempt)
    assert body["answers_shown"] is False and body["review"] == ["after_last_attempt", "after_passing"]
    assert [q["correct"] for q in body["questions"]] == [False] * 4
    assert _shown(json.dumps(body, ensure_ascii=False)) == []
    assert all("correct" not in option for q in body["questions"] for option in q["options"])
    assert all("explanation" not in q and "answer" not in q and "accepted_answers" not in q for q in body["questions"])


def test_after_the_last_attempt_the_answers_are_shown(client, app, tmp_path, make):
    course = import_course(tmp_path / "c", quiz=HINTED)
    learner = make.user("learner")
    first = _attempt(learner, course, WRONG)
    last = _attempt(learner, course, WRONG)
    sign_in(client, learner)
    for attempt in (first, last):  # every attempt's page, now that none is left
        html = page_text(client.get(f"/attempts/{attempt.id}"))
        assert set(_shown(html)) >= {"ТҮСІНДІРМЕ-СЕКРЕТ", "correct-answer", "correct-option", "Жауапсөз"}
    body = _api(client, learner, last)
    assert body["answers_shown"] is True
    capital = next(q for q in body["questions"] if q["id"] == "capital")
    assert {o["id"]: o["correct"] for o in capital["options"]} == {"astana": True, "almaty": False,
                                                                   "shymkent": False}
    assert capital["explanation"]["ru"] == "ПОЯСНЕНИЕ-СЕКРЕТ"


def test_passing_shows_the_answers_by_default(client, app, tmp_path, make):
    course = import_course(tmp_path / "c")
    learner = make.user("learner")
    attempt = _attempt(learner, course, CORRECT)
    sign_in(client, learner)
    assert "ТҮСІНДІРМЕ-СЕКРЕТ" in page_text(client.get(f"/attempts/{attempt.id}"))


def test_review_never_keeps_answers_hidden_after_the_last_attempt(client, app, tmp_path, make):
    course = import_course(tmp_path / "c", quiz=dict(QUIZ, review="never", attempts=1))
    learner = make.user("learner")
    attempt = _attempt(learner, course, CORRECT)
    sign_in(client, learner)
    html = page_text(client.get(f"/attempts/{attempt.id}"))
    assert "ТҮСІНДІРМЕ-СЕКРЕТ" not in html and "correct-option" not in html
    assert _api(client, learner, attempt)["answers_shown"] is False


def test_review_after_due_date_waits_for_the_cohorts_due_date(app, tmp_path, make):
    course = import_course(tmp_path / "c", quiz=dict(QUIZ, review="after_due_date", attempts=0))
    today = clock.today()
    due = today + timedelta(days=20)
    cohort = services.create_cohort(SYSTEM, course, name="2030-1", starts_on=today - timedelta(days=1),
                                    ends_on=today + timedelta(days=30), due_on=due)
    learner = make.user("learner")
    enrolment = services.enrol_learner(learner, course, cohort=cohort)
    attempt = services.submit_attempt(learner, services.start_attempt(learner, enrolment, _quiz(course)), CORRECT)
    assert services.attempt_review(learner, attempt, today=due).answers_shown is False
    after = services.attempt_review(learner, attempt, today=due + timedelta(days=1))
    assert after.answers_shown is True and after.due == due


def test_an_open_attempt_hides_answers_of_earlier_ones(app, tmp_path, make):
    course = import_course(tmp_path / "c", quiz=dict(QUIZ, attempts=3))
    learner = make.user("learner")
    passed = _attempt(learner, course, CORRECT)  # passed: the answers may be shown...
    enrolment = services.enrolment_for(learner, course)
    services.start_attempt(learner, enrolment, _quiz(course))  # ...but not while another attempt is open
    assert services.attempt_review(learner, passed).answers_shown is False


def test_someone_elses_attempt_is_not_found_in_the_api(client, app, tmp_path, make):
    course = import_course(tmp_path / "c")
    attempt = _attempt(make.user("learner"), course, WRONG)
    other = make.user("learner")
    _token, secret = accounts.create_api_token(other, other, "t")
    response = client.get(f"/api/v1/attempts/{attempt.id}", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


@pytest.mark.parametrize("value, accepted", [
    ("after_passing", True), (["after_last_attempt", "after_due_date"], True), ("never", True),
    ("sometimes", False), (["never", "after_passing"], False), ([], False)])
def test_the_loader_checks_review(tmp_path, value, accepted):
    folder = write_course(tmp_path, quiz=dict(HINTED, review=value))
    spec, problems = load_course(folder)
    if accepted:
        assert problems == []
        quiz = spec.modules[1].items[0].content
        assert quiz["review"] == (value if isinstance(value, list) else [value])
        assert quiz["questions"][0]["hint"] == HINT
    else:
        assert [p.message for p in problems if "'review" in p.message], problems
        assert all(p.file.endswith("quizzes/q1.yaml") and p.line > 1 for p in problems)


def test_blank_questions_are_listed_before_submitting_and_answers_are_kept(client, app, tmp_path, make):
    course = import_course(tmp_path / "c")
    learner = make.user("learner")
    enrolment = services.enrol_learner(learner, course)
    attempt = services.start_attempt(learner, enrolment, _quiz(course))
    sign_in(client, learner)
    url = f"/attempts/{attempt.id}"
    position = [q["id"] for q in attempt.questions].index("capital") + 1
    response = post_form(client, url, {"q-capital": "astana"}, page=url)
    assert response.status_code == 200
    html = page_text(response)
    assert "3 сұраққа жауап берілмеген" in html
    assert f'href="#question-{position}"' not in html  # the answered one is not listed
    assert 'value="astana" checked' in html  # what was chosen is still chosen
    assert fresh(attempt).status == AttemptStatus.open
    response = post_form(client, url, {"q-capital": "astana", "confirm": "1"}, page=url)
    assert response.status_code == 302
    assert fresh(attempt).status == AttemptStatus.submitted and fresh(attempt).score == 1


def test_a_timed_attempt_shows_a_countdown_from_the_server(client, app, tmp_path, make):
    course = import_course(tmp_path / "c", quiz=dict(QUIZ, time_limit=10))
    learner = make.user("learner")
    enrolment = services.enrol_learner(learner, course)
    attempt = services.start_attempt(learner, enrolment, _quiz(course))
    sign_in(client, learner)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert 'role="timer"' in html and "quiz.js" in html and "<script>" not in html
    seconds = int(html.split('data-seconds-left="')[1].split('"')[0])
    assert 590 <= seconds <= 600
    assert client.get("/static/quiz.js").status_code == 200

"""The certification checklist in a real browser, in Kazakh and Russian: the rule in words, a tick
for each step done, and the step that earns the certificate leading to it."""

import pytest

from lms.learning import services as learning

from ..courses.files import import_course, open_cohort
from .test_learner_journey import COURSE, QUIZ, _sign_in

pytestmark = pytest.mark.browser

CERTIFIED = COURSE.replace("self_enrolment: true\n", "self_enrolment: true\ncertification:\n  min_score: 60\n")
WORDS = {
    "kk": {"rule": "Оны алу үшін курстың барлық сабағын аяқтап, барлық тестінен өтіңіз.", "done": "орындалды",
           "left": "3 талап қалды.", "complete": "Аяқталды деп белгілеп, жалғастыру", "start": "Әрекетті бастау",
           "submit": "Жауаптарды жіберу", "earned": "Құттықтаймыз: сіз сертификат алдыңыз!",
           "certificates": "Менің сертификаттарым", "mine": "Сертификатым"},
    "ru": {"rule": "Чтобы его получить, пройдите все уроки и сдайте все тесты курса.", "done": "выполнено",
           "left": "Осталось 3 условия.", "complete": "Отметить как пройденный и продолжить",
           "start": "Начать попытку", "submit": "Отправить ответы", "earned": "Поздравляем: вы получили сертификат!",
           "certificates": "Мои сертификаты", "mine": "Мой сертификат"},
}


@pytest.fixture
def course(tmp_path):
    course = import_course(tmp_path, "data-literacy", course_yaml=CERTIFIED, quiz=QUIZ)
    open_cohort(course)
    return course


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_checklist_ticks_steps_and_the_last_one_leads_to_the_certificate(page, live_server, make, course,
                                                                          language):
    words = WORDS[language]
    learner = make.user("learner", preferred_language=language)
    learning.enrol_learner(learner, course)
    _sign_in(page, live_server, learner)
    page.goto(f"{live_server}/courses/data-literacy")
    card = page.get_by_test_id("certification")
    assert words["rule"] in card.inner_text()
    assert "min_score" not in card.inner_text() and "all_items" not in card.inner_text()
    assert card.get_by_test_id("requirement").count() == 4 and card.locator("li.done").count() == 0

    page.goto(f"{live_server}/courses/data-literacy/items/l1")
    page.get_by_role("button", name=words["complete"]).click()
    page.goto(f"{live_server}/courses/data-literacy")
    first = page.get_by_test_id("certification").get_by_test_id("requirement").first
    assert f"— {words['done']}" in first.inner_text() and "✓" in first.inner_text()
    assert words["left"] in page.get_by_test_id("certification").inner_text()

    page.goto(f"{live_server}/courses/data-literacy/items/l2")
    page.get_by_role("button", name=words["complete"]).click()
    page.goto(f"{live_server}/courses/data-literacy/items/q1")
    page.get_by_role("button", name=words["start"]).click()
    page.get_by_label("Астана").check()
    page.get_by_role("button", name=words["submit"]).click()
    notice = page.get_by_role("status").filter(has_text=words["earned"])
    assert notice.is_visible()
    notice.get_by_role("link").click()
    assert page.get_by_role("heading", name=words["certificates"]).is_visible()
    assert page.url.split("#", 1)[1].startswith("certificate-OQU-")
    page.goto(f"{live_server}/courses/data-literacy")
    assert page.get_by_test_id("open-certificate").inner_text() == words["mine"]

"""The course page's certification card: the rule in sentences of the page's language, a checklist of
what is done and what is left, and, once earned, the certificate (never the rule's internal keys)."""
import re

import pytest

from lms.courses import services as courses
from lms.learning import services as learning

from ..conftest import page_text, post_form, sign_in
from ..courses.files import COURSE, CORRECT, import_course

RAW = ["requires", "all_items", "min_score", "min_scores", "valid_months", "[", "{'"]
LISTED = COURSE.replace("certification:\n  min_score: 70\n", """certification:
  requires: [l1, q1]
  min_scores: {{q1: 80}}
  hours: 4
  valid_months: 24
""")


def _card(client, slug="demo") -> str:
    html = page_text(client.get(f"/courses/{slug}"))
    return html.split('data-testid="certification"', 1)[1].split("</section>", 1)[0]


def _plain(card: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", card).split())


@pytest.mark.parametrize("language, sentence, left", [
    ("kk", "Оны алу үшін курстың барлық сабағын аяқтап, барлық тестінен өтіңіз.", "3 талап қалды."),
    ("ru", "Чтобы его получить, пройдите все уроки и сдайте все тесты курса.", "Осталось 3 условия.")])
def test_rule_in_words_with_a_checklist(client, app, tmp_path, make, language, sentence, left):
    course = import_course(tmp_path)
    learner = make.user("learner", preferred_language=language)
    sign_in(client, learner)
    card = _plain(_card(client))
    assert sentence in card and not any(raw in card for raw in RAW)
    assert 'data-testid="checklist"' not in _card(client)  # not enrolled: the rule only
    enrolment = learning.enrol_learner(learner, course)
    learning.complete_lesson(learner, enrolment, courses.get_item(course, "l1"))
    card = _card(client)
    assert card.count('data-testid="requirement"') == 4  # l1, l2, q1 and the average
    assert card.count('class="done"') == 1 and left in _plain(card)


def test_named_steps_and_scores_are_listed_by_title(client, app, tmp_path, make):
    course = import_course(tmp_path, course_yaml=LISTED.format(slug="demo"))
    learner = make.user("learner", preferred_language="ru")
    sign_in(client, learner)
    card = _plain(_card(client))
    assert "Лучший результат по «Тест» должен быть не ниже 80%." in card
    assert "Сертификат подтверждает 4 академических часа." in card and "Он действителен 24 месяца." in card
    assert "Первый урок" in card and "Второй урок" not in card  # only the required steps
    assert not any(raw in card for raw in RAW)


def test_the_last_step_announces_the_certificate_and_the_course_links_to_it(client, app, tmp_path, make):
    course = import_course(tmp_path)
    learner = make.user("learner")
    enrolment = learning.enrol_learner(learner, course)
    for key in ("l1", "l2"):
        learning.complete_lesson(learner, enrolment, courses.get_item(course, key))
    attempt = learning.start_attempt(learner, enrolment, courses.get_item(course, "q1"))
    sign_in(client, learner)
    form = {"q-capital": CORRECT["capital"], "q-risks": CORRECT["risks"], "q-sum": CORRECT["sum"],
            "q-word": CORRECT["word"]}
    response = post_form(client, f"/attempts/{attempt.id}", form, page=f"/attempts/{attempt.id}")
    html = page_text(client.get(response.headers["Location"]))  # the result page
    number = re.search(r"OQU-\d{4}-[A-Z0-9]{4}-[A-Z0-9]{2}", html).group(0)
    assert "Құттықтаймыз: сіз сертификат алдыңыз!" in html
    assert f'href="/certificates#certificate-{number}"' in html
    page = page_text(client.get("/courses/demo"))
    assert 'data-testid="open-certificate"' in page and "Оқуды жалғастыру" not in page
    assert "Сіз осы курстың сертификатын алдыңыз." in page
    assert f'id="certificate-{number}"' in page_text(client.get("/certificates"))

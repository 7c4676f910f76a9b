"""The learner's way through a course in a real browser: catalogue → enrol → lesson → quiz →
progress, in Kazakh and in Russian."""

import pytest

from ..courses.files import import_course, open_cohort

pytestmark = pytest.mark.browser

COURSE = """\
title: {kk: "Деректер сауаттылығы", ru: "Грамотность в работе с данными"}
description: {kk: "Қысқа курс", ru: "Короткий курс"}
hours: 2
level: beginner
tags: [data]
self_enrolment: true
modules:
  - id: m1
    title: {kk: "Негіздер", ru: "Основы"}
    items:
      - lesson: l1
        title: {kk: "Деректер деген не", ru: "Что такое данные"}
      - quiz: q1
        title: {kk: "Шағын тест", ru: "Мини-тест"}
      - lesson: l2
        title: {kk: "Деректер сапасы", ru: "Качество данных"}
"""
QUIZ = {"pass_mark": 100, "attempts": 3, "questions": [
    {"id": "capital", "type": "single", "points": 1,
     "text": {"kk": "Қазақстанның елордасы?", "ru": "Столица Казахстана?"},
     "options": [{"id": "astana", "correct": True, "text": {"kk": "Астана", "ru": "Астана"}},
                 {"id": "almaty", "text": {"kk": "Алматы", "ru": "Алматы"}}]}]}


@pytest.fixture
def course(tmp_path):
    course = import_course(tmp_path, "data-literacy", course_yaml=COURSE, quiz=QUIZ)
    open_cohort(course)
    return course


def _sign_in(page, base, user):
    page.goto(f"{base}/login")
    page.locator("#email").fill(user.email)
    page.locator("#password").fill("correct-horse-7")
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def _journey(page, base, *, catalogue, course_title, enrol, lesson_title, complete, start, submit, passed):
    page.get_by_role("link", name=catalogue).first.click()
    page.get_by_role("link", name=course_title).click()
    page.get_by_role("button", name=enrol, exact=True).click()
    page.get_by_role("link", name=lesson_title).click()
    page.get_by_role("button", name=complete).click()
    page.get_by_role("button", name=start).click()
    page.get_by_label("Астана").check()
    page.get_by_role("button", name=submit).click()
    assert page.get_by_text(passed).first.is_visible()


def test_learner_journey_in_kazakh(page, live_server, make, course):
    learner = make.user("learner", given_name="Әсел")
    _sign_in(page, live_server, learner)
    _journey(page, live_server, catalogue="Каталог", course_title="Деректер сауаттылығы",
             enrol="Жазылу", lesson_title="Деректер деген не", complete="Аяқталды деп белгілеп, жалғастыру",
             start="Әрекетті бастау", submit="Жауаптарды жіберу", passed="Өтті")
    page.goto(f"{live_server}/")
    card = page.get_by_test_id("my-course")
    assert card.get_by_role("progressbar").get_attribute("value") == "2"
    assert "3 ішінен 2 орындалды (67%)" in card.inner_text()
    assert card.get_by_test_id("steps-left").inner_text() == "1 қадам қалды"


def test_learner_journey_in_russian_with_russian_plurals(page, live_server, make, course):
    learner = make.user("learner", given_name="Ирина", preferred_language="ru")
    _sign_in(page, live_server, learner)
    assert page.locator("html").get_attribute("lang") == "ru"
    _journey(page, live_server, catalogue="Каталог курсов", course_title="Грамотность в работе с данными",
             enrol="Записаться", lesson_title="Что такое данные", complete="Отметить как пройденный и продолжить",
             start="Начать попытку", submit="Отправить ответы", passed="Пройден")
    page.goto(f"{live_server}/")
    card = page.get_by_test_id("my-course")
    assert card.get_by_role("progressbar").get_attribute("value") == "2"
    assert card.get_by_test_id("steps-left").inner_text() == "Остался 1 шаг"

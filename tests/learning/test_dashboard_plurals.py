"""The learner dashboard counts what is left in the learner's language, with all three Russian forms."""
import re

from lms.learning import services
from lms.security import SYSTEM

from ..conftest import sign_in
from ..courses.files import import_course

SIX_LESSONS = """\
title: {kk: "Ұзын курс", ru: "Длинный курс"}
description: {kk: "Сипаттама", ru: "Описание"}
hours: 2
level: beginner
self_enrolment: true
modules:
  - id: m1
    title: {kk: "Модуль", ru: "Модуль"}
    items:
""" + "".join(f"""      - lesson: l{n}
        title: {{kk: "Сабақ {n}", ru: "Урок {n}"}}
""" for n in range(1, 7))


def _steps_left(client) -> list[str]:
    html = client.get("/").get_data(as_text=True)
    return re.findall(r'data-testid="steps-left">([^<]+)<', html)


def test_dashboard_uses_russian_plural_forms(client, make, tmp_path):
    learner = make.user("learner", preferred_language="ru")
    short = import_course(tmp_path, "short")  # three items: two lessons and a quiz
    lessons = {f"l{n}.{lang}.md": f"# {n}\n" for n in range(1, 7) for lang in ("kk", "ru")}
    long = import_course(tmp_path, "long", course_yaml=SIX_LESSONS, lessons=lessons)
    short_enrolment = services.enrol_learner(SYSTEM, short, learner=learner)
    long_enrolment = services.enrol_learner(SYSTEM, long, learner=learner)
    services.complete_lesson(learner, long_enrolment, long.active_items()[0])
    sign_in(client, learner)
    assert sorted(_steps_left(client)) == ["Осталось 3 шага", "Осталось 5 шагов"]

    for item in short.active_items()[:2]:
        services.complete_lesson(learner, short_enrolment, item)
    assert sorted(_steps_left(client)) == ["Осталось 5 шагов", "Остался 1 шаг"]


def test_dashboard_counts_in_kazakh(client, make, tmp_path):
    learner = make.user("learner")
    course = import_course(tmp_path, "short")
    services.enrol_learner(SYSTEM, course, learner=learner)
    sign_in(client, learner)
    assert _steps_left(client) == ["3 қадам қалды"]

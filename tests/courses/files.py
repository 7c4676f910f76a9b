"""Writing small course folders for tests (the format is docs/course-format.md)."""
from __future__ import annotations

from pathlib import Path

import yaml

COURSE = """\
title:
  kk: "Сынақ курсы {slug}"
  ru: "Тестовый курс {slug}"
description:
  kk: "Курстың сипаттамасы"
  ru: "Описание курса"
hours: 6
level: beginner
tags: [ai, testing]
self_enrolment: true
certification:
  min_score: 70
modules:
  - id: m1
    title: {{kk: "Бірінші модуль", ru: "Первый модуль"}}
    items:
      - lesson: l1
        title: {{kk: "Бірінші сабақ", ru: "Первый урок"}}
      - lesson: l2
        title: {{kk: "Екінші сабақ", ru: "Второй урок"}}
  - id: m2
    title: {{kk: "Екінші модуль", ru: "Второй модуль"}}
    items:
      - quiz: q1
        title: {{kk: "Тест", ru: "Тест"}}
"""

QUIZ = {
    "pass_mark": 60,
    "attempts": 2,
    "questions": [
        {"id": "capital", "type": "single", "points": 1,
         "text": {"kk": "Елорда қай қала?", "ru": "Какой город столица?"},
         "options": [{"id": "astana", "correct": True, "text": {"kk": "Астана", "ru": "Астана"}},
                     {"id": "almaty", "text": {"kk": "Алматы", "ru": "Алматы"}},
                     {"id": "shymkent", "text": {"kk": "Шымкент", "ru": "Шымкент"}}],
         "explanation": {"kk": "ТҮСІНДІРМЕ-СЕКРЕТ", "ru": "ПОЯСНЕНИЕ-СЕКРЕТ"}},
        {"id": "risks", "type": "multiple", "points": 2,
         "text": {"kk": "Тәуекелдер?", "ru": "Риски?"},
         "options": [{"id": "err", "correct": True, "text": {"kk": "Қате", "ru": "Ошибка"}},
                     {"id": "bias", "correct": True, "text": {"kk": "Біржақтылық", "ru": "Предвзятость"}},
                     {"id": "none", "text": {"kk": "Жоқ", "ru": "Нет"}}]},
        {"id": "sum", "type": "numeric", "points": 1, "answer": 7919, "tolerance": 0.5,
         "text": {"kk": "Сан?", "ru": "Число?"}},
        {"id": "word", "type": "text", "points": 1, "text": {"kk": "Сөз?", "ru": "Слово?"},
         "answers": {"kk": ["Жауапсөз"], "ru": ["Ответслово"]}},
    ],
}

CORRECT = {"capital": "astana", "risks": ["err", "bias"], "sum": "7919", "word": "  ответСЛОВО "}


def write_course(root: Path, slug: str = "demo", *, quiz: dict | None = None, course_yaml: str | None = None,
                 lessons: dict[str, str] | None = None, image: bool = False) -> Path:
    """A course folder; ``image`` adds images/d.png, shown by lesson l1 in Kazakh."""
    folder = Path(root) / slug
    (folder / "lessons").mkdir(parents=True, exist_ok=True)
    (folder / "quizzes").mkdir(exist_ok=True)
    (folder / "course.yaml").write_text(course_yaml if course_yaml is not None else COURSE.format(slug=slug),
                                        encoding="utf-8")
    texts = {"l1.kk.md": "# Бірінші сабақ\n\nМәтін.\n", "l1.ru.md": "# Первый урок\n\nТекст.\n",
             "l2.kk.md": "# Екінші сабақ\n\n```python\nprint('сәлем')\n```\n",
             "l2.ru.md": "# Второй урок\n\n```python\nprint('привет')\n```\n"}
    if image:
        (folder / "images").mkdir(exist_ok=True)
        (folder / "images" / "d.png").write_bytes(b"\x89PNG\r\n\x1a\nnot-really-a-picture")
        texts["l1.kk.md"] += "\n![сызба](../images/d.png)\n"
    texts.update(lessons or {})
    for name, text in texts.items():
        if text is None:
            (folder / "lessons" / name).unlink(missing_ok=True)
        else:
            (folder / "lessons" / name).write_text(text, encoding="utf-8")
    (folder / "quizzes" / "q1.yaml").write_text(yaml.safe_dump(quiz or QUIZ, allow_unicode=True), encoding="utf-8")
    return folder


def import_course(root: Path, slug: str = "demo", **kwargs):
    """Write and import a course; returns the Course."""
    from lms.courses import services
    from lms.security import SYSTEM

    write_course(root, slug, **kwargs)
    report = services.import_courses(SYSTEM, Path(root) / slug)
    assert report.ok, [str(p) for p in report.problems]
    return services.get_course(slug)


def open_cohort(course, name: str = "2026-1"):
    """A cohort of ``course`` that opened yesterday and runs two more months (Kazakhstan's dates)."""
    from datetime import timedelta

    from lms import clock
    from lms.learning import services as learning
    from lms.security import SYSTEM

    today = clock.today()
    return learning.create_cohort(SYSTEM, course, name=name, starts_on=today - timedelta(days=1),
                                  ends_on=today + timedelta(days=60))

"""A learner's pages never show internal identifiers: not the course's slug, item or module ids,
tag codes, the notebook profile's slug or an assignment's folder name — only their names, in
Kazakh and in Russian. (Links and form values may carry them; the reader does not see those.)"""
import re
import shutil
from html import unescape

import pytest

from lms.courses import services as courses
from lms.extensions import db
from lms.grading.models import Submission, SubmissionStatus
from lms.learning import services as learning

from ..conftest import sign_in
from ..courses.files import QUIZ, import_course
from ..grading.files import DEMO, publish_version

COURSE = """\
title: {kk: "Идентификаторсыз курс", ru: "Курс без идентификаторов"}
description: {kk: "Қысқа курс", ru: "Короткий курс"}
hours: 2
level: beginner
tags: [ai, machine-learning, zz-unnamed-tag]
self_enrolment: true
notebook_profile: gpu-1
certification:
  requires: [zz-lesson, zz-quiz, mean-and-median]
  min_scores: {zz-quiz: 50, mean-and-median: 60}
modules:
  - id: zz-module
    title: {kk: "Негіздер", ru: "Основы"}
    items:
      - lesson: zz-lesson
        title: {kk: "Бірінші сабақ", ru: "Первый урок"}
        files: {kk: lessons/l1.kk.md, ru: lessons/l1.ru.md}
      - quiz: zz-quiz
        title: {kk: "Тест", ru: "Тест"}
        file: quizzes/q1.yaml
      - notebook: mean-and-median
        title: {kk: "Тапсырма: орташа мән", ru: "Задание: среднее"}
        file: mean-and-median/mean-and-median.ipynb
"""
INTERNAL = ["zz-identifiers", "zz-module", "zz-lesson", "zz-quiz", "mean-and-median", "machine-learning",
            "zz-unnamed-tag", "gpu-1", "capital", "astana"]


@pytest.fixture
def app_overrides(app_overrides, tmp_path):
    assignments = tmp_path / "assignments"
    shutil.copytree(DEMO, assignments / "zz-identifiers" / "mean-and-median")
    return {**app_overrides, "assignments_dir": str(assignments)}


def visible_text(html: str) -> str:
    """What a reader sees: the page without its tags, attributes, scripts and styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_learner_pages_show_names_not_identifiers(client, app, tmp_path, make, language):
    course = import_course(tmp_path / "courses", "zz-identifiers", course_yaml=COURSE, quiz=QUIZ)
    publish_version(course, "mean-and-median")  # learners see published assignments only
    learner = make.user("learner", preferred_language=language)
    enrolment = learning.enrol_learner(learner, course)
    quiz = courses.get_item(course, "zz-quiz")
    attempt = learning.submit_attempt(learner, learning.start_attempt(learner, enrolment, quiz), {"capital": "astana"})
    submission = Submission(user_id=learner.id, course_id=course.id, assignment="mean-and-median", attempt=1,
                            content={}, content_hash="0" * 64, size_bytes=0, status=SubmissionStatus.graded,
                            total=5.0, max_total=5.0)
    db.session.add(submission)
    db.session.commit()
    sign_in(client, learner)
    base = "/courses/zz-identifiers"
    pages = ["/", "/courses", "/courses?tag=machine-learning", base, f"{base}/items/zz-lesson", f"{base}/items/zz-quiz",
             f"{base}/items/mean-and-median", f"/attempts/{attempt.id}", "/certificates",
             f"/submissions/{submission.id}"]
    shown = {}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = visible_text(response.get_data(as_text=True))
        assert "Oqu" in text and "Traceback" not in text, path
        found = [word for word in INTERNAL if word in text]
        if found:
            shown[path] = found
    assert not shown, shown
    back = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert f'href="{base}/items/mean-and-median" data-testid="back-to-assignment"' in back  # back to the notebook

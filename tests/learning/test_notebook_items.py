"""Notebook items in the outline lead somewhere: the item page opens the notebook and shows the
assignment's state; a graded assignment is ticked; an assignment whose source folder is missing is
hidden from learners and flagged to instructors; an empty optional module shows no "0 of 0"."""
import shutil

import pytest

from lms.courses.teaching import add_instructor
from lms.extensions import db
from lms.grading.models import AssignmentVersion, Submission, SubmissionStatus
from lms.learning import services as learning
from lms.security import SYSTEM

from ..conftest import page_text, sign_in
from ..courses.files import import_course
from ..grading.files import DEMO, publish_version

COURSE = """\
title: {kk: "Дәптер курсы", ru: "Курс с блокнотами"}
description: {kk: "Қысқа курс", ru: "Короткий курс"}
hours: 2
level: beginner
self_enrolment: true
notebook_profile: cpu
modules:
  - id: m1
    title: {kk: "Негіздер", ru: "Основы"}
    items:
      - lesson: l1
        title: {kk: "Бірінші сабақ", ru: "Первый урок"}
      - notebook: mean-and-median
        title: {kk: "Тапсырма: орташа мән және медиана", ru: "Задание: среднее и медиана"}
        file: mean-and-median/mean-and-median.ipynb
      - notebook: first-notebook
        title: {kk: "Алғашқы дәптер", ru: "Первый блокнот"}
  - id: extra
    title: {kk: "Қосымша", ru: "Дополнительно"}
    items:
      - notebook: bonus-notebook
        title: {kk: "Қосымша дәптер", ru: "Дополнительный блокнот"}
"""


@pytest.fixture
def app_overrides(app_overrides, tmp_path):
    assignments = tmp_path / "assignments"
    shutil.copytree(DEMO, assignments / "nb" / "mean-and-median")  # first-notebook has no source folder
    return {**app_overrides, "assignments_dir": str(assignments)}


@pytest.fixture
def course(app, tmp_path):
    course = import_course(tmp_path / "courses", "nb", course_yaml=COURSE, lessons={
        "l2.kk.md": None, "l2.ru.md": None})
    publish_version(course, "mean-and-median")  # learners see published assignments only
    return course


def _graded(learner, course, total=5.0):
    db.session.add(Submission(user_id=learner.id, course_id=course.id, assignment="mean-and-median", attempt=1,
                              content={}, content_hash="0" * 64, size_bytes=0, status=SubmissionStatus.graded,
                              total=total, max_total=5.0))
    db.session.commit()


def test_a_learner_sees_the_assignment_by_title_with_its_state_and_the_notebook(client, course, make):
    learner = make.user("learner")
    learning.enrol_learner(learner, course)
    sign_in(client, learner)
    page = page_text(client.get("/courses/nb"))
    syllabus = page.split('data-testid="syllabus"', 1)[1]
    assert "Тапсырма: орташа мән және медиана" in syllabus
    assert "Алғашқы дәптер" not in page and "source-missing" not in page  # its source is missing
    assert "0 ішінен 0" not in page  # the optional module of notebooks only
    item = page_text(client.get("/courses/nb/items/mean-and-median"))
    assert "Әлі тапсырылмаған" in item
    assert 'data-testid="notebook-panel"' in item  # Open notebook (the hub is down here: it says so)
    assert 'action="/courses/nb/assignments/mean-and-median/submit"' in item
    assert "Алғашқы дәптер" not in item.split("<nav", 2)[1]
    # never published (and no source folder): learners do not reach it at all
    assert client.get("/courses/nb/items/first-notebook").status_code == 404
    # published once, but its source folder is gone since: the item page says it is not available
    db.session.add(AssignmentVersion(course_id=course.id, assignment="first-notebook", version=1,
                                     content_hash="0" * 64, cells=[], max_total=0.0))
    db.session.commit()
    assert "Бұл тапсырма әлі қолжетімсіз." in page_text(client.get("/courses/nb/items/first-notebook"))


def test_a_graded_assignment_is_ticked_with_its_score(client, course, make):
    learner = make.user("learner", preferred_language="ru")
    learning.enrol_learner(learner, course)
    _graded(learner, course, total=4.0)
    sign_in(client, learner)
    page = page_text(client.get("/courses/nb"))
    entry = next(part for part in page.split('data-testid="syllabus-item"')[1:] if "Задание: среднее" in part)
    assert "Оценено · Набрано баллов: 4 из 5 (80%)" in " ".join(entry.split())
    syllabus = page.split('data-testid="syllabus"', 1)[1]
    assert 'class="done"' in syllabus.split("Задание: среднее и медиана")[0].rsplit("<li", 1)[1]
    item = page_text(client.get("/courses/nb/items/l1"))
    assert "Задание: среднее и медиана</a> ✓" in item  # ticked in the lesson outline too


def test_an_instructor_sees_the_missing_source_flagged(client, course, make):
    instructor = make.user("instructor")
    add_instructor(SYSTEM, course, instructor)
    sign_in(client, instructor)
    page = page_text(client.get("/courses/nb"))
    assert "Алғашқы дәптер" in page and page.count('data-testid="source-missing"') == 2  # also bonus-notebook
    item = page_text(client.get("/courses/nb/items/first-notebook"))
    assert "Бұл тапсырманың бастапқы қалтасы жоқ" in item

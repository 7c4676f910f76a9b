"""The lesson editor: Kazakh and Russian Markdown side by side, a preview as learners see it (the
learners' renderer, sanitised), Save → a new version of the course; a problem loses nothing."""
from __future__ import annotations

import re

import pytest

from lms.courses import content, services
from lms.courses.teaching import add_instructor
from lms.extensions import db
from lms.security import SYSTEM

from ..conftest import audit_events, csrf_token, page_text, signed_in_client
from .files import import_course

EDIT = "/teaching/courses/demo/lessons/l1/edit"


@pytest.fixture
def course(world, tmp_path):
    course = import_course(tmp_path / "live", "demo")
    add_instructor(SYSTEM, course, world.instructor)
    return course


def _post(client, kk: str, ru: str, button: str):
    return client.post(EDIT, data={"csrf_token": csrf_token(client, EDIT), "body_kk": kk, "body_ru": ru,
                                   button: "1"})


def test_the_editor_shows_both_texts(app, world, course):
    text = page_text(signed_in_client(app, world.instructor).get(EDIT))
    assert "# Бірінші сабақ" in text and "# Первый урок" in text


def test_preview_renders_as_learners_see_it_and_stores_nothing(app, world, course):
    client = signed_in_client(app, world.instructor)
    response = _post(client, "# Жаңа\n\n**қалың** <script>alert(1)</script>\n", "# Новый\n\nтекст\n", "preview")
    body = response.get_data(as_text=True)
    assert "<strong>қалың</strong>" in body and "<script>alert(1)</script>" not in body
    assert 'data-testid="preview-ru"' in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)  # no inline script on the page (the CSP forbids them)
    db.session.expire_all()
    assert "Жаңа" not in services.get_item(course, "l1").body_kk


def test_save_stores_a_new_version_that_learners_see(app, world, course):
    client = signed_in_client(app, world.instructor)
    response = _post(client, "# Жаңартылған сабақ\n\nЖаңа мазмұн.\n", "# Первый урок\n\nТекст.\n", "save")
    assert response.status_code == 303
    db.session.expire_all()
    item = services.get_item(course, "l1")
    assert "Жаңа мазмұн" in item.html_kk and "Текст." in item.html_ru
    assert audit_events("course_imported")[-1].actor_id == world.instructor.id
    version = content.latest_version(course)
    assert (version.number, version.origin, version.created_by_id) == (2, "editor", world.instructor.id)


def test_a_problem_is_shown_and_the_text_kept(app, world, course):
    client = signed_in_client(app, world.instructor)
    response = _post(client, "# Сабақ\n\nМенің жазғаным\n\n![сурет](../images/none.png)\n", "# Урок\n\nТекст\n", "save")
    text = page_text(response)
    assert response.status_code == 200
    assert "demo/lessons/l1.kk.md:" in text and "Менің жазғаным" in text
    db.session.expire_all()
    assert "Менің жазғаным" not in services.get_item(course, "l1").body_kk


@pytest.mark.parametrize("role,status", [("learner", 403), ("hr", 403), ("admin", 200)])
def test_who_may_edit(app, world, course, role, status):
    assert signed_in_client(app, getattr(world, role)).get(EDIT).status_code == status


def test_an_instructor_of_another_course_may_not_edit(app, world, tmp_path):
    import_course(tmp_path / "live", "demo")
    assert signed_in_client(app, world.instructor).get(EDIT).status_code == 403


def test_a_quiz_has_no_lesson_editor(app, world, course):
    assert signed_in_client(app, world.instructor).get("/teaching/courses/demo/lessons/q1/edit").status_code == 404

"""Uploading a course package on the web page: the dry run (problems with file:line, what would change),
nothing stored until "Store", stored once; who may upload what; each refusal translated and audited."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from lms.courses import content, services
from lms.courses.models import Course, CourseInstructor
from lms.courses.teaching import add_instructor
from lms.extensions import db
from lms.security import SYSTEM

from ..conftest import audit_events, csrf_token, page_text, signed_in_client, translated
from .files import COURSE, import_course, write_course
from .packages import course_zip, notebook

UPLOAD = "/teaching/course-packages"
BROKEN = COURSE.format(slug="demo").replace("level: beginner", "level: expert")


@pytest.fixture
def course(world, tmp_path):
    course = import_course(tmp_path / "live", "demo")
    add_instructor(SYSTEM, course, world.instructor)
    return course


def _upload(client, data: bytes, name: str = "demo.zip"):
    return client.post(UPLOAD, data={"csrf_token": csrf_token(client, UPLOAD),
                                     "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _token(response) -> str:
    match = re.search(r'name="token" type="hidden" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no Store button"
    return match.group(1)


def _confirm(client, token: str):
    return client.post(f"{UPLOAD}/confirm", data={"csrf_token": csrf_token(client, UPLOAD), "token": token})


def test_the_dry_run_names_file_and_line_and_stores_nothing(app, world, course, tmp_path):
    client = signed_in_client(app, world.instructor)
    response = _upload(client, course_zip(tmp_path / "new", course_yaml=BROKEN,
                                          lessons={"l1.kk.md": "# Жаңа сабақ\n\nЖаңа мәтін.\n"}))
    assert response.status_code == 200
    text = page_text(response)
    line = BROKEN.splitlines().index("level: expert") + 1
    assert f"demo/course.yaml:{line}" in text
    assert 'data-testid="confirm-package"' not in text
    db.session.expire_all()
    assert "Жаңа мәтін" not in services.get_item(course, "l1").body_kk
    assert not audit_events("course_imported")[1:]
    assert audit_events("course_package_checked")[-1].details["problems"] == 1


def test_a_fixed_package_shows_what_changes_and_is_stored_once(app, world, course, tmp_path):
    client = signed_in_client(app, world.instructor)
    response = _upload(client, course_zip(tmp_path / "new", lessons={"l1.kk.md": "# Жаңа сабақ\n\nЖаңа мәтін.\n"}))
    assert 'data-testid="items-changed">l1<' in response.get_data(as_text=True)
    assert "Жаңа мәтін" not in services.get_item(course, "l1").body_kk  # not yet
    token = _token(response)
    first, second = _confirm(client, token), _confirm(client, token)  # a double click
    assert first.status_code == second.status_code == 303
    result = client.get(first.headers["Location"])
    assert result.status_code == 200 and 'data-testid="stored-course"' in result.get_data(as_text=True)
    db.session.expire_all()
    assert "Жаңа мәтін" in services.get_item(course, "l1").body_kk
    assert len(audit_events("course_imported")) == 2  # the first import and this one, once
    assert (content.latest_version(course).number, content.latest_version(course).origin) == (2, "upload")
    assert "2" in page_text(result)


def test_another_persons_token_is_not_found(app, world, course, tmp_path):
    client = signed_in_client(app, world.instructor)
    token = _token(_upload(client, course_zip(tmp_path / "new", lessons={"l1.kk.md": "# Басқа\n\nМәтін.\n"})))
    other = signed_in_client(app, world.admin)
    assert _confirm(other, token).status_code == 404
    assert other.get(f"{UPLOAD}/{token}").status_code == 404


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_an_instructor_cannot_change_a_course_they_do_not_teach(app, world, tmp_path, language):
    import_course(tmp_path / "live", "other")
    world.instructor.preferred_language = language
    db.session.commit()
    client = signed_in_client(app, world.instructor)
    client.set_cookie("oqu_lang", language)
    response = _upload(client, course_zip(tmp_path / "new", "other", lessons={"l1.kk.md": "# X\n\nY.\n"}), "other.zip")
    text = page_text(response)
    expected = translated(app, "You do not teach the course %(slug)s, so you cannot change it. Nothing was stored.",
                          language, slug="other")
    assert expected in text
    assert 'data-testid="confirm-package"' not in text
    event = audit_events("course_package_refused")[-1]
    assert event.details["reason"] == "not_teaching" and event.actor_id == world.instructor.id


@pytest.mark.parametrize("extra,reason", [
    ({"demo/../escape.txt": b"x"}, "path_outside"),
    ({"demo/assignments/lab1/lab1.ipynb": notebook(marked=False)}, "not_nbgrader"),
])
def test_unsafe_packages_are_refused_and_audited(app, world, course, tmp_path, extra, reason):
    client = signed_in_client(app, world.instructor)
    response = _upload(client, course_zip(tmp_path / "new", extra=extra))
    assert 'data-testid="upload-refused"' in response.get_data(as_text=True)
    assert audit_events("course_package_refused")[-1].details["reason"] == reason


@pytest.mark.settings(max_upload_mb=1, max_package_mb=2)
def test_a_package_has_its_own_size_limit_and_over_it_a_translated_page(app, world, course):
    """A course package may be larger than other uploads (LMS_MAX_PACKAGE_MB, lms/upload_limits.py):
    1.5 MB passes the CSRF check and reaches the package checks (not a zip); 3 MB is refused
    with the package limit named."""
    client = signed_in_client(app, world.instructor)
    assert translated(app, "Up to %(mb)d MB in all; a single file up to %(file_mb)d MB.", mb=2, file_mb=20) \
        in page_text(client.get(UPLOAD))
    within = _upload(client, b"\0" * (1536 * 1024))
    assert within.status_code == 200 and 'data-testid="upload-refused"' in within.get_data(as_text=True)
    response = _upload(client, b"\0" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert translated(app, "File too large") in page_text(response)
    assert translated(app, "The file is larger than the allowed %(mb)d MB.", mb=2) in page_text(response)


def test_an_instructor_may_create_a_new_course_and_then_teaches_it(app, world, tmp_path):
    client = signed_in_client(app, world.instructor)
    response = _upload(client, course_zip(tmp_path / "new", "fresh-course"), "fresh-course.zip")
    assert "fresh-course" in page_text(response)
    _confirm(client, _token(response))
    course = db.session.scalar(select(Course).where(Course.slug == "fresh-course"))
    assert course is not None
    assert db.session.scalar(select(CourseInstructor).filter_by(course_id=course.id, user_id=world.instructor.id))


def test_a_folder_upload_works_like_a_zip(app, world, course, tmp_path):
    folder = write_course(tmp_path / "new", "demo", lessons={"l2.ru.md": "# Второй\n\nНовый текст.\n"})
    files = [(io.BytesIO(path.read_bytes()), "demo/" + path.relative_to(folder).as_posix())
             for path in sorted(folder.rglob("*")) if path.is_file()]
    client = signed_in_client(app, world.instructor)
    response = client.post(UPLOAD, data={"csrf_token": csrf_token(client, UPLOAD), "folder": files},
                           content_type="multipart/form-data")
    assert 'data-testid="items-changed">l2<' in response.get_data(as_text=True)


@pytest.mark.parametrize("role,status", [("learner", 403), ("hr", 403), ("instructor", 200), ("admin", 200)])
def test_who_may_open_the_upload_page(app, world, role, status):
    assert signed_in_client(app, getattr(world, role)).get(UPLOAD).status_code == status


def test_an_admin_may_change_any_course(app, world, course, tmp_path):
    client = signed_in_client(app, world.admin)
    response = _upload(client, course_zip(tmp_path / "new", lessons={"l1.ru.md": "# Админ\n\nПравка.\n"}))
    _confirm(client, _token(response))
    db.session.expire_all()
    assert "Правка" in services.get_item(course, "l1").body_ru


WITH_ASSIGNMENT = COURSE.format(slug="demo") + """\
  - id: m3
    title: {kk: "Практика", ru: "Практика"}
    items:
      - notebook: lab1
        title: {kk: "Зертханалық жұмыс", ru: "Лабораторная работа"}
"""


def test_an_assignment_source_in_the_package_is_stored_with_the_course(app, world, course, tmp_path):
    client = signed_in_client(app, world.instructor)
    response = _upload(client, course_zip(tmp_path / "new", course_yaml=WITH_ASSIGNMENT,
                                          extra={"demo/assignments/lab1/lab1.ipynb": notebook()}))
    assert 'data-testid="items-added">lab1<' in response.get_data(as_text=True)
    _confirm(client, _token(response))
    db.session.expire_all()
    assert "assignments/lab1/lab1.ipynb" in content.package_files(services.get_course("demo"))

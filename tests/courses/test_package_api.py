"""POST /api/v1/course-packages: the dry run's report (file:line) or a stored version; who may; audited."""
from __future__ import annotations

import io

import pytest

from lms.accounts import services as accounts
from lms.courses import services
from lms.courses.teaching import add_instructor
from lms.extensions import db
from lms.security import SYSTEM

from ..conftest import audit_events, translated
from .files import COURSE, import_course
from .packages import course_zip

URL = "/api/v1/course-packages"


@pytest.fixture
def course(world, tmp_path):
    course = import_course(tmp_path / "live", "demo")
    add_instructor(SYSTEM, course, world.instructor)
    return course


def _post(client, person, data: bytes, *, dry_run: bool, name: str = "demo.zip", language: str = "kk"):
    secret = accounts.create_api_token(person, person, "t")[1]
    return client.post(URL, data={"file": (io.BytesIO(data), name), "dry_run": "true" if dry_run else "false"},
                       headers={"Authorization": f"Bearer {secret}", "Accept-Language": language},
                       content_type="multipart/form-data")


def test_a_dry_run_reports_problems_with_file_and_line_and_stores_nothing(app, client, world, course, tmp_path):
    broken = COURSE.format(slug="demo").replace("hours: 6", "hours: many")
    response = _post(client, world.instructor, course_zip(tmp_path / "new", course_yaml=broken), dry_run=True)
    assert response.status_code == 200
    body = response.get_json()
    assert body["stored"] is False and body["problems"]
    problem = body["problems"][0]
    assert problem["file"] == "demo/course.yaml" and problem["line"] == broken.splitlines().index("hours: many") + 1
    assert audit_events("course_package_checked")[-1].details["via"] == "api"


def test_a_dry_run_of_a_good_package_says_what_would_change(app, client, world, course, tmp_path):
    data = course_zip(tmp_path / "new", lessons={"l2.kk.md": "# Өзгерген\n\nМәтін.\n"})
    body = _post(client, world.instructor, data, dry_run=True).get_json()
    (change,) = body["courses"]
    assert (change["slug"], change["created"], change["items_added"], change["items_changed"],
            change["items_retired"], change["learners_affected"]) == ("demo", False, [], ["l2"], [], 0)
    db.session.expire_all()
    assert "Өзгерген" not in services.get_item(course, "l2").body_kk


def test_without_dry_run_the_package_is_stored(app, client, world, course, tmp_path):
    data = course_zip(tmp_path / "new", lessons={"l2.kk.md": "# Өзгерген\n\nМәтін.\n"})
    body = _post(client, world.instructor, data, dry_run=False).get_json()
    assert body["stored"] is True and body["versions"] == {"demo": 2}  # the first import was version 1
    db.session.expire_all()
    assert "Өзгерген" in services.get_item(course, "l2").body_kk


def test_a_package_with_problems_is_not_stored(app, client, world, course, tmp_path):
    broken = COURSE.format(slug="demo").replace("hours: 6", "hours: many")
    response = _post(client, world.instructor, course_zip(tmp_path / "new", course_yaml=broken), dry_run=False)
    assert response.status_code == 422 and response.get_json()["error"] == "invalid_package"


def test_a_course_the_caller_does_not_teach_is_refused_in_their_language(app, client, world, tmp_path):
    import_course(tmp_path / "live", "other")
    world.instructor.preferred_language = "ru"
    db.session.commit()
    response = _post(client, world.instructor, course_zip(tmp_path / "new", "other"), dry_run=True,
                     name="other.zip", language="ru")
    assert response.status_code == 403 and response.get_json()["error"] == "not_teaching"
    assert response.get_json()["message"] == translated(
        app, "You do not teach the course %(slug)s, so you cannot change it. Nothing was stored.", "ru", slug="other")
    assert audit_events("course_package_refused")[-1].details == {
        "filename": "other.zip", "reason": "not_teaching", "path": "other", "via": "api"}


def test_an_unsafe_zip_is_refused_with_its_reason(app, client, world, course, tmp_path):
    response = _post(client, world.instructor, course_zip(tmp_path / "new", extra={"../x": b"x"}), dry_run=True)
    assert response.status_code == 422 and response.get_json()["error"] == "path_outside"


@pytest.mark.settings(max_upload_mb=1, max_package_mb=2)
def test_a_package_over_the_package_limit_gets_413(app, client, world, course):
    assert _post(client, world.instructor, b"\0" * (1536 * 1024), dry_run=True).status_code == 422  # not a zip
    response = _post(client, world.instructor, b"\0" * (3 * 1024 * 1024), dry_run=True)
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"

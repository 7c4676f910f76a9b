"""The API's assignment source versions: an instructor who teaches the course uploads notebooks (a new
numbered source version, validated with trick answers) and publishes a version by its number."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from lms.accounts.services import create_api_token
from lms.courses.teaching import add_instructor
from lms.extensions import db
from lms.grading.models import AssignmentVersion, SourceVersion
from lms.security import SYSTEM

from ..conftest import audit_events
from ..courses.files import COURSE, import_course
from .files import DEMO

ITEM = """      - notebook: mean-and-median
        title: {kk: "Тапсырма", ru: "Задание"}
        file: mean-and-median/mean-and-median.ipynb
"""
PLAIN = json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {},
                               "outputs": [], "source": "print(1)"}],
                    "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


@pytest.fixture
def course(app, tmp_path):
    empty = tmp_path / "no-assignments"
    empty.mkdir()
    app.config["OQU_SETTINGS"].assignments_dir = str(empty)  # sources only from the store
    return import_course(tmp_path / "courses", course_yaml=COURSE.format(slug="demo").replace(
        "      - quiz: q1\n", ITEM + "      - quiz: q1\n"))


@pytest.fixture
def instructor(course, make):
    person = make.user("instructor")
    add_instructor(SYSTEM, course, person)
    return person


def _headers(person, language="kk"):
    return {"Authorization": f"Bearer {create_api_token(person, person, 't')[1]}", "Accept-Language": language}


def _upload(app, person, files, language="kk", assignment="mean-and-median"):
    return app.test_client().post(f"/api/v1/courses/demo/assignments/{assignment}/versions",
                                  data={"files": [(io.BytesIO(data), name) for name, data in files]},
                                  headers=_headers(person, language), content_type="multipart/form-data")


def test_a_notebook_without_nbgrader_marks_is_refused_with_a_reason_and_nothing_is_stored(app, course, instructor):
    response = _upload(app, instructor, [("mean-and-median.ipynb", PLAIN)], language="ru")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "not_an_assignment" and "nbgrader" in body["message"]
    assert "не задание nbgrader" in body["message"]
    assert _upload(app, instructor, [("notes.txt", b"x")]).get_json()["error"] == "not_an_assignment"
    assert _upload(app, instructor, [("mean-and-median.ipynb", b"{not json")]).status_code == 422
    assert db.session.scalar(select(func.count(SourceVersion.id))) == 0
    assert [e.details["operation"] for e in audit_events("assignment_source_api")] == ["upload"] * 3


def test_only_instructors_who_teach_the_course_upload_and_publish(app, course, instructor, make):
    notebook = (DEMO / "mean-and-median.ipynb").read_bytes()
    stranger = make.user("instructor")
    assert _upload(app, stranger, [("mean-and-median.ipynb", notebook)]).status_code == 403
    assert _upload(app, make.user("learner"), [("mean-and-median.ipynb", notebook)]).status_code == 403
    assert _upload(app, instructor, [("x.ipynb", notebook)], assignment="no-such").status_code == 404
    response = app.test_client().post("/api/v1/courses/demo/assignments/mean-and-median/versions/1/publish",
                                      headers=_headers(stranger))
    assert response.status_code == 403
    response = app.test_client().post("/api/v1/courses/demo/assignments/mean-and-median/versions/1/publish",
                                      headers=_headers(instructor))
    assert response.status_code == 404  # no version 1 yet
    assert db.session.scalar(select(func.count(SourceVersion.id))) == 0


@pytest.mark.integration  # nbgrader and the sandbox validate the uploaded versions
@pytest.mark.settings(grading_timeout=120)
def test_an_uploaded_version_is_validated_and_published_by_its_number(app, course, instructor):
    notebook = (DEMO / "mean-and-median.ipynb").read_bytes()
    response = _upload(app, instructor, [("mean-and-median.ipynb", notebook)])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["number"] == 1 and body["report"]["ok"] is True
    assert {c["cell"] for c in body["report"]["cells"]} == {"test_mean", "test_median"}
    assert body["report"]["adversaries"]  # the trick answers were graded

    broken = notebook.replace(b"return (ordered[middle - 1] + ordered[middle]) / 2", b"return ordered[middle]")
    assert broken != notebook
    second = _upload(app, instructor, [("mean-and-median.ipynb", broken)]).get_json()
    assert second["number"] == 2 and second["report"]["ok"] is False

    publish = "/api/v1/courses/demo/assignments/mean-and-median/versions/{}/publish"
    refused = app.test_client().post(publish.format(2), headers=_headers(instructor))
    assert refused.status_code == 409 and refused.get_json()["error"] == "validation_failed"
    assert db.session.scalar(select(func.count(AssignmentVersion.id))) == 0

    published = app.test_client().post(publish.format(1), headers=_headers(instructor))
    assert published.status_code == 200, published.get_json()
    assert published.get_json()["published_version"] == 1 and published.get_json()["new"] is True
    db.session.expire_all()
    version = db.session.scalar(select(AssignmentVersion))
    first = db.session.scalar(select(SourceVersion).filter_by(number=1))
    assert version.content_hash == first.content_hash and first.published_version_id == version.id
    again = app.test_client().post(publish.format(1), headers=_headers(instructor)).get_json()
    assert again["new"] is False
    assert [e.details["operation"] for e in audit_events("assignment_source_api")] == ["upload", "upload", "publish",
                                                                                    "publish", "publish"]

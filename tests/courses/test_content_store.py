"""Course content and assignment sources stored in the LMS, versioned: numbered versions with a diff,
a rollback, the package read back, and assignment sources served without any folder on disk."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.courses import content, services
from lms.courses.models import ContentBlob, CourseVersion
from lms.extensions import db
from lms.grading import sources
from lms.grading.models import SourceVersion
from lms.grading.notebooks import find_assignment
from lms.learning import services as learning
from lms.security import SYSTEM, PermissionDenied

from ..conftest import audit_events
from .files import COURSE, import_course, write_course

NOTEBOOK_ITEM = """      - notebook: lab1
        title: {kk: "Зертхана", ru: "Лаборатория"}
        file: lab1/lab1.ipynb
"""
NOTEBOOK = json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "id": "a1", "metadata": {},
                                  "outputs": [], "source": "x = 1"}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def with_notebook(slug: str = "demo") -> str:
    return COURSE.format(slug=slug).replace("      - quiz: q1\n", NOTEBOOK_ITEM + "      - quiz: q1\n")


def folder_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def empty_assignments(app, tmp_path):
    """No assignment folder anywhere: sources come from the store only."""
    folder = tmp_path / "no-assignments"
    folder.mkdir()
    app.config["OQU_SETTINGS"].assignments_dir = str(folder)
    return folder


def test_each_changing_import_is_a_numbered_version_with_a_diff(app, tmp_path, make):
    course = import_course(tmp_path)
    learner = make.user("learner")
    learning.enrol_learner(learner, course)
    versions = content.course_versions(SYSTEM, course)
    assert [(v.number, v.origin) for v in versions] == [(1, "import")]
    assert versions[0].diff["created"] is True and versions[0].diff["items_added"] == ["l1", "l2", "q1"]

    assert services.import_courses(SYSTEM, tmp_path / "demo").imported == [("demo", "unchanged")]
    assert len(content.course_versions(SYSTEM, course)) == 1  # unchanged files: no version

    write_course(tmp_path, lessons={"l1.ru.md": "# Первый урок\n\nИсправлено.\n"})
    report = services.import_courses(SYSTEM, tmp_path / "demo")
    assert report.imported == [("demo", "updated")] and report.versions == {"demo": 2}
    latest = content.course_versions(SYSTEM, course)[0]
    assert latest.number == 2 and latest.diff["items_changed"] == ["l1"]
    assert latest.diff["files_changed"] == ["lessons/l1.ru.md"] and not latest.diff["items_added"]
    assert [e.details["number"] for e in audit_events("course_version_stored")] == [1, 2]

    preview = content.preview_package(SYSTEM, content.package_files(course), "demo.zip", name="demo")
    assert preview.ok and not preview.courses[0].changed  # the package read back is the course as it is
    assert preview.courses[0].learners == 1


def test_a_preview_stores_nothing_and_reports_file_and_line(app, tmp_path):
    import_course(tmp_path)
    files = folder_files(tmp_path / "demo")
    files["course.yaml"] = files["course.yaml"].replace(b'title: {kk: "\xd0\x95', b'title: {kk: "\xd0\x95', 1)
    files["lessons/l3.kk.md"] = "жаңа".encode()
    broken = dict(files, **{"course.yaml": COURSE.format(slug="demo").replace(
        '    title: {kk: "Екінші сабақ", ru: "Второй урок"}\n', '    title: {kk: "Екінші сабақ"}\n').encode()})
    counts = (db.session.scalar(select(func.count(CourseVersion.id))), db.session.scalar(select(func.count(ContentBlob.sha256))))

    bad = content.preview_package(SYSTEM, broken, "upload.zip", name="demo")
    assert [str(p) for p in bad.problems] == ["upload.zip/course.yaml:20: lesson 'l2': missing 'ru' translation of 'title'"]
    good = content.preview_package(SYSTEM, files, "upload.zip", name="demo")
    assert good.ok and good.courses[0].files_added == ["lessons/l3.kk.md"] and not good.courses[0].items_added
    assert (db.session.scalar(select(func.count(CourseVersion.id))),
            db.session.scalar(select(func.count(ContentBlob.sha256)))) == counts


def test_rollback_is_a_new_version_with_the_old_content_and_keeps_progress(app, tmp_path, make):
    course = import_course(tmp_path)
    learner = make.user("learner")
    enrolment = learning.enrol_learner(learner, course)
    l1 = services.get_item(course, "l1")
    learning.complete_lesson(learner, enrolment, l1)
    write_course(tmp_path, course_yaml=COURSE.format(slug="demo").replace(
        '      - lesson: l2\n        title: {kk: "Екінші сабақ", ru: "Второй урок"}\n', ""),
        lessons={"l1.kk.md": "# Жаңа\n\nӨзгерді.\n"})
    assert services.import_courses(SYSTEM, tmp_path / "demo").ok
    assert [i.key for i in services.get_course("demo").active_items()] == ["l1", "q1"]

    preview = content.rollback_preview(SYSTEM, course, 1)
    assert preview.items_added == ["l2"] and preview.items_changed == ["l1"] and preview.learners == 1
    restored = content.rollback(SYSTEM, course, 1)
    assert (restored.number, restored.origin, restored.rolled_back_from) == (3, "rollback", 1)
    db.session.expire_all()
    course = services.get_course("demo")
    assert [i.key for i in course.active_items()] == ["l1", "l2", "q1"]
    assert "Мәтін" in services.get_item(course, "l1").html_kk
    assert l1.id in learning.course_progress(learner, course).completed_items
    assert content.version_files(content.get_version(course, 3)) == content.version_files(content.get_version(course, 1))
    assert [e.details["restored"] for e in audit_events("course_rolled_back")] == [1]
    with pytest.raises(LookupError):
        content.rollback(SYSTEM, course, 9)


def test_only_instructors_who_teach_a_course_see_and_roll_back_its_versions(app, tmp_path, make):
    course = import_course(tmp_path)
    stranger = make.user("instructor")
    with pytest.raises(PermissionDenied):
        content.course_versions(stranger, course)
    with pytest.raises(PermissionDenied):
        content.rollback(stranger, course, 1)
    report = content.store_package(stranger, folder_files(tmp_path / "demo"), origin="upload", display="x.zip",
                                   name="demo")
    assert [str(p) for p in report.problems] == ["x.zip/course.yaml:1: you do not teach this course"]


def test_a_package_brings_its_assignment_sources_and_another_machine_needs_no_folder(app, tmp_path, empty_assignments):
    folder = write_course(tmp_path, course_yaml=with_notebook())
    files = folder_files(folder)
    files["assignments/lab1/lab1.ipynb"] = NOTEBOOK
    files["assignments/lab1/data/prices.csv"] = b"a,b\n1,2\n"
    files["assignments/lab1/.ipynb_checkpoints/lab1-checkpoint.ipynb"] = b"{}"  # editor leftovers: not content
    report = content.store_package(SYSTEM, files, origin="upload", display="demo.zip", name="demo")
    assert report.ok, [str(p) for p in report.problems]
    course = services.get_course("demo")
    assert [(v.number, v.origin) for v in sources.source_versions(SYSTEM, course, "lab1")] == [(1, "package")]

    source = find_assignment(app.config["OQU_SETTINGS"], "demo", "lab1")
    assert Path(app.config["OQU_SETTINGS"].instance_path) in source.folder.parents
    assert [p.name for p in source.notebooks] == ["lab1.ipynb"]
    assert (source.folder / "data" / "prices.csv").read_bytes() == b"a,b\n1,2\n"
    from lms.grading.student_versions import content_hash

    assert content_hash(source.folder) == sources.latest(course.id, "lab1").content_hash
    shutil.rmtree(source.folder)  # this machine's cache is only a cache
    assert find_assignment(app.config["OQU_SETTINGS"], "demo", "lab1").notebooks[0].read_bytes() == NOTEBOOK

    package = content.package_files(course)
    assert package["assignments/lab1/lab1.ipynb"] == NOTEBOOK and "course.yaml" in package
    assert not any(".ipynb_checkpoints" in path for path in package)


def test_a_package_assignment_that_is_not_a_notebook_item_is_refused(app, tmp_path, empty_assignments):
    files = folder_files(write_course(tmp_path, course_yaml=with_notebook()))
    files["assignments/lab9/lab9.ipynb"] = NOTEBOOK
    files["assignments/lab1/readme.txt"] = b"no notebook"
    report = content.store_package(SYSTEM, files, origin="upload", display="demo.zip", name="demo")
    assert sorted(str(p) for p in report.problems) == [
        "demo.zip/assignments/lab1:1: the source holds no .ipynb notebook at its top level",
        "demo.zip/assignments/lab9:1: no notebook item 'lab9' in course.yaml for this assignment"]
    assert db.session.scalar(select(func.count(SourceVersion.id))) == 0
    assert db.session.scalar(select(func.count(CourseVersion.id))) == 0


def test_an_assignments_folder_is_adopted_and_an_upload_is_not_undone_by_it(app, tmp_path):
    assignments = tmp_path / "assignments"
    (assignments / "demo" / "lab1").mkdir(parents=True)
    (assignments / "demo" / "lab1" / "lab1.ipynb").write_bytes(NOTEBOOK)
    app.config["OQU_SETTINGS"].assignments_dir = str(assignments)
    import_course(tmp_path, course_yaml=with_notebook())  # the import stores the folder's source
    course = services.get_course("demo")
    assert sources.latest(course.id, "lab1").origin == "package"

    (assignments / "demo" / "lab1" / "lab1.ipynb").write_bytes(NOTEBOOK.replace(b"x = 1", b"x = 2"))
    assert b"x = 2" in find_assignment(app.config["OQU_SETTINGS"], "demo", "lab1").notebooks[0].read_bytes()
    assert (sources.latest(course.id, "lab1").number, sources.latest(course.id, "lab1").origin) == (2, "folder")

    number = sources.store_source(SYSTEM, course, "lab1", {"lab1.ipynb": NOTEBOOK.replace(b"x = 1", b"x = 3")},
                                  origin="upload")
    assert number == 3
    assert b"x = 3" in find_assignment(app.config["OQU_SETTINGS"], "demo", "lab1").notebooks[0].read_bytes()
    assert sources.latest(course.id, "lab1").number == 3  # the folder (version 2's content) does not come back
    assert [e.details["number"] for e in audit_events("assignment_source_stored")] == [1, 3]
    with pytest.raises(sources.SourceRefused):
        sources.store_source(SYSTEM, course, "lab1", {"notes.txt": b"x"}, origin="upload")


def test_rolling_back_a_course_restores_its_assignment_sources(app, tmp_path, empty_assignments):
    files = folder_files(write_course(tmp_path, course_yaml=with_notebook()))
    files["assignments/lab1/lab1.ipynb"] = NOTEBOOK
    assert content.store_package(SYSTEM, files, origin="upload", display="demo.zip", name="demo").ok
    files["assignments/lab1/lab1.ipynb"] = NOTEBOOK.replace(b"x = 1", b"x = 5")
    report = content.store_package(SYSTEM, files, origin="upload", display="demo.zip", name="demo")
    assert report.imported == [("demo", "updated")] and report.versions == {"demo": 2}
    course = services.get_course("demo")
    assert content.get_version(course, 2).diff["files_changed"] == ["assignments/lab1/"]

    content.rollback(SYSTEM, course, 1)
    latest = sources.latest(course.id, "lab1")
    assert (latest.number, latest.origin) == (3, "rollback")
    assert find_assignment(app.config["OQU_SETTINGS"], "demo", "lab1").notebooks[0].read_bytes() == NOTEBOOK


def test_content_adopt_stores_an_installations_folders_once(app, tmp_path):
    from sqlalchemy import delete

    assignments = tmp_path / "assignments"
    (assignments / "demo" / "lab1").mkdir(parents=True)
    (assignments / "demo" / "lab1" / "lab1.ipynb").write_bytes(NOTEBOOK)
    app.config["OQU_SETTINGS"].assignments_dir = str(assignments)
    course = import_course(tmp_path, course_yaml=with_notebook())
    from lms.courses.models import CourseVersionFile
    from lms.grading.models import SourceFile

    for model in (CourseVersionFile, CourseVersion, SourceFile, SourceVersion):  # as before the store
        db.session.execute(delete(model))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["lms", "content-adopt"])
    assert result.exit_code == 0, result.output
    assert "demo: version 1" in result.output
    assert [v.number for v in content.course_versions(SYSTEM, course)] == [1]
    assert sources.latest(course.id, "lab1").number == 1
    again = app.test_cli_runner().invoke(args=["lms", "content-adopt"])
    assert "demo: stored already (version 1)" in again.output
    assert [v.number for v in content.course_versions(SYSTEM, course)] == [1]

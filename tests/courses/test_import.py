"""Importing course files: all-or-nothing per course, idempotent, keeps learners' records."""
from sqlalchemy import func, select

from lms.courses import services
from lms.courses.models import Course, CourseAsset, Item, Module
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.models import ItemProgress, QuizAttempt
from lms.security import SYSTEM, PermissionDenied

from ..conftest import audit_events
from .files import CORRECT, COURSE, import_course, write_course


def run_import(app, path):
    return app.test_cli_runner(mix_stderr=False).invoke(args=["lms", "import-courses", str(path)]) \
        if _mix_stderr_supported() else app.test_cli_runner().invoke(args=["lms", "import-courses", str(path)])


def _mix_stderr_supported() -> bool:
    import inspect

    from click.testing import CliRunner
    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_error_prints_file_and_line_and_changes_nothing_then_the_fix_imports(app, tmp_path):
    broken = COURSE.format(slug="demo").replace('    title: {kk: "Екінші сабақ", ru: "Второй урок"}\n',
                                                '    title: {kk: "Екінші сабақ"}\n')
    write_course(tmp_path, course_yaml=broken)
    result = run_import(app, tmp_path)
    assert result.exit_code == 2
    output = result.output + (getattr(result, "stderr", "") or "")
    assert f"{tmp_path}/demo/course.yaml:20: lesson 'l2': missing 'ru' translation of 'title'" in output
    assert count(Course) == 0 and count(Item) == 0

    write_course(tmp_path)
    result = run_import(app, tmp_path)
    assert result.exit_code == 0, result.output
    assert "demo: created" in result.output
    course = services.get_course("demo")
    assert [i.key for i in course.active_items()] == ["l1", "l2", "q1"]
    assert "Первый урок" in course.active_items()[0].html_ru
    assert [e.details["slug"] for e in audit_events("course_imported")] == ["demo"]


def test_one_broken_course_does_not_stop_the_others(app, tmp_path):
    write_course(tmp_path, "good")
    write_course(tmp_path, "bad", lessons={"l1.kk.md": None})
    report = services.import_courses(SYSTEM, tmp_path)
    assert report.imported == [("good", "created")]
    assert [p.file for p in report.problems] == [f"{tmp_path}/bad/course.yaml"]
    assert db.session.scalar(select(Course).where(Course.slug == "bad")) is None


def test_reimporting_unchanged_files_changes_nothing(app, tmp_path):
    import_course(tmp_path)
    report = services.import_courses(SYSTEM, tmp_path / "demo")
    assert report.imported == [("demo", "unchanged")]
    assert len(audit_events("course_imported")) == 1


def test_reimport_after_editing_a_lesson_keeps_progress_attempts_and_enrolment(app, tmp_path, make):
    course = import_course(tmp_path)
    learner = make.user("learner")
    enrolment = learning.enrol_learner(learner, course)
    l1, l2, q1 = course.active_items()
    learning.complete_lesson(learner, enrolment, l1)
    attempt = learning.start_attempt(learner, enrolment, q1)
    learning.submit_attempt(learner, attempt, CORRECT)

    write_course(tmp_path, lessons={"l1.ru.md": "# Первый урок (исправлено)\n\nНовый текст.\n"})
    report = services.import_courses(SYSTEM, tmp_path / "demo")
    assert report.imported == [("demo", "updated")]
    db.session.expire_all()
    course = services.get_course("demo")
    l1_again = services.get_item(course, "l1")
    assert l1_again.id == l1.id and "Новый текст" in l1_again.html_ru
    progress = learning.course_progress(learner, course)
    assert l1.id in progress.completed_items and q1.id in progress.completed_items
    assert learning.enrolment_for(learner, course).id == enrolment.id
    assert count(QuizAttempt) == 1 and db.session.get(QuizAttempt, attempt.id).percent == 100


def test_an_item_removed_from_the_files_is_retired_not_deleted(app, tmp_path, make):
    course = import_course(tmp_path)
    learner = make.user("learner")
    enrolment = learning.enrol_learner(learner, course)
    l2 = services.get_item(course, "l2")
    learning.complete_lesson(learner, enrolment, l2)

    without_l2 = COURSE.format(slug="demo").replace(
        '      - lesson: l2\n        title: {kk: "Екінші сабақ", ru: "Второй урок"}\n', "")
    write_course(tmp_path, course_yaml=without_l2)
    assert services.import_courses(SYSTEM, tmp_path / "demo").ok
    db.session.expire_all()
    retired = db.session.get(Item, l2.id)
    assert retired.retired_at is not None
    assert [i.key for i in services.get_course("demo").active_items()] == ["l1", "q1"]
    assert db.session.scalar(select(ItemProgress).where(ItemProgress.item_id == l2.id)).completed_at is not None
    assert learning.course_progress(learner, services.get_course("demo")).total == 2

    write_course(tmp_path)  # put it back: the same item returns with its progress
    assert services.import_courses(SYSTEM, tmp_path / "demo").ok
    db.session.expire_all()
    assert db.session.get(Item, l2.id).retired_at is None
    assert l2.id in learning.course_progress(learner, services.get_course("demo")).completed_items


def test_an_item_moved_to_another_module_keeps_its_id(app, tmp_path):
    course = import_course(tmp_path)
    q1 = services.get_item(course, "q1")
    head = COURSE.format(slug="demo").split("modules:")[0]
    moved = head + """modules:
  - id: m1
    title: {kk: "Бірінші модуль", ru: "Первый модуль"}
    items:
      - quiz: q1
        title: {kk: "Тест", ru: "Тест"}
      - lesson: l1
        title: {kk: "Бірінші сабақ", ru: "Первый урок"}
      - lesson: l2
        title: {kk: "Екінші сабақ", ru: "Второй урок"}
  - id: m2
    title: {kk: "Екінші модуль", ru: "Второй модуль"}
    items:
      - lesson: l3
        title: {kk: a, ru: b}
"""
    write_course(tmp_path, course_yaml=moved, lessons={"l3.kk.md": "a\n", "l3.ru.md": "b\n"})
    report = services.import_courses(SYSTEM, tmp_path / "demo")
    assert report.ok, [str(p) for p in report.problems]
    db.session.expire_all()
    course = services.get_course("demo")
    assert [i.key for i in course.active_items()] == ["q1", "l1", "l2", "l3"]
    assert services.get_item(course, "q1").id == q1.id
    assert db.session.scalar(select(Module).where(Module.key == "m2")).retired_at is None


def test_unknown_prerequisite_is_reported(app, tmp_path):
    text = "prerequisites: [no-such-course]\n" + COURSE.format(slug="demo")
    write_course(tmp_path, course_yaml=text)
    report = services.import_courses(SYSTEM, tmp_path)
    assert [str(p) for p in report.problems] == [f"{tmp_path}/demo/course.yaml:1: unknown prerequisite course 'no-such-course'"]


def test_images_are_stored_and_served(app, client, tmp_path, make):
    from ..conftest import sign_in

    folder = write_course(tmp_path, lessons={"l1.kk.md": "# A\n\n![сызба](../images/d.png)\n"})
    (folder / "images").mkdir()
    (folder / "images" / "d.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    assert services.import_courses(SYSTEM, folder).ok
    course = services.get_course("demo")
    assert 'src="/courses/demo/assets/images/d.png"' in services.get_item(course, "l1").html_kk
    assert count(CourseAsset) == 1
    sign_in(client, make.user("learner"))
    response = client.get("/courses/demo/assets/images/d.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert client.get("/courses/demo/assets/images/other.png").status_code == 404


def test_only_instructors_and_admins_import(app, tmp_path, make):
    import pytest

    write_course(tmp_path)
    with pytest.raises(PermissionDenied):
        services.import_courses(make.user("learner"), tmp_path)
    assert services.import_courses(make.user("instructor"), tmp_path).ok

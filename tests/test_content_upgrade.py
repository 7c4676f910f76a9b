"""Upgrading an installation from before the content store: a database at ``0012_slurmacct`` with an
imported course (its folder and its assignment's folder on disk), a published assignment version and a
graded submission migrates to the head with nothing lost; the assignment's source is usable, and after
``lms content-adopt`` the course and its source are in the store, so the folders can go."""
from __future__ import annotations

import shutil

from sqlalchemy import func, select

from lms import create_app
from lms.extensions import db

from .courses.files import COURSE, write_course
from .courses.test_content_store import NOTEBOOK, NOTEBOOK_ITEM
from .test_migrations import keep_logging  # noqa: F401 — fixture


def _flask_db(app, *args: str) -> None:
    db.session.remove()
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, f"flask db {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"


def _counts() -> dict[str, int]:
    from lms.courses.models import Course, Item
    from lms.grading.models import AssignmentVersion, Submission, SubmissionScore
    from lms.learning.models import Enrolment, ItemProgress

    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Course, Item, Enrolment, ItemProgress, AssignmentVersion, Submission, SubmissionScore)}


def _old_installation(tmp_path):
    """What an installation at 0012 holds: the course imported the old way (no version), the
    assignment's folder published as version 1, a learner's progress and graded submission."""
    from lms.courses import services
    from lms.grading.models import AssignmentVersion, Submission, SubmissionScore, SubmissionStatus
    from lms.grading.student_versions import content_hash
    from lms.learning.models import ItemProgress
    from lms.security import SYSTEM
    from lms.utils import utcnow

    from . import factories

    folder = write_course(tmp_path / "courses", course_yaml=COURSE.format(slug="demo").replace(
        "      - quiz: q1\n", NOTEBOOK_ITEM + "      - quiz: q1\n"))
    source = tmp_path / "notebooks" / "demo" / "lab1"
    source.mkdir(parents=True)
    (source / "lab1.ipynb").write_bytes(NOTEBOOK)
    (specs, problems) = services.validate_courses(folder)
    assert not problems and services._apply(SYSTEM, specs[0]) == "created"  # the importer of before
    course = services.get_course("demo")
    learner = factories.user("learner")
    factories.enrolment(learner, course)
    lesson = services.get_item(course, "l1")
    db.session.add(ItemProgress(user_id=learner.id, item_id=lesson.id, course_id=course.id, completed_at=utcnow()))
    version = AssignmentVersion(course_id=course.id, assignment="lab1", version=1, content_hash=content_hash(source),
                                cells=[{"notebook": "lab1.ipynb", "cell": "c1", "max_score": 2.0, "auto": True}],
                                max_total=2.0)
    db.session.add(version)
    db.session.flush()
    submission = Submission(user_id=learner.id, course_id=course.id, assignment="lab1", attempt=1,
                            content={"lab1.ipynb": NOTEBOOK.decode()}, content_hash="h" * 64, size_bytes=len(NOTEBOOK),
                            status=SubmissionStatus.graded, total=2.0, max_total=2.0, flags=[], graded_at=utcnow())
    submission.scores = [SubmissionScore(notebook="lab1.ipynb", cell="c1", score=2.0, max_score=2.0, outcome="passed")]
    db.session.add(submission)
    db.session.commit()
    return folder, source, version.content_hash, submission.id, version.id


def test_an_installation_at_0012_upgrades_with_nothing_lost_and_its_sources_usable(tmp_path, keep_logging):  # noqa: F811
    from lms.courses import content, services
    from lms.grading import sources
    from lms.grading.models import Submission
    from lms.grading.notebooks import find_assignment
    from lms.security import SYSTEM

    app = create_app({"env": "testing", "instance_path": str(tmp_path / "instance"), "secret_key": "u" * 40,
                      "database_url": f"sqlite:///{tmp_path / 'old.db'}", "assignments_dir": str(tmp_path / "notebooks"),
                      "hub_url": "http://127.0.0.1:9", "hub_api_url": "http://127.0.0.1:9/hub/api",
                      "queue_url": "memory://"})
    with app.app_context():
        try:
            _flask_db(app, "upgrade", "0012_slurmacct")
            folder, source, published_hash, submission_id, version_id = _old_installation(tmp_path)
            before = _counts()
            _flask_db(app, "upgrade")
            assert _counts() == before
            submission = db.session.get(Submission, submission_id)
            assert (submission.status.value, submission.total, submission.version_id) == ("graded", 2.0, version_id)
            assert [(s.cell, s.score) for s in submission.scores] == [("c1", 2.0)]

            found = find_assignment(app.config["OQU_SETTINGS"], "demo", "lab1")  # adopted on first read
            from lms.grading.student_versions import content_hash

            assert content_hash(found.folder) == published_hash
            db.session.commit()

            result = app.test_cli_runner().invoke(args=["lms", "content-adopt"])
            assert result.exit_code == 0, result.output
            assert "demo: version 1" in result.output
            course = services.get_course("demo")
            assert [(v.number, v.origin) for v in content.course_versions(SYSTEM, course)] == [(1, "folder")]
            assert sources.latest(course.id, "lab1").content_hash == published_hash
            assert _counts() == before

            shutil.rmtree(folder)  # the folders can go: the store has them
            shutil.rmtree(source)
            shutil.rmtree(tmp_path / "instance" / "sources")
            again = find_assignment(app.config["OQU_SETTINGS"], "demo", "lab1")
            assert again.notebooks[0].read_bytes() == NOTEBOOK
            package = content.package_files(course)
            assert "course.yaml" in package and package["assignments/lab1/lab1.ipynb"] == NOTEBOOK
        finally:
            db.session.remove()
            db.engine.dispose()

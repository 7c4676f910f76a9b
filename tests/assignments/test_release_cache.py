"""The cache of student versions (``instance/student-versions/``, lms.grading.student_versions) keeps what learners can still be given: the
version just made and the latest published one; older versions go when a new one is made."""
import json
from pathlib import Path

import pytest

from lms.assignments.release import student_version
from lms.grading.notebooks import find_assignment
from lms.courses.models import Course, Level
from lms.extensions import db
from lms.grading.models import AssignmentVersion
from tests.grading.files import copy_demo


def _edit(notebook: Path, text: str) -> None:
    """Change the first markdown cell, as an instructor revising the task does."""
    content = json.loads(notebook.read_text())
    cell = next(c for c in content["cells"] if c["cell_type"] == "markdown")
    cell["source"] = text
    notebook.write_text(json.dumps(content))


@pytest.mark.integration  # nbgrader's generate step runs in the sandbox
def test_a_new_student_version_drops_those_no_learner_can_be_given(app, tmp_path):
    settings = app.config["OQU_SETTINGS"]
    settings.assignments_dir = str(tmp_path / "assignments")
    notebook = copy_demo(tmp_path / "assignments", "statistics")
    course = Course(slug="ai-basics", title_kk="Негіздер", title_ru="Основы", level=Level.beginner, hours=8)
    db.session.add(course)
    db.session.commit()
    cache = Path(settings.instance_path) / "student-versions" / "ai-basics" / "statistics"

    def version() -> str:
        return student_version(settings, find_assignment(settings, "ai-basics", "statistics")).version

    first = version()
    _edit(notebook, "Орташа мен медиана (екінші нұсқа)")
    second = version()
    assert {p.name for p in cache.iterdir()} == {second}  # never published: only the current one is needed

    db.session.add(AssignmentVersion(course_id=course.id, assignment="statistics", version=1, content_hash=second))
    db.session.commit()
    _edit(notebook, "Орташа мен медиана (үшінші нұсқа, жарияланбаған)")
    third = version()
    assert {p.name for p in cache.iterdir()} == {second, third}  # the published one stays releasable
    assert len({first, second, third}) == 3
    assert student_version(settings, find_assignment(settings, "ai-basics", "statistics")).files  # read back whole

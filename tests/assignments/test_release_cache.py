"""The cache of student versions (``instance/releases/``) keeps what learners can still be given: the
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
    cache = Path(settings.instance_path) / "releases" / "ai-basics" / "statistics"

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


@pytest.mark.integration  # nbgrader's generate step runs in the sandbox
def test_release_and_grading_share_one_generated_student_version(app, tmp_path, monkeypatch):
    from lms.grading import generated, services
    from tests.grading.files import learner_version

    settings = app.config["OQU_SETTINGS"]
    settings.assignments_dir = str(tmp_path / "assignments")
    notebook = copy_demo(tmp_path / "assignments", "statistics")
    generate_jobs = []
    real_run_job = generated.run_job
    monkeypatch.setattr(generated, "run_job", lambda job_dir, job, limits: (
        generate_jobs.append(job["steps"]), real_run_job(job_dir, job, limits))[1])
    source = find_assignment(settings, "ai-basics", "statistics")

    released = student_version(settings, source)
    answer = json.dumps(learner_version(notebook)).encode()
    graded = services.grade_notebooks(settings, source, {notebook.name: answer})
    assert graded.status == "graded" and graded.total == graded.max_total
    assert services.grade_notebooks(settings, source, {notebook.name: answer}).total == graded.total
    assert generate_jobs == [["generate"]]  # one generate job for the release and both gradings
    folder = Path(settings.instance_path) / "releases" / "ai-basics" / "statistics" / released.version
    assert (folder / "gradebook.db").is_file() and (folder / "release" / notebook.name).is_file()
    assert oct((Path(settings.instance_path) / "releases").stat().st_mode & 0o777) == "0o700"

    _edit(notebook, "Орташа мен медиана (екінші нұсқа)")  # a changed source is generated anew, once
    source = find_assignment(settings, "ai-basics", "statistics")
    services.grade_notebooks(settings, source, {notebook.name: json.dumps(learner_version(notebook)).encode()})
    assert student_version(settings, source).version != released.version
    assert generate_jobs == [["generate"], ["generate"]]


@pytest.mark.integration  # nbgrader's generate step runs in the sandbox
def test_a_cached_entry_in_the_layout_of_before_is_made_again(app, tmp_path):
    settings = app.config["OQU_SETTINGS"]
    settings.assignments_dir = str(tmp_path / "assignments")
    notebook = copy_demo(tmp_path / "assignments", "statistics")
    source = find_assignment(settings, "ai-basics", "statistics")
    from lms.grading.authoring import source_hash

    old = Path(settings.instance_path) / "releases" / "ai-basics" / "statistics" / source_hash(source.folder)
    old.mkdir(parents=True)
    (old / notebook.name).write_text("{}")  # student files only, as the release cache kept them before
    made = student_version(settings, source)
    assert json.loads(made.files[notebook.name])["cells"]  # generated again, not the old entry
    assert (old / "gradebook.db").is_file() and not (old / notebook.name).exists()

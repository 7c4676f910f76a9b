"""One student-version cache (lms.grading.student_versions) for the release into learners' servers,
the grading of submissions and the validation of an assignment: nbgrader's generate step runs once per
content of the source folder, and a changed folder gets a new student version."""
import json
from pathlib import Path

import pytest

from lms.assignments.student_version import cached_student_version, student_version
from lms.grading import student_versions
from lms.grading.authoring.validation import validate_assignment
from lms.grading.notebooks import find_assignment
from lms.grading.services import grade_notebooks
from tests.grading.files import demo_assignment


@pytest.fixture
def generate_jobs(monkeypatch):
    """The generate jobs that really run in the sandbox (counted, not replaced)."""
    jobs = []
    real = student_versions.run_job

    def counting(job_dir, job, limits):
        if "generate" in job.get("steps", []):
            jobs.append(job["assignment"])
        return real(job_dir, job, limits)

    monkeypatch.setattr(student_versions, "run_job", counting)
    return jobs


@pytest.mark.integration  # nbgrader's generate and autograde steps run in the sandbox
def test_release_grading_and_validation_share_one_generated_student_version(app, tmp_path, generate_jobs):
    settings = app.config["OQU_SETTINGS"]
    source = demo_assignment(app, tmp_path)
    released = student_version(settings, source)
    assert generate_jobs == ["mean-and-median"]
    assert b"### BEGIN SOLUTION" not in released.files["mean-and-median.ipynb"]

    solution = {path.name: path.read_bytes() for path in source.notebooks}
    graded = grade_notebooks(settings, source, solution, keep_release=True)
    assert graded.status == "graded" and graded.total == graded.max_total > 0
    assert graded.release["mean-and-median.ipynb"] == json.loads(released.files["mean-and-median.ipynb"])
    report = validate_assignment(settings, "ai-basics", "mean-and-median", adversaries=False)
    assert report.ok, report.problems
    assert generate_jobs == ["mean-and-median"]  # grading and validation used the released version
    assert student_version(settings, source).files == released.files

    notebook = json.loads((source.folder / "mean-and-median.ipynb").read_text())
    markdown = next(c for c in notebook["cells"] if c["cell_type"] == "markdown")
    markdown["source"] = "Орташа мен медиана (екінші нұсқа)"
    (source.folder / "mean-and-median.ipynb").write_text(json.dumps(notebook))
    changed = student_version(settings, find_assignment(settings, "ai-basics", "mean-and-median"))
    assert changed.version != released.version and len(generate_jobs) == 2
    assert "екінші нұсқа" in changed.files["mean-and-median.ipynb"].decode()
    regraded = grade_notebooks(settings, source, solution)
    assert regraded.status == "graded" and len(generate_jobs) == 2  # grading uses the new one, made once


def test_the_key_is_the_content_of_the_source_folder(tmp_path):
    folder = tmp_path / "source"
    (folder / ".ipynb_checkpoints").mkdir(parents=True)
    (folder / "task.ipynb").write_text("{}")
    before = student_versions.content_hash(folder)
    (folder / ".ipynb_checkpoints" / "task-checkpoint.ipynb").write_text('{"saved": 1}')
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert student_versions.content_hash(folder) == before  # editor leftovers are not a new version
    (folder / "data.csv").write_text("a,b\n")
    assert student_versions.content_hash(folder) != before
    renamed = student_versions.content_hash(folder)
    (folder / "data.csv").rename(folder / "other.csv")
    assert student_versions.content_hash(folder) != renamed


def test_a_cache_folder_from_before_is_ignored(app, tmp_path):
    """Student versions cached by earlier releases (``instance/releases/<course>/<assignment>/<hash>/``)
    are never read: the one cache is ``instance/student-versions/``, and a folder there counts only
    once it was completely made."""
    settings = app.config["OQU_SETTINGS"]
    source = demo_assignment(app, tmp_path)
    version = student_versions.content_hash(source.folder)
    old = Path(settings.instance_path) / "releases" / "ai-basics" / "mean-and-median" / version
    old.mkdir(parents=True)
    (old / "mean-and-median.ipynb").write_text('{"cells": []}')
    assert cached_student_version(settings, source, version) is None
    half_made = student_versions.cache_folder(settings, "ai-basics", "mean-and-median", version)
    (half_made / "release").mkdir(parents=True)
    assert cached_student_version(settings, source, version) is None
    (half_made / "release" / "mean-and-median.ipynb").write_text('{"cells": []}')
    (half_made / "done").touch()
    assert cached_student_version(settings, source, version).files == {"mean-and-median.ipynb": b'{"cells": []}'}

"""Every nbgrader assignment under notebooks/ grades as it should (issue #8), in the real sandbox:

* the instructor's source earns full marks, and its student version holds no solution code and no
  hidden test (``validate_assignment``, the check behind ``lms validate-assignment``);
* the student version exactly as released — stubs that raise ``NotImplementedError`` — earns zero on
  every automatically graded cell, so no test passes for free;
* each notebook runs on the CPU in well under two minutes (generating the student version and
  autograding the solution, all in the sandbox under the production limits).

Each assignment is generated and graded once per module (two sandbox runs), then checked by the
tests below. ``LMS_ASSIGNMENTS_DIR`` points the suite at another copy of the notebooks.
"""
from __future__ import annotations

import filecmp
import json
import os
import runpy
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from lms.grading.authoring.validation import ValidationReport, validate_assignment
from lms.grading import services as grading_services
from lms.grading.services import GradingResult
from lms.settings import Settings

PROJECT = Path(__file__).resolve().parents[2]
ROOT = Path(os.environ.get("LMS_ASSIGNMENTS_DIR") or PROJECT / "notebooks")
ASSIGNMENTS = sorted({f"{path.parent.parent.name}/{path.parent.name}" for path in ROOT.glob("*/*/*.ipynb")})
CPU_LIMIT_S = 120

pytestmark = [pytest.mark.database_independent,  # the grading sandbox only: run once, in the SQLite pass
              pytest.mark.integration]  # the sandbox runs every starter notebook


@dataclass
class Checked:
    report: ValidationReport
    solution: GradingResult | None     # the instructor source, graded (with the student version generated)
    student: GradingResult | None      # the released student version, graded as it is


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return Settings.load({"env": "testing", "instance_path": str(tmp_path_factory.mktemp("instance")),
                          "secret_key": "t" * 40, "assignments_dir": str(ROOT)})


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def checked(request, settings) -> Checked:
    course, assignment = request.param.split("/")
    runs: list[GradingResult] = []
    grade = grading_services.grade_notebooks

    def recording(*args, **kwargs):
        result = grade(*args, **kwargs)
        runs.append(result)
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grading_services, "grade_notebooks", recording)
        report = validate_assignment(settings, course, assignment, adversaries=False)  # graded as released below
    if not runs or not runs[0].release:
        return Checked(report, runs[0] if runs else None, None)
    released = {name: json.dumps(notebook).encode() for name, notebook in runs[0].release.items()}
    student = grade(settings, report.source, released, student="released-as-is")
    return Checked(report, runs[0], student)


def test_assignments_are_found():
    assert "ai-basics/mean-and-median" in ASSIGNMENTS or os.environ.get("LMS_ASSIGNMENTS_DIR")
    assert len(ASSIGNMENTS) >= 5, ASSIGNMENTS


def test_solution_earns_full_marks_and_student_version_hides_it(checked):
    report = checked.report
    assert report.ok, "\n".join(report.problems)
    auto = [cell for cell in report.cells if cell["auto"]]
    assert auto, "no automatically graded cell"
    assert all(cell["score"] == cell["max_score"] for cell in auto)
    for name, notebook in checked.solution.release.items():
        text = json.dumps(notebook)
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, name


def test_student_version_as_released_earns_zero(checked):
    student = checked.student
    assert student is not None and student.status == "graded", student and student.error
    scored = [f"{cell['cell']}: {cell['score']} of {cell['max_score']}"
              for cell in student.cells if cell["auto"] and cell["score"]]
    assert not scored, f"tests pass without an answer: {scored}"
    assert student.total == 0


def test_notebook_runs_on_cpu_within_two_minutes(checked):
    seconds = checked.solution.seconds if checked.solution else None
    assert seconds is not None, "\n".join(checked.report.problems)
    assert seconds < CPU_LIMIT_S, f"{checked.report.source.name}: generate + autograde took {seconds:.1f} s"
    print(f"{checked.report.source.course}/{checked.report.source.name}: {seconds:.1f} s")


def test_python_ml_data_files_are_rebuilt_identically_by_their_script(tmp_path):
    course = PROJECT / "notebooks" / "python-ml"
    copy = tmp_path / "python-ml"
    shutil.copytree(course / "data", copy / "data")
    runpy.run_path(str(copy / "data" / "make_datasets.py"), run_name="__main__")
    built = sorted(path.relative_to(copy) for path in copy.glob("*/*.csv"))
    assert built, "make_datasets.py wrote nothing"
    for relative in built:
        assert filecmp.cmp(copy / relative, course / relative, shallow=False), f"{relative} differs from its script"

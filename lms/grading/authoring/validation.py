"""Authoring: validating an assignment before learners get it. Generate the student version and
autograde the instructor's own solution in the sandbox, check that nothing secret leaks, then grade
trick answers (:mod:`lms.grading.authoring.adversaries`)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..notebooks import AssignmentSource, find_assignment, leaks


@dataclass
class ValidationReport:
    source: AssignmentSource
    cells: list[dict] = field(default_factory=list)   # the instructor solution's graded cells
    problems: list[str] = field(default_factory=list)
    # trick answers graded (lms.grading.authoring.adversaries): {kind, detail, cells that award them points,
    # error when one could not be graded}; warnings for the instructor, not problems
    adversaries: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_assignment(settings, course: str, assignment: str, adversaries: bool = True) -> ValidationReport:
    """Generate the student version and autograde the instructor's own solution, in the sandbox; then
    grade trick answers (:mod:`lms.grading.authoring.adversaries`) and record which test cells award them points.

    Problems: generation fails; the student version contains solution or hidden-test text; the
    solution does not earn full marks on every automatically graded cell; there is no graded cell.
    """
    return validate_source(settings, find_assignment(settings, course, assignment), adversaries)


def validate_source(settings, source: AssignmentSource, adversaries: bool = True) -> ValidationReport:
    """:func:`validate_assignment` of one source folder (a stored version, lms.grading.sources)."""
    from ..services import GradingError, grade_notebooks

    report = ValidationReport(source)
    files = {path.name: path.read_bytes() for path in source.notebooks}
    try:
        result = grade_notebooks(settings, source, files, student="instructor-check", keep_release=True)
    except GradingError as exc:
        report.problems.append(str(exc))
        return report
    import json

    for path in source.notebooks:
        released = result.release.get(path.name)
        if released is None:
            report.problems.append(f"{path.name}: no student version was generated")
            continue
        for leak in leaks(json.loads(path.read_text()), released):
            report.problems.append(f"{path.name}: the student version contains solution or hidden-test text: {leak}")
    report.cells = result.cells
    if result.status != "graded":
        report.problems.append(f"autograding the solution failed: {result.error}")
        return report
    if not result.cells:
        report.problems.append("the assignment has no graded cell")
    for cell in result.cells:
        if cell["auto"] and (cell["score"] is None or cell["score"] < cell["max_score"]):
            report.problems.append(f"{cell['notebook']}/{cell['cell']}: the solution earns {cell['score']} "
                                   f"of {cell['max_score']} points")
    if report.ok and adversaries:
        report.adversaries = grade_adversaries(settings, source, result.release)
    return report


def grade_adversaries(settings, source: AssignmentSource, student_versions: dict[str, dict]) -> list[dict]:
    """Grade each trick answer; per answer the automatically graded cells that give it points."""
    import json

    from ..services import GradingError, grade_notebooks
    from .adversaries import adversaries

    originals = {path.name: json.loads(path.read_text()) for path in source.notebooks}
    found = []
    for adversary in adversaries(originals, student_versions):
        files = {name: json.dumps(notebook).encode() for name, notebook in adversary.notebooks.items()}
        entry = {"kind": adversary.kind, "detail": adversary.detail, "cells": [], "error": ""}
        try:
            result = grade_notebooks(settings, source, files, student="adversary")
        except GradingError as exc:
            result = None
            entry["error"] = str(exc)
        if result is not None and result.status != "graded":
            entry["error"] = result.error
        elif result is not None:
            entry["cells"] = [{"notebook": c["notebook"], "cell": c["cell"], "score": c["score"],
                               "max_score": c["max_score"]} for c in result.cells if c["auto"] and c["score"]]
        found.append(entry)
    return found

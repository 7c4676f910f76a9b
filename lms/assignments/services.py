"""Assignment sources and their validation.

An assignment's source notebooks (nbgrader-marked: solution, grade and locked cells,
``### BEGIN SOLUTION`` / ``### BEGIN HIDDEN TESTS`` regions) live in
``<LMS_ASSIGNMENTS_DIR>/<course>/<assignment>/`` with any data files they read. A course lists an
assignment as a ``notebook`` item whose id is the assignment's folder name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
REGION = re.compile(r"^\s*#+\s*BEGIN (SOLUTION|HIDDEN TESTS)\s*$(.*?)^\s*#+\s*END \1\s*$",
                    re.MULTILINE | re.DOTALL)
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


class AssignmentError(Exception):
    """An assignment that cannot be found or used; the message says why (untranslated, for the CLI
    and logs)."""


@dataclass
class AssignmentSource:
    course: str
    name: str
    folder: Path
    notebooks: list[Path]


@dataclass
class ValidationReport:
    source: AssignmentSource
    cells: list[dict] = field(default_factory=list)   # the instructor solution's graded cells
    problems: list[str] = field(default_factory=list)
    # trick answers graded (lms.assignments.adversaries): {kind, detail, cells that award them points,
    # error when one could not be graded}; warnings for the instructor, not problems
    adversaries: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def find_assignment(settings, course: str, assignment: str) -> AssignmentSource:
    """The source folder of ``course``/``assignment``; :class:`AssignmentError` when it is missing."""
    for label, value in (("course", course), ("assignment", assignment)):
        if not SLUG.match(value or ""):
            raise AssignmentError(f"{label} {value!r} is not a valid name (lower-case letters, digits, - and _)")
    folder = Path(settings.assignments_dir) / course / assignment
    if not folder.is_dir():
        raise AssignmentError(f"no assignment folder {folder}")
    notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if not notebooks:
        raise AssignmentError(f"{folder} holds no .ipynb notebook")
    return AssignmentSource(course, assignment, folder, notebooks)


def _cell_text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def secret_lines(notebook: dict) -> tuple[set[str], set[str]]:
    """Lines of solution and hidden-test regions that appear nowhere else in the notebook."""
    secret: set[str] = set()
    public: set[str] = set()
    for cell in notebook.get("cells", []):
        text = _cell_text(cell)
        regions = [m.group(2) for m in REGION.finditer(text)]
        outside = REGION.sub("", text)
        public.update(line.strip() for line in outside.splitlines())
        for region in regions:
            secret.update(line.strip() for line in region.splitlines())
    secret = {line for line in secret - public if len(line) >= 4 and not line.startswith("#")}
    return secret, public


def leaks(source_nb: dict, release_nb: dict) -> list[str]:
    """Solution or hidden-test text that survived into the student version."""
    secret, _ = secret_lines(source_nb)
    found = []
    for cell in release_nb.get("cells", []):
        text = _cell_text(cell)
        for marker in MARKERS:
            if marker in text:
                found.append(f"marker {marker!r}")
        for line in text.splitlines():
            if line.strip() in secret:
                found.append(f"line {line.strip()!r}")
    return sorted(set(found))


def validate_assignment(settings, course: str, assignment: str, adversaries: bool = True) -> ValidationReport:
    """Generate the student version and autograde the instructor's own solution, in the sandbox; then
    grade trick answers (:mod:`lms.assignments.adversaries`) and record which test cells award them points.

    Problems: generation fails; the student version contains solution or hidden-test text; the
    solution does not earn full marks on every automatically graded cell; there is no graded cell.
    """
    from ..grading.services import GradingError, grade_notebooks

    source = find_assignment(settings, course, assignment)
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

    from ..grading.services import GradingError, grade_notebooks
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

"""Grading notebook files against an assignment, in the sandbox (DESIGN §4).

A pipeline of small steps: read and check the files → lay out a throwaway course folder →
generate the student version (sandbox) → autograde the submission (sandbox) → read the scores
after the child has exited → compare protected cells with the student version → look for code
that reaches for grading machinery. Nothing here writes to the LMS database: callers record the
:class:`GradingResult` (the submission pipeline) or print it (``lms test-grade``).
"""
from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import student_versions
from .feedback import cell_feedback
from .notebooks import (GradingError, check_nbgrader_metadata, protected_changes, read_notebook,  # noqa: F401
                        suspicious_code)
from .sandbox import SandboxLimits, job_folder, run_job, sandbox_problem


class SandboxUnavailable(GradingError):
    """This machine cannot set up the grading sandbox (and it is not switched off): nothing may be
    graded here. Submissions wait, queued, for a worker that can."""


@dataclass
class GradingResult:
    status: str                                   # graded | failed
    cells: list[dict] = field(default_factory=list)
    total: float | None = None
    max_total: float = 0.0
    flags: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    release: dict = field(default_factory=dict, repr=False)   # student versions (validation)
    autograded: dict = field(default_factory=dict, repr=False)  # autograded notebooks by name

    def as_json(self) -> dict:
        data = asdict(self)
        for internal in ("release", "autograded"):
            data.pop(internal)
        return data


def limits_from(settings) -> SandboxLimits:
    return SandboxLimits(timeout=settings.grading_timeout, memory_mb=settings.grading_memory_mb,
                         user=settings.grading_user, sandbox=settings.grading_sandbox, folder=settings.grading_dir)


def _match_names(source, files: dict[str, bytes]) -> dict[str, bytes]:
    expected = {path.name for path in source.notebooks}
    if set(files) <= expected:
        return files
    if len(expected) == 1 and len(files) == 1:  # one notebook each: the name does not matter
        return {next(iter(expected)): next(iter(files.values()))}
    unknown = ", ".join(sorted(set(files) - expected))
    raise GradingError(f"not notebooks of this assignment: {unknown} (expected {', '.join(sorted(expected))})")


def grade_notebooks(settings, source, files: dict[str, bytes], student: str = "learner",
                    keep_release: bool = False) -> GradingResult:
    """Grade ``files`` (name → notebook bytes) against ``source`` (an AssignmentSource) in the sandbox.
    Each graded cell also gets the feedback its learner may see (lms.grading.feedback).
    The instructor's source never enters the job that runs learner code: the student version and a
    gradebook that knows the assignment come from a separate generate job (:func:`_release`), and
    the job gets copies of those and of the assignment's data files. :class:`SandboxUnavailable` when
    this machine cannot sandbox grading (nothing was run)."""
    files = _match_names(source, files)
    submitted = {name: read_notebook(name, content) for name, content in files.items()}
    for name, notebook in submitted.items():
        check_nbgrader_metadata(name, notebook)
    limits = limits_from(settings)
    problem = sandbox_problem(limits)
    if problem:
        raise SandboxUnavailable(f"grading is unsafe on this machine: {problem}")
    released = _release(settings, source, limits)
    job_dir = job_folder(limits)
    try:
        course = job_dir / "course"
        job = {"course_id": source.course, "assignment": source.name, "student": student,
               "cell_timeout": settings.grading_cell_timeout}
        target = course / "submitted" / student / source.name
        target.mkdir(parents=True)
        for extra in source.folder.iterdir():  # data files the notebooks read
            if extra.is_file() and extra.suffix != ".ipynb":
                shutil.copy2(extra, target / extra.name)
        for name, notebook in submitted.items():
            (target / name).write_text(json.dumps(notebook))
        if isinstance(released, GradingResult):  # the generate job did not finish: grading failed, retried
            return released
        shutil.copy2(released / "gradebook.db", course / "gradebook.db")
        steps = ["autograde"]
        run = run_job(job_dir, {**job, "steps": steps}, limits)
        release = ({p.name: json.loads(p.read_text()) for p in (released / "release").glob("*.ipynb")}
                   if keep_release else {})
        result = GradingResult(status="failed", seconds=round(run.seconds, 2), release=release)
        for name, notebook in submitted.items():
            original = json.loads((source.folder / name).read_text())
            result.flags += [f"{name}: {change}" for change in protected_changes(original, notebook)]
            result.flags += [f"{name}: {hit}" for hit in suspicious_code(notebook, original)]
        if run.status == "timed out":
            result.error = f"timed out after {limits.timeout} s"
            return result
        if run.status != "ok":
            result.error = "autograding failed: " + _tail(run)
            return result
        _read_scores(course, source, student, submitted, result)
        result.flags += tampering(job_dir)
        autograded_dir = course / "autograded" / student / source.name
        result.autograded = {p.name: json.loads(p.read_text()) for p in autograded_dir.glob("*.ipynb")}
        timed_out = {tuple(entry) for entry in run.result.get("timed_out", [])}
        for name in submitted:  # what the learner may be told, from the instructor's text only
            cell_feedback(json.loads((source.folder / name).read_text()), result.autograded.get(name, {}),
                          [cell for cell in result.cells if cell["notebook"] == name],
                          timed_out={cell for notebook, cell in timed_out if notebook == Path(name).stem})
        return result
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)


def tampering(job_dir: Path) -> list[str]:
    """What the watch in each of the job's kernels reported (lms/grading/_kernel.py), as flags: a change
    to the kernel, report lines not signed with the job's key, or a closing check that never came
    (learner code diverted execution, or the kernel died after running some)."""
    flags = []
    for path in sorted((job_dir / "tamper").glob("*.json")):
        try:
            verdict = json.loads(path.read_text())
        except ValueError:
            verdict = {"forged": True}
        flags += [f"kernel tampering: {problem}" for problem in verdict.get("problems", [])]
        if verdict.get("forged"):
            flags.append("kernel tampering: learner code wrote to the kernel's report channel")
        if verdict.get("checks") and not verdict.get("closed"):
            flags.append("kernel tampering: the kernel's closing check did not run")
    return list(dict.fromkeys(flags))


def _release(settings, source, limits):
    """The cached student version of ``source`` (lms.grading.student_versions): a folder holding the
    student notebooks (``release/``) and a gradebook that knows the assignment (``gradebook.db``), which
    every job gets its own copy of. :class:`GradingError` when nbgrader's generate step fails (the
    assignment is broken); a failed :class:`GradingResult` when the job did not finish (a timeout, a
    crash: grading is retried)."""
    try:
        return student_versions.generated(settings, source, limits)
    except student_versions.GenerateFailed as failed:
        return GradingResult(status="failed", error=str(failed))


_tail = student_versions.tail


def _read_scores(course: Path, source, student: str, submitted: dict, result: GradingResult) -> None:
    """Scores from the job's gradebook, read after the child exited. A NULL automatic score is a
    grading failure, never a zero."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=source.course) as gradebook:
        for name in sorted(submitted):
            notebook = gradebook.find_submission_notebook(Path(name).stem, source.name, student)
            for grade in sorted(notebook.grades, key=lambda g: g.cell.name):
                # a code cell is graded by its tests unless it is a written (solution) answer a person grades
                auto = grade.auto_score is not None or (grade.cell.cell_type == "code" and not grade.needs_manual_grade)
                result.cells.append({"notebook": name, "cell": grade.name, "type": grade.cell.cell_type,
                                     "auto": auto, "score": grade.score if auto else grade.manual_score,
                                     "auto_score": grade.auto_score, "max_score": grade.max_score,
                                     "needs_manual_grade": bool(grade.needs_manual_grade)})
    result.max_total = float(sum(cell["max_score"] for cell in result.cells))
    missing = [c["cell"] for c in result.cells
               if c["auto"] and c["auto_score"] is None and not c["needs_manual_grade"]]  # not one for a person
    if missing:
        result.error = "no automatic score for " + ", ".join(missing)
        result.cells, result.total = [], None
        return
    result.status = "graded"
    result.total = float(sum(cell["score"] or 0 for cell in result.cells))

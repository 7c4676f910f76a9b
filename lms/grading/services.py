"""Grading notebook files against an assignment, in the sandbox (DESIGN §4).

A pipeline of small steps: read and check the files → lay out a throwaway course folder →
generate the student version (sandbox) → autograde the submission (sandbox) → read the scores
after the child has exited → compare protected cells with the student version → look for code
that reaches for grading machinery. Nothing here writes to the LMS database: callers record the
:class:`GradingResult` (the submission pipeline) or print it (``lms test-grade``).
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .sandbox import SandboxLimits, run_job

SUSPICIOUS = [
    (re.compile(r"gradebook|nbgrader", re.I), "mentions the grader or its gradebook"),
    (re.compile(r"get_ipython\(\)\s*\.\s*(kernel|run_cell|events|ast_transformers|input_transformers)"),
     "reaches into the kernel"),
    (re.compile(r"\bIPython\.core\b|InteractiveShell|showtraceback|sys\.excepthook|ipykernel|zmq"),
     "patches the kernel's machinery"),
    (re.compile(r"sys\.modules\s*\["), "patches sys.modules"),
    (re.compile(r"\b(builtins|__builtins__)\b"), "patches builtins"),
    (re.compile(r"os\.kill|killpg|signal\.signal|os\.setsid"), "signals or detaches processes"),
]


class GradingError(Exception):
    """Files that cannot be graded at all (an invalid notebook, an unknown name): nothing was run."""


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
        data.pop("release")
        data.pop("autograded")
        return data


def limits_from(settings) -> SandboxLimits:
    return SandboxLimits(timeout=settings.grading_timeout, memory_mb=settings.grading_memory_mb,
                         user=settings.grading_user)


def read_notebook(name: str, content: bytes) -> dict:
    """The notebook as a dict, or :class:`GradingError` naming what is wrong with it."""
    import nbformat

    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise GradingError(f"{name}: not a notebook (not UTF-8 text)") from None
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 — nbformat raises several kinds for bad files
        raise GradingError(f"{name}: not a valid notebook file ({type(exc).__name__}: "
                           f"{str(exc).splitlines()[0] if str(exc) else ''})") from None
    try:
        nbformat.validate(notebook)
    except Exception as exc:  # noqa: BLE001
        raise GradingError(f"{name}: not a valid notebook ({str(exc).splitlines()[0]})") from None
    return json.loads(nbformat.writes(notebook))


def _match_names(source, files: dict[str, bytes]) -> dict[str, bytes]:
    expected = {path.name for path in source.notebooks}
    if set(files) <= expected:
        return files
    if len(expected) == 1 and len(files) == 1:  # one notebook each: the name does not matter
        return {next(iter(expected)): next(iter(files.values()))}
    unknown = ", ".join(sorted(set(files) - expected))
    raise GradingError(f"not notebooks of this assignment: {unknown} (expected {', '.join(sorted(expected))})")


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def protected_changes(source_nb: dict, submitted_nb: dict) -> list[str]:
    """Test and locked cells whose text differs from the student version (the instructor's source with
    hidden tests removed, as nbgrader removes them), or that are gone. Read from the instructor's
    files, never from anything the sandbox wrote."""
    from ..assignments.services import REGION

    def protected(nb):
        cells = {}
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade_id") and (meta.get("locked") or (meta.get("grade") and not meta.get("solution"))):
                cells[meta["grade_id"]] = _normal(REGION.sub("", "".join(cell.get("source", ""))))
        return cells

    original, submitted = protected(source_nb), _all_by_id(submitted_nb)
    changes = []
    for grade_id, text in original.items():
        if grade_id not in submitted:
            changes.append(f"protected cell {grade_id!r} was removed")
        elif _normal(submitted[grade_id]) != text:
            changes.append(f"protected cell {grade_id!r} was changed")
    return changes


def _all_by_id(nb: dict) -> dict[str, str]:
    return {cell["metadata"]["nbgrader"]["grade_id"]: "".join(cell.get("source", ""))
            for cell in nb.get("cells", []) if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")}


def suspicious_code(nb: dict, source_nb: dict) -> list[str]:
    """Code the learner wrote (not in the student version) that reaches for grading machinery."""
    given = {line.strip() for cell in source_nb.get("cells", []) for line in "".join(cell.get("source", "")).splitlines()}
    found = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for line in "".join(cell.get("source", "")).splitlines():
            if line.strip() in given:
                continue
            for pattern, why in SUSPICIOUS:
                if pattern.search(line):
                    found.add(f"code {why}: {line.strip()[:80]!r}")
    return sorted(found)


def grade_notebooks(settings, source, files: dict[str, bytes], student: str = "learner",
                    keep_release: bool = False) -> GradingResult:
    """Grade ``files`` (name → notebook bytes) against ``source`` (an AssignmentSource) in the sandbox."""
    files = _match_names(source, files)
    submitted = {name: read_notebook(name, content) for name, content in files.items()}
    for name, notebook in submitted.items():
        check_nbgrader_metadata(name, notebook)
    limits = limits_from(settings)
    job_dir = Path(tempfile.mkdtemp(prefix="oqu-grade-", dir=settings.grading_dir or None))
    try:
        course = job_dir / "course"
        shutil.copytree(source.folder, course / "source" / source.name)
        job = {"course_id": source.course, "assignment": source.name, "student": student,
               "cell_timeout": max(limits.timeout + 10, 30)}
        release_dir = course / "release" / source.name
        target = course / "submitted" / student / source.name
        target.mkdir(parents=True)
        for extra in source.folder.iterdir():  # data files the notebooks read
            if extra.is_file() and extra.suffix != ".ipynb":
                shutil.copy2(extra, target / extra.name)
        for name, notebook in submitted.items():
            (target / name).write_text(json.dumps(notebook))
        run = run_job(job_dir, {**job, "steps": ["generate", "autograde"]}, limits)
        release = {p.name: json.loads(p.read_text()) for p in release_dir.glob("*.ipynb")} if keep_release else {}
        result = GradingResult(status="failed", seconds=round(run.seconds, 2), release=release)
        for name, notebook in submitted.items():
            original = json.loads((source.folder / name).read_text())
            result.flags += [f"{name}: {change}" for change in protected_changes(original, notebook)]
            result.flags += [f"{name}: {hit}" for hit in suspicious_code(notebook, original)]
        if run.status == "timed out":
            result.error = f"timed out after {limits.timeout} s"
            return result
        if run.status != "ok":
            if run.result.get("step") == "generate":
                raise GradingError("generating the student version failed: " + _tail(run))
            result.error = "autograding failed: " + _tail(run)
            return result
        _read_scores(course, source, student, submitted, result)
        autograded_dir = course / "autograded" / student / source.name
        result.autograded = {p.name: json.loads(p.read_text()) for p in autograded_dir.glob("*.ipynb")}
        return result
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)


def _tail(run) -> str:
    """The gist of a failed run: nbgrader's error lines and the last exception, not a whole traceback."""
    text = run.result.get("log") or run.result.get("error") or run.stderr or run.status
    lines = text.splitlines()
    gist = [line.strip() for line in lines if re.match(r"^\s*\w+(Error|Exception|Interrupt)\b.*:", line)][-1:]
    gist += [line.strip() for line in lines if line.startswith("[ERROR]")][:2]
    return " | ".join(gist)[-2000:] if gist else text[-2000:]


def check_nbgrader_metadata(name: str, notebook: dict) -> None:
    """Refuse notebooks whose nbgrader cell metadata nbgrader itself would choke on."""
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is None:
            continue
        if not isinstance(meta, dict) or not meta.get("grade_id") or "schema_version" not in meta:
            raise GradingError(f"{name}: cell {number} has incomplete nbgrader metadata (no grade_id or "
                               f"schema_version): an old or hand-edited notebook")


def _read_scores(course: Path, source, student: str, submitted: dict, result: GradingResult) -> None:
    """Scores from the job's gradebook, read after the child exited. A NULL automatic score is a
    grading failure, never a zero."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=source.course) as gradebook:
        for name in sorted(submitted):
            notebook = gradebook.find_submission_notebook(Path(name).stem, source.name, student)
            for grade in sorted(notebook.grades, key=lambda g: g.cell.name):
                auto = grade.auto_score is not None or grade.cell.cell_type == "code"
                result.cells.append({"notebook": name, "cell": grade.name, "type": grade.cell.cell_type,
                                     "auto": auto, "score": grade.score if auto else grade.manual_score,
                                     "auto_score": grade.auto_score, "max_score": grade.max_score,
                                     "needs_manual_grade": bool(grade.needs_manual_grade)})
    result.max_total = float(sum(cell["max_score"] for cell in result.cells))
    missing = [c["cell"] for c in result.cells if c["auto"] and c["auto_score"] is None]
    if missing:
        result.error = "no automatic score for " + ", ".join(missing)
        result.cells, result.total = [], None
        return
    result.status = "graded"
    result.total = float(sum(cell["score"] or 0 for cell in result.cells))

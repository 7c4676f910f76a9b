"""The learner's feedback, built from what the instructor wrote and never from what learner code chose.

nbgrader runs the hidden tests in the learner's kernel, so their text is in that kernel's memory
(``linecache``, IPython's hooks): anything the kernel sends back — a cell's output, an exception's
message or type name, a file name, even the traceback's text — may carry them, encoded. So the
learner's feedback holds, per graded cell:

* the outcome — ``passed``, ``failed`` (a visible check failed), ``hidden`` (a hidden check failed),
  ``manual`` (a person grades it) — and the points;
* for a failed visible check, the statement of the instructor's source (the failing ``assert`` line,
  or the statement around it) and the assertion's message when the instructor wrote it as a literal.

The only thing read from the kernel's output is the line number of the test cell's own frame in the
traceback; it picks one of the instructor's statements (a learner who forges it chooses only which
of the instructor's visible lines is shown: a few bits per test cell, like pass/fail itself). The
kernel's own words (``ename: evalue``) are kept as ``learner_error`` for instructors, who see them
marked as written by the learner's code; the learner and the API never get them.

:func:`hidden_lines` stays as the last line of defence: an instructor text that holds a line of a
hidden test is dropped.
"""
from __future__ import annotations

import ast
import logging
import re

from markupsafe import Markup

log = logging.getLogger(__name__)

HIDDEN_REGION = re.compile(r"^\s*#+\s*BEGIN HIDDEN TESTS\s*$(.*?)^\s*#+\s*END HIDDEN TESTS\s*$",
                           re.MULTILINE | re.DOTALL)
BEGIN_HIDDEN = re.compile(r"^\s*#+\s*BEGIN HIDDEN TESTS\s*$")
END_HIDDEN = re.compile(r"^\s*#+\s*END HIDDEN TESTS\s*$")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
FRAME = re.compile(r"Cell In\[(\d+)\], line (\d+)")
CHECK_LINES, CHECK_CHARS, LEARNER_CHARS = 12, 800, 500


def hidden_lines(source_nb: dict) -> set[str]:
    """Distinctive lines of the instructor's hidden tests (a call, a comparison or an assert, not
    ``else:`` or ``pass``, which a learner's own code shows too) that appear nowhere outside a hidden
    region."""
    hidden, public = set(), set()
    for cell in source_nb.get("cells", []):
        text = _text(cell)
        for region in HIDDEN_REGION.findall(text):
            hidden.update(line.strip() for line in region.splitlines())
        public.update(line.strip() for line in HIDDEN_REGION.sub("", text).splitlines())
    return {line for line in hidden - public if len(line) >= 10 and not line.startswith("#")
            and ("(" in line or "==" in line or line.startswith("assert"))}


def _text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _by_grade_id(nb: dict) -> dict[str, dict]:
    return {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in nb.get("cells", [])
            if isinstance(cell.get("metadata", {}).get("nbgrader"), dict)
            and cell["metadata"]["nbgrader"].get("grade_id")}


def _hidden_numbers(lines: list[str]) -> set[int]:
    """Line numbers (from 1) inside hidden-test regions, markers included."""
    numbers, inside = set(), False
    for number, line in enumerate(lines, start=1):
        if BEGIN_HIDDEN.match(line):
            inside = True
        if inside:
            numbers.add(number)
        if END_HIDDEN.match(line):
            inside = False
    return numbers


def failing_line(cell: dict) -> int | None:
    """The line of the test cell's own frame in its error output (the kernel's word, so only ever used
    to pick one of the instructor's lines)."""
    for output in cell.get("outputs", []):
        if output.get("output_type") != "error":
            continue
        text = ANSI.sub("", "\n".join(str(line) for line in output.get("traceback", [])))
        frames = [(int(n), int(line)) for n, line in FRAME.findall(text)]
        own = [line for n, line in frames if n == cell.get("execution_count")]
        if own:
            return own[0]
    return None


def learner_error(cell: dict) -> str | None:
    """The error the learner's kernel reported (for instructors only: written by learner code)."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            text = f"{output.get('ename', '')}: {output.get('evalue', '')}".strip(": ")
            return ANSI.sub("", text)[:LEARNER_CHARS] or None
    return None


def visible_check(source: str, line: int) -> tuple[str, str | None] | None:
    """The instructor's statement around ``line`` of a test cell (the top-level statement holding it)
    and the literal message of the ``assert`` on that line; ``"hidden"`` when the statement touches a
    hidden region; None when the line is not one of the cell's statements."""
    lines = source.splitlines()
    if not 1 <= line <= len(lines):
        return None
    hidden = _hidden_numbers(lines)
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: the line alone
        if line in hidden:
            return "hidden", None
        text = lines[line - 1].strip()
        return (text, None) if text and not text.startswith("#") else None
    for statement in tree.body:
        if not statement.lineno <= line <= (statement.end_lineno or statement.lineno):
            continue
        span = range(statement.lineno, (statement.end_lineno or statement.lineno) + 1)
        if hidden.intersection(span):
            return "hidden", None
        text = "\n".join(lines[statement.lineno - 1:span[-1]][:CHECK_LINES])[:CHECK_CHARS]
        message = None
        for node in ast.walk(statement):
            if (isinstance(node, ast.Assert) and node.lineno <= line <= (node.end_lineno or node.lineno)
                    and isinstance(node.msg, ast.Constant) and isinstance(node.msg.value, str)):
                message = node.msg.value[:CHECK_CHARS]
        return text, message
    return None


def cell_feedback(source_nb: dict, autograded_nb: dict, cells: list[dict], timed_out: set[str] = frozenset()) -> None:
    """Add to each of one notebook's graded cells (``GradingResult.cells`` entries) what its learner
    may be told — ``outcome``, ``failed_check``, ``check_message`` — and, for instructors,
    ``learner_error``. Everything shown to the learner comes from ``source_nb`` (the instructor's).
    ``timed_out``: grade ids of the cells the grading child stopped at the cell time limit (outcome
    ``timeout``; the grading child says so, not the kernel)."""
    source_cells, graded_cells = _by_grade_id(source_nb), _by_grade_id(autograded_nb)
    secret = hidden_lines(source_nb)
    for entry in cells:
        entry.update(outcome="manual", failed_check=None, check_message=None, learner_error=None)
        if not entry["auto"]:
            continue
        if entry["score"] is not None and entry["score"] >= entry["max_score"]:
            entry["outcome"] = "passed"
            continue
        entry["outcome"] = "timeout" if entry["cell"] in timed_out else "failed"
        graded, original = graded_cells.get(entry["cell"]), source_cells.get(entry["cell"])
        if graded is None or original is None:
            continue
        entry["learner_error"] = learner_error(graded)
        line = failing_line(graded)
        found = visible_check(_text(original), line) if line is not None else None
        if found is None or entry["outcome"] == "timeout":
            continue
        if found[0] == "hidden":
            entry["outcome"] = "hidden"
            continue
        check, message = found
        if any(hidden in text for text in (check, message or "") for hidden in secret):
            log.warning("feedback: a check of %s quotes a hidden test; not shown", entry["cell"])
            continue
        entry["failed_check"], entry["check_message"] = check, message


def instructor_part(stored: str | None) -> Markup:
    """The instructor's block of a submission's stored feedback (manual grades, adjusted scores,
    a cleared flag: written by lms.grading.instructor.manual in the learner's language). Anything else stored
    there by an earlier version of the pipeline (nbgrader's feedback HTML) is not shown."""
    from .instructor.manual import _FEEDBACK_BLOCK

    return Markup("\n".join(_FEEDBACK_BLOCK.findall(stored or "")))

"""Facts about nbgrader notebooks, in one place: where an assignment's source lies, the regions and
markers nbgrader strips from the student version, reading a notebook, the cells a learner must not
change, and code that reaches for the grading machinery. Pure functions over files and dicts; used by
authoring (validation), the submission pipeline and the release of student versions.

An assignment's source notebooks (nbgrader-marked: solution, grade and locked cells,
``### BEGIN SOLUTION`` / ``### BEGIN HIDDEN TESTS`` regions), with any data files they read, are stored
in the LMS (lms.grading.sources: numbered versions; a folder ``<LMS_ASSIGNMENTS_DIR>/<course>/<assignment>/``
is adopted as a version when read). A course lists an assignment as a ``notebook`` item whose id is the
assignment's name.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
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


def find_assignment(settings, course: str, assignment: str) -> AssignmentSource:
    """The source folder of ``course``/``assignment``; :class:`AssignmentError` when it is missing."""
    for label, value in (("course", course), ("assignment", assignment)):
        if not SLUG.match(value or ""):
            raise AssignmentError(f"{label} {value!r} is not a valid name (lower-case letters, digits, - and _)")
    folder = source_folder(settings, course, assignment)
    if folder is None:
        raise AssignmentError(f"no stored source and no assignment folder {Path(settings.assignments_dir) / course / assignment}")
    notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if not notebooks:
        raise AssignmentError(f"{folder} holds no .ipynb notebook")
    return AssignmentSource(course, assignment, folder, notebooks)


def source_folder(settings, course: str, assignment: str) -> Path | None:
    """The assignment's latest source as a local folder: the one stored in the LMS (lms.grading.sources,
    materialised in this machine's cache) in an application, else the assignments folder."""
    from flask import has_app_context

    if has_app_context():
        from .sources import folder_for

        return folder_for(settings, course, assignment)
    folder = Path(settings.assignments_dir) / course / assignment
    return folder if folder.is_dir() else None


def source_of_hash(settings, course, assignment: str, content_hash: str) -> AssignmentSource | None:
    """The stored source of ``course`` (a Course) / ``assignment`` whose content is ``content_hash`` (a
    published version's), or None when none is stored."""
    from .sources import folder_of_hash

    folder = folder_of_hash(settings, course, assignment, content_hash)
    if folder is None:
        return None
    return AssignmentSource(course.slug, assignment, folder, sorted(p for p in folder.glob("*.ipynb") if p.is_file()))


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


# Checked against the learner's code with comments and string literals blanked out: a comment or
# a sentence in a string that mentions nbgrader is not a cheat; importing it, or naming it as code, is.
SUSPICIOUS = [
    (re.compile(r"\b(gradebook|nbgrader)\b", re.I), "uses the grader or its gradebook"),
    (re.compile(r"get_ipython\(\)\s*\.\s*(kernel|run_cell|events|ast_transformers|input_transformers|set_custom_exc)"),
     "reaches into the kernel"),
    (re.compile(r"\bIPython\s*\.\s*core\b|InteractiveShell|showtraceback|sys\s*\.\s*excepthook|ipykernel|\bzmq\b"),
     "patches the kernel's machinery"),
    (re.compile(r"sys\s*\.\s*modules\s*\["), "patches sys.modules"),
    (re.compile(r"\b(builtins|__builtins__)\b"), "patches builtins"),
    (re.compile(r"os\s*\.\s*kill|killpg|signal\s*\.\s*signal|os\s*\.\s*setsid"), "signals or detaches processes"),
    (re.compile(r"\b__import__\b|\bimportlib\b|sys\s*\.\s*_getframe|\bctypes\b|gc\s*\.\s*get_objects"),
     "loads modules or reaches objects indirectly"),
]


# ...and a string that names the gradebook's or nbgrader's files (a path, not prose)
# (gradebook.db, .nbgrader.log, nbgrader_config.py), or one of its variables (NBGRADER_EXECUTION)
SUSPICIOUS_STRING = re.compile(r"gradebook\.db|\.nbgrader|nbgrader_\w|(^|[/\\])(gradebook|nbgrader)([/\\.]|$)", re.I)


class GradingError(Exception):
    """Files that cannot be graded at all (an invalid notebook, an unknown name): nothing was run."""


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


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def protected_changes(source_nb: dict, submitted_nb: dict) -> list[str]:
    """Test and locked cells whose text differs from the student version (the instructor's source with
    hidden tests removed, as nbgrader removes them), or that are gone. Read from the instructor's
    files, never from anything the sandbox wrote."""
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


def _blank_comments_and_strings(text: str) -> tuple[list[str], list[str]]:
    """The cell's lines with comments and string literals blanked (positions kept), and the string
    literals. IPython magics and shell lines are blanked too; text that does not tokenise (a syntax
    error) keeps its strings and loses only what follows a ``#``."""
    import io
    import tokenize

    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines()]
    code = [list(line) for line in lines]
    strings: list[str] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
            if token.type not in (tokenize.COMMENT, tokenize.STRING):
                continue
            if token.type == tokenize.STRING:
                strings.append(token.string)
            (row, col), (end_row, end_col) = token.start, token.end
            for number in range(row, end_row + 1):
                line = code[number - 1]
                first = col if number == row else 0
                last = end_col if number == end_row else len(line)
                line[first:last] = " " * (last - first)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [line.split("#", 1)[0] for line in lines], []
    return ["".join(line) for line in code], strings


def suspicious_code(nb: dict, source_nb: dict) -> list[str]:
    """Code the learner wrote (not in the student version) that reaches for grading machinery.
    Comments and prose in strings do not count; a string naming the gradebook's files does."""
    given = {line.strip() for cell in source_nb.get("cells", []) for line in "".join(cell.get("source", "")).splitlines()}
    found = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        text = "".join(cell.get("source", ""))
        code, strings = _blank_comments_and_strings(text)
        for original, line in zip(text.splitlines(), code):
            if original.strip() in given:
                continue
            for pattern, why in SUSPICIOUS:
                if pattern.search(line):
                    found.add(f"code {why}: {original.strip()[:80]!r}")
        for literal in strings:
            if SUSPICIOUS_STRING.search(literal) and literal.strip() not in given:
                found.add(f"code names the grader's files: {literal.strip()[:80]!r}")
    return sorted(found)


def check_nbgrader_metadata(name: str, notebook: dict) -> None:
    """Refuse notebooks whose nbgrader cell metadata nbgrader itself would choke on."""
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is None:
            continue
        if not isinstance(meta, dict) or not meta.get("grade_id") or "schema_version" not in meta:
            raise GradingError(f"{name}: cell {number} has incomplete nbgrader metadata (no grade_id or "
                               f"schema_version): an old or hand-edited notebook")


@dataclass(frozen=True)
class CellLabel:
    """How a graded cell is named to people: the instructor's label per language (``metadata.oqu.label_kk``
    / ``label_ru`` of the cell in the source notebook), else its place among the notebook's graded cells
    of its kind (``kind``: ``test`` for a test cell, ``answer`` for an answer graded by hand)."""
    kk: str | None
    ru: str | None
    kind: str
    number: int


def cell_labels(notebook: dict) -> dict[str, CellLabel]:
    """The graded cells of an (instructor's) notebook by grade id, with their labels."""
    labels, counts = {}, {"test": 0, "answer": 0}
    for cell in notebook.get("cells", []) if isinstance(notebook, dict) else []:
        metadata = cell.get("metadata") if isinstance(cell, dict) else None
        meta = (metadata or {}).get("nbgrader") or {}
        if not isinstance(meta, dict) or not meta.get("grade") or not meta.get("grade_id"):
            continue
        kind = "answer" if meta.get("solution") else "test"
        counts[kind] += 1
        oqu = (metadata or {}).get("oqu") or {}
        oqu = oqu if isinstance(oqu, dict) else {}
        labels[str(meta["grade_id"])] = CellLabel(_label(oqu.get("label_kk")), _label(oqu.get("label_ru")),
                                                  kind, counts[kind])
    return labels


def _label(value) -> str | None:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    return text[:120] or None


def assignment_cell_labels(settings, course: str, assignment: str) -> dict[tuple[str, str], CellLabel]:
    """The labels of every graded cell of an assignment's source notebooks, by (notebook file, grade id);
    empty when the source cannot be found or read (the pages then fall back to the grade id)."""
    try:
        source = find_assignment(settings, course, assignment)
    except AssignmentError:
        return {}
    labels = {}
    for path in source.notebooks:
        try:
            stat = path.stat()
            found = _labels_of_file(str(path), stat.st_mtime_ns, stat.st_size)
        except (OSError, ValueError):
            continue
        labels.update({(path.name, grade_id): label for grade_id, label in found.items()})
    return labels


@lru_cache(maxsize=256)
def _labels_of_file(path: str, _mtime_ns: int, _size: int) -> dict[str, CellLabel]:
    # a page names the same few cells again and again: read each version of a source notebook once
    return cell_labels(json.loads(Path(path).read_text(encoding="utf-8")))

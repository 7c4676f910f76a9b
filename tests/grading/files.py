"""Test material: the demo assignment and nbgrader's own tricky notebooks (shipped in its wheel)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbgrader

from lms.assignments.services import REGION

NBGRADER_FILES = Path(nbgrader.__file__).parent / "tests" / "apps" / "files"
DEMO = Path(__file__).resolve().parents[2] / "notebooks" / "ai-basics" / "mean-and-median"


def copy_demo(assignments_dir: Path, name: str = "mean-and-median") -> Path:
    target = assignments_dir / "ai-basics" / name
    shutil.copytree(DEMO, target)
    return target / "mean-and-median.ipynb"


def nbgrader_assignment(assignments_dir: Path, assignment: str, source_file: str) -> Path:
    """An assignment whose one source notebook is one of nbgrader's test files (as nbgrader's tests use it)."""
    target = assignments_dir / "tricky" / assignment
    target.mkdir(parents=True)
    shutil.copy(NBGRADER_FILES / source_file, target / "p1.ipynb")
    return target


def learner_version(source: Path, solve: bool = True) -> dict:
    """What a learner hands in: the source without hidden tests; solutions kept (solve) or left blank."""
    notebook = json.loads(source.read_text())
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        text = "".join(cell["source"])
        if meta.get("grade") and not meta.get("solution"):
            text = REGION.sub("", text)
        if meta.get("solution") and not solve:
            text = text.split("### BEGIN SOLUTION")[0] + "    raise NotImplementedError()"
        cell["source"] = text
    return notebook

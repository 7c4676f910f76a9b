"""Test material: the demo assignment and nbgrader's own tricky notebooks (shipped in its wheel)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbgrader

from lms.grading.notebooks import REGION

NBGRADER_FILES = Path(nbgrader.__file__).parent / "tests" / "apps" / "files"
DEMO = Path(__file__).resolve().parents[2] / "notebooks" / "ai-basics" / "mean-and-median"


def copy_demo(assignments_dir: Path, name: str = "mean-and-median") -> Path:
    target = assignments_dir / "ai-basics" / name
    shutil.copytree(DEMO, target)
    return target / "mean-and-median.ipynb"


def demo_assignment(app, tmp_path: Path):
    """The demo assignment ``ai-basics/mean-and-median`` in a fresh assignments folder the app reads."""
    from lms.grading.notebooks import find_assignment

    folder = tmp_path / "assignments"
    folder.mkdir()
    settings = app.config["OQU_SETTINGS"]
    settings.assignments_dir = str(folder)
    copy_demo(folder)
    return find_assignment(settings, "ai-basics", "mean-and-median")


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


COURSE = """\
title: {{kk: "Деректермен жұмыс", ru: "Работа с данными"}}
description: {{kk: "Сипаттама", ru: "Описание"}}
hours: 4
level: beginner
{head}modules:
  - id: m1
    title: {{kk: "Модуль", ru: "Модуль"}}
    items:
      - lesson: l1
        title: {{kk: "Сабақ", ru: "Урок"}}
{items}"""
ITEM = """\
      - notebook: {key}
        title: {{kk: "Тапсырма", ru: "Задание"}}
        file: {key}/{key}.ipynb
"""


def assignment_course(tmp_path: Path, policy: str = "", head: str = "", slug: str = "ai-basics",
                      assignments=("mean-and-median",), published: bool = True):
    """A published course with notebook items ``assignments`` (by default ``mean-and-median``, the
    demo nbgrader assignment in notebooks/ai-basics/); ``policy``: extra keys of each item, ``head``:
    course-level keys such as ``assignment_defaults`` or ``certification`` (YAML as in course.yaml).
    With ``published``, version 1 of each assignment whose source folder exists is recorded as
    published (as if an instructor had published it: :func:`publish_version`)."""
    from tests.courses.files import import_course

    policy = "".join(f"        {line}\n" for line in policy.splitlines())
    items = "".join(ITEM.format(key=key) + policy for key in assignments)
    course = import_course(tmp_path / "courses", slug, course_yaml=COURSE.format(head=head, items=items))
    if published:
        for key in assignments:
            publish_version(course, key)
    return course


def publish_version(course, assignment: str, by=None):
    """Record the assignment's source folder as its next published version, without the sandbox
    validation that publishing runs (tests that need it publish through the instructor's page).
    Nothing when the folder does not exist. Returns the AssignmentVersion or None."""
    from flask import current_app

    from lms.extensions import db
    from lms.grading.authoring import latest_version, source_hash
    from lms.grading.models import AssignmentVersion

    folder = Path(current_app.config["OQU_SETTINGS"].assignments_dir) / course.slug / assignment
    if not folder.is_dir():
        return None
    latest = latest_version(course.id, assignment)
    version = AssignmentVersion(course_id=course.id, assignment=assignment,
                                version=(latest.version + 1) if latest else 1, content_hash=source_hash(folder),
                                cells=[], max_total=0.0, published_by_id=by.id if by else None)
    db.session.add(version)
    db.session.commit()
    return version

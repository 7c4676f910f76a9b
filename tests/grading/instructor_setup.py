"""Test material for the instructors' grading pages: a course "teach" with two notebook assignments
(the demo ``mean-and-median`` and ``manual``, nbgrader's own test.ipynb with two manually graded
cells), an instructor who teaches it, and submissions written directly when a test needs no grading run."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from lms.extensions import db
from lms.grading.models import Submission, SubmissionScore, SubmissionStatus
from lms.courses.teaching import add_instructor
from lms.learning.services import enrol_learner
from lms.security import SYSTEM
from tests.grading.files import DEMO, NBGRADER_FILES

COURSE = """\
title: {kk: "Бағалау курсы", ru: "Курс оценивания"}
description: {kk: "Сипаттама", ru: "Описание"}
hours: 4
level: beginner
modules:
  - id: m1
    title: {kk: "Модуль", ru: "Модуль"}
    items:
      - lesson: l1
        title: {kk: "Сабақ", ru: "Урок"}
      - notebook: mean-and-median
        title: {kk: "Орта мән", ru: "Среднее"}
        file: mean-and-median/mean-and-median.ipynb
      - notebook: manual
        title: {kk: "Қолмен бағалау", ru: "Ручная проверка"}
        file: manual/p1.ipynb
"""


def teach_course(app, tmp_path: Path, slug: str = "teach"):
    """Import the course; its assignment sources go to a fresh assignments folder. Returns the Course."""
    from tests.courses.files import import_course

    assignments = tmp_path / "assignments"
    (assignments / slug).mkdir(parents=True, exist_ok=True)
    if not (assignments / slug / "mean-and-median").exists():
        shutil.copytree(DEMO, assignments / slug / "mean-and-median")
        (assignments / slug / "manual").mkdir()
        source = json.loads((NBGRADER_FILES / "test.ipynb").read_text())
        for cell in source["cells"]:  # keep one manually graded cell: the markdown answer
            meta = cell["metadata"].get("nbgrader", {})
            if meta.get("grade_id") == "sum_of_squares_application":
                meta.update(grade=False, points=0)
        (assignments / slug / "manual" / "p1.ipynb").write_text(json.dumps(source))
    app.config["OQU_SETTINGS"].assignments_dir = str(assignments)
    return import_course(tmp_path / "courses", slug, course_yaml=COURSE)


def teacher(make, course, **kwargs):
    person = make.user("instructor", **kwargs)
    add_instructor(SYSTEM, course, person)
    return person


def enrolled(course, person):
    enrol_learner(SYSTEM, course, learner=person)
    return person


def answer_notebook(cells: dict[str, tuple[str, str]]) -> str:
    """A notebook whose cells (grade_id → (cell type, source)) carry nbgrader metadata."""
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": kind, "id": grade_id, "source": source, "metadata": {"nbgrader": {
            "grade_id": grade_id, "grade": True, "solution": True, "locked": False, "points": 1,
            "schema_version": 3}}, **({"outputs": [], "execution_count": None} if kind == "code" else {})}
        for grade_id, (kind, source) in cells.items()]}
    return json.dumps(notebook)


def submission(learner, course, assignment: str = "manual", *, status=SubmissionStatus.graded, attempt: int = 1,
               scores=(("auto1", 1.0, 1.0, False),), answers: dict | None = None, late: bool = False,
               total: float | None = None, flags=()) -> Submission:
    """A submission written directly: ``scores`` as (cell, score, max, needs manual grade)."""
    content = {"p1.ipynb": answer_notebook(answers or {})}
    graded = status in (SubmissionStatus.graded, SubmissionStatus.flagged)
    row = Submission(user_id=learner.id, course_id=course.id, assignment=assignment, attempt=attempt,
                     content=content, content_hash=f"{attempt:064d}", size_bytes=10, late=late, status=status,
                     flags=list(flags),
                     total=(total if total is not None else sum(s[1] or 0 for s in scores)) if graded else None,
                     max_total=sum(s[2] for s in scores) if graded else None,
                     feedback_html="<p>automatic feedback</p>" if graded else None)
    db.session.add(row)
    db.session.flush()
    if graded:
        for cell, score, max_score, manual in scores:
            db.session.add(SubmissionScore(submission_id=row.id, notebook="p1.ipynb", cell=cell, score=score,
                                           max_score=max_score, needs_manual_grade=manual))
    db.session.commit()
    return row

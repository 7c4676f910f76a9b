"""Graded cells are named by the labels their instructor gave them in the source notebook
(``metadata.oqu.label_kk`` / ``label_ru``), on the learner's submission page and the instructor's pages,
in Kazakh and Russian; a cell without a label gets a readable name from its place, never its grade id."""
import json
import shutil
from pathlib import Path

import pytest

from lms.extensions import db
from lms.grading.models import SubmissionScore
from lms.grading.notebooks import cell_labels
from tests import factories
from tests.conftest import page_text, signed_in_client
from tests.grading.files import DEMO, assignment_course

STARTERS = Path(__file__).resolve().parents[2] / "notebooks"
LABELS = {"kk": ("Орташа мәнді тексеру", "Медиананы тексеру"), "ru": ("Проверка среднего", "Проверка медианы")}
FALLBACK = {"kk": ("1-тексеру ұяшығы", "2-тексеру ұяшығы"), "ru": ("Проверочная ячейка 1", "Проверочная ячейка 2")}


def _graded(world, course, **score):
    from lms.learning.services import enrol_learner
    from lms.security import SYSTEM

    enrol_learner(SYSTEM, course, learner=world.learner)
    submission = factories.submission(world.learner, course, "mean-and-median", total=2.0, max_total=5.0)
    db.session.add_all([
        SubmissionScore(submission_id=submission.id, notebook="mean-and-median.ipynb", cell="test_mean",
                        score=2.0, max_score=2.0, outcome="passed"),
        SubmissionScore(submission_id=submission.id, notebook="mean-and-median.ipynb", cell="test_median",
                        score=0.0, max_score=3.0, outcome="failed")])
    db.session.commit()
    return submission


def _feedback(app, person, submission, language, instructor=False) -> str:
    browser = signed_in_client(app, person)
    browser.set_cookie("oqu_lang", language)
    path = f"/teaching/grading/submissions/{submission.id}" if instructor else f"/submissions/{submission.id}"
    response = browser.get(path)
    assert response.status_code == 200, path
    return page_text(response)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_feedback_names_cells_by_their_labels_not_their_grade_ids(app, world, tmp_path, language):
    submission = _graded(world, assignment_course(tmp_path))
    text = _feedback(app, world.learner, submission, language)
    mean, median = LABELS[language]
    assert mean in text and median in text
    assert f"«{median}»" in text  # the failed cell's advice names it too
    assert "test_mean" not in text and "test_median" not in text


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_instructor_sees_the_label_with_the_grade_id_beside_it(app, world, tmp_path, language):
    from lms.courses.teaching import add_instructor
    from lms.security import SYSTEM

    course = assignment_course(tmp_path)
    add_instructor(SYSTEM, course, world.instructor)
    submission = _graded(world, course)
    text = _feedback(app, world.instructor, submission, language, instructor=True)
    assert LABELS[language][0] in text and "test_mean" in text


@pytest.fixture
def unlabelled(app, tmp_path):
    """The demo assignment with its labels taken out, in an assignments folder the app reads."""
    folder = tmp_path / "assignments" / "ai-basics" / "mean-and-median"
    shutil.copytree(DEMO, folder)
    path = folder / "mean-and-median.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        cell["metadata"].pop("oqu", None)
    path.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    app.config["OQU_SETTINGS"].assignments_dir = str(tmp_path / "assignments")
    return path


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_cell_without_a_label_is_named_by_its_place(app, world, tmp_path, unlabelled, language):
    submission = _graded(world, assignment_course(tmp_path))
    text = _feedback(app, world.learner, submission, language)
    first, second = FALLBACK[language]
    assert first in text and second in text
    assert "test_mean" not in text and "test_median" not in text


def test_labels_come_per_language_with_the_other_as_a_stand_in():
    notebook = {"cells": [
        {"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "grade_id": "a", "solution": False},
                                           "oqu": {"label_kk": "  Бірінші   тексеру "}}},
        {"cell_type": "code", "metadata": {"nbgrader": {"grade": False, "grade_id": "helper", "solution": True}}},
        {"cell_type": "markdown", "metadata": {"nbgrader": {"grade": True, "grade_id": "essay", "solution": True},
                                               "oqu": {"label_ru": 42}}},
        {"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "grade_id": "b", "solution": False}}},
    ]}
    labels = cell_labels(notebook)
    assert set(labels) == {"a", "essay", "b"}  # graded cells only
    assert labels["a"].kk == "Бірінші тексеру" and labels["a"].ru is None
    assert labels["essay"].kind == "answer" and labels["essay"].number == 1 and labels["essay"].ru is None
    assert labels["b"].kind == "test" and labels["b"].number == 2


def test_every_graded_cell_of_the_starter_notebooks_has_a_kazakh_and_a_russian_label():
    missing = []
    for path in sorted(STARTERS.rglob("*.ipynb")):
        for grade_id, label in cell_labels(json.loads(path.read_text(encoding="utf-8"))).items():
            if not (label.kk and label.ru):
                missing.append(f"{path.relative_to(STARTERS)}: {grade_id}")
    assert not missing, missing

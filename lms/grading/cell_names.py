"""Graded cells named for people (issue #21): the label the instructor gave the cell in the source
notebook (``metadata.oqu.label_kk`` / ``label_ru``, docs/assignments.md), in the reader's language; a
cell without a label by its place («2-тексеру ұяшығы», «Проверочная ячейка 2»); the nbgrader grade id only
when the source notebook cannot be read. Labels come from the instructor's source, never from what a
learner handed in."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from ..i18n import current_language, to_latin
from .notebooks import CellLabel, assignment_cell_labels


class CellNames:
    """The names of one assignment's graded cells: ``names(notebook, grade_id)``."""

    def __init__(self, labels: dict[tuple[str, str], CellLabel], language: str | None = None):
        self._labels = labels
        self._language = language

    def __call__(self, notebook: str, grade_id: str) -> str:
        return name_of(self._labels.get((notebook, grade_id)), grade_id, self._language)


def names_for(course_slug: str, assignment: str, language: str | None = None) -> CellNames:
    """The cell names of ``course_slug``/``assignment`` from its source notebooks (found the usual way,
    :func:`lms.grading.notebooks.find_assignment`); ``language`` defaults to the page's."""
    settings = current_app.config["OQU_SETTINGS"]
    return CellNames(assignment_cell_labels(settings, course_slug, assignment), language)


def names_of_submission(submission, language: str | None = None) -> CellNames:
    return names_for(submission.course.slug, submission.assignment, language)


def name_of(label: CellLabel | None, grade_id: str, language: str | None = None) -> str:
    """``label`` in ``language`` (the other language's label when this one is missing), its place among
    the notebook's graded cells when it has none, ``grade_id`` when the cell is not in the source."""
    if label is None:
        return grade_id
    language = language or current_language()
    if language == "ru":
        text = label.ru or label.kk
    else:
        text = label.kk or label.ru
        if text and language == "kk-Latn" and label.kk:
            text = to_latin(text)
    if text:
        return text
    if label.kind == "answer":
        return _("Answer cell %(number)s", number=label.number)
    return _("Test cell %(number)s", number=label.number)

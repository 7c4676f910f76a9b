"""An instructor uploads an assignment's notebooks (the API: ``POST /api/v1/courses/<slug>/assignments/
<assignment>/versions``): checked, stored as the next source version (lms.grading.sources) and validated
in the sandbox with trick answers, as the assignments page validates. Nothing is stored when a file is
not an nbgrader-marked notebook."""
from __future__ import annotations

from flask_babel import gettext as _

from ..courses import blobs
from ..courses.models import Course
from ..courses.teaching import ensure_teaches
from .notebooks import GradingError, check_nbgrader_metadata, read_notebook


class UploadRefused(ValueError):
    """Files that cannot be the assignment's source; the message is for the instructor (translated)."""


def _marked(notebook: dict) -> bool:
    """Whether any cell carries nbgrader's marks (a solution, graded or locked cell)."""
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        if isinstance(meta, dict) and (meta.get("solution") or meta.get("grade") or meta.get("locked")):
            return True
    return False


def checked_files(uploads: list[tuple[str, bytes]]) -> dict[str, bytes]:
    """The uploaded files by their paths in the source folder; :class:`UploadRefused` unless there is at
    least one notebook and every notebook is a valid, nbgrader-marked one."""
    files: dict[str, bytes] = {}
    for name, data in uploads:
        path = blobs.clean_path(name or "")
        if path is None:
            raise UploadRefused(_("%(name)s is not a file name an assignment may hold.", name=name or "?"))
        files[path] = data
    notebooks = [path for path in files if "/" not in path and path.endswith(".ipynb")]
    if not notebooks:
        raise UploadRefused(_("Choose one or more notebook files (.ipynb)."))
    for path in notebooks:
        try:
            notebook = read_notebook(path, files[path])
            check_nbgrader_metadata(path, notebook)
        except GradingError as error:
            raise UploadRefused(_("%(name)s cannot be used: %(reason)s", name=path, reason=str(error))) from None
        if not _marked(notebook):
            raise UploadRefused(_("%(name)s is not an nbgrader assignment: none of its cells is marked as a "
                                  "solution, graded or locked cell. Mark them with nbgrader's Create Assignment "
                                  "tool and upload it again.", name=path))
    return files


def upload_source(actor, course: Course, key: str, uploads: list[tuple[str, bytes]], *, replace: bool = False,
                  adversaries: bool = True):
    """Store the uploaded files as the next source version of ``course``/``key`` (files of the latest
    version the upload does not name are kept, unless ``replace``) and validate it. Returns (number,
    the ValidationReport). LookupError for an unknown assignment; :class:`UploadRefused`."""
    from . import sources
    from .authoring import find_item, validate

    ensure_teaches(actor, course, "manage_courses")
    find_item(course, key)
    files = checked_files(uploads)
    current = sources.latest(course.id, key)
    if current is not None and not replace:
        files = {**sources.files_of(current), **files}
    number = sources.store_source(actor, course, key, files, origin="upload")
    return number, validate(actor, course, key, adversaries=adversaries, number=number)


def report_json(report) -> dict:
    """A validation report for the API: whether it passed, its problems, the solution's graded cells and
    the trick answers that some test cells give points to."""
    return {"ok": report.ok, "problems": list(report.problems),
            "cells": [{key: cell.get(key) for key in ("notebook", "cell", "score", "max_score", "auto")}
                      for cell in report.cells],
            "adversaries": list(report.adversaries)}

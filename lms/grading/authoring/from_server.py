"""Assignments written in the instructor's own JupyterLab (issue #18, item 3).

*Open my authoring notebook* starts the instructor's named server ``authoring`` (lms.hub.authoring), with
the assignment's current source put in ``<course>/<assignment>/`` unless the instructor has that folder
there already. *Import from my notebook server* reads that folder back through the contents API
(:func:`lms.hub.authoring.read_authoring_folder`: only that folder, size caps, no links), refuses a folder
whose notebooks carry no nbgrader marks (nothing is stored then), stores it as the assignment's next
source version (lms.grading.sources, origin ``notebook server``: stored, not published) and validates
that version in the sandbox (the solution earns full marks, the stub nothing, trick answers:
lms.grading.authoring.adversaries). The instructor sees the report and the student version; on their
confirmation that very version is published (:func:`publish_import`). Learners are given published
versions only, so nothing they get changes before that.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from ... import signals
from ...courses.models import Course
from ...courses.teaching import ensure_teaches
from ..student_versions import _skipped, cached, source_files

NBGRADER_MARKS = ("grade", "solution", "task", "locked")
ORIGIN = "notebook server"


class ImportRefused(ValueError):
    """The folder cannot be imported; the message is for the instructor (translated). Nothing is stored."""


@dataclass
class ImportResult:
    assignment: str
    folder: str                       # where on the authoring server it came from
    number: int                       # the stored source version (lms.grading.sources)
    digest: str                       # its content hash
    report: object                    # lms.grading.authoring.validation.ValidationReport
    student_version: list[tuple[str, list[dict]]]  # (notebook, its cells as learners get them)
    plan: object | None               # lms.grading.authoring.PublishPlan, when the validation passed


def _settings():
    return current_app.config["OQU_SETTINGS"]


def default_folder(course: Course, assignment: str) -> str:
    return f"{course.slug}/{assignment}"


def current_source(course: Course, assignment: str) -> dict[str, bytes]:
    """The assignment's latest stored source files (relative path → bytes), empty when it has none yet."""
    from ..sources import source_folder

    folder = source_folder(course.slug, assignment)
    if folder is None:
        return {}
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in source_files(folder)}


# --------------------------------------------------------------------------- open

def open_authoring_notebook(actor, course: Course, assignment: str):
    """Start (or find) the instructor's authoring server, seeded with the assignment's current source:
    an :class:`lms.hub.authoring.AuthoringServer` (ready with its ``url``, pending or failed)."""
    from ...hub.authoring import open_authoring
    from . import find_item

    ensure_teaches(actor, course)
    find_item(course, assignment)
    server = open_authoring(actor, course, default_folder(course, assignment), current_source(course, assignment))
    signals.authoring_notebook_opened.send(actor, course=course, assignment=assignment, status=server.status)
    from ...extensions import db

    db.session.commit()
    return server


# --------------------------------------------------------------------------- import

def nbgrader_marked(files: dict[str, bytes]) -> list[str]:
    """The top-level notebooks of ``files`` that have at least one cell marked with nbgrader's toolbar."""
    marked = []
    for name, body in files.items():
        if "/" in name or not name.endswith(".ipynb"):
            continue
        try:
            cells = json.loads(body).get("cells") or []
        except (ValueError, AttributeError):
            continue
        if any(isinstance(cell, dict) and isinstance(meta := (cell.get("metadata") or {}).get("nbgrader"), dict)
               and any(meta.get(mark) for mark in NBGRADER_MARKS) for cell in cells):
            marked.append(name)
    return sorted(marked)


def import_from_server(actor, course: Course, assignment: str, folder: str | None = None) -> ImportResult:
    """Read ``folder`` (default ``<course>/<assignment>``) from the instructor's authoring server, store it
    as the assignment's next source version and validate that version. :class:`ImportRefused` (or
    :class:`lms.hub.authoring.AuthoringRefused`) with the reason when it cannot be imported: nothing is
    stored then."""
    from ...hub.authoring import AuthoringRefused, read_authoring_folder
    from ..sources import SourceRefused, get_version, store_source
    from . import find_item, publish_plan, validate

    ensure_teaches(actor, course)
    find_item(course, assignment)
    folder = folder or default_folder(course, assignment)
    try:
        files = {name: body for name, body in read_authoring_folder(actor, folder).items()
                 if not any(_skipped(part) for part in name.split("/"))}
    except AuthoringRefused:  # a path outside the folder, too large, the server not running
        signals.assignment_imported.send(actor, course=course, assignment=assignment, folder=str(folder)[:200],
                                         digest=None, outcome="refused")
        _commit()
        raise
    if not nbgrader_marked(files):
        signals.assignment_imported.send(actor, course=course, assignment=assignment, folder=folder, digest=None,
                                         outcome="not_marked")
        _commit()
        raise ImportRefused(_("No notebook in %(folder)s has a cell marked with nbgrader's Create Assignment "
                              "toolbar (a solution, a test or a graded answer), so nothing was imported. Mark the "
                              "cells in your authoring notebook, save it and import again.", folder=folder))
    try:
        number = store_source(actor, course, assignment, files, origin=ORIGIN)
    except SourceRefused:
        raise ImportRefused(_("No notebook in %(folder)s has a cell marked with nbgrader's Create Assignment "
                              "toolbar (a solution, a test or a graded answer), so nothing was imported. Mark the "
                              "cells in your authoring notebook, save it and import again.", folder=folder)) from None
    digest = get_version(course, assignment, number).content_hash
    report = validate(actor, course, assignment, adversaries=True, number=number)
    student = _student_version(_settings(), course, assignment, digest)
    plan = publish_plan(actor, course, assignment, digest=digest) if report.ok else None
    signals.assignment_imported.send(actor, course=course, assignment=assignment, folder=folder, digest=digest,
                                     outcome="valid" if report.ok else "invalid")
    _commit()
    return ImportResult(assignment, folder, number, digest, report, student, plan)


def _student_version(settings, course: Course, assignment: str, digest: str) -> list[tuple[str, list[dict]]]:
    """The notebooks learners would get (the validation made them), cell by cell."""
    folder = cached(settings, course.slug, assignment, digest)
    if folder is None:
        return []
    notebooks = []
    for path in sorted((folder / "release").glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells") or []
        except ValueError:
            continue
        notebooks.append((path.name, [{"type": cell.get("cell_type", "code"),
                                       "source": "".join(cell.get("source") or "") if isinstance(cell.get("source"), list)
                                       else str(cell.get("source") or "")} for cell in cells]))
    return notebooks


def _commit() -> None:
    from ...extensions import db

    db.session.commit()


# --------------------------------------------------------------------------- publish

def publish_import(actor, course: Course, assignment: str, number: int):
    """Publish stored source version ``number`` (the import the instructor saw validated): a new version
    of the assignment (:func:`lms.grading.sources.publish`, which validates again). :class:`ImportRefused`
    when there is no such import (import again); :class:`lms.grading.authoring.PublishRefused` when the
    validation fails."""
    from ..sources import get_version, publish
    from . import find_item

    ensure_teaches(actor, course)
    find_item(course, assignment)
    version = get_version(course, assignment, number) if isinstance(number, int) else None
    if version is None:
        raise ImportRefused(_("This import is no longer the latest one from your authoring notebook: import the "
                              "assignment again, check the report and publish it then."))
    return publish(actor, course, assignment, number)

"""Submissions, and new assignment versions from an instructor's authoring notebook, in the JSON API."""
from flask import g, jsonify, request
from flask_babel import gettext as _

from ..api import ApiError, bp, needs
from ..api.schemas import register_schemas
from ..security import PermissionDenied
from ..upload_limits import package_upload
from . import access
from .schemas import SCHEMAS, Submission

register_schemas(SCHEMAS)  # listed in /api/v1/openapi.json


@bp.post("/assignments/<course_slug>/<assignment>/submissions")
@needs("token")
def create_submission(course_slug: str, assignment: str):
    """Submit the assignment's notebooks from the caller's notebook server; grading is queued.
    ---
    post:
      tags: [grading]
      summary: Submit an assignment
      description: The notebooks are fetched from the caller's server (folder `<course>/<assignment>/`).
        Refused with `not_published` when the assignment has never been published, and with `submission_refused` when the server cannot be reached, a notebook is missing or the
        submission is over the size limit; nothing is stored then. Submitting the same files again while
        they are being graded answers with the same submission.
      parameters:
        - {name: course_slug, in: path, required: true, schema: {type: string}}
        - {name: assignment, in: path, required: true, schema: {type: string}}
      responses:
        202:
          content:
            application/json:
              schema: Submission
    """
    from ..courses import services as courses

    course = courses.get_course(course_slug)
    try:
        submission = access.submit_from_server(g.api_user, course, assignment)
    except LookupError:
        raise ApiError(404, "not_found", _("Not found.")) from None
    except PermissionDenied:
        raise ApiError(403, "forbidden", _("Enrol in the course to submit its assignments.")) from None
    except access.NotPublished as refusal:
        raise ApiError(409, "not_published", str(refusal)) from None
    except access.SubmissionRefused as refusal:
        raise ApiError(409, "submission_refused", str(refusal)) from None
    return jsonify(Submission().dump(submission)), 202


@bp.get("/submissions/<int:submission_id>")
@needs("token")
def get_submission(submission_id: int):
    """A submission's status and scores (HR officers see totals only).
    ---
    get:
      tags: [grading]
      summary: A submission
      parameters:
        - {name: submission_id, in: path, required: true, schema: {type: integer}}
      responses:
        200:
          content:
            application/json:
              schema: Submission
    """
    try:
        submission, view = access.get_submission_for(g.api_user, submission_id)
    except (LookupError, PermissionDenied):
        raise ApiError(404, "not_found", _("Not found.")) from None
    return jsonify(Submission(view=view).dump(submission))


# --------------------------------------------------------------------------- assignment source versions

def _taught_course(slug: str):
    from sqlalchemy import select

    from ..courses.models import Course
    from ..extensions import db

    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise ApiError(404, "not_found", _("Not found."))
    return course


def _audit(course, assignment: str, action: str, **details) -> None:
    from .. import signals
    from ..extensions import db

    signals.assignment_source_api.send(g.api_user, course=course, assignment=assignment, action=action,
                                       details=details)
    db.session.commit()


@bp.post("/courses/<slug>/assignments/<assignment>/versions")
@package_upload
@needs("manage_courses")
def upload_assignment_version(slug: str, assignment: str):
    """Upload an assignment's notebooks as its next source version, and validate it.
    ---
    post:
      tags: [grading]
      summary: A new source version of an assignment
      description: >-
        Multipart `files` (one or more; the nbgrader-marked notebooks and any data files they
        read, a file's name being its path in the assignment's folder). Files of the latest version the
        upload does not name are kept unless `replace=true`. Nothing is stored, and `not_an_assignment`
        answers, when a notebook is invalid or carries no nbgrader marks. Otherwise the version is stored
        and validated in the sandbox (the solution against its tests, and trick answers); the answer
        holds its `number` and the validation `report`. Publishing is a separate call. Instead of files, a
        JSON body with `from_server` (a folder) takes it from the caller's authoring notebook (their
        named server `authoring`, through the Jupyter contents API; "Open my authoring notebook" puts an
        assignment in `<course>/<assignment>`): the same answer, and 422 `import_refused` when the folder
        cannot be imported (no nbgrader-marked notebook, a path outside the folder, too large, the server
        not running; nothing stored). Instructors who teach the course and admins; audited.
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
        - {name: assignment, in: path, required: true, schema: {type: string}}
      responses:
        201:
          content:
            application/json:
              schema: {type: object}
    """
    from flask import request

    from .source_uploads import UploadRefused, report_json, upload_source

    if request.is_json:  # {"from_server": folder}: from the caller's authoring notebook
        return assignment_version_from_server(slug, assignment)
    course = _taught_course(slug)
    uploads = [(file.filename, file.read()) for name in request.files for file in request.files.getlist(name)]
    replace = request.form.get("replace", "").lower() in ("1", "true", "yes")
    try:
        number, report = upload_source(g.api_user, course, assignment, uploads, replace=replace)
    except PermissionDenied:
        raise ApiError(403, "forbidden", _("Only instructors who teach this course may change it.")) from None
    except LookupError:
        raise ApiError(404, "not_found", _("Not found.")) from None
    except UploadRefused as refusal:
        _audit(course, assignment, "upload", refused=str(refusal))
        raise ApiError(422, "not_an_assignment", str(refusal)) from None
    _audit(course, assignment, "upload", number=number, ok=report.ok)
    return jsonify({"course": course.slug, "assignment": assignment, "number": number, "version": number,
                    "report": report_json(report)}), 201


@bp.post("/courses/<slug>/assignments/<assignment>/versions/<int:number>/publish")
@needs("manage_courses")
def publish_assignment_version(slug: str, assignment: str, number: int):
    """Validate and publish source version `number` of an assignment.
    ---
    post:
      tags: [grading]
      summary: Publish a source version
      description: The version is validated again in the sandbox; refused with `validation_failed` (and
        the report) unless it passes. Publishing content equal to the latest published version adds no
        version (`new` false). Learners then receive it. Instructors who teach the course and admins;
        audited.
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
        - {name: assignment, in: path, required: true, schema: {type: string}}
        - {name: number, in: path, required: true, schema: {type: integer}}
      responses:
        200:
          content:
            application/json:
              schema: {type: object}
    """
    from . import sources
    from .authoring import PublishRefused
    from .source_uploads import report_json

    course = _taught_course(slug)
    try:
        version, new = sources.publish(g.api_user, course, assignment, number)
    except PermissionDenied:
        raise ApiError(403, "forbidden", _("Only instructors who teach this course may change it.")) from None
    except LookupError:
        raise ApiError(404, "not_found", _("Not found.")) from None
    except PublishRefused as refusal:
        _audit(course, assignment, "publish", number=number, ok=False)
        raise ApiError(409, "validation_failed", _("The version does not pass the validation; it was not "
                                                   "published."), report=report_json(refusal.report)) from None
    _audit(course, assignment, "publish", number=number, ok=True, published_version=version.version)
    return jsonify({"course": course.slug, "assignment": assignment, "number": number,
                    "published_version": version.version, "new": new})



def assignment_version_from_server(slug: str, assignment: str):
    """``POST …/versions`` with ``{"from_server": folder}`` (see :func:`upload_assignment_version`): the
    folder of the caller's authoring notebook stored as the next source version and validated; the answer
    holds its ``number`` and the ``report`` (with the student version's notebooks)."""
    from ..api import default_messages
    from ..hub.authoring import AuthoringRefused
    from ..hub.client import HubUnavailable
    from .authoring import from_server
    from .source_uploads import report_json

    from ..courses.teaching import ensure_teaches
    from .authoring import find_item

    course = _taught_course(slug)
    try:
        ensure_teaches(g.api_user, course)
        find_item(course, assignment)
    except PermissionDenied:
        raise ApiError(403, "forbidden", _("Only instructors who teach this course may change it.")) from None
    except LookupError:
        raise ApiError(404, "not_found", _("Not found.")) from None
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("from_server"), str) or not body["from_server"].strip():
        raise ApiError(400, "bad_request", default_messages()[400])
    try:
        result = from_server.import_from_server(g.api_user, course, assignment, body["from_server"])
    except LookupError:
        raise ApiError(404, "not_found", _("Not found.")) from None
    except PermissionDenied:
        raise ApiError(403, "forbidden", _("Only instructors who teach this course may change it.")) from None
    except HubUnavailable:
        raise ApiError(503, "hub_unavailable", _("Notebooks are temporarily unavailable. Everything else in Oqu "
                                                 "works; please try again in a few minutes.")) from None
    except (AuthoringRefused, from_server.ImportRefused) as refusal:
        raise ApiError(422, "import_refused", str(refusal)) from None
    report = {**report_json(result.report), "content_hash": result.digest,
              "student_version": [{"notebook": name, "cells": len(cells)} for name, cells in result.student_version]}
    return jsonify({"course": course.slug, "assignment": assignment, "number": result.number,
                    "version": result.number, "from_server": result.folder, "report": report}), 201

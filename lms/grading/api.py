"""Submissions in the JSON API."""
from flask import g, jsonify
from flask_babel import gettext as _

from ..api import ApiError, bp, needs
from ..api.schemas import register_schemas
from ..security import PermissionDenied
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

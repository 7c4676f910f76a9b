"""``/api/v1/lab/…``: what the Oqu extension in a learner's JupyterLab asks, with the learner's own hub
token (``@needs("hub_user")``, verified with the hub: lms.hub.labauth). Answers and refusals are in the
learner's LMS language."""
from flask import g, jsonify, request
from flask_babel import gettext as _

from ..api import ApiError, bp, needs
from ..grading.access import SubmissionRefused
from . import lab


def _call(operation, *args):
    """``operation(g.api_user, *args)`` with its refusals as the API's errors."""
    try:
        return operation(g.api_user, *args)
    except LookupError:
        raise ApiError(404, "not_found", _("Not found.")) from None
    except lab.PermissionDenied:
        raise ApiError(403, "forbidden", _("Enrol in the course to submit its assignments.")) from None
    except SubmissionRefused as refusal:
        raise ApiError(409, "submission_refused", str(refusal)) from None


@bp.get("/lab/notebook")
@needs("hub_user")
def lab_notebook():
    """The Oqu assignment of a notebook in the caller's server, and where the caller stands on it.
    ---
    get:
      tags: [lab]
      summary: The assignment of a notebook
      description: "`path` is the notebook's path in the learner's server (`<course>/<assignment>/<file>.ipynb`).
        `assignment: null` for a notebook that is no Oqu assignment of a course the learner is enrolled in."
      parameters:
        - {name: path, in: query, required: true, schema: {type: string}}
      responses:
        200: {description: "{assignment: {...} | null}"}
    """
    return jsonify({"assignment": lab.assignment_at(g.api_user, request.args.get("path", ""))})


@bp.get("/lab/courses/<slug>/assignments")
@needs("hub_user")
def lab_assignments(slug: str):
    """The course's assignments with the caller's state on each and a "new version available" notice.
    ---
    get:
      tags: [lab]
      summary: The course's assignments, for the learner's JupyterLab
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
      responses:
        200: {description: "{assignments: [...]}"}
    """
    return jsonify({"assignments": _call(lab.course_assignments, slug)})


@bp.post("/lab/courses/<slug>/assignments/<assignment>/submissions")
@needs("hub_user")
def lab_submit(slug: str, assignment: str):
    """Hand in the assignment from the caller's server: the LMS submit page's rules (attempts, cut-off,
    size), the notebooks collected from the server as that page does.
    ---
    post:
      tags: [lab]
      summary: Submit from JupyterLab
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
        - {name: assignment, in: path, required: true, schema: {type: string}}
      responses:
        202: {description: the submission's progress}
        409: {description: "`submission_refused`, with the reason in the learner's language"}
    """
    submission = _call(lab.submit, slug, assignment)
    return jsonify(lab.submission_progress(g.api_user, submission.id)), 202


@bp.get("/lab/submissions/<int:submission_id>")
@needs("hub_user")
def lab_submission(submission_id: int):
    """The caller's own submission: progress, score and the feedback a learner may see.
    ---
    get:
      tags: [lab]
      summary: A submission's progress, for the learner's JupyterLab
      parameters:
        - {name: submission_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: "status, status_text, total, feedback per cell"}
    """
    return jsonify(_call(lab.submission_progress, submission_id))

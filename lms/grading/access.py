"""Handing in from the learner's server, and who may see a submission.

Results are visible to the learner, to instructors and admins (everything), and to HR officers
whose organisation subtree holds the learner (totals only).
"""
from __future__ import annotations

import json
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _

from ..extensions import db
from ..security import PermissionDenied, has_permission
from .models import Submission


class SubmissionRefused(Exception):
    """A hand-in that was not stored; the message is for the learner (translated)."""


def view_of(actor, submission: Submission) -> str | None:
    """``full``, ``totals`` or None (may not see it)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    if actor.id == submission.user_id or has_permission(actor, "view_rosters"):
        return "full"
    from ..organisations.services import covers

    if actor.has_role("hr") and covers(actor, submission.user.organisation):
        return "totals"
    return None


def get_submission_for(actor, submission_id: int) -> tuple[Submission, str]:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise LookupError(submission_id)
    view = view_of(actor, submission)
    if view is None:
        raise PermissionDenied("view_submission")
    return submission, view


def submit_from_server(actor, course, assignment: str) -> Submission:
    """Fetch the assignment's notebooks from the learner's server (hub → Jupyter contents API),
    store them and queue grading. Nothing is stored when the server cannot be reached or a file is
    missing or too large."""
    from ..assignments.services import AssignmentError, find_assignment
    from ..hub import services as hub
    from ..hub.client import HubError, HubUnavailable
    from ..learning.services import enrolment_for
    from .submissions import store_submission

    settings = current_app.config["OQU_SETTINGS"]
    enrolment = enrolment_for(actor, course)
    if enrolment is None or enrolment.status.value not in ("enrolled", "completed"):
        raise PermissionDenied("submit")
    try:
        source = find_assignment(settings, course.slug, assignment)
    except AssignmentError:
        raise LookupError(assignment) from None
    account = hub.hub_account(actor, create=False)
    if account is None:
        raise SubmissionRefused(_("Open your notebook server first: there is nothing to submit yet."))
    client = hub.hub_client()
    limit = settings.submission_max_mb * 1024 * 1024
    files: dict[str, str] = {}
    size = 0
    for path in source.notebooks:
        where = f"contents/{quote(course.slug)}/{quote(assignment)}/{quote(path.name)}"
        try:
            response = client.server_api(account.username, "GET", where, params={"content": "1", "type": "notebook"})
        except HubUnavailable:
            raise SubmissionRefused(_("Your notebook server cannot be reached right now, so nothing was "
                                      "submitted. Please try again in a few minutes.")) from None
        except HubError as error:
            if error.status == 404:
                raise SubmissionRefused(_("The notebook %(name)s was not found in your folder %(folder)s.",
                                          name=path.name, folder=f"{course.slug}/{assignment}")) from None
            raise SubmissionRefused(_("Your notebook server cannot be reached right now, so nothing was "
                                      "submitted. Please try again in a few minutes.")) from None
        size += len(response.content)
        if size > limit:
            raise SubmissionRefused(_("The submission is larger than the limit of %(limit)s MB.",
                                      limit=settings.submission_max_mb))
        model = response.json()
        files[path.name] = json.dumps(model.get("content"), ensure_ascii=False)
    return store_submission(actor, course, assignment, files)

"""Handing in from the learner's server, and who may see a submission.

Results are visible to the learner, to the instructors who teach the course and to admins (everything),
and to HR officers whose organisation subtree holds the learner (totals only).
"""
from __future__ import annotations

import json
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _

from ..extensions import db
from ..utils import utcnow
from ..security import PermissionDenied
from .models import Submission


class SubmissionRefused(Exception):
    """A hand-in that was not stored; the message is for the learner (translated)."""


class NotPublished(SubmissionRefused):
    """The assignment has no published version: learners cannot hand it in."""


def view_of(actor, submission: Submission) -> str | None:
    """``full``, ``totals`` or None (may not see it)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    from ..organisations.services import covers
    from ..courses.teaching import teaches

    if actor.id == submission.user_id or teaches(actor, submission.course):
        return "full"
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
    store them and queue grading. Nothing is stored when the server cannot be reached, a file is
    missing or too large, or the assignment's policy (deadline, attempts) refuses the hand-in."""
    from .notebooks import AssignmentError, find_assignment
    from ..hub import services as hub
    from ..learning.services import enrolment_for
    from . import policy as policies
    from .services import GradingError, check_nbgrader_metadata, read_notebook
    from .submissions import store_submission

    settings = current_app.config["OQU_SETTINGS"]
    enrolment = enrolment_for(actor, course)
    if enrolment is None or enrolment.status.value not in ("enrolled", "completed"):
        raise PermissionDenied("submit")
    try:
        source = find_assignment(settings, course.slug, assignment)
    except AssignmentError:
        raise LookupError(assignment) from None
    from .authoring import latest_version

    if latest_version(course.id, assignment) is None:
        raise NotPublished(_("This assignment has not been published yet, so it cannot be submitted."))
    rules = policies.policy_of(course, assignment)
    try:
        policies.lateness(rules, utcnow())  # refuse before fetching anything; store_submission checks again
    except policies.PolicyRefusal as refusal:
        raise SubmissionRefused(str(refusal)) from None
    account = hub.hub_account(actor, create=False)
    if account is None:
        raise SubmissionRefused(_("Open your notebook server first: there is nothing to submit yet."))
    limit = settings.submission_max_mb * 1024 * 1024
    folder = f"{course.slug}/{assignment}"
    files: dict[str, str] = {}
    size = 0
    with hub.hub_client().learner_server(account.username) as server:  # a token for this server alone
        for path in source.notebooks:
            body = _fetch(server, folder, path.name, limit - size, settings.submission_max_mb)
            size += len(body)
            try:
                text = json.dumps(json.loads(body)["content"], ensure_ascii=False)
                del body
                check_nbgrader_metadata(path.name, read_notebook(path.name, text.encode()))
            except (ValueError, KeyError, TypeError, GradingError):
                raise _invalid(path.name, folder) from None
            files[path.name] = text
    try:
        return store_submission(actor, course, assignment, files)
    except policies.PolicyRefusal as refusal:
        raise SubmissionRefused(str(refusal)) from None


def _unreachable() -> SubmissionRefused:
    return SubmissionRefused(_("Your notebook server cannot be reached right now, so nothing was "
                               "submitted. Please try again in a few minutes."))


def _fetch(server, folder: str, name: str, room: int, limit_mb: int) -> bytes:
    """One notebook's contents-API model, read in chunks and abandoned as soon as it passes ``room``
    bytes (a notebook with 100 MB of outputs is never held in memory whole)."""
    from ..hub.client import HubError, HubUnavailable

    too_large = SubmissionRefused(_("The submission is larger than the limit of %(limit)s MB.", limit=limit_mb))
    where = f"contents/{quote(folder)}/{quote(name)}"
    try:
        response = server.api("GET", where, params={"content": "1", "type": "notebook"}, stream=True)
    except HubUnavailable:
        raise _unreachable() from None
    except HubError as error:
        if error.status == 404:
            raise _missing(server, folder, name) from None
        if error.status in (400, 422):  # Jupyter could not read it: "Unreadable Notebook"
            raise _invalid(name, folder) from None
        raise _unreachable() from None
    try:
        declared = response.headers.get("Content-Length") if getattr(response, "headers", None) else None
        if declared and declared.isdigit() and int(declared) > room:
            raise too_large
        chunks, size = [], 0
        for chunk in response.iter_content(chunk_size=1024 * 1024):
            size += len(chunk)
            if size > room:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        raise _unreachable() from None
    finally:
        response.close()


def _invalid(name: str, folder: str) -> SubmissionRefused:
    return SubmissionRefused(_("The notebook %(name)s in your folder %(folder)s is not a valid notebook file, so "
                               "nothing was submitted and your earlier submissions stay as they were. Open it in "
                               "JupyterLab, save it and submit again.", name=name, folder=folder))


def _missing(server, folder: str, name: str) -> SubmissionRefused:
    """The expected notebook is not there: name it, and the notebooks that are (a renamed copy)."""
    from ..hub.client import HubError, HubUnavailable

    others = []
    try:
        listing = server.api("GET", f"contents/{quote(folder)}", params={"content": "1"}).json()
        others = sorted(entry["name"] for entry in listing.get("content") or []
                        if entry.get("type") == "notebook" and entry.get("name") != name)
    except (HubError, HubUnavailable, ValueError, KeyError, TypeError, AttributeError):
        pass
    if others:
        return SubmissionRefused(_("The notebook %(name)s was not found in your folder %(folder)s; it holds "
                                   "%(others)s. Rename your notebook back to %(name)s and submit again.",
                                   name=name, folder=folder, others=", ".join(others)))
    return SubmissionRefused(_("The notebook %(name)s was not found in your folder %(folder)s.",
                               name=name, folder=folder))


def attempt_history(submission: Submission) -> dict:
    """What the learner's submission page shows around ``submission``: every attempt of the same
    learner at the same assignment (``attempts``, newest first), the assignment's ``limit`` of attempts
    (None: unlimited) and how many are ``left`` (None: unlimited), and its ``due`` date (naive UTC)."""
    from . import policy as policies

    attempts = list(db.session.scalars(
        db.select(Submission).filter_by(user_id=submission.user_id, course_id=submission.course_id,
                                        assignment=submission.assignment)
        .order_by(Submission.attempt.desc())))
    rules = policies.policy_of(submission.course, submission.assignment)
    limit = rules.get("max_attempts") or None
    used = max((row.attempt for row in attempts), default=0)
    return {"attempts": attempts, "limit": limit, "left": None if limit is None else max(limit - used, 0),
            "due": policies.due_of(rules)}

"""Learner pages: hand in an assignment from the course page, and a submission's status page."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..courses import services as courses
from ..courses.visibility import holds_back
from ..extensions import db
from ..hooks import fills, provides
from ..security import PermissionDenied
from . import access
from .models import Submission

bp = Blueprint("grading", __name__)


@holds_back
def _unpublished(course) -> set[str]:
    from .authoring import unpublished_assignments

    return unpublished_assignments(course)


@bp.app_context_processor
def _panel():
    return {"assignment_panel": assignment_panel}


@provides("course-page", "assignments")
def _course_page_assignments(course, user, **page) -> dict:
    """The assignments panel's rows and, when there are any, the newer versions their learner should
    hear of (once for the panel, not per row)."""
    from .authoring import new_version_notices

    rows = assignment_panel(course)
    return {"rows": rows, "notices": new_version_notices(user, course) if rows else {}}


@fills("course-page-work", order=20)
def _course_page_assignments_panel(course, panels, learner_view=True, **page) -> str:
    return render_template("grading/assignments_panel.html", course=course, submit=learner_view,
                           assignment_rows=panels["assignments"]["rows"], notices=panels["assignments"]["notices"])


@bp.app_template_filter("instructor_feedback")
def _instructor_feedback(stored):
    from .feedback import instructor_part

    return instructor_part(stored)


def assignment_panel(course) -> list[dict]:
    """The course's published nbgrader assignments (notebook items with a source folder and a
    published version: an assignment never published is held back from learners) and the signed-in
    learner's submissions of each: ``latest``, and ``graded`` (the latest graded one, or None), in
    one query for the course."""
    from pathlib import Path

    from flask import current_app

    if not current_user.is_authenticated:
        return []
    root = Path(current_app.config["OQU_SETTINGS"].assignments_dir) / course.slug
    from .authoring import published_assignments

    published = published_assignments(course.id)
    items = [item for item in course.active_items() if item.kind.value == "notebook" and item.key in published
             and (root / item.key).is_dir()]
    if not items:
        return []
    submissions: dict[str, list] = {item.key: [] for item in items}
    for found in db.session.scalars(db.select(Submission).filter_by(user_id=current_user.id, course_id=course.id)
                                    .where(Submission.assignment.in_(list(submissions)))
                                    .order_by(Submission.attempt.desc())):
        submissions[found.assignment].append(found)
    return [{"item": item, "latest": next(iter(submissions[item.key]), None),
             "graded": next((s for s in submissions[item.key] if s.status.value == "graded"), None)}
            for item in items]


@bp.post("/courses/<slug>/assignments/<assignment>/submit")
@login_required
def submit(slug: str, assignment: str):
    course = courses.get_course(slug)
    try:
        submission = access.submit_from_server(current_user, course, assignment)
    except LookupError:
        abort(404)
    except PermissionDenied:
        flash(_("Enrol in the course to submit its assignments."), "error")
        return redirect(url_for("courses.course", slug=slug))
    except access.SubmissionRefused as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("courses.course", slug=slug))
    flash(_("Received. Your notebook is being graded; this page shows the result when it is ready."), "success")
    return redirect(url_for("grading.submission", submission_id=submission.id))


@bp.get("/submissions/<int:submission_id>")
@login_required
def submission(submission_id: int):
    try:
        found, view = access.get_submission_for(current_user, submission_id)
    except (LookupError, PermissionDenied):
        abort(404)
    history = access.attempt_history(found) if view == "full" else None
    return render_template("grading/submission.html", submission=found, view=view, history=history)

"""Learner pages: hand in an assignment from the course page, and a submission's status page."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..courses import services as courses
from ..courses.visibility import holds_back
from ..hooks import fills, provides
from ..security import PermissionDenied
from . import access

bp = Blueprint("grading", __name__)


@holds_back
def _unpublished(course) -> set[str]:
    from .authoring import unpublished_assignments

    return unpublished_assignments(course)


@provides("course-page", "assignments")
def _course_page_assignments(course, user, **page) -> dict:
    """The assignments panel's rows and, when there are any, the newer versions their learner should
    hear of (once for the panel, not per row)."""
    from .authoring import new_version_notices
    from .panels import assignment_rows

    rows = assignment_rows(user, course)
    return {"rows": rows, "notices": new_version_notices(user, course) if rows else {}}


@fills("course-page-work", order=20)
def _course_page_assignments_panel(course, panels, learner_view=True, **page) -> str:
    return render_template("grading/assignments_panel.html", course=course, submit=learner_view,
                           assignment_rows=panels["assignments"]["rows"], notices=panels["assignments"]["notices"])


@provides("item-page", "assignments")
def _item_page_assignments(course, user, **page) -> list[dict]:
    """The rows of the course's assignments (the syllabus marks which are there and which are graded;
    a notebook item's page shows its own)."""
    from .panels import assignment_rows

    return assignment_rows(user, course)


@fills("item-page-assignment", order=10)
def _item_page_work(course, item, row, enrolment=None, **page) -> str:
    return render_template("grading/item_work.html", course=course, item=item, row=row, submit=enrolment is not None)


@bp.app_template_filter("instructor_feedback")
def _instructor_feedback(stored):
    from .feedback import instructor_part

    return instructor_part(stored)


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


@bp.app_template_global("cell_name")
def _cell_name(score) -> str:
    """A graded cell's name for the reader (its instructor's label; see lms.grading.cell_names)."""
    from .cell_names import names_of_submission

    return names_of_submission(score.submission)(score.notebook, score.cell)


@bp.app_template_global("cell_names")
def _cell_names(course_slug: str, assignment: str):
    """``names(notebook, grade_id)`` for the cells of an assignment's source (the instructor's reports)."""
    from .cell_names import names_for

    return names_for(course_slug, assignment)

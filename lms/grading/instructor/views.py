"""Instructors' grading pages: the manual-grading queue, overrides and cleared flags, the gradebook
(and its CSV), test grading of uploaded notebooks, and validating/publishing assignments.

Every page needs the ``grade_submissions`` permission and, for a course, that the person teaches it
(:mod:`lms.courses.teaching`): an instructor of another course gets 403. Views parse input, call
one service and render.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...courses.models import Course
from ...extensions import db
from ...organisations.models import Organisation
from ...security import requires
from ...utils import page_number, safe_next_url
from .. import authoring
from . import gradebook as book, manual
from ..forms import ClearFlagForm, ConfirmForm, ManualGradeForm, OverrideForm, TestGradeForm
from ...courses.teaching import ensure_teaches, taught_courses

bp = Blueprint("grading_instructor", __name__, url_prefix="/teaching/grading")


def _user():
    return current_user._get_current_object()


def _course(slug: str) -> Course:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        abort(404)
    ensure_teaches(_user(), course)
    return course


def assignments_page(course: Course, form, report=None, checked: str | None = None) -> str:
    """The course's assignments page, with the validation ``report`` of assignment ``checked`` when given."""
    return render_template("grading/instructor/assignments.html", course=course,
                           rows=authoring.course_assignments(_user(), course), form=form, report=report,
                           checked=checked)


@bp.app_context_processor
def _adversary_words():
    from ..authoring import adversaries

    return {"trick_answer": adversaries.describe, "trick_verdict": adversaries.verdict}


@bp.get("/")
@requires("grade_submissions")
def index():
    rows = [(course, manual.waiting_count(course)) for course in taught_courses(_user())]
    return render_template("grading/instructor/index.html", rows=rows)


# --------------------------------------------------------------------------- manual grading

@bp.get("/<slug>/queue")
@requires("grade_submissions")
def queue(slug: str):
    course = _course(slug)
    pagination = manual.manual_queue(_user(), course, page=page_number())
    entries = [(score, manual.learner_answer(score), ManualGradeForm(formdata=None, prefix=f"s{score.id}"))
               for score in pagination.items]
    return render_template("grading/instructor/queue.html", course=course, pagination=pagination, entries=entries)


@bp.post("/scores/<int:score_id>")
@requires("grade_submissions")
def grade(score_id: int):
    try:
        score = manual.get_score(_user(), score_id)
    except LookupError:
        abort(404)
    back = safe_next_url(request.form.get("next")) or url_for(".queue", slug=score.submission.course.slug)
    form = ManualGradeForm(prefix=f"s{score_id}")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(back)
    try:
        manual.record_manual_score(_user(), score_id, form.score.data, form.comment.data)
    except manual.GradeRefused as refusal:
        flash(str(refusal), "error")
    else:
        flash(_("The grade has been saved; the learner's feedback is updated."), "success")
    return redirect(back)


@bp.get("/submissions/<int:submission_id>")
@requires("grade_submissions")
def submission(submission_id: int):
    try:
        found = manual.get_submission(_user(), submission_id)
    except LookupError:
        abort(404)
    answers = {score.id: manual.learner_answer(score) for score in found.scores}
    return render_template("grading/instructor/submission.html", submission=found, answers=answers,
                           clear_form=ClearFlagForm(), status_label=str(book.STATUS_LABELS[book._status(found)]))


@bp.route("/scores/<int:score_id>/override", methods=["GET", "POST"])
@requires("grade_submissions")
def override(score_id: int):
    try:
        score = manual.get_score(_user(), score_id)
    except LookupError:
        abort(404)
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            manual.override_score(_user(), score_id, form.score.data, form.reason.data, form.comment.data)
        except manual.GradeRefused as refusal:
            form.score.errors.append(str(refusal))
        else:
            flash(_("The score has been changed; the learner sees it as adjusted by the instructor."), "success")
            return redirect(url_for(".submission", submission_id=score.submission_id))
    elif request.method == "GET":
        form.score.data, form.comment.data = score.score, score.comment
    return render_template("grading/instructor/override.html", score=score, form=form,
                           answer=manual.learner_answer(score))


@bp.post("/submissions/<int:submission_id>/clear-flag")
@requires("grade_submissions")
def clear_flag(submission_id: int):
    try:
        found = manual.get_submission(_user(), submission_id)
    except LookupError:
        abort(404)
    form = ClearFlagForm()
    if form.validate_on_submit():
        try:
            manual.clear_flag(_user(), submission_id, form.reason.data)
        except manual.GradeRefused as refusal:
            flash(str(refusal), "error")
        else:
            flash(_("The flag has been cleared: the submission counts."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    return redirect(url_for(".submission", submission_id=found.id))


# --------------------------------------------------------------------------- gradebook

def _filters() -> tuple[int | None, Organisation | None]:
    cohort_id = request.args.get("cohort", type=int) or None
    organisation_id = request.args.get("organisation", type=int) or None
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    return cohort_id, organisation


@bp.get("/<slug>/gradebook")
@requires("grade_submissions")
def gradebook(slug: str):
    from ...learning.services import course_cohorts

    course = _course(slug)
    cohort_id, organisation = _filters()
    assignments, pagination, rows = book.gradebook(_user(), course, cohort_id=cohort_id, organisation=organisation,
                                                   page=page_number())
    return render_template("grading/instructor/gradebook.html", course=course, assignments=assignments,
                           pagination=pagination, rows=rows, cohorts=course_cohorts(course),
                           organisations=book.learner_organisations(course), cohort_id=cohort_id,
                           organisation=organisation)


@bp.get("/<slug>/gradebook.csv")
@requires("grade_submissions")
def gradebook_csv(slug: str):
    course = _course(slug)
    cohort_id, organisation = _filters()
    data = book.export_csv(_user(), course, cohort_id=cohort_id, organisation=organisation)
    return Response(data, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="gradebook-{course.slug}.csv"'})


# --------------------------------------------------------------------------- assignments: validate, publish, test-grade

@bp.get("/<slug>/assignments")
@requires("grade_submissions")
def assignments(slug: str):
    course = _course(slug)
    return assignments_page(course, ConfirmForm())


@bp.post("/<slug>/assignments/<assignment>/validate")
@requires("grade_submissions")
def validate(slug: str, assignment: str):
    course = _course(slug)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        report = authoring.validate(_user(), course, assignment)
    except LookupError:
        abort(404)
    return assignments_page(course, form, report, assignment)


@bp.get("/<slug>/assignments/<assignment>/publish")
@requires("grade_submissions")
def confirm_publish(slug: str, assignment: str):
    """The confirmation page: who receives the new version and what happens to work in progress."""
    course = _course(slug)
    try:
        plan = authoring.publish_plan(_user(), course, assignment)
    except LookupError:
        abort(404)
    return render_template("grading/instructor/publish.html", course=course, plan=plan, form=ConfirmForm())


@bp.post("/<slug>/assignments/<assignment>/publish")
@requires("grade_submissions")
def publish(slug: str, assignment: str):
    course = _course(slug)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if request.form.get("confirmed") != "yes":  # only from the confirmation page
            authoring.publish_plan(_user(), course, assignment)  # 404 for an unknown assignment
            return redirect(url_for(".confirm_publish", slug=slug, assignment=assignment))
        version, new = authoring.publish(_user(), course, assignment)
    except LookupError:
        abort(404)
    except authoring.PublishRefused as refusal:
        flash(_("Not published: the validation failed. Correct the assignment and try again."), "error")
        return assignments_page(course, form, refusal.report, assignment), 422
    if new:
        flash(_("Version %(version)s of the assignment is published.", version=version.version), "success")
    else:
        flash(_("The assignment has not changed since version %(version)s: nothing to publish.",
                version=version.version), "info")
    return redirect(url_for(".assignments", slug=slug))


@bp.route("/<slug>/test-grade", methods=["GET", "POST"])
@requires("grade_submissions")
def test_grade(slug: str):
    course = _course(slug)
    form = TestGradeForm()
    keys = [row.key for row in authoring.course_assignments(_user(), course) if row.folder is not None]
    form.assignment.choices = [(key, key) for key in keys]
    result, status = None, 200
    if form.validate_on_submit():
        uploads = [(f.filename, f.read()) for f in (form.notebooks.data or []) if f and f.filename]
        if form.assignment.data not in keys:
            form.assignment.errors.append(_("Choose an assignment of this course."))
            status = 422
        else:
            try:
                result = authoring.test_grade(_user(), course, form.assignment.data, uploads)
            except authoring.TestGradeRefused as refusal:
                form.notebooks.errors.append(str(refusal))
                status = 422
    return render_template("grading/instructor/test_grade.html", course=course, form=form, result=result), status


from . import authoring_views  # noqa: E402,F401 — its routes (the authoring notebook, imports) on this blueprint

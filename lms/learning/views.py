"""Pages for learning (enrol, lessons, quizzes), assigning courses (HR) and teaching (instructors)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..accounts.models import User
from ..courses import services as courses
from ..courses.models import ItemKind
from ..courses.teaching import ensure_teaches
from ..courses.visibility import held_back, learner_items
from ..extensions import db
from ..hooks import page_data
from ..i18n import localized
from ..organisations.models import Organisation
from ..organisations.services import all_organisations, covers
from ..security import PermissionDenied, requires
from ..clock import utcnow
from . import services
from .forms import AssignForm, CohortForm, ConfirmForm, EnrolForm
from .models import Cohort

bp = Blueprint("learning", __name__)

from . import course_pages as _course_pages  # noqa: E402,F401 — the catalogue and course page (courses blueprint)


def _user():
    return current_user._get_current_object()


# --------------------------------------------------------------------------- enrolment

@bp.post("/courses/<slug>/enrol")
@login_required
def enrol(slug: str):
    course = courses.get_course(slug)
    form = EnrolForm()
    cohort = None
    if form.validate_on_submit() and form.cohort_id.data:
        cohort = services.get_cohort(form.cohort_id.data)
        if cohort is None or cohort.course_id != course.id:
            abort(404)
    try:
        enrolment = services.enrol_learner(_user(), course, cohort=cohort)
    except services.EnrolmentError as error:
        flash(str(error), "error")
    else:
        if enrolment.status.value == "waitlisted":
            flash(_("The cohort is full: you are on the waitlist and will be enrolled when a seat frees up."), "warning")
        else:
            flash(_("You are enrolled. Welcome to the course!"), "success")
    return redirect(url_for("courses.course", slug=course.slug))


@bp.route("/courses/<slug>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(slug: str):
    course = courses.get_course(slug)
    enrolment = services.enrolment_for(_user(), course)
    if enrolment is None or enrolment.status.value == "withdrawn":
        return redirect(url_for("courses.course", slug=course.slug))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.withdraw(_user(), enrolment)
        except services.EnrolmentError as error:
            flash(str(error), "error")
        else:
            flash(_("You have withdrawn from the course. Your progress is kept if you enrol again."), "info")
        return redirect(url_for("courses.course", slug=course.slug))
    return render_template("learning/withdraw.html", course=course, enrolment=enrolment, form=form)


@bp.get("/courses/<slug>/continue")
@login_required
def resume(slug: str):
    course = courses.get_course(slug)
    enrolment = services.active_enrolment(_user(), course)
    if enrolment is None:
        return redirect(url_for("courses.course", slug=slug))
    item = services.resume_item(enrolment, services.course_progress(_user(), course))
    if item is None:
        return redirect(url_for("courses.course", slug=slug))
    return redirect(url_for("learning.item", slug=slug, key=item.key))


# --------------------------------------------------------------------------- lessons and quizzes

def _access(slug: str, key: str, *, recording: bool = False):
    """The course, item and the caller's enrolment, or a redirect to the course page for someone
    not enrolled (instructors may preview, but not ``recording`` progress)."""
    course = courses.get_course(slug)
    item = courses.get_item(course, key)
    if not services.can_preview(_user()) and item.key in held_back(course):
        abort(404)  # e.g. an assignment never published: learners do not know it exists
    enrolment = services.active_enrolment(_user(), course)
    if enrolment is None and not services.can_preview(_user()):
        flash(_("Enrol in the course to open its lessons."), "info")
        return course, item, None, redirect(url_for("courses.course", slug=slug))
    if enrolment is None and recording:  # an instructor previewing: nothing to record
        flash(_("Enrol in the course to record your progress."), "info")
        return course, item, None, redirect(url_for("courses.course", slug=slug))
    return course, item, enrolment, None


def _neighbours(course, item):
    items = course.active_items() if services.can_preview(_user()) else learner_items(course, course.active_items())
    index = next((i for i, candidate in enumerate(items) if candidate.id == item.id), 0)
    return (items[index - 1] if index > 0 else None), (items[index + 1] if index + 1 < len(items) else None)


@bp.get("/courses/<slug>/items/<key>")
@login_required
def item(slug: str, key: str):
    course, item, enrolment, bounce = _access(slug, key)
    if bounce:
        return bounce
    if enrolment is not None:
        services.record_visit(_user(), enrolment, item)
    progress = services.course_progress(_user(), course)
    previous, following = _neighbours(course, item)
    context = dict(course=course, item=item, enrolment=enrolment, progress=progress, previous=previous,
                   following=following, form=ConfirmForm(), can_preview=services.can_preview(_user()),
                   # the other domains' parts (lms.hooks): built here, once, rendered by the page's slots
                   panels=page_data("item-page", user=_user(), course=course, item=item))
    if item.kind == ItemKind.quiz:
        attempts = services.attempts_for(_user(), item)
        settings = services.quiz_settings(item)
        used = len(attempts)
        context.update(attempts=attempts, settings=settings, review_due=services.review_due_date(_user(), item),
                       open_attempt=next((a for a in attempts if a.is_open), None),
                       attempts_left=None if not settings["attempts"] else max(settings["attempts"] - used, 0))
    return render_template("learning/item.html", **context)


@bp.post("/courses/<slug>/items/<key>/complete")
@login_required
def complete(slug: str, key: str):
    course, item, enrolment, bounce = _access(slug, key, recording=True)
    if bounce:
        return bounce
    try:
        services.complete_lesson(_user(), enrolment, item)
    except services.EnrolmentError as error:
        flash(str(error), "error")
        return redirect(url_for("learning.item", slug=slug, key=key))
    if enrolment.status.value == "completed":
        flash(_("Congratulations: you have completed the course!"), "success")
    _previous, following = _neighbours(course, item)
    if following is not None:
        return redirect(url_for("learning.item", slug=slug, key=following.key))
    return redirect(url_for("courses.course", slug=slug))


@bp.post("/courses/<slug>/items/<key>/attempts")
@login_required
def start_attempt(slug: str, key: str):
    _course, item, enrolment, bounce = _access(slug, key, recording=True)
    if bounce:
        return bounce
    try:
        attempt = services.start_attempt(_user(), enrolment, item)
    except services.QuizError as error:
        flash(str(error), "error")
        return redirect(url_for("learning.item", slug=slug, key=key))
    return redirect(url_for("learning.attempt", attempt_id=attempt.id))


def _own_attempt(attempt_id: int):
    attempt = services.get_own_attempt(_user(), attempt_id)
    if attempt is None:
        abort(404)  # someone else's attempt: as if it did not exist
    return attempt


def _attempt_page(attempt, given: dict | None = None, *, unanswered=(), error: str | None = None):
    """The open attempt's form; ``given``: answers already typed (kept when the page comes back with
    the summary of unanswered questions or an error)."""
    seconds_left = None
    if attempt.deadline_at is not None:
        seconds_left = max(0, int((attempt.deadline_at - utcnow()).total_seconds()))
    return render_template("learning/attempt.html", attempt=attempt, course=attempt.item.course, item=attempt.item,
                           questions=services.public_questions(attempt), form=ConfirmForm(), given=given or {},
                           unanswered=list(unanswered), error=error, seconds_left=seconds_left)


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.is_open:
        return _attempt_page(attempt)
    return render_template("learning/result.html", attempt=attempt, course=attempt.item.course, item=attempt.item,
                           settings=services.quiz_settings(attempt.item),
                           review=services.attempt_review(_user(), attempt))


def answers_from_form(form) -> dict:
    """``q-<question id>`` fields → {question id: value or list of values}."""
    answers = {}
    for name in form:
        if name.startswith("q-"):
            values = form.getlist(name)
            answers[name[2:]] = values if len(values) != 1 else values[0]
    return answers


@bp.post("/attempts/<int:attempt_id>")
@login_required
def submit(attempt_id: int):
    """Submit an attempt. With questions left blank, the form comes back first with their numbers
    and a "submit anyway" button (``confirm``), the answers given so far kept."""
    attempt = _own_attempt(attempt_id)
    answers = answers_from_form(request.form)
    try:
        if attempt.is_open and not request.form.get("confirm"):
            unanswered = services.unanswered_questions(attempt, answers)
            if unanswered:
                return _attempt_page(attempt, answers, unanswered=unanswered)
        services.submit_attempt(_user(), attempt, answers)
    except services.LateSubmission as error:
        flash(str(error), "error")
    except services.QuizError as error:
        return _attempt_page(attempt, answers, error=str(error)), 422
    return redirect(url_for("learning.attempt", attempt_id=attempt.id))


# --------------------------------------------------------------------------- assignment (HR, admin)

@bp.route("/courses/<slug>/assign", methods=["GET", "POST"])
@requires("assign_courses")
def assign(slug: str):
    course = courses.get_course(slug)
    actor = _user()
    form = AssignForm()
    units = [o for o in all_organisations() if covers(actor, o)]
    form.organisation_id.choices = [(0, _("— nobody —"))] + [
        (o.id, "— " * o.depth + localized(o.name_kk, o.name_ru)) for o in units]
    cohorts = [c for c in services.course_cohorts(course)]
    form.cohort_id.choices = [(0, _("Choose automatically"))] + [(c.id, c.name) for c in cohorts]
    report = None
    if form.validate_on_submit():
        people, unknown = [], []
        for line in (form.emails.data or "").split():
            person = db.session.scalar(select(User).where(func.lower(User.email) == line.strip().lower()))
            if person is None or not covers(actor, person.organisation):
                unknown.append(line.strip())
            else:
                people.append(person)
        organisation = db.session.get(Organisation, form.organisation_id.data) if form.organisation_id.data else None
        cohort = next((c for c in cohorts if c.id == form.cohort_id.data), None)
        if unknown:
            form.emails.errors.append(_("Unknown or outside your organisation: %(emails)s", emails=", ".join(unknown)))
        elif not people and organisation is None:
            form.emails.errors.append(_("Name at least one person or an organisation."))
        else:
            try:
                report = services.assign_course(actor, course, people=people, organisation=organisation, cohort=cohort,
                                                due_on=form.due_on.data, mandatory=form.mandatory.data)
            except PermissionDenied:
                abort(403)
            flash(_("Enrolled: %(enrolled)d, waitlisted: %(waitlisted)d, already enrolled: %(already)d, "
                    "refused: %(refused)d.", enrolled=report.enrolled, waitlisted=report.waitlisted,
                    already=report.already, refused=len(report.refused)),
                  "success" if not report.refused else "warning")
    return render_template("learning/assign.html", course=course, form=form, report=report)


# --------------------------------------------------------------------------- teaching (instructors, admins)

@bp.get("/teaching")
@requires("view_rosters")
def teaching():
    return render_template("learning/teaching.html", rows=services.taught_cohorts(_user()))


@bp.route("/teaching/courses/<slug>", methods=["GET", "POST"])
@requires("view_rosters")
def teaching_course(slug: str):
    course = courses.get_course(slug)
    ensure_teaches(_user(), course, "view_rosters")
    form = CohortForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.create_cohort(_user(), course, name=form.name.data, starts_on=form.starts_on.data,
                                       ends_on=form.ends_on.data, capacity=form.capacity.data,
                                       enrol_from=form.enrol_from.data, enrol_until=form.enrol_until.data,
                                       due_on=form.due_on.data, self_enrolment=form.self_enrolment.data)
            except services.EnrolmentError as error:
                form.name.errors.append(str(error))
            else:
                flash(_("The cohort has been created."), "success")
                return redirect(url_for("learning.teaching_course", slug=slug))
    quizzes = [item for item in course.active_items() if item.is_quiz]
    return render_template("learning/teaching_course.html", course=course, cohorts=services.course_cohorts(course),
                           quizzes=quizzes, form=form)


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = services.get_cohort(cohort_id)
    if cohort is None:
        abort(404)
    return cohort


@bp.get("/teaching/cohorts/<int:cohort_id>")
@requires("view_rosters")
def roster(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    quizzes, rows = services.cohort_roster(_user(), cohort)
    return render_template("learning/roster.html", cohort=cohort, course=cohort.course, quizzes=quizzes, rows=rows)


@bp.get("/teaching/cohorts/<int:cohort_id>/roster.csv")
@requires("view_rosters")
def roster_csv(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    return _csv_response(services.export_roster_csv(_user(), cohort), f"roster-{cohort.course.slug}-{cohort.id}.csv")


def _quiz_or_404(slug: str, key: str):
    course = courses.get_course(slug)
    item = courses.get_item(course, key)
    if not item.is_quiz:
        abort(404)
    return course, item


@bp.get("/teaching/courses/<slug>/quizzes/<key>")
@requires("view_rosters")
def quiz_stats(slug: str, key: str):
    course, item = _quiz_or_404(slug, key)
    attempts, stats = services.quiz_statistics(_user(), item)
    return render_template("learning/quiz_stats.html", course=course, item=item, attempts=attempts, stats=stats)


@bp.get("/teaching/courses/<slug>/quizzes/<key>/preview")
@requires("view_rosters")
def quiz_preview(slug: str, key: str):
    """The quiz as learners see it, with the answers shown (instructors who teach the course, admins)."""
    course, item = _quiz_or_404(slug, key)
    return render_template("learning/quiz_preview.html", course=course, item=item,
                           questions=services.quiz_preview(_user(), item))


@bp.get("/teaching/courses/<slug>/lessons/<key>/preview")
@requires("view_rosters")
def lesson_preview(slug: str, key: str):
    """A lesson as learners see it, in Kazakh and Russian side by side (those who teach the course)."""
    course = courses.get_course(slug)
    item = courses.get_item(course, key)
    if item.kind != ItemKind.lesson:
        abort(404)
    ensure_teaches(_user(), course, "view_rosters")
    return render_template("learning/lesson_preview.html", course=course, item=item)


@bp.get("/teaching/courses/<slug>/quizzes/<key>/stats.csv")
@requires("view_rosters")
def quiz_stats_csv(slug: str, key: str):
    course, item = _quiz_or_404(slug, key)
    return _csv_response(services.export_quiz_statistics_csv(_user(), item), f"quiz-{course.slug}-{item.key}.csv")


def _csv_response(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})

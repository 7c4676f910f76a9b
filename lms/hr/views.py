"""HR pages: the dashboard (completion, overdue mandatory trainings, people with no training this
year), certificates of the officer's subtree (filters, pages, expiring soon) and exports."""
from __future__ import annotations

import io
import os
import tempfile

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file,
                   stream_with_context, url_for)
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import or_, select

from ..certificates import services as certificates
from ..courses.models import Course
from ..extensions import db
from ..hooks import fills
from ..i18n import written_date
from ..learning import services as learning
from ..learning.forms import DueDateForm
from ..clock import today as local_today
from ..organisations.models import Organisation
from ..organisations.services import PATH_SEPARATOR, all_organisations, code_path, covers, hr_scopes
from ..security import has_permission, requires
from ..utils import page_number
from . import exports, services

bp = Blueprint("hr", __name__, url_prefix="/hr")
FILTER_KEYS = ("organisation", "course", "issued_from", "issued_to", "status", "expiring_within", "holder")
EXPIRING_DAYS = 60


def _user():
    return current_user._get_current_object()


def _filter_args() -> dict:
    return {key: request.args.get(key, "")[:100] for key in FILTER_KEYS if request.args.get(key)}


def _filter_units(actor) -> list[Organisation]:
    """The units of the organisation filter: those ``actor`` covers, parents before children (as
    ``all_organisations`` sorts them). Only the officer's subtrees and their ancestors (for the sort
    key) are loaded, not every unit of the civil service."""
    if actor.has_role("admin"):
        return all_organisations()
    scopes = hr_scopes(actor)
    if not scopes:
        return []
    ancestors = {int(part) for scope in scopes for part in scope.path.split(PATH_SEPARATOR) if part}
    loaded = db.session.scalars(select(Organisation).where(
        or_(Organisation.id.in_(ancestors), *[Organisation.path.startswith(scope.path) for scope in scopes]))).all()
    by_id = {unit.id: unit for unit in loaded}
    units = [unit for unit in loaded if any(unit.path.startswith(scope.path) for scope in scopes)]
    return sorted(units, key=lambda unit: code_path(unit, by_id).lower())


def _page(error: str | None = None, filters=None, status: int = 200):
    actor = _user()
    args = _filter_args()
    pagination = expiring = None
    if filters is not None:
        pagination = db.paginate(certificates.certificate_query(actor, filters),
                                 page=page_number(),
                                 per_page=current_app.config["OQU_SETTINGS"].page_size, error_out=False)
        expiring = db.session.scalars(certificates.certificate_query(
            actor, certificates.CertificateFilters(organisation_id=filters.organisation_id,
                                                   course_id=filters.course_id,
                                                   expiring_within=EXPIRING_DAYS)).limit(10)).all()
    units = _filter_units(actor)
    courses = db.session.scalars(select(Course).order_by(Course.slug)).all()
    return render_template("hr/certificates.html", pagination=pagination, expiring=expiring, error=error,
                           args=args, units=units, courses=courses, statuses=certificates.STATUSES,
                           expiring_days=EXPIRING_DAYS, today=local_today()), status


@bp.get("/certificates")
@requires("view_certificates")
def certificate_list():
    try:
        filters = certificates.parse_filters(_user(), request.args)
    except certificates.CertificateError as error:
        return _page(str(error), status=400)
    return _page(filters=filters)


@bp.get("/certificates/export.csv")
@requires("view_certificates")
def export_csv():
    actor = _user()
    try:
        filters = certificates.parse_filters(actor, request.args)
    except certificates.CertificateError as error:
        return _page(str(error), status=400)
    header = exports.headers()
    dialect = exports.csv_dialect(request.args.get("dialect"))  # Excel's (";", BOM) unless "standard"

    def generate():
        counter = [0]
        yield from exports.csv_batches_chunks(header, exports.export_batches(actor, filters, as_text=True), counter,
                                              dialect)
        exports.record_export(actor, "csv", filters, counter[0])

    return Response(stream_with_context(generate()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="certificates-{local_today().isoformat()}.csv"',
        "Cache-Control": "private, no-store"})


@bp.get("/certificates/export.xlsx")
@requires("view_certificates")
def export_xlsx():
    actor = _user()
    try:
        filters = certificates.parse_filters(actor, request.args)
    except certificates.CertificateError as error:
        return _page(str(error), status=400)
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        rows = exports.write_xlsx(path, exports.headers(), exports.export_rows(actor, filters))
        exports.record_export(actor, "xlsx", filters, rows)
        with open(path, "rb") as file:
            data = file.read()
    finally:
        os.unlink(path)
    return send_file(io.BytesIO(data), as_attachment=True,
                     download_name=f"certificates-{local_today().isoformat()}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --------------------------------------------------------------------------- dashboard

EXPIRING_SOON_DAYS = 30


@bp.route("/due-date", methods=["GET", "POST"])
@requires("assign_courses")
def due_date():
    """A new due date for the enrolments ticked on the dashboard (or the one row's link)."""
    actor = _user()
    enrolments = learning.enrolments_to_reschedule(actor, request.args.getlist("enrolment", type=int))
    if not enrolments:
        abort(404)
    form = DueDateForm()
    if request.method == "GET":
        form.due_on.data = max(filter(None, (e.due_date for e in enrolments)), default=None)
    elif form.validate_on_submit():
        try:
            changed = learning.change_due_dates(actor, enrolments, form.due_on.data)
        except learning.EnrolmentError as error:
            form.due_on.errors.append(str(error))
        else:
            flash(ngettext("The due date of %(num)s course is now %(date)s.",
                           "The due dates of %(num)s courses are now %(date)s.", changed,
                           date=written_date(form.due_on.data)), "success")
            return redirect(url_for("hr.dashboard"))
    return render_template("hr/due_date.html", form=form, enrolments=enrolments)


@fills("person-page")
def training_record_panel(person) -> str:
    """The person's training record on the staff page of the organisations domain."""
    return render_template("hr/training_record.html", record=services.training_record(_user(), person))


@bp.app_template_filter("percent")
def percent_filter(value: float) -> str:
    """A share (0–1) as a percentage in the reader's locale ("45%", "45 %")."""
    from flask_babel import format_percent

    return format_percent(value)


def _dashboard_unit() -> tuple[Organisation | None, bool]:
    """The unit chosen to look inside (``?unit=ID``; None: the officer's whole scope), and whether
    the request names a unit it may not (unknown, malformed or outside the actor's scope)."""
    raw = request.args.get("unit", "")
    if not raw:
        return None, False
    unit = db.session.get(Organisation, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if unit is None or not covers(_user(), unit):
        return None, True
    return unit, False


@bp.get("/dashboard")
@requires("view_staff")
def dashboard():
    from flask_babel import gettext as _

    actor = _user()
    unit, problem = _dashboard_unit()
    if problem:
        return render_template("hr/dashboard.html", error=_("This organisation is not in your scope."),
                               roots=[], unit=None), 400
    roots = services.roots(actor, unit)
    today = local_today()
    overdue_total, overdue = services.overdue_trainings(actor, roots, today)
    idle = db.paginate(services.no_training_query(actor, roots, today), page=page_number(),
                       per_page=current_app.config["OQU_SETTINGS"].page_size, error_out=False)
    staff = services.staff_count(actor, roots)
    expiring = services.expiring_count(actor, roots, EXPIRING_SOON_DAYS, today) \
        if has_permission(actor, "view_certificates") else None
    courses = db.session.scalars(select(Course).where(Course.published.is_(True)).order_by(Course.slug)).all()
    return render_template(
        "hr/dashboard.html", error=None, unit=unit, roots=roots, today=today,
        by_department=services.completion_by_department(actor, roots),
        by_course=services.completion_by_course(actor, roots),
        overdue=overdue, overdue_total=overdue_total, idle=idle, staff=staff, year=today.year,
        expiring=expiring, expiring_days=EXPIRING_SOON_DAYS, courses=courses,
        may_assign=has_permission(actor, "assign_courses"))


@bp.get("/dashboard/no-training.csv")
@requires("view_staff")
def no_training_csv():
    from flask_babel import gettext as _

    from ..accounts.services import shown_iin
    from ..i18n import localized

    actor = _user()
    unit, problem = _dashboard_unit()
    if problem:
        abort(400)
    roots = services.roots(actor, unit)
    query = services.no_training_query(actor, roots).execution_options(yield_per=exports.BATCH)
    header = [_("Surname"), _("Given name"), _("Patronymic"), _("IIN"), _("Position"), _("Organisation"),
              _("E-mail")]
    dialect = exports.csv_dialect(request.args.get("dialect"))
    units = {unit.id: unit for unit in all_organisations()}

    def unit_path(organisation) -> str:
        ids = [int(part) for part in organisation.path.split(PATH_SEPARATOR) if part]
        return exports.UNIT_SEPARATOR.join(localized(units[i].name_kk, units[i].name_ru) for i in ids if i in units)

    def rows():
        for person in db.session.scalars(query):
            organisation = person.organisation
            yield [person.surname, person.given_name, person.patronymic, shown_iin(actor, person) or "",
                   person.position, unit_path(organisation) if organisation else "", person.email]

    def generate():
        counter = [0]
        yield from exports.csv_chunks(header, rows(), counter, dialect)
        services.record_export(actor, "no_training", unit.id if unit else None, counter[0])

    return Response(stream_with_context(generate()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="no-training-{local_today().year}.csv"',
        "Cache-Control": "private, no-store"})

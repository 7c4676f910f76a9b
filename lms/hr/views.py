"""HR pages: certificates of the officer's subtree (filters, pages, expiring soon) and exports."""
from __future__ import annotations

import os
import tempfile

import io

from flask import (Blueprint, Response, current_app, render_template, request, send_file,
                   stream_with_context)
from flask_login import current_user
from sqlalchemy import select

from ..certificates import services as certificates
from ..courses.models import Course
from ..extensions import db
from ..i18n import today as local_today
from ..organisations.services import all_organisations, covers
from ..security import requires
from . import exports

bp = Blueprint("hr", __name__, url_prefix="/hr")
FILTER_KEYS = ("organisation", "course", "issued_from", "issued_to", "status", "expiring_within")
EXPIRING_DAYS = 60


def _user():
    return current_user._get_current_object()


def _filter_args() -> dict:
    return {key: request.args.get(key, "")[:40] for key in FILTER_KEYS if request.args.get(key)}


def _page(error: str | None = None, filters=None, status: int = 200):
    actor = _user()
    args = _filter_args()
    pagination = expiring = None
    if filters is not None:
        pagination = db.paginate(certificates.certificate_query(actor, filters),
                                 page=request.args.get("page", 1, type=int),
                                 per_page=current_app.config["OQU_SETTINGS"].page_size, error_out=False)
        expiring = db.session.scalars(certificates.certificate_query(
            actor, certificates.CertificateFilters(organisation_id=filters.organisation_id,
                                                   course_id=filters.course_id,
                                                   expiring_within=EXPIRING_DAYS)).limit(10)).all()
    units = [o for o in all_organisations() if covers(actor, o)]
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

    def generate():
        counter = [0]
        yield from exports.csv_chunks(header, exports.export_rows(actor, filters), counter)
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

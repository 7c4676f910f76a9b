"""The administrator's GPU usage report: GPU-hours of a month by organisation, course or person,
on a page and as CSV (through lms/spreadsheets.py, so no cell is read as a formula)."""
from __future__ import annotations

import re
from datetime import timedelta

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..security import requires
from ..spreadsheets import to_csv
from . import services

bp = Blueprint("gpu", __name__)
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _query():
    month = request.args.get("month") or None
    if month is not None and not MONTH.match(month):
        abort(400)
    by = request.args.get("by") or "organisation"
    if by not in services.GROUPINGS:
        abort(400)
    return month, by


@bp.get("/admin/gpu-usage")
@requires("view_gpu_usage")
def usage():
    month, by = _query()
    rows, (start, end) = services.usage_report(current_user._get_current_object(), month, by)
    first_day = clock.local_date(start)
    last_day = clock.local_date(end - timedelta(seconds=1))
    return render_template("gpu/usage.html", rows=rows, by=by, month=month or first_day.strftime("%Y-%m"),
                           first_day=first_day, last_day=last_day,
                           total=sum(r.gpu_hours for r in rows), groupings=services.GROUPINGS)


@bp.get("/admin/gpu-usage.csv")
@requires("view_gpu_usage")
def usage_csv():
    month, by = _query()
    rows, (start, _end) = services.export_usage(current_user._get_current_object(), month, by)
    header = [_grouping_label(by), _("Organisation"), _("Sessions"), _("Running now"), _("GPU-hours")]
    body = [[r.label, r.organisation, r.sessions, r.running, round(r.gpu_hours, 2)] for r in rows]
    filename = f"gpu-usage-{month or start.strftime('%Y-%m')}-{by}.csv"
    return Response(to_csv(header, body), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _grouping_label(by: str) -> str:
    return {"organisation": _("Organisation"), "course": _("Course"), "person": _("Person")}[by]


@bp.app_template_filter("gpu_grouping")
def gpu_grouping(by: str) -> str:
    return _grouping_label(by)

"""The administrator's GPU usage report: by organisation, course and person, on a page and as CSV."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from lms import clock
from lms.gpu import services

from .. import factories
from ..conftest import audit_events, page_text, signed_in_client
from .conftest import used


def month_param():
    start, _end = services.month_window()
    return clock.local_date(start).strftime("%Y-%m")


def world(ministry, department, gpu_course, cpu_course):
    start, _end = services.month_window()
    early = start + timedelta(hours=2)
    aigul = factories.user("learner", organisation=department, surname="Сапарова", given_name="Айгүл")
    ivan = factories.user("learner", organisation=ministry, surname="=HYPERLINK(\"x\")", given_name="Иван")
    used(aigul, 2, course=gpu_course, started=early)
    used(aigul, 1, course=gpu_course, started=early + timedelta(hours=5))
    used(ivan, 0.5, course=gpu_course, started=early)
    used(ivan, 7, course=cpu_course, started=early, gpus=0)  # CPU time is not GPU time
    used(aigul, 9, course=gpu_course, started=start - timedelta(days=40))  # another month
    return aigul, ivan


def test_admin_sees_gpu_hours_by_organisation_course_and_person(app, ministry, department, gpu_course, cpu_course):
    aigul, ivan = world(ministry, department, gpu_course, cpu_course)
    admin = signed_in_client(app, factories.user("admin"))
    month = month_param()
    by_organisation = page_text(admin.get(f"/admin/gpu-usage?month={month}"))
    assert "Департамент" in by_organisation and "3.00" in by_organisation and "0.50" in by_organisation
    assert "3.50" in by_organisation  # the total
    by_course = page_text(admin.get(f"/admin/gpu-usage?month={month}&by=course"))
    assert "deep-learning kk" in by_course and "ai-basics" not in by_course
    by_person = page_text(admin.get(f"/admin/gpu-usage?month={month}&by=person"))
    assert aigul.email in by_person and ivan.email in by_person
    assert admin.get("/admin/gpu-usage?month=2026-13").status_code == 400
    assert admin.get("/admin/gpu-usage?by=colour").status_code == 400


def test_csv_export_by_person_is_excel_safe(app, ministry, department, gpu_course, cpu_course):
    aigul, ivan = world(ministry, department, gpu_course, cpu_course)
    admin = signed_in_client(app, factories.user("admin"))
    response = admin.get(f"/admin/gpu-usage.csv?month={month_param()}&by=person")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"gpu-usage-{month_param()}-person.csv" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 3
    body = {row[0]: row for row in rows[1:]}
    aigul_row = next(row for label, row in body.items() if aigul.email in label)
    assert aigul_row[2:] == ["2", "0", "3.0"]
    ivan_row = next(row for label, row in body.items() if ivan.email in label)
    assert ivan_row[0].startswith("'=")  # a formula neutralised
    assert ivan_row[4] == "0.5"
    [event] = audit_events("gpu_usage_exported")  # the file names people: who took it is on record
    assert event.details == {"month": month_param(), "by": "person", "rows": 2}
    admin.get(f"/admin/gpu-usage?month={month_param()}&by=person")
    assert len(audit_events("gpu_usage_exported")) == 1  # looking at the page is not an export


def test_nobody_else_sees_the_report(app):
    for role in ("learner", "instructor", "hr"):
        browser = signed_in_client(app, factories.user(role))
        assert browser.get("/admin/gpu-usage").status_code == 403
        assert browser.get("/admin/gpu-usage.csv").status_code == 403


def test_gpu_usage_command_prints_the_same_report(app, ministry, department, gpu_course, cpu_course):
    world(ministry, department, gpu_course, cpu_course)
    result = app.test_cli_runner().invoke(args=["lms", "gpu-usage", "--month", month_param(), "--by", "course"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert rows[0] == ["course", "organisation", "sessions", "running", "gpu_hours"]
    assert rows[1][0] == "deep-learning kk" and rows[1][4] == "3.5"
    [event] = audit_events("gpu_usage_exported")
    assert (event.actor_id, event.details["by"], event.details["rows"]) == (None, "course", len(rows) - 1)


def test_gpu_usage_csv_is_safe_in_excel_splitting_on_semicolons_or_commas(app, ministry, department, gpu_course,
                                                                          cpu_course):
    from ..spreadsheets import HOSTILE_TITLE, assert_excel_safe, make_hostile

    _aigul, ivan = world(ministry, department, gpu_course, cpu_course)
    ministry.name_kk = ministry.name_ru = gpu_course.title_kk = gpu_course.title_ru = HOSTILE_TITLE
    make_hostile(ivan)
    admin = signed_in_client(app, factories.user("admin"))
    for by in ("organisation", "course", "person"):
        response = admin.get(f"/admin/gpu-usage.csv?month={month_param()}&by={by}")
        assert response.status_code == 200
        assert_excel_safe(response.get_data(), "HYPERLINK" if by == "person" else "cmd|")
        result = app.test_cli_runner().invoke(args=["lms", "gpu-usage", "--month", month_param(), "--by", by])
        assert result.exit_code == 0, result.output
        assert_excel_safe(result.stdout_bytes, "HYPERLINK" if by == "person" else "cmd|")

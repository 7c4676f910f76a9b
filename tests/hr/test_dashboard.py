"""The HR dashboard: completion by department and course, overdue mandatory trainings and people with
no training this year, each scoped to the officer's organisation subtree."""
import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.hr import services
from lms.learning import services as learning
from lms.learning.models import Enrolment
from lms.security import PermissionDenied
from lms.clock import today as local_today

from ..conftest import audit_events, page_text, signed_in_client, translated
from .conftest import _complete


def _rates(rates):
    return {rate.label: (rate.completed, rate.enrolled) for rate in rates}


def test_completion_by_department_and_course_counts_only_the_officers_subtree(app, world, training):
    with app.test_request_context("/", headers={"Cookie": "oqu_lang=ru"}):
        roots = services.roots(world.hr)
        assert roots == [world.a]
        own = translated(app, "%(unit)s (own staff)", "ru", unit="Министерство А")
        assert _rates(services.completion_by_department(world.hr, roots)) == {own: (1, 1), "Департамент А1": (1, 2)}
        [by_course] = services.completion_by_course(world.hr, roots)
        assert (by_course.completed, by_course.enrolled, by_course.percent) == (2, 3, 66.7)
        assert _rates(services.completion_by_department(world.hr_b, services.roots(world.hr_b))) == {
            "Министерство Б": (0, 1)}
        admin_roots = services.roots(world.admin)
        assert set(admin_roots) == {world.a, world.b}
        assert _rates(services.completion_by_department(world.admin, admin_roots)) == {
            "Министерство А": (2, 3), "Министерство Б": (0, 1)}


def test_overdue_mandatory_trainings_are_the_assigned_ones_past_due_and_not_completed(world, training):
    total, rows = services.overdue_trainings(world.hr, services.roots(world.hr))
    assert total == 1 and [r.enrolment.user_id for r in rows] == [world.colleague.id] and rows[0].days == 10
    total_b, rows_b = services.overdue_trainings(world.hr_b, services.roots(world.hr_b))
    assert [r.enrolment.user_id for r in rows_b] == [world.outsider.id]
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == world.colleague.id))
    _complete(enrolment)
    assert services.overdue_trainings(world.hr, services.roots(world.hr))[0] == 0


def test_people_with_no_training_this_year(world, training, make, course):
    roots = services.roots(world.hr)
    idle = {p.id for p in db.session.scalars(services.no_training_query(world.hr, roots))}
    # the learner opened a lesson, the instructor completed the course; the colleague is only assigned
    assert idle == {world.colleague.id, world.hr.id}
    make.certificate(world.hr, course, issued_on=local_today())
    assert {p.id for p in db.session.scalars(services.no_training_query(world.hr, roots))} == {world.colleague.id}
    make.certificate(world.colleague, course, issued_on=date(local_today().year - 1, 12, 31))  # last year: no
    assert {p.id for p in db.session.scalars(services.no_training_query(world.hr, roots))} == {world.colleague.id}
    b_idle = {p.id for p in db.session.scalars(services.no_training_query(world.hr_b, services.roots(world.hr_b)))}
    assert b_idle == {world.outsider.id, world.hr_b.id}


def test_dashboard_page_of_hr_a_shows_nothing_of_b(app, world, training):
    page = signed_in_client(app, world.hr).get("/hr/dashboard")
    assert page.status_code == 200
    text = page_text(page)
    assert world.colleague.full_name in text and world.a1.name_kk in text
    for foreign in (world.outsider.full_name, world.hr_b.full_name, world.b.name_kk):
        assert foreign not in text
    assert 'href="/courses/demo/assign"' in text  # the overdue row and the course row lead to Assign
    other = page_text(signed_in_client(app, world.hr_b).get("/hr/dashboard"))
    assert world.outsider.full_name in other and world.colleague.full_name not in other


def test_unit_outside_scope_is_refused_and_a_sub_unit_can_be_opened(app, world, training):
    browser = signed_in_client(app, world.hr)
    for unit in (world.b.id, 999999, "x"):
        refused = browser.get("/hr/dashboard", query_string={"unit": unit})
        assert refused.status_code == 400
        assert translated(app, "This organisation is not in your scope.") in page_text(refused)
        assert world.outsider.full_name not in page_text(refused)
        assert browser.get("/hr/dashboard/no-training.csv", query_string={"unit": unit}).status_code == 400
    inside = page_text(browser.get("/hr/dashboard", query_string={"unit": world.a1.id}))
    idle_table = inside.split('data-testid="no-training"', 1)[1].split("</table>", 1)[0]
    assert world.colleague.full_name in idle_table and world.hr.full_name not in idle_table  # hr works in A


def test_rates_and_counts_are_formatted_for_the_reader(app, world, training):
    browser = signed_in_client(app, world.hr)
    kk = page_text(browser.get("/hr/dashboard", headers={"Cookie": "oqu_lang=kk"}))
    ru = page_text(browser.get("/hr/dashboard", headers={"Accept-Language": "ru"}))
    with app.test_request_context("/"):
        from flask_babel import force_locale, format_percent

        with force_locale("ru"):
            ru_half = format_percent(0.5)
        with force_locale("kk"):
            kk_half = format_percent(0.5)
    assert ru_half != kk_half  # "50 %" with a no-break space in Russian
    assert f'data-testid="rate">{ru_half}<' in ru and f'data-testid="rate">{kk_half}<' in kk
    assert translated(app, "Completion by department", "ru") in ru
    assert translated(app, "Completion by department", "kk") in kk


def test_no_training_csv_is_scoped_neutralised_and_audited(app, world, training):
    world.colleague.surname = "=cmd|' /C calc'!A0"
    db.session.commit()
    response = signed_in_client(app, world.hr).get("/hr/dashboard/no-training.csv", buffered=True)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))  # CSV for Excel
    names = sorted(row[0] for row in rows[1:])  # surnames
    assert names == sorted(["'" + world.colleague.surname, world.hr.surname])
    assert rows[1][3] in (world.colleague.iin, world.hr.iin)  # HR of the subtree sees full IINs
    [event] = audit_events("hr_report_exported")
    assert event.actor_id == world.hr.id and event.details == {"report": "no_training", "unit": None, "rows": 2}


def test_no_training_list_is_paginated(app, world, training, make):
    for n in range(4):
        make.user("learner", organisation=world.a1, surname=f"Жаңаұлы{n}")
    app.config["OQU_SETTINGS"].page_size = 3
    browser = signed_in_client(app, world.hr)
    first = browser.get("/hr/dashboard").get_data(as_text=True)
    second = page_text(browser.get("/hr/dashboard?page=2"))
    assert "page=2" in first
    assert first.count('<tr><td>') == 3 and second.count("<tr><td>") == 3  # 6 idle people in all


def test_empty_states(app, world, make):
    c = make.organisation("MC", name_kk="В министрлігі", name_ru="Министерство В")
    hr_c = make.user("hr", organisation=c)
    text = page_text(signed_in_client(app, hr_c).get("/hr/dashboard"))
    assert translated(app, "Nobody here is enrolled in a course yet.") in text
    assert translated(app, "No mandatory training is overdue.") in text
    nobody = make.user("hr")  # an HR role without an organisation: sees nobody
    assert translated(app, "No organisation is assigned to your HR role yet. Ask an administrator.") in page_text(
        signed_in_client(app, nobody).get("/hr/dashboard"))
    with pytest.raises(PermissionDenied):
        services.roots(world.learner)


def _statements(app, browser, url):
    from sqlalchemy import event

    seen = []

    def record(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert browser.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(seen)


def test_dashboard_issues_as_many_statements_for_many_rows_as_for_few(app, world, training, course, make):
    app.config["OQU_SETTINGS"].page_size = 1  # the people listed below do not load the overdue ones
    browser = signed_in_client(app, world.hr)
    few = _statements(app, browser, "/hr/dashboard")
    people = [make.user("learner", organisation=world.a1, surname=f"Кешікқан{n}") for n in range(8)]
    learning.assign_course(world.hr, course, people=people, due_on=local_today() - timedelta(days=3))
    assert services.overdue_trainings(world.hr, services.roots(world.hr))[0] == 9
    assert _statements(app, browser, "/hr/dashboard") == few


def test_no_training_csv_is_safe_in_excel_splitting_on_semicolons_or_commas(app, world, training):
    from ..spreadsheets import HOSTILE_TITLE, assert_excel_safe, make_hostile

    world.a1.name_kk = world.a1.name_ru = HOSTILE_TITLE
    make_hostile(world.colleague, position=HOSTILE_TITLE)
    response = signed_in_client(app, world.hr).get("/hr/dashboard/no-training.csv", buffered=True)
    assert response.status_code == 200
    assert_excel_safe(response.get_data(), "HYPERLINK", "@SUM", "cmd|")

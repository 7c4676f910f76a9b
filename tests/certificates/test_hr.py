"""The HR workspace: certificates of the officer's subtree, filters, expiring soon, CSV and XLSX exports."""
import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from lms.certificates import services
from lms.security import PermissionDenied
from lms.clock import today as local_today

from ..conftest import audit_events, page_text, signed_in_client, translated


@pytest.fixture
def records(world, course, make):
    today = local_today()
    return {
        "learner": make.certificate(world.learner, course, issued_on=today - timedelta(days=30),
                                    valid_until=today + timedelta(days=20)),
        "colleague": make.certificate(world.colleague, course, issued_on=date(2025, 5, 1)),
        "old": make.certificate(world.hr, course, issued_on=date(2023, 1, 10), valid_until=date(2024, 1, 10)),
        "revoked": make.certificate(world.instructor, course, issued_on=date(2025, 6, 1), revoked=True),
        "outsider": make.certificate(world.outsider, course, issued_on=date(2025, 5, 2)),
    }


def _numbers(actor, **args):
    filters = services.parse_filters(actor, args)
    from lms.extensions import db
    return {c.number for c in db.session.scalars(services.certificate_query(actor, filters))}


def test_hr_sees_only_their_subtree_and_admin_sees_all(world, records):
    mine = {records[k].number for k in ("learner", "colleague", "old", "revoked")}
    assert _numbers(world.hr) == mine
    assert _numbers(world.hr_b) == {records["outsider"].number}
    assert _numbers(world.admin) == mine | {records["outsider"].number}
    with pytest.raises(PermissionDenied):
        _numbers(world.learner)


def test_filters_by_unit_status_dates_and_expiry(world, records):
    n = {k: v.number for k, v in records.items()}
    assert _numbers(world.hr, organisation=str(world.a1.id)) == {n["learner"], n["colleague"]}
    assert _numbers(world.hr, status="expired") == {n["old"]}
    assert _numbers(world.hr, status="revoked") == {n["revoked"]}
    assert _numbers(world.hr, status="valid") == {n["learner"], n["colleague"]}
    assert _numbers(world.hr, issued_from="2025-01-01", issued_to="2025-12-31") == {n["colleague"], n["revoked"]}
    assert _numbers(world.hr, expiring_within="30") == {n["learner"]}
    assert _numbers(world.hr, expiring_within="10") == set()
    assert _numbers(world.hr, course="demo") == _numbers(world.hr)


@pytest.mark.parametrize("args, message", [
    # Messages come in the default language, Kazakh.
    ({"issued_from": "2025-13-01"}, "күн емес (ЖЖЖЖ-АА-КК): 2025-13-01"),
    ({"issued_from": "2025-02-01", "issued_to": "2025-01-01"}, "Кезеңнің соңы басынан бұрын тұр."),
    ({"status": "lost"}, "Белгісіз мәртебе: lost"),
    ({"course": "nope"}, "Мұндай курс жоқ."),
    ({"expiring_within": "-5"}, "бүтін сан болуы керек"),
])
def test_invalid_filters_are_clear_errors(world, args, message):
    with pytest.raises(services.CertificateError) as error:
        services.parse_filters(world.hr, args)
    assert message in str(error.value)


def test_hr_of_a_cannot_list_or_export_b(app, world, records):
    with pytest.raises(services.CertificateError):
        services.parse_filters(world.hr, {"organisation": str(world.b.id)})
    browser = signed_in_client(app, world.hr)
    for url in ("/hr/certificates", "/hr/certificates/export.csv", "/hr/certificates/export.xlsx"):
        response = browser.get(url, query_string={"organisation": world.b.id})
        assert response.status_code == 400, url
        assert translated(app, "This organisation is not in your scope.") in page_text(response)
        assert records["outsider"].number not in page_text(response)
    assert audit_events("certificates_exported") == []
    page = page_text(browser.get("/hr/certificates"))
    assert records["learner"].number in page and records["outsider"].number not in page
    assert records["outsider"].number not in browser.get("/hr/certificates/export.csv", buffered=True).get_data(as_text=True)
    other = signed_in_client(app, world.hr_b)
    assert other.get(f"/certificates/{records['learner'].number}/pdf").status_code == 403


def test_list_page_shows_expiring_soon_and_paginates(app, world, records):
    browser = signed_in_client(app, world.hr)
    text = page_text(browser.get("/hr/certificates"))
    assert translated(app, "Expiring within %(days)s days", days=60) in text
    assert records["learner"].valid_until.strftime("%Y") in text
    app.config["OQU_SETTINGS"].page_size = 2
    first = page_text(browser.get("/hr/certificates"))
    second = page_text(browser.get("/hr/certificates?page=2"))
    assert first.count("OQU-") >= 2 and "page=2" in browser.get("/hr/certificates").get_data(as_text=True)
    assert records["revoked"].number in first + second or records["old"].number in second


def test_csv_and_xlsx_agree_dates_are_dates_formulas_are_text(app, world, course, make, records):
    world.colleague.surname = '=HYPERLINK("x")'
    from lms.extensions import db
    db.session.commit()
    make.certificate(world.colleague, course, issued_on=date(2024, 2, 29), renewal=1)  # name snapshot with the formula
    browser = signed_in_client(app, world.hr)
    csv_response = browser.get("/hr/certificates/export.csv", headers={"Accept-Language": "ru"}, buffered=True)
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    raw = csv_response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    csv_rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    xlsx = browser.get("/hr/certificates/export.xlsx", headers={"Accept-Language": "ru"})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.freeze_panes == "A2"
    xlsx_rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert csv_rows[0] == xlsx_rows[0] and csv_rows[0][0] == translated(app, "Number", "ru")
    assert len(csv_rows) == len(xlsx_rows) == 1 + 5
    for csv_row, xlsx_row in zip(csv_rows[1:], xlsx_rows[1:]):
        normalised = ["" if v is None else v.date().isoformat() if isinstance(v, datetime) else str(v)
                      for v in xlsx_row]
        assert csv_row == normalised
        assert isinstance(xlsx_row[11], datetime)  # a real date cell
    names = [row[1] for row in xlsx_rows[1:]]
    assert "'=HYPERLINK(\"x\")" + " " + world.colleague.given_name in names
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    [first, second] = audit_events("certificates_exported")
    assert first.details == {"format": "csv", "filters": {}, "rows": 5}
    assert second.details["format"] == "xlsx" and second.details["rows"] == 5 and second.actor_id == world.hr.id


def test_export_with_filters_is_audited_with_them(app, world, records):
    browser = signed_in_client(app, world.hr)
    response = browser.get("/hr/certificates/export.csv", query_string={"status": "valid", "issued_from": "2025-01-01"},
                           buffered=True)
    body = response.get_data(as_text=True)
    assert records["learner"].number in body and records["old"].number not in body
    [event] = audit_events("certificates_exported")
    assert event.details["filters"] == {"status": "valid", "issued_from": "2025-01-01"} and event.details["rows"] == 2
    bad = browser.get("/hr/certificates/export.xlsx", query_string={"issued_to": "yesterday"})
    assert bad.status_code == 400 and len(audit_events("certificates_exported")) == 1


def _token(person):
    from lms.accounts import services as accounts

    return {"Authorization": f"Bearer {accounts.create_api_token(person, person, 't')[1]}"}


def test_api_list_is_scoped_filtered_and_cursor_paginated(app, world, records):
    client = app.test_client()
    headers = _token(world.hr)
    seen, cursor = [], None
    while True:
        response = client.get("/api/v1/certificates", query_string={"limit": 3, **({"cursor": cursor} if cursor else {})},
                              headers=headers)
        assert response.status_code == 200
        body = response.get_json()
        seen += [item["number"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(records[k].number for k in ("learner", "colleague", "old", "revoked"))
    assert len(seen) == len(set(seen))
    item = client.get("/api/v1/certificates", query_string={"status": "revoked"}, headers=headers).get_json()["items"]
    assert [i["number"] for i in item] == [records["revoked"].number] and item[0]["revoked_on"]
    assert item[0]["organisation"]["code"] == "MA" and item[0]["course"]["slug"] == "demo"
    outside = client.get("/api/v1/certificates", query_string={"organisation": world.b.id}, headers=headers)
    assert outside.status_code == 422 and outside.get_json()["error"] == "invalid"
    assert client.get("/api/v1/certificates", query_string={"issued_from": "2025-02-30"},
                      headers=headers).status_code == 422
    assert client.get("/api/v1/certificates", query_string={"cursor": "!!"}, headers=headers).status_code == 400
    b_numbers = [i["number"] for i in client.get("/api/v1/certificates", headers=_token(world.hr_b)).get_json()["items"]]
    assert b_numbers == [records["outsider"].number]
    assert client.get("/api/v1/certificates", headers=_token(world.learner)).status_code == 403
    assert client.get("/api/v1/certificates").status_code == 401


def test_cli_export_writes_csv_and_xlsx_and_refuses_bad_filters(app, world, records, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "export-certificates", "--format", "csv", "-o", str(tmp_path / "c.csv")])
    assert result.exit_code == 0, result.output
    assert "5 certificate(s)" in result.output
    rows = list(csv.reader(io.StringIO((tmp_path / "c.csv").read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 6 and len(rows[0]) == 15
    result = runner.invoke(args=["lms", "export-certificates", "--format", "xlsx", "--status", "valid",
                                 "-o", str(tmp_path / "c.xlsx")])
    assert result.exit_code == 0 and load_workbook(tmp_path / "c.xlsx").active.max_row == 1 + 3
    bad = runner.invoke(args=["lms", "export-certificates", "--format", "csv", "--issued-from", "2025-99-01",
                              "-o", str(tmp_path / "bad.csv")])
    assert bad.exit_code == 1 and not (tmp_path / "bad.csv").exists()
    assert [e.details["rows"] for e in audit_events("certificates_exported")] == [5, 3]


def _csv_rows(response):
    """The rows of a CSV export as Excel in Kazakh or Russian settings splits them (on ";")."""
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline=""), delimiter=";"))


def test_export_filtered_by_unit_holds_that_subtree_only(app, world, records):
    browser = signed_in_client(app, world.hr)
    rows = _csv_rows(browser.get("/hr/certificates/export.csv", query_string={"organisation": world.a1.id},
                                 buffered=True))
    assert sorted(row[0] for row in rows[1:]) == sorted([records["learner"].number, records["colleague"].number])
    sheet = load_workbook(io.BytesIO(browser.get("/hr/certificates/export.xlsx",
                                                 query_string={"organisation": world.a1.id}).data)).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == sorted(r[0] for r in rows[1:])


def test_export_shows_whole_iins_only_of_people_in_the_officers_subtree(app, world, records):
    from lms.extensions import db

    world.colleague.organisation = world.b  # moved to B since the certificate was issued in A1
    db.session.commit()
    rows = {row[0]: row for row in _csv_rows(signed_in_client(app, world.hr).get("/hr/certificates/export.csv",
                                                                                buffered=True))[1:]}
    assert rows[records["learner"].number][5] == world.learner.iin
    masked = rows[records["colleague"].number][5]
    assert masked == world.colleague.iin[:2] + "******" + world.colleague.iin[-4:]
    admin_rows = {row[0]: row for row in _csv_rows(signed_in_client(app, world.admin).get(
        "/hr/certificates/export.csv", buffered=True))[1:]}
    assert admin_rows[records["colleague"].number][5] == world.colleague.iin
    assert admin_rows[records["outsider"].number][5] == world.outsider.iin


def test_export_names_units_in_the_readers_language_and_neutralises_them(app, world, records):
    from lms.extensions import db
    from lms.i18n import to_latin

    world.a1.name_ru = "=SUM(A1:A9)"
    world.a1.name_kk = ""  # empty in Kazakh: the Russian name stands in
    world.a.name_kk = "А министрлігі"
    db.session.commit()
    browser = signed_in_client(app, world.hr)
    for language in ("kk", "ru"):
        browser.set_cookie("oqu_lang", language)
        rows = {row[0]: row for row in _csv_rows(browser.get("/hr/certificates/export.csv", buffered=True))[1:]}
        ministry = "А министрлігі" if language == "kk" else "Министерство А"
        assert rows[records["learner"].number][7] == ministry + " / =SUM(A1:A9)"  # the whole path, ministry first
        assert rows[records["old"].number][7] == ministry
        assert rows[records["learner"].number][9] == (records["learner"].course.title_kk if language == "kk"
                                                      else records["learner"].course.title_ru)
    browser.set_cookie("oqu_lang", "kk-Latn")
    latin = {row[0]: row for row in _csv_rows(browser.get("/hr/certificates/export.csv", buffered=True))[1:]}
    assert latin[records["old"].number][7] == to_latin("А министрлігі") != "А министрлігі"
    assert latin[records["learner"].number][7] == to_latin("А министрлігі") + " / =SUM(A1:A9)"


def test_certificate_csv_exports_are_safe_in_excel_splitting_on_semicolons_or_commas(app, world, course, make,
                                                                                       tmp_path):
    from lms.clock import today

    from ..spreadsheets import HOSTILE_TITLE, assert_excel_safe, make_hostile

    world.a1.name_kk = world.a1.name_ru = course.title_kk = course.title_ru = HOSTILE_TITLE
    make_hostile(world.colleague)
    make.certificate(world.colleague, course, issued_on=today())
    for language in ("kk", "ru"):
        response = signed_in_client(app, world.hr).get("/hr/certificates/export.csv", buffered=True,
                                                       headers={"Accept-Language": language})
        assert_excel_safe(response.get_data(), "HYPERLINK", "@SUM", "cmd|")
    result = app.test_cli_runner().invoke(args=["lms", "export-certificates", "--format", "csv",
                                                "-o", str(tmp_path / "c.csv")])
    assert result.exit_code == 0, result.output
    assert_excel_safe((tmp_path / "c.csv").read_bytes(), "HYPERLINK", "@SUM", "cmd|")


def test_api_records_are_the_staff_view_with_the_iin_as_the_caller_may_see_it(app, world, records):
    """The certificate list is dumped by its audience schema (CertificateRecord, view "staff") for the
    caller: every documented field, the holder's whole IIN for their HR officer and for admins."""
    from lms.certificates.schemas import CertificateRecord

    client = app.test_client()
    for reader in (world.hr, world.admin):
        items = {item["number"]: item for item in
                 client.get("/api/v1/certificates", headers=_token(reader)).get_json()["items"]}
        record = items[records["colleague"].number]
        assert set(record) == set(CertificateRecord._declared_fields)
        assert record["iin"] == world.colleague.iin and record["holder"] == records["colleague"].holder_name
        assert record["status"] == "valid" and record["revoked_on"] is None

"""The employee import on the web page: an Excel (.xlsx) or CSV file is previewed — counts, and each
rejected row with the person it names and the reason — and nothing is stored until the officer
confirms; the confirmation imports once, even when clicked twice; an HR officer imports into their
own subtree only."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
import xlsxwriter
from sqlalchemy import func, select

from lms.accounts import employees, spreadsheets
from lms.accounts.models import User
from lms.extensions import db

from .. import factories
from ..conftest import audit_events, csrf_token, page_text, signed_in_client, translated
from .test_employee_import import STAGED_TOKEN, csv_bytes, report_counts

KAZAKH_HEADER = ["ЖСН", "Тегі", "Аты", "Әкесінің аты", "Электрондық пошта", "Ұйым", "Лауазымы"]


def xlsx_bytes(rows, header=KAZAKH_HEADER) -> bytes:
    """A workbook as Excel saves one: the header, then rows (an IIN may be a number cell)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Қызметкерлер")
    sheet.write_row(0, 0, header)
    for index, values in enumerate(rows, start=1):
        sheet.write_row(index, 0, values)
    workbook.close()
    return buffer.getvalue()


def people_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def find(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def preview(client, data: bytes, filename: str = "staff.xlsx", language: str = "kk"):
    client.set_cookie("oqu_lang", language)
    token = csrf_token(client, "/admin/users/import")
    return client.post("/admin/users/import", data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def staged_token(response) -> str:
    match = STAGED_TOKEN.search(response.get_data(as_text=True))
    assert match, "no confirmation form under the preview"
    return match.group(1)


def confirm(client, token: str):
    return client.post("/admin/users/import/confirm",
                       data={"csrf_token": csrf_token(client, "/admin/users/import"), "token": token})


def rejected_rows(response) -> list[tuple[str, str, str]]:
    html = page_text(response)
    table = re.search(r'data-testid="rejected-rows">(.*?)</table>', html, re.S)
    return re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", table.group(1)) if table else []


@pytest.fixture
def hr_file(world):
    """A file of HR of A: two good rows (A1, A), one for B (outside), one with a bad e-mail."""
    return [
        [factories.valid_iin("x1"), "Сәрсенова", "Әйгерім", "Нұрланқызы", "aigerim@example.kz", "MA/DEP1", "Бас маман"],
        [int(factories.valid_iin("x2")), "Қасымов", "Ерлан", "", "erlan@example.kz", "MA", "Сарапшы"],  # a number cell
        [factories.valid_iin("x3"), "Бөгдеқызы", "Гүлнар", "", "gulnar@example.kz", "MB", ""],
        [factories.valid_iin("x4"), "Жаңылысов", "Дәурен", "", "not-an-address", "MA", ""],
    ]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_xlsx_upload_is_previewed_with_reasons_and_stored_only_when_confirmed(app, world, hr_file, language):
    client = signed_in_client(app, world.hr)
    before, events = people_count(), len(audit_events())
    response = preview(client, xlsx_bytes(hr_file), language=language)
    assert response.status_code == 200
    assert 'data-testid="import-preview"' in response.get_data(as_text=True)
    assert report_counts(response) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 2}
    assert translated(app, "Nothing has been stored yet. Check the rows below, then import the file.", language) \
        in page_text(response)
    rows = rejected_rows(response)
    assert [line for line, _, _ in rows] == ["4", "5"]  # the spreadsheet's own row numbers
    (_, person_b, reason_b), (_, person_bad, reason_bad) = rows
    assert "Бөгдеқызы Гүлнар" in person_b and hr_file[2][0] in person_b  # who the row is about: name and IIN
    assert translated(app, "This organisation is not in your scope.", language) in reason_b
    assert translated(app, "Organisation", language) in reason_b
    assert "Жаңылысов Дәурен" in person_bad
    assert translated(app, "This is not a valid e-mail address.", language) in reason_bad
    # nothing stored, nothing audited yet
    assert people_count() == before and not find("aigerim@example.kz")
    assert len(audit_events()) == events

    confirmed = confirm(client, staged_token(response))
    assert confirmed.status_code == 303
    report = client.get(confirmed.headers["Location"])
    assert report.status_code == 200
    assert report_counts(report) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 2}
    assert people_count() == before + 2
    erlan = find("erlan@example.kz")
    assert erlan.iin == hr_file[1][0].__str__() and erlan.organisation_id == world.a.id  # the number cell, as text
    assert find("aigerim@example.kz").patronymic == "Нұрланқызы"
    assert not find("gulnar@example.kz")
    [event] = audit_events("employees_imported")
    assert event.actor_id == world.hr.id
    assert event.details == {"filename": "staff.xlsx", "created": 2, "updated": 0, "rejected": 2}


def test_a_double_click_on_confirm_imports_once(app, world, hr_file):
    client = signed_in_client(app, world.hr)
    token = staged_token(preview(client, xlsx_bytes(hr_file[:2])))
    before = people_count()
    first, second = confirm(client, token), confirm(client, token)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert people_count() == before + 2
    assert len(audit_events("employees_imported")) == 1
    assert report_counts(client.get(second.headers["Location"]))["created"] == 2  # the second click sees the result


def test_confirmation_needs_the_csrf_token_and_the_session_that_uploaded(app, world, hr_file):
    client = signed_in_client(app, world.hr)
    token = staged_token(preview(client, xlsx_bytes(hr_file[:1])))
    before = people_count()
    assert client.post("/admin/users/import/confirm", data={"token": token}).status_code == 400  # no CSRF token
    other_session = signed_in_client(app, world.hr)  # the same officer in another browser
    assert confirm(other_session, token).status_code == 404
    assert confirm(signed_in_client(app, world.hr_b), token).status_code == 404
    with pytest.raises(employees.StagedImportGone):  # the service itself: the upload is bound to its officer
        employees.confirm_import(world.hr_b, token)
    assert people_count() == before
    assert confirm(client, token).status_code == 303 and people_count() == before + 1


def test_hr_officer_of_a_cannot_import_into_b_or_change_bs_people(app, world):
    client = signed_in_client(app, world.hr)
    outsider = world.outsider
    data = csv_bytes([[factories.valid_iin("b1"), "Бөгдеев", "Асқар", "", "askar@example.kz", "MB", ""],
                      [outsider.iin, "Ауыстырылған", "Ерлан", "", outsider.email, "MA", ""]],
                     header=["iin", "surname", "given_name", "patronymic", "email", "organisation", "position"])
    response = preview(client, data, "staff.csv", language="ru")
    assert report_counts(response)["rejected"] == 2
    reasons = [reason for _, _, reason in rejected_rows(response)]
    assert translated(app, "This organisation is not in your scope.", "ru") in reasons[0]
    assert translated(app, "This person works in an organisation outside your scope.", "ru") in reasons[1]
    assert 'data-testid="confirm-import"' not in response.get_data(as_text=True)  # nothing to import
    report = employees.import_employees(world.hr, data)  # the service refuses the same rows
    assert report.created == report.updated == 0 and len(report.rejected) == 2
    db.session.expire_all()
    assert db.session.get(User, outsider.id).surname == "Бөгдеұлы" and not find("askar@example.kz")
    # B's own officer imports the first row
    assert employees.import_employees(world.hr_b, data).created == 1


@pytest.mark.parametrize("data, message", [
    (b"PK\x03\x04 this is not really a zip", "The file is not a readable Excel workbook (.xlsx). Open it in Excel and save it again as “Excel Workbook (.xlsx)”, or as “CSV UTF-8”."),
    (None, "The file is not a readable Excel workbook (.xlsx). Open it in Excel and save it again as “Excel Workbook (.xlsx)”, or as “CSV UTF-8”."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "Old Excel files (.xls) cannot be read. In Excel, save the file as “Excel Workbook (.xlsx)” or “CSV UTF-8”."),
])
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_malformed_workbook_is_refused_with_a_translated_reason(app, world, data, message, language):
    if data is None:  # a real zip, but no workbook inside
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "not a workbook")
        data = buffer.getvalue()
    client = signed_in_client(app, world.admin)
    before = people_count()
    response = preview(client, data, "staff.xlsx", language=language)
    assert response.status_code == 200
    text = page_text(response)
    assert translated(app, "Nothing was imported.", language) in text
    assert translated(app, message, language) in text
    assert STAGED_TOKEN.search(response.get_data(as_text=True)) is None
    assert people_count() == before


def test_workbook_that_unpacks_too_large_is_refused(app, world, hr_file, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_XLSX_UNPACKED", 1000)
    response = preview(signed_in_client(app, world.admin), xlsx_bytes(hr_file), language="ru")
    assert translated(app, "The workbook is too large once unpacked; split it into smaller files.", "ru") \
        in page_text(response)


def test_a_staged_upload_expires_after_an_hour(app, world, hr_file, clock):
    client = signed_in_client(app, world.hr)
    token = staged_token(preview(client, xlsx_bytes(hr_file[:1])))
    before = people_count()
    clock.advance(hours=1, minutes=1)
    confirmed = confirm(client, token)
    result = client.get(confirmed.headers["Location"])
    assert result.status_code == 404
    assert translated(app, "This import is unknown or has expired. Upload the file again.") in page_text(result)
    assert people_count() == before


def test_workbook_with_a_formula_or_date_cells_is_read_as_values(app, world):
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["iin", "surname", "given_name", "email", "organisation", "position"])
    sheet.write_row(1, 0, [factories.valid_iin("f1"), "Формулов", "Асан", "asan@example.kz", "MA"])
    sheet.write_formula(1, 5, '="Бас"&" маман"', None, "Бас маман")  # the cached value is what is read
    workbook.close()
    report = employees.import_employees(world.admin, buffer.getvalue(), filename="f.xlsx")
    assert report.created == 1 and find("asan@example.kz").position == "Бас маман"


def test_an_iin_that_excel_stored_as_a_number_keeps_its_leading_zero(app, world):
    from lms.accounts.iin import check_digit

    iin = next(f"05031260{n:03d}" + str(digit) for n in range(1000)
               if (digit := check_digit(f"05031260{n:03d}")) is not None)  # born 12 March 2005
    data = xlsx_bytes([[int(iin), "Жасов", "Нұрбол", "", "nurbol@example.kz", "MA", ""]])
    report = employees.import_employees(world.hr, data, filename="young.xlsx")
    assert report.created == 1, report.rejected
    assert find("nurbol@example.kz").iin == iin

"""HR exports in the form an HR officer's Excel and HR system take them: "CSV for Excel" split on ";"
(what Excel in Kazakh or Russian regional settings does), the standard comma-separated CSV, the
columns HR systems need, «Мерзімсіз» / «Бессрочно» for no expiry, and column widths in the XLSX."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from lms.extensions import db
from lms.hr import exports

from ..conftest import signed_in_client, translated

HEADERS = ["Number", "Learner", "Surname", "Given name", "Patronymic", "IIN", "Position", "Organisation", "E-mail",
           "Course", "Hours", "Issued on", "Valid until", "Status", "Revoked on"]


@pytest.fixture
def certified(world, course, make):
    """The learner (A1) with a patronymic and a position: a certificate without expiry; the colleague
    (A1): one valid until a date."""
    world.learner.surname, world.learner.given_name, world.learner.patronymic = "Қасымова", "Әйгерім", "Нұрланқызы"
    world.learner.position = "Бас маман"
    db.session.commit()
    return {"forever": make.certificate(world.learner, course, issued_on=date(2025, 3, 14), valid_until=None),
            "dated": make.certificate(world.colleague, course, issued_on=date(2025, 5, 1),
                                      valid_until=date(2028, 5, 1))}


def _semicolon_rows(data: bytes) -> list[list[str]]:
    """What Excel with Kazakh or Russian regional settings makes of the file: cells split on ";"."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


@pytest.mark.parametrize("language, ministry, unit", [("kk", "А министрлігі", "А1 департаменті"),
                                                      ("ru", "Министерство А", "Департамент А1")])
def test_csv_for_excel_reads_into_hr_columns_when_split_on_semicolons(app, world, certified, language, ministry, unit):
    browser = signed_in_client(app, world.hr)
    response = browser.get("/hr/certificates/export.csv", headers={"Accept-Language": language}, buffered=True)
    assert response.status_code == 200
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark: Excel reads Cyrillic right
    assert data.count(b"\r\n") == 3 and b"\n" not in data.replace(b"\r\n", b"")  # CRLF line ends
    rows = _semicolon_rows(data)
    assert rows[0] == [translated(app, h, language) for h in HEADERS]
    assert rows[0][1] == {"kk": "Тыңдаушы", "ru": "Слушатель"}[language]  # not «Иесі» / «Владелец»
    assert all(len(row) == len(HEADERS) for row in rows)
    by_number = {row[0]: dict(zip(HEADERS, row)) for row in rows[1:]}
    learner = by_number[certified["forever"].number]
    assert (learner["Surname"], learner["Given name"], learner["Patronymic"]) == ("Қасымова", "Әйгерім", "Нұрланқызы")
    assert learner["Learner"] == "Қасымова Әйгерім Нұрланқызы"
    assert learner["Position"] == "Бас маман"
    assert learner["Organisation"] == f"{ministry} / {unit}"  # the whole path, the ministry first
    assert learner["E-mail"] == world.learner.email and learner["IIN"] == world.learner.iin
    assert learner["Hours"] == str(certified["forever"].hours) and learner["Issued on"] == "2025-03-14"
    assert learner["Valid until"] == {"kk": "Мерзімсіз", "ru": "Бессрочно"}[language]
    assert by_number[certified["dated"].number]["Valid until"] == "2028-05-01"
    # a comma-splitting reader would see the whole header as one cell: the file really is ";"-separated
    assert len(next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))) == 1


def test_standard_csv_is_comma_separated_without_a_byte_order_mark(app, world, certified):
    browser = signed_in_client(app, world.hr)
    data = browser.get("/hr/certificates/export.csv", query_string={"dialect": "standard"},
                       headers={"Accept-Language": "ru"}, buffered=True).get_data()
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == [translated(app, h, "ru") for h in HEADERS]
    assert {row[0]: row[12] for row in rows[1:]}[certified["forever"].number] == "Бессрочно"


def test_the_page_offers_both_csv_forms_excels_first(app, world, certified):
    page = signed_in_client(app, world.hr).get("/hr/certificates").get_data(as_text=True)
    excel = re.search(r'href="([^"]+)" data-testid="export-csv-excel"', page).group(1)
    standard = re.search(r'href="([^"]+)" data-testid="export-csv-standard"', page).group(1)
    assert "dialect" not in excel and "dialect=standard" in standard  # Excel's form is the default
    assert page.index("export-csv-excel") < page.index("export-csv-standard")
    assert translated(app, "CSV for Excel") in page


def test_xlsx_sets_every_column_width_and_says_no_expiry_in_words(app, world, certified):
    browser = signed_in_client(app, world.hr)
    response = browser.get("/hr/certificates/export.xlsx", headers={"Accept-Language": "kk"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    assert header == [translated(app, h, "kk") for h in HEADERS]
    for index, wanted in enumerate(exports.WIDTHS, start=1):
        width = sheet.column_dimensions[get_column_letter(index)].width
        assert width >= wanted, (header[index - 1], width)  # set, not Excel's default 8.43
    course_column = get_column_letter(HEADERS.index("Course") + 1)
    assert sheet.column_dimensions[course_column].width >= 40
    xml = zipfile.ZipFile(io.BytesIO(response.data)).read("xl/worksheets/sheet1.xml").decode()
    assert xml.count("<col ") == len(HEADERS) and 'customWidth="1"' in xml
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[certified["forever"].number][12] == "Мерзімсіз"
    assert rows[certified["dated"].number][12].date() == date(2028, 5, 1)  # a real date cell
    assert rows[certified["forever"].number][2:5] == ("Қасымова", "Әйгерім", "Нұрланқызы")


def test_cli_export_takes_the_csv_dialect(app, world, certified, tmp_path):
    runner = app.test_cli_runner()
    for dialect, delimiter in (("excel", ";"), ("standard", ",")):
        path = tmp_path / f"{dialect}.csv"
        result = runner.invoke(args=["lms", "export-certificates", "--format", "csv", "--csv-dialect", dialect,
                                     "-o", str(path)])
        assert result.exit_code == 0, result.output
        rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""), delimiter=delimiter))
        assert len(rows) == 3 and all(len(row) == len(HEADERS) for row in rows)


def test_no_training_csv_has_name_parts_and_the_organisation_path(app, world):
    world.colleague.patronymic = "Серікқызы"
    db.session.commit()
    browser = signed_in_client(app, world.hr)
    data = browser.get("/hr/dashboard/no-training.csv", headers={"Accept-Language": "ru"}, buffered=True).get_data()
    rows = _semicolon_rows(data)
    assert rows[0] == [translated(app, h, "ru") for h in
                       ("Surname", "Given name", "Patronymic", "IIN", "Position", "Organisation", "E-mail")]
    colleague = next(row for row in rows[1:] if row[0] == world.colleague.surname)
    assert colleague[1:3] == [world.colleague.given_name, "Серікқызы"]
    assert colleague[5] == "Министерство А / Департамент А1"
    assert all(row[0] != world.outsider.surname for row in rows[1:])  # B is not the officer's


def test_split_name_of_a_name_as_printed():
    assert exports.split_name("Қасымова Әйгерім Нұрланқызы") == ("Қасымова", "Әйгерім", "Нұрланқызы")
    assert exports.split_name("Ли Виктор") == ("Ли", "Виктор", "")
    assert exports.split_name("Оспанов Ерлан Серік ұлы") == ("Оспанов", "Ерлан", "Серік ұлы")
    assert exports.split_name("") == ("", "", "")

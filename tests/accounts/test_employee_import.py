"""Bulk onboarding from a CSV file: through the command line and the admin upload page (preview, then
confirmation; tests/accounts/test_employee_import_preview.py has the preview and XLSX files)."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from lms.accounts import employees
from lms.accounts.models import User
from lms.extensions import db
from lms.security import PermissionDenied

from .. import factories
from ..conftest import audit_events, csrf_token, page_text, sign_in, signed_in_client, translated

HEADER = ["iin", "surname", "given_name", "patronymic", "email", "organisation", "position"]


def csv_bytes(rows, header=HEADER, delimiter=",", encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def row(n: int, *, iin=None, surname="Ахметов", given_name="Нұрлан", email=None, organisation="MA/DEP1",
        position="Бас маман", patronymic="Серікұлы"):
    return [iin or factories.valid_iin(f"import-{n}"), surname, given_name, patronymic,
            email or f"employee{n}@example.kz", organisation, position]


def people_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def person(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def run_cli(app, tmp_path):
    """Run ``flask lms import-employees FILE`` on bytes; returns click's Result."""
    def run(data: bytes, name: str = "staff.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        return app.test_cli_runner().invoke(args=["lms", "import-employees", str(path)])
    return run


STAGED_TOKEN = re.compile(r'name="token" type="hidden" value="([^"]+)"')


def upload_and_confirm(client, data: bytes, filename: str = "staff.csv"):
    """Upload bytes on /admin/users/import and, when the preview offers "Import", confirm it; returns
    the last page (the preview, or the report the confirmation leads to)."""
    token = csrf_token(client, "/admin/users/import")
    preview = client.post("/admin/users/import", data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                          content_type="multipart/form-data")
    staged = STAGED_TOKEN.search(preview.get_data(as_text=True))
    if preview.status_code != 200 or staged is None:
        return preview
    confirmed = client.post("/admin/users/import/confirm", data={"csrf_token": token, "token": staged.group(1)})
    assert confirmed.status_code == 303, confirmed.status_code
    return client.get(confirmed.headers["Location"])


@pytest.fixture
def upload(app, world):
    """Upload bytes as the admin and confirm the preview; returns the last page."""
    client = signed_in_client(app, world.admin)
    return lambda data, filename="staff.csv": upload_and_confirm(client, data, filename)


def report_counts(response) -> dict[str, int]:
    html = response.get_data(as_text=True)
    counts = {}
    for key in ("created", "updated", "unchanged", "rejected"):
        match = re.search(rf'data-testid="{key}">[^<]*?(\d+)\s*<', html)
        assert match, f"no {key} count on the page"
        counts[key] = int(match.group(1))
    return counts


# ----------------------------------------------------------------------------- good files

def test_cli_creates_people_from_good_rows(app, world, run_cli):
    result = run_cli(csv_bytes([row(1), row(2)]))
    assert result.exit_code == 0, result.output
    assert "created: 2, updated: 0, unchanged: 0, rejected: 0" in result.stdout
    created = person("employee1@example.kz")
    assert created is not None and created.organisation_id == world.a1.id
    assert created.surname == "Ахметов" and created.position == "Бас маман"
    assert created.role_names == {"learner"}
    assert created.password_hash is None  # they set a password through an invitation


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_still_imported(app, world, run_cli):
    data = csv_bytes([
        row(1),                                   # line 2: good
        row(2, iin="850101301232"),               # line 3: wrong check digit
        row(3, email="not-an-address"),           # line 4: bad e-mail
        row(4, surname=""),                       # line 5: required field empty
        row(5),                                   # line 6: good
    ])
    result = run_cli(data)
    assert result.exit_code == 2
    assert "created: 2, updated: 0, unchanged: 0, rejected: 3" in result.stdout
    lines = {int(m.group(1)): m.group(2) for m in re.finditer(r"staff\.csv:(\d+): (.*)", result.stderr)}
    assert sorted(lines) == [3, 4, 5]
    assert translated(app, "The IIN's check digit does not match: please check for a typo.") in lines[3]
    assert translated(app, "This is not a valid e-mail address.") in lines[4]
    assert translated(app, "This field is required.") in lines[5]
    assert person("employee1@example.kz") and person("employee5@example.kz")
    assert not person("employee2@example.kz") and not person("employee4@example.kz")


def test_running_the_same_file_again_updates_instead_of_duplicating(app, world, run_cli):
    first = run_cli(csv_bytes([row(1), row(2), row(3)]))
    assert "created: 3, updated: 0, unchanged: 0" in first.stdout
    count = people_count()

    changed = run_cli(csv_bytes([row(1), row(2, position="Басқарма басшысы", organisation="MA"), row(3)]))
    assert changed.exit_code == 0, changed.output
    assert "created: 0, updated: 1, unchanged: 2, rejected: 0" in changed.stdout
    assert people_count() == count
    moved = person("employee2@example.kz")
    assert moved.position == "Басқарма басшысы" and moved.organisation_id == world.a.id


def test_utf8_file_with_byte_order_mark_and_kazakh_headers_is_accepted(app, world, run_cli):
    header = ["ЖСН", "Тегі", "Аты", "Әкесінің аты", "Электрондық пошта", "Ұйым", "Лауазымы"]
    data = b"\xef\xbb\xbf" + csv_bytes([row(1, surname="Әбілқайыров", given_name="Ғалым")], header=header)
    result = run_cli(data)
    assert result.exit_code == 0, result.output
    assert person("employee1@example.kz").full_name == "Әбілқайыров Ғалым Серікұлы"


def test_semicolon_delimited_file_from_russian_excel_is_accepted(app, world, run_cli):
    header = ["ИИН", "Фамилия", "Имя", "Отчество", "Электронная почта", "Организация", "Должность"]
    data = b"\xef\xbb\xbf" + csv_bytes([row(1, position="Главный специалист, аналитик"), row(2)],
                                       header=header, delimiter=";")
    result = run_cli(data)
    assert result.exit_code == 0, result.output
    assert "created: 2" in result.stdout
    assert person("employee1@example.kz").position == "Главный специалист, аналитик"


def test_comma_delimited_file_with_semicolons_inside_quoted_cells_keeps_its_columns(app, world, run_cli):
    rows = [row(n, position="Маман; талдаушы; жоба жетекшісі") for n in (1, 2, 3)]
    result = run_cli(csv_bytes(rows))
    assert result.exit_code == 0, result.output
    assert person("employee3@example.kz").position == "Маман; талдаушы; жоба жетекшісі"


# ----------------------------------------------------------------------------- refused files

@pytest.mark.parametrize("encoding", ["cp1251", "utf-16"])
def test_file_not_in_utf8_is_refused_and_nothing_imported(app, world, run_cli, encoding):
    russian = dict(surname="Иванов", given_name="Пётр", patronymic="Ильич", position="Специалист")
    data = csv_bytes([row(1, **russian), row(2, **russian)], encoding=encoding)
    before = people_count()
    result = run_cli(data)
    assert result.exit_code == 1
    assert translated(app, "The file is not in UTF-8. In Excel, save it as “CSV UTF-8 (comma delimited)”.") \
        in result.stderr
    assert people_count() == before
    assert not audit_events("employees_imported")


def test_file_missing_required_columns_is_refused(app, world, run_cli):
    data = csv_bytes([[factories.valid_iin("import-1"), "Ахметов", "Нұрлан"]], header=["iin", "surname", "given_name"])
    before = people_count()
    result = run_cli(data)
    assert result.exit_code == 1
    assert translated(app, "Required columns are missing: %(columns)s.", columns="email, organisation") \
        in result.stderr
    assert people_count() == before


def test_empty_file_is_refused(app, run_cli):
    result = run_cli(b"\xef\xbb\xbf\r\n")
    assert result.exit_code == 1
    assert translated(app, "The file is empty.") in result.stderr


def test_file_over_the_row_limit_is_refused_whole(app, world, run_cli, monkeypatch):
    monkeypatch.setattr(employees, "MAX_ROWS", 2)
    before = people_count()
    result = run_cli(csv_bytes([row(1), row(2), row(3)]))
    assert result.exit_code == 1
    assert translated(app, "The file has more than %(n)d rows; split it.", n=2) in result.stderr
    assert people_count() == before


# ----------------------------------------------------------------------------- refused rows

def test_duplicate_iin_within_one_file_rejects_the_second_row_naming_the_first(app, world, run_cli):
    iin = factories.valid_iin("import-duplicate")
    result = run_cli(csv_bytes([row(1), row(2, iin=iin), row(3, iin=iin)]))
    assert result.exit_code == 2
    expected = translated(app, "The same IIN is already on line %(line)d.", line=3)
    assert f"staff.csv:4: {translated(app, 'IIN')}: {expected}" in result.stderr
    assert person("employee2@example.kz") and not person("employee3@example.kz")


def test_duplicate_email_within_one_file_rejects_the_second_row(app, world, run_cli):
    before = people_count()
    result = run_cli(csv_bytes([row(1, email="same@example.kz"), row(2, email="Same@Example.kz")]))
    assert result.exit_code == 2
    assert translated(app, "The same e-mail is already on line %(line)d.", line=2) in result.stderr
    assert people_count() == before + 1


def test_row_whose_email_belongs_to_another_person_is_rejected(app, world, run_cli):
    result = run_cli(csv_bytes([row(1, email=world.outsider.email)]))
    assert result.exit_code == 2
    assert translated(app, "This e-mail address already belongs to another person.") in result.stderr
    assert db.session.get(User, world.outsider.id).surname == world.outsider.surname


def test_unknown_organisation_path_is_rejected(app, world, run_cli):
    result = run_cli(csv_bytes([row(1, organisation="MA/NOPE"), row(2, organisation="")]))
    assert result.exit_code == 2
    assert f"staff.csv:2: {translated(app, 'Organisation')}: " \
           f"{translated(app, 'Unknown organisation path: %(path)s', path='MA/NOPE')}" in result.stderr
    assert f"staff.csv:3: {translated(app, 'Organisation')}: {translated(app, 'This field is required.')}" \
        in result.stderr


@pytest.mark.parametrize("field, value, limit", [
    ("surname", "А" * 101, 100),
    ("given_name", "Б" * 101, 100),
    ("patronymic", "В" * 101, 100),
    ("position", "Г" * 256, 255),
    ("email", "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".kz", 254),
])
def test_over_long_field_is_rejected(app, world, run_cli, field, value, limit):
    cells = dict(zip(HEADER, row(1)))
    cells[field] = value
    result = run_cli(csv_bytes([list(cells.values()), row(2)]))
    assert result.exit_code == 2
    assert "staff.csv:2: " in result.stderr
    assert translated(app, "At most %(limit)d characters.", limit=limit) in result.stderr
    assert "created: 1" in result.stdout


def test_longest_allowed_fields_are_accepted(app, world, run_cli):
    result = run_cli(csv_bytes([row(1, surname="А" * 100, position="Г" * 255)]))
    assert result.exit_code == 0, result.output
    assert person("employee1@example.kz").position == "Г" * 255


def test_html_in_names_is_stored_as_text_and_shown_escaped(app, world, run_cli):
    result = run_cli(csv_bytes([row(1, surname="<script>alert(1)</script>", given_name='<img src=x onerror="x()">')]))
    assert result.exit_code == 0, result.output
    assert person("employee1@example.kz").surname == "<script>alert(1)</script>"

    html = signed_in_client(app, world.admin).get("/admin/users").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html


# ----------------------------------------------------------------------------- the upload page

def test_upload_page_reports_created_and_rejected_rows_with_reasons(app, world, upload):
    response = upload(csv_bytes([row(1), row(2, organisation="MA/NOPE"), row(3)]))
    assert response.status_code == 200
    assert report_counts(response) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    text = page_text(response)
    assert re.search(r"<td>3</td><td>[^<]*</td><td>[^<]*" + re.escape(
        translated(app, "Unknown organisation path: %(path)s", path="MA/NOPE")), text)
    assert person("employee1@example.kz") and person("employee3@example.kz")

    again = upload(csv_bytes([row(1), row(3, position="Жаңа лауазым")]))
    assert report_counts(again) == {"created": 0, "updated": 1, "unchanged": 1, "rejected": 0}


def test_upload_page_refuses_a_cp1251_file_with_a_clear_message(app, world, upload):
    before = people_count()
    response = upload(csv_bytes([row(1, surname="Иванов", given_name="Пётр", patronymic="", position="")],
                                encoding="cp1251"))
    assert response.status_code == 200
    text = page_text(response)
    assert translated(app, "Nothing was imported.") in text
    assert translated(app, "The file is not in UTF-8. In Excel, save it as “CSV UTF-8 (comma delimited)”.") in text
    assert people_count() == before


@pytest.mark.settings(max_upload_mb=1)
def test_upload_larger_than_the_limit_is_answered_413_with_the_error_page(app, world, upload):
    before = people_count()
    big = csv_bytes([row(1)]) + b"," * (1024 * 1024 + 1)
    response = upload(big)
    assert response.status_code == 413
    text = page_text(response)
    assert translated(app, "File too large") in text
    assert translated(app, "The file is larger than the allowed %(mb)d MB.", mb=1) in text
    assert people_count() == before


def test_import_is_recorded_in_the_audit_log_with_actor_and_address(app, world):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.20.30.40"
    sign_in(client, world.admin)
    upload_and_confirm(client, csv_bytes([row(1), row(2, iin="1")]), "hr.csv")
    [event] = audit_events("employees_imported")
    assert event.actor_id == world.admin.id
    assert event.ip_address == "10.20.30.40"
    assert event.details["filename"] == "hr.csv"
    assert event.details["created"] == 1 and event.details["rejected"] == 1


def test_cli_import_is_recorded_in_the_audit_log_as_the_system(app, world, run_cli):
    run_cli(csv_bytes([row(1)]), name="nightly.csv")
    [event] = audit_events("employees_imported")
    assert event.actor_id is None and event.details["filename"] == "nightly.csv"
    assert event.details["created"] == 1


def test_only_administrators_and_hr_officers_may_import(app, world):
    for actor in (world.instructor, world.learner):
        with pytest.raises(PermissionDenied):
            employees.import_employees(actor, csv_bytes([row(1)]))
        with pytest.raises(PermissionDenied):
            employees.preview_import(actor, csv_bytes([row(1)]))
    assert not person("employee1@example.kz")
    assert employees.import_employees(world.hr, csv_bytes([row(1)])).created == 1  # MA/DEP1: HR of A's subtree


def test_reimport_keeps_what_the_file_does_not_speak_about(app, world, run_cli):
    """A file without a language or position column must not wipe a person's chosen language or
    position: the nightly HR export would otherwise undo every learner's language choice."""
    narrow = ["iin", "surname", "given_name", "email", "organisation"]
    first = [row(1)[i] for i in (0, 1, 2, 4, 5)]
    assert run_cli(csv_bytes([row(1)])).exit_code == 0  # full file: position "Бас маман"
    person("employee1@example.kz").preferred_language = "ru"  # the person picks Russian
    db.session.commit()

    again = run_cli(csv_bytes([first], header=narrow))
    assert again.exit_code == 0, again.output
    assert "created: 0, updated: 0, unchanged: 1" in again.stdout
    kept = person("employee1@example.kz")
    assert kept.preferred_language == "ru" and kept.position == "Бас маман" and kept.patronymic == "Серікұлы"

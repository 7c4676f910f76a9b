"""Bulk onboarding of employees from a CSV file.

One row per person: IIN, names, e-mail, organisation path (codes joined by ``/``), position.
People are matched by IIN, so running the same file again updates rather than duplicates. Each
row is checked on its own: a bad row is reported with its line number and reason, and the good
rows are imported regardless.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from .. import signals
from ..extensions import db
from ..organisations.services import find_by_code_path
from ..security import ensure
from .models import User
from .services import AccountError, PersonData, create_user, update_user

# Column names accepted for each field: English, Kazakh, Russian.
COLUMNS = {
    "iin": ("iin", "жсн", "иин"),
    "surname": ("surname", "тегі", "фамилия"),
    "given_name": ("given_name", "аты", "имя"),
    "patronymic": ("patronymic", "әкесінің аты", "отчество"),
    "email": ("email", "e-mail", "электрондық пошта", "электронная почта"),
    "organisation": ("organisation", "ұйым", "организация"),
    "position": ("position", "лауазымы", "должность"),
    "language": ("language", "тіл", "язык"),
}
REQUIRED = ("iin", "surname", "given_name", "email", "organisation")
MAX_ROWS = 50_000


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing was imported. The message is translated."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)


def decode(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark; anything else is refused with advice."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not in UTF-8. In Excel, save it as “CSV UTF-8 (comma delimited)”.")) from None


def _header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    aliases = {alias: key for key, names in COLUMNS.items() for alias in names}
    mapping, unknown = {}, []
    for index, name in enumerate(header):
        key = aliases.get(name.strip().lower())
        if key is None:
            if name.strip():
                unknown.append(name.strip())
        elif key not in mapping:
            mapping[key] = index
    return mapping, unknown


def import_employees(actor, data: bytes, *, filename: str = "employees.csv", invite: bool = False) -> ImportReport:
    ensure(actor, "import_employees")
    text = decode(data)
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except csv.Error as error:
        raise ImportFileError(_("The file is not a readable CSV file: %(error)s", error=str(error))) from None
    columns, unknown = _header_map(header)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ImportFileError(_("Required columns are missing: %(columns)s.", columns=", ".join(missing)))

    report = ImportReport()
    if unknown:
        report.warnings.append(_("Columns ignored: %(columns)s.", columns=", ".join(unknown)))
    seen_iin: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    # Read every row before importing any, so that a file refused as a whole leaves nothing behind.
    rows: list[tuple[int, list[str]]] = []
    unreadable = None
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as error:
        unreadable = (reader.line_num, _("The file is not a readable CSV file: %(error)s", error=str(error)))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("The file has more than %(n)d rows; split it.", n=MAX_ROWS))
    for line, row in rows:
        _import_row(actor, row, columns, line, report, seen_iin, seen_email, invite)
    if unreadable:
        report.rejected.append(unreadable)
    signals.employees_imported.send(actor, report=report, filename=filename)
    db.session.commit()
    return report


def _import_row(actor, row, columns, line, report, seen_iin, seen_email, invite) -> None:
    def cell(key: str) -> str:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    organisation_path = cell("organisation")
    organisation = find_by_code_path(organisation_path) if organisation_path else None
    person = PersonData(email=cell("email"), surname=cell("surname"), given_name=cell("given_name"),
                        patronymic=cell("patronymic"), iin=cell("iin"), position=cell("position"),
                        organisation=organisation, preferred_language=cell("language") or None).clean()
    if not person.iin and "iin" not in person.errors:
        person.errors["iin"] = _("This field is required.")
    if organisation is None:
        person.errors["organisation"] = (_("Unknown organisation path: %(path)s", path=organisation_path)
                                         if organisation_path else _("This field is required."))
    if person.iin in seen_iin:
        person.errors["iin"] = _("The same IIN is already on line %(line)d.", line=seen_iin[person.iin])
    elif person.email in seen_email:
        person.errors["email"] = _("The same e-mail is already on line %(line)d.", line=seen_email[person.email])
    if person.errors:
        report.rejected.append((line, "; ".join(f"{_label(k)}: {v}" for k, v in person.errors.items())))
        return
    seen_iin[person.iin] = line
    seen_email[person.email] = line

    existing = db.session.scalar(select(User).where(User.iin == person.iin))
    if existing is not None:
        # What the file does not say is kept: a missing optional column, or an empty language cell
        # (the language is the person's own choice), leaves the stored value as it is.
        for key, attribute in (("patronymic", "patronymic"), ("position", "position"),
                               ("language", "preferred_language")):
            if key not in columns or (key == "language" and not cell(key)):
                setattr(person, attribute, getattr(existing, attribute))
    savepoint = db.session.begin_nested()
    try:
        if existing is None:
            create_user(actor, person, invite=invite, commit=False)
            report.created += 1
        elif update_user(actor, existing, person, commit=False):
            report.updated += 1
        else:
            report.unchanged += 1
        savepoint.commit()
    except AccountError as error:
        savepoint.rollback()
        report.rejected.append((line, str(error)))


def _label(key: str) -> str:
    return {
        "iin": _("IIN"), "surname": _("Surname"), "given_name": _("Given name"), "patronymic": _("Patronymic"),
        "email": _("E-mail"), "organisation": _("Organisation"), "position": _("Position"),
        "preferred_language": _("Language"),
    }[key]

"""Bulk onboarding of employees from a CSV or Excel (.xlsx) file.

One row per person: IIN, names, e-mail, organisation path (codes joined by ``/``), position.
People are matched by IIN, so running the same file again updates rather than duplicates. Each
row is checked on its own: a bad row is reported with its line number, the person it names and the
reason, and the good rows are imported regardless.

On the web page nothing is stored until the officer has seen a preview (:func:`preview_import`) and
confirmed it: the upload waits in a private folder under a random token bound to the officer
(:func:`stage_import`, :mod:`lms.staging`), and :func:`confirm_import` claims it exactly once, so a double click on
"Confirm" imports the file once. An HR officer imports into their own subtrees only; a row for a unit
outside them, or for a person who works outside them, is rejected.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import select

from .. import signals
from ..extensions import db
from ..organisations.services import covers, find_by_code_path
from ..security import ensure
from ..staging import StagedUploadGone, Staging
from .models import User
from .services import AccountError, PersonData, create_user, update_user
from .spreadsheets import MAX_ROWS, ImportFileError, read_rows

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
STAGED_FOR_S = 3600  # an upload not confirmed within the hour is forgotten
PERMISSION = "import_employees"


class RejectedRow(NamedTuple):
    """A row that was not imported: its line (the spreadsheet's row number), the person it names
    («Қасымова Әйгерім, ЖСН 900101300123» as far as the row says) and the translated reason."""
    line: int
    person: str
    reason: str

    def __str__(self) -> str:
        return f"{self.person}: {self.reason}" if self.person else self.reason


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)

    def as_dict(self) -> dict:
        return {**asdict(self), "rejected": [list(row) for row in self.rejected]}

    @classmethod
    def from_dict(cls, data: dict) -> "ImportReport":
        return cls(created=data["created"], updated=data["updated"], unchanged=data["unchanged"],
                   rejected=[RejectedRow(*row) for row in data["rejected"]], warnings=list(data["warnings"]))


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


def _parse(data: bytes):
    """Columns, rows, the unreadable tail and the warnings of a file; every row is read before any is
    imported, so that a file refused as a whole leaves nothing behind."""
    header, rows, unreadable = read_rows(data)
    columns, unknown = _header_map(header)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ImportFileError(_("Required columns are missing: %(columns)s.", columns=", ".join(missing)))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("The file has more than %(n)d rows; split it.", n=MAX_ROWS))
    warnings = [_("Columns ignored: %(columns)s.", columns=", ".join(unknown))] if unknown else []
    return columns, rows, unreadable, warnings


def import_employees(actor, data: bytes, *, filename: str = "employees.csv", invite: bool = False) -> ImportReport:
    """Import every good row of the file now (the command line; the web page goes through
    :func:`stage_import` and :func:`confirm_import`)."""
    ensure(actor, PERMISSION)
    columns, rows, unreadable, warnings = _parse(data)
    report = ImportReport(warnings=warnings)
    seen_iin: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    for line, row in rows:
        _import_row(actor, row, columns, line, report, seen_iin, seen_email, invite)
    if unreadable:
        report.rejected.append(RejectedRow(unreadable[0], "", unreadable[1]))
    signals.employees_imported.send(actor, report=report, filename=filename)
    db.session.commit()
    return report


def preview_import(actor, data: bytes) -> ImportReport:
    """What importing the file would do, row by row, storing nothing: ``created`` counts the people
    who would be added, ``updated`` those who would change, ``unchanged`` the rest, and the rejected
    rows carry their reasons (the same checks as the import; the import checks again when confirmed)."""
    ensure(actor, PERMISSION)
    columns, rows, unreadable, warnings = _parse(data)
    report = ImportReport(warnings=warnings)
    seen_iin: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    for line, row in rows:
        checked = _check_row(actor, row, columns, line, report, seen_iin, seen_email)
        if checked is None:
            continue
        person, existing = checked
        if existing is None:
            report.created += 1
        elif _would_change(existing, person):
            report.updated += 1
        else:
            report.unchanged += 1
    if unreadable:
        report.rejected.append(RejectedRow(unreadable[0], "", unreadable[1]))
    return report


def _would_change(user: User, person: PersonData) -> bool:
    fields = ("email", "surname", "given_name", "patronymic", "iin", "position", "preferred_language")
    return any(getattr(user, name) != getattr(person, name) for name in fields) or \
        user.organisation_id != (person.organisation.id if person.organisation else None)


def _row_person(surname: str, given_name: str, iin: str) -> str:
    """The person a row names, for the report: the name as written and the IIN (the officer's own file)."""
    name = " ".join(part for part in (surname, given_name) if part)
    if iin:
        return _("%(name)s, IIN %(iin)s", name=name, iin=iin) if name else _("IIN %(iin)s", iin=iin)
    return name


def _iin_cell(value: str) -> str:
    """An IIN typed into Excel as a number loses the leading zero of people born in 2000–2009
    (050312600123 → 50312600123): eleven digits get it back (the check digit still decides)."""
    return "0" + value if len(value) == 11 and value.isdigit() else value


def _check_row(actor, row, columns, line, report, seen_iin, seen_email):
    """The cleaned person of a row and the account it matches (None: a new person), or None after
    adding the row to ``report.rejected``."""
    def cell(key: str) -> str:
        index = columns.get(key)
        return str(row[index]).strip() if index is not None and index < len(row) else ""

    organisation_path = cell("organisation")
    organisation = find_by_code_path(organisation_path) if organisation_path else None
    person = PersonData(email=cell("email"), surname=cell("surname"), given_name=cell("given_name"),
                        patronymic=cell("patronymic"), iin=_iin_cell(cell("iin")), position=cell("position"),
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
    who = _row_person(person.surname, person.given_name, person.iin or cell("iin"))
    if organisation is not None and "organisation" not in person.errors and not covers(actor, organisation):
        person.errors["organisation"] = _("This organisation is not in your scope.")
    existing = db.session.scalar(select(User).where(User.iin == person.iin)) if person.iin else None
    if existing is not None and not covers(actor, existing.organisation):
        person.errors["iin"] = _("This person works in an organisation outside your scope.")
    if person.errors:
        report.rejected.append(RejectedRow(line, who, "; ".join(f"{_label(k)}: {v}" for k, v in person.errors.items())))
        return None
    seen_iin[person.iin] = line
    seen_email[person.email] = line

    if existing is not None:
        # What the file does not say is kept: a missing optional column, or an empty language cell
        # (the language is the person's own choice), leaves the stored value as it is.
        for key, attribute in (("patronymic", "patronymic"), ("position", "position"),
                               ("language", "preferred_language")):
            if key not in columns or (key == "language" and not cell(key)):
                setattr(person, attribute, getattr(existing, attribute))
    return person, existing


def _import_row(actor, row, columns, line, report, seen_iin, seen_email, invite) -> None:
    checked = _check_row(actor, row, columns, line, report, seen_iin, seen_email)
    if checked is None:
        return
    person, existing = checked
    savepoint = db.session.begin_nested()
    try:
        if existing is None:
            create_user(actor, person, invite=invite, commit=False, permission=PERMISSION)
            report.created += 1
        elif update_user(actor, existing, person, commit=False, permission=PERMISSION):
            report.updated += 1
        else:
            report.unchanged += 1
        savepoint.commit()
    except AccountError as error:
        savepoint.rollback()
        report.rejected.append(RejectedRow(line, _row_person(person.surname, person.given_name, person.iin or ""),
                                           str(error)))


# --------------------------------------------------------------------------- preview, then confirm

@dataclass
class StagedImport:
    token: str
    filename: str
    invite: bool
    preview: ImportReport


_STAGING = Staging("employee-imports", STAGED_FOR_S)


def stage_import(actor, data: bytes, *, filename: str, invite: bool) -> StagedImport:
    """Check the file and keep it, unimported, under a new random token until :func:`confirm_import`.
    Raises :class:`ImportFileError` for a file that cannot be read (nothing is kept then)."""
    ensure(actor, PERMISSION)
    preview = preview_import(actor, data)
    token = _STAGING.stage(actor, data, {"filename": filename, "invite": invite})
    return StagedImport(token=token, filename=filename, invite=invite, preview=preview)


#: The staged upload is unknown, expired, someone else's, or already imported.
StagedImportGone = StagedUploadGone


def confirm_import(actor, token: str) -> ImportReport:
    """Import the file staged under ``token`` by ``actor``, once: the upload is claimed (:mod:`lms.staging`)
    before anything is imported, so a second confirmation (a double click, a resent form) finds it gone
    and raises :class:`StagedImportGone`; the report is kept for :func:`import_result`."""
    ensure(actor, PERMISSION)
    meta, data = _STAGING.claim(actor, token)
    report = None
    try:
        try:
            report = import_employees(actor, data, filename=meta["filename"], invite=bool(meta["invite"]))
        except ImportFileError as error:
            report = ImportReport(warnings=[str(error)])
        return report
    finally:
        _STAGING.finish(token, None if report is None else {"report": report.as_dict()})


class ImportResult(NamedTuple):
    filename: str
    report: ImportReport | None  # None: still running


def import_result(actor, token: str) -> ImportResult | None:
    """The file name and report of the confirmed import ``token`` of ``actor``; the report None while
    the import is still running; None when the token is unknown, expired, not confirmed or not theirs."""
    ensure(actor, PERMISSION)
    found = _STAGING.outcome(actor, token)
    if found is None:
        return None
    meta, outcome = found
    return ImportResult(meta["filename"], None if outcome is None else ImportReport.from_dict(outcome["report"]))


def _label(key: str) -> str:
    return {
        "iin": _("IIN"), "surname": _("Surname"), "given_name": _("Given name"), "patronymic": _("Patronymic"),
        "email": _("E-mail"), "organisation": _("Organisation"), "position": _("Position"),
        "preferred_language": _("Language"),
    }[key]

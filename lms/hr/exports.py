"""Exports of certificate records: CSV (streamed) and XLSX (XlsxWriter, constant memory, real date
cells, column widths set). Column headers in the reader's language; every text cell that Excel would
take for a formula (= + - @, tab, CR) is neutralised (DESIGN §4).

The columns are the ones HR systems take in: surname, given name and patronymic apart, position, the
organisation's whole path («Министрлік / Департамент / Басқарма»), e-mail, hours; a certificate
without an expiry date says so («Мерзімсіз» / «Бессрочно») instead of leaving the cell empty.

CSV comes in two dialects (:data:`CSV_DIALECTS`): ``excel``, the default, as Excel set to Kazakh or
Russian opens it with a double click (``;`` between cells, UTF-8 with a byte-order mark, CRLF), and
``standard`` (RFC 4180: ``,``, CRLF, UTF-8 without a byte-order mark) for other programs.

:func:`export_rows` is the one place that decides the columns, so CSV, XLSX and the API agree.
"""
from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Iterator

from flask_babel import gettext as _

from .. import signals
from ..certificates import services as certificates
from ..extensions import db
from ..i18n import localized
from ..clock import local_date, today as local_today
from ..spreadsheets import BOM, FORMULA_STARTS, csv_cell, neutralise

BATCH = 500
UNIT_SEPARATOR = " / "  # between the names of an organisation's path


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str
    bom: bool


# ``excel``: what Excel with Kazakh or Russian regional settings (list separator ";") opens in columns;
# ``standard``: RFC 4180, for programs that expect commas and no byte-order mark
CSV_DIALECTS = {"excel": CsvDialect(";", True), "standard": CsvDialect(",", False)}
DEFAULT_DIALECT = "excel"


def csv_dialect(name: str | None) -> CsvDialect:
    """The dialect called ``name`` (empty or unknown: the default, Excel's)."""
    return CSV_DIALECTS.get(name or DEFAULT_DIALECT, CSV_DIALECTS[DEFAULT_DIALECT])


def headers() -> list[str]:
    return [_("Number"), _("Learner"), _("Surname"), _("Given name"), _("Patronymic"), _("IIN"), _("Position"),
            _("Organisation"), _("E-mail"), _("Course"), _("Hours"), _("Issued on"), _("Valid until"),
            _("Status"), _("Revoked on")]


def no_expiry_label() -> str:
    return _("No expiry")


def split_name(full_name: str) -> tuple[str, str, str]:
    """Surname, given name and patronymic of a name written in that order («Қасымова Әйгерім
    Нұрланқызы»): the first word, the second, the rest. Used only for a certificate whose holder's
    account is gone; otherwise the account's own fields are exported."""
    words = (full_name or "").split()
    return (words[0] if words else "", words[1] if len(words) > 1 else "", " ".join(words[2:]))


def status_label(status: str) -> str:
    return {"valid": _("Valid"), "expired": _("Expired"), "revoked": _("Revoked")}[status]


def export_rows(actor, filters: certificates.CertificateFilters, today: date | None = None, *,
                as_text: bool = False) -> Iterator[list]:
    """One list per certificate (see :func:`export_batches`)."""
    for batch in export_batches(actor, filters, today, as_text=as_text):
        yield from batch


def export_batches(actor, filters: certificates.CertificateFilters, today: date | None = None, *,
                   as_text: bool = False) -> Iterator[list[list]]:
    """Certificates in batches of :data:`BATCH`, one list per certificate: text, numbers and ``date``
    objects (None for empty); with ``as_text`` the dates come as ISO text (``YYYY-MM-DD``), ready for CSV.

    Plain rows of the scoped and filtered query of :func:`certificates.certificate_query`, streamed
    in batches: no ORM object per certificate and no query per row, so 200,000 rows never sit in
    memory (``bench/export.py``). The status label is chosen in SQL; unit names and course titles
    (in the reader's language, neutralised) come from small lookups by id; whether the actor sees a
    holder's whole IIN is decided by :func:`lms.accounts.services.can_see_full_iin` once per
    organisation. The holder's name is neutralised for Excel; numbers, IINs, dates and labels
    cannot start a formula.
    """
    from types import SimpleNamespace

    from sqlalchemy import String, case, cast, literal, select
    from sqlalchemy.orm import aliased

    from ..accounts.iin import mask_iin
    from ..accounts.models import User
    from ..accounts.services import can_see_full_iin
    from ..certificates.models import Certificate
    from ..courses.models import Course
    from ..organisations.models import Organisation

    today = today or local_today()
    holder = aliased(User)
    status = case((Certificate.revoked_at.is_not(None), literal(status_label("revoked"))),
                  (Certificate.valid_until < today, literal(status_label("expired"))),
                  else_=literal(status_label("valid")))
    if as_text:
        dates = (cast(Certificate.issued_on, String), cast(Certificate.valid_until, String))
    else:
        dates = (Certificate.issued_on, Certificate.valid_until)
    query = (certificates.certificate_query(actor, filters, today)
             .with_only_columns(Certificate.number, Certificate.holder_name, holder.id, holder.iin,
                                holder.organisation_id, Certificate.organisation_id, Certificate.course_id,
                                Certificate.hours, dates[0], dates[1], status, Certificate.revoked_at,
                                holder.surname, holder.given_name, holder.patronymic, holder.position, holder.email,
                                maintain_column_froms=False)
             .select_from(Certificate)
             .outerjoin(holder, holder.id == Certificate.user_id))

    def person_in(path):
        return SimpleNamespace(id=object(), organisation=SimpleNamespace(path=path) if path else None)

    names, paths, whole = {}, {}, set()  # whole: units whose people's IINs the actor sees in full
    for row in db.session.execute(select(Organisation.id, Organisation.name_kk, Organisation.name_ru,
                                         Organisation.path)):
        names[row.id] = localized(row.name_kk, row.name_ru)
        paths[row.id] = [int(part) for part in row.path.split("/") if part]
        if can_see_full_iin(actor, person_in(row.path)):
            whole.add(row.id)
    # each unit named by its whole path, the ministry first
    units = {unit_id: neutralise(UNIT_SEPARATOR.join(names[i] for i in ids if i in names))
             for unit_id, ids in paths.items()}
    if can_see_full_iin(actor, person_in(None)):  # admins and the system: everyone
        whole = None
    courses = {row.id: neutralise(localized(row.title_kk, row.title_ru))
               for row in db.session.execute(select(Course.id, Course.title_kk, Course.title_ru))}
    actor_id = getattr(actor, "id", None)
    no_expiry = no_expiry_label()

    # plain rows (no ORM loading), streamed in batches; the option holds for this statement only
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # a server-side cursor, which PostgreSQL plans for its first tenth of rows by default (nested
        # index lookups); an export reads them all: plan for all (hash joins, a third faster)
        connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1")
    result = connection.execute(query, execution_options={"yield_per": BATCH})
    for partition in result.partitions(BATCH):
        batch = []
        append = batch.append
        for (number, name, person_id, iin, person_unit, unit_id, course_id, hours, issued_on, valid_until, label,
             revoked, surname, given_name, patronymic, position, email) in partition:
            if iin and whole is not None and person_unit not in whole and person_id != actor_id:
                iin = mask_iin(iin)
            if person_id is None:  # the account is gone: the name as printed, in its three parts
                surname, given_name, patronymic = split_name(name)
            if revoked is not None:  # an instant: its date is Kazakhstan's, not the UTC one SQL would cut
                revoked = local_date(revoked).isoformat() if as_text else local_date(revoked)
            append([number, neutralise(name or ""), neutralise(surname or ""), neutralise(given_name or ""),
                    neutralise(patronymic or ""), iin or "", neutralise(position or ""), units.get(unit_id, ""),
                    neutralise(email or ""), courses.get(course_id, ""), hours, issued_on,
                    no_expiry if valid_until is None else valid_until, label, revoked])
        yield batch


def csv_chunks(header: list[str], rows: Iterable[list], counter: list[int],
               dialect: CsvDialect | None = None) -> Iterator[bytes]:
    """The CSV, a chunk at a time: the BOM (Excel's dialect), then the header, then rows, each cell
    through :func:`lms.spreadsheets.csv_cell`. ``counter[0]`` counts rows."""
    def batches():
        batch = []
        for row in rows:
            batch.append([csv_cell(value) for value in row])
            if len(batch) == BATCH:
                yield batch
                batch = []
        yield batch

    yield from csv_batches_chunks(header, batches(), counter, dialect)


def csv_batches_chunks(header: list[str], batches: Iterable[list[list]], counter: list[int],
                       dialect: CsvDialect | None = None) -> Iterator[bytes]:
    """The same from batches of rows that are already CSV-ready: text (formulas neutralised), numbers
    or None for empty, as :func:`export_batches` gives them with ``as_text``. ``dialect``: Excel's
    (the default) or the standard one (:data:`CSV_DIALECTS`)."""
    dialect = dialect or csv_dialect(None)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    yield ((BOM if dialect.bom else "") + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for batch in batches:
        writer.writerows(batch)
        counter[0] += len(batch)
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# characters: wide enough for a certificate number, a full name, a ministry's path and a course title
WIDTHS = (22, 36, 18, 16, 20, 15, 28, 60, 30, 44, 8, 13, 16, 14, 13)
DATE_COLUMNS = (11, 12, 14)


def write_xlsx(path: str, header: list[str], rows: Iterable[list]) -> int:
    """Write the rows of :func:`export_rows` as a workbook to ``path`` (dates as date cells, hours as
    numbers, text neutralised); returns the number of rows."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_urls": False, "strings_to_numbers": False,
                                          "tmpdir": tempfile.gettempdir()})
    sheet = workbook.add_worksheet(_("Certificates")[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#E6F4F7", "border": 1})
    date_format = workbook.add_format({"num_format": "dd.mm.yyyy"})
    for column, width in enumerate(WIDTHS):
        sheet.set_column(column, column, width, date_format if header and column in DATE_COLUMNS else None)
    sheet.freeze_panes(1, 0)
    for column, title in enumerate(header):
        sheet.write_string(0, column, title, bold)
    count = 0
    write_string, write_number, write_datetime = sheet.write_string, sheet.write_number, sheet.write_datetime

    def text(value) -> str:
        value = "" if value is None else str(value)
        return "'" + value if value.startswith(FORMULA_STARTS) else value

    # the columns of :func:`export_rows`, written cell by cell without asking each value its type
    for row_index, (number, holder, surname, given_name, patronymic, iin, position, unit, email, course, hours,
                    issued_on, valid_until, status, revoked_on) in enumerate(rows, start=1):
        write_string(row_index, 0, text(number))
        write_string(row_index, 1, text(holder))
        write_string(row_index, 2, text(surname))
        write_string(row_index, 3, text(given_name))
        write_string(row_index, 4, text(patronymic))
        if iin:
            write_string(row_index, 5, text(iin))
        write_string(row_index, 6, text(position))
        write_string(row_index, 7, text(unit))
        write_string(row_index, 8, text(email))
        write_string(row_index, 9, text(course))
        write_number(row_index, 10, hours or 0)
        write_datetime(row_index, 11, issued_on, date_format)
        if isinstance(valid_until, date):
            write_datetime(row_index, 12, valid_until, date_format)
        else:  # «Мерзімсіз» / «Бессрочно»
            write_string(row_index, 12, text(valid_until))
        write_string(row_index, 13, text(status))
        if revoked_on is not None:
            write_datetime(row_index, 14, revoked_on, date_format)
        count += 1
    sheet.autofilter(0, 0, max(count, 1), len(header) - 1)
    workbook.close()
    return count


def record_export(actor, format: str, filters: certificates.CertificateFilters, rows: int) -> None:
    """The audit record of an export (committed on its own: the file has already gone out)."""
    signals.certificates_exported.send(actor, format=format, filters=filters.as_dict(), rows=rows)
    db.session.commit()

"""Exports of certificate records: CSV (UTF-8 with BOM, streamed) and XLSX (XlsxWriter,
constant memory, real date cells). Column headers in the reader's language; every text cell that
Excel would take for a formula (= + - @, tab, CR) is neutralised (DESIGN §4).

:func:`export_rows` is the one place that decides the columns, so CSV, XLSX and the API agree.
"""
from __future__ import annotations

import csv
import io
import tempfile
from datetime import date
from typing import Iterable, Iterator

from flask_babel import gettext as _

from .. import signals
from ..accounts.services import shown_iin
from ..certificates import services as certificates
from ..extensions import db
from ..i18n import localized
from ..i18n import today as local_today
from ..spreadsheets import BOM, csv_cell, neutralise

BATCH = 500


def headers() -> list[str]:
    return [_("Number"), _("Holder"), _("IIN"), _("Organisation"), _("Course"), _("Hours"), _("Issued on"),
            _("Valid until"), _("Status"), _("Revoked on")]


def status_label(status: str) -> str:
    return {"valid": _("Valid"), "expired": _("Expired"), "revoked": _("Revoked")}[status]


def export_rows(actor, filters: certificates.CertificateFilters, today: date | None = None) -> Iterator[list]:
    """One list per certificate: text, numbers and ``date`` objects (None for empty)."""
    today = today or local_today()
    query = certificates.certificate_query(actor, filters, today).execution_options(yield_per=BATCH)
    for certificate in db.session.scalars(query):
        organisation = certificate.organisation
        yield [
            certificate.number,
            certificate.holder_name,
            shown_iin(actor, certificate.user) if certificate.user is not None else "",
            localized(organisation.name_kk, organisation.name_ru) if organisation is not None else "",
            localized(certificate.course.title_kk, certificate.course.title_ru),
            certificate.hours,
            certificate.issued_on,
            certificate.valid_until,
            status_label(certificate.status(today)),
            certificate.revoked_at.date() if certificate.revoked_at else None,
        ]


def csv_chunks(header: list[str], rows: Iterable[list], counter: list[int]) -> Iterator[bytes]:
    """The CSV, a chunk at a time: BOM first, then the header, then rows. ``counter[0]`` counts rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    yield (BOM + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        counter[0] += 1
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


WIDTHS = (20, 36, 15, 40, 40, 8, 12, 12, 14, 12)


def write_xlsx(path: str, header: list[str], rows: Iterable[list]) -> int:
    """Write the workbook to ``path``; returns the number of rows."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_urls": False, "strings_to_numbers": False,
                                          "tmpdir": tempfile.gettempdir()})
    sheet = workbook.add_worksheet(_("Certificates")[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#E6F4F7", "border": 1})
    date_format = workbook.add_format({"num_format": "dd.mm.yyyy"})
    for column, width in enumerate(WIDTHS):
        sheet.set_column(column, column, width, date_format if header and column in (6, 7, 9) else None)
    sheet.freeze_panes(1, 0)
    for column, title in enumerate(header):
        sheet.write_string(0, column, title, bold)
    count = 0
    for row_index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(row_index, column, value, date_format)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(row_index, column, value)
            else:
                sheet.write_string(row_index, column, neutralise(str(value)))
        count += 1
    sheet.autofilter(0, 0, max(count, 1), len(header) - 1)
    workbook.close()
    return count


def record_export(actor, format: str, filters: certificates.CertificateFilters, rows: int) -> None:
    """The audit record of an export (committed on its own: the file has already gone out)."""
    signals.certificates_exported.send(actor, format=format, filters=filters.as_dict(), rows=rows)
    db.session.commit()

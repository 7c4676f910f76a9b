"""Reading an employee file (lms.accounts.employees): a CSV file (UTF-8, the delimiter sniffed) or an
Excel workbook (.xlsx, its first sheet, cached values only), told apart by the content, as a header and
rows of text with their line numbers. Sizes are bounded before anything is unpacked.
"""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

from flask_babel import gettext as _

MAX_ROWS = 50_000
MAX_COLUMNS = 100
# an .xlsx is a zip of XML: what it may unpack to, so that a small "zip bomb" cannot fill the memory
MAX_XLSX_UNPACKED = 100 * 1024 * 1024


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing was imported. The message is translated."""


def decode(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark; anything else is refused with advice."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not in UTF-8. In Excel, save it as “CSV UTF-8 (comma delimited)”.")) from None


def _is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def read_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]], tuple[int, str] | None]:
    """The header and the non-empty rows (with their line numbers) of a CSV or .xlsx file, and the
    line and reason where a CSV file stopped being readable (None when it did not). The kind is told
    from the content, not the name. Raises :class:`ImportFileError` for a file that cannot be read."""
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if _is_xlsx(data):
        return (*_xlsx_rows(data), None)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # the binary .xls of Excel 97–2003
        raise ImportFileError(_("Old Excel files (.xls) cannot be read. In Excel, save the file as “Excel Workbook (.xlsx)” or “CSV UTF-8”."))
    return _csv_rows(data)


def _csv_rows(data: bytes):
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
    rows: list[tuple[int, list[str]]] = []
    unreadable = None
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
                if len(rows) > MAX_ROWS:
                    break
    except csv.Error as error:
        unreadable = (reader.line_num, _("The file is not a readable CSV file: %(error)s", error=str(error)))
    return header, rows, unreadable


def _xlsx_text(value) -> str:
    """A cell as the text a person typed: whole numbers without ".0" (an IIN typed as a number),
    dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _xlsx_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The first sheet of a workbook, read with openpyxl in read-only mode (cached values, never
    formulas), after checking what the zip would unpack to."""
    unreadable = ImportFileError(_("The file is not a readable Excel workbook (.xlsx). Open it in Excel and save it again as “Excel Workbook (.xlsx)”, or as “CSV UTF-8”."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(item.file_size for item in archive.infolist()) > MAX_XLSX_UNPACKED:
                raise ImportFileError(_("The workbook is too large once unpacked; split it into smaller files."))
    except zipfile.BadZipFile:
        raise unreadable from None
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds (KeyError, XML errors…) for a broken file
        raise unreadable from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFileError(_("The file is empty."))
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
                cells = [_xlsx_text(value).strip() for value in values]
                if not any(cells):
                    continue
                if header is None:
                    header = cells
                    continue
                rows.append((number, cells))
                if len(rows) > MAX_ROWS:
                    break
        except ImportFileError:
            raise
        except Exception:  # noqa: BLE001
            raise unreadable from None
        if header is None:
            raise ImportFileError(_("The file is empty."))
        return header, rows
    finally:
        workbook.close()

"""Cells for files people open in Excel: every export (rosters, quiz statistics, certificates)
writes through here, so text that Excel would run as a formula is neutralised in one place
(DESIGN §4: = + - @, tab, CR)."""
from __future__ import annotations

import csv
import io
from datetime import date

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # Excel reads UTF-8 CSV as such only with a byte-order mark


def neutralise(value: str) -> str:
    """Text that Excel would read as a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_cell(value) -> str:
    """Numbers and dates as themselves, text neutralised, None as empty."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return str(value)
    return neutralise(str(value))


def to_csv(header: list[str], rows: list[list]) -> bytes:
    """A small CSV in one piece: UTF-8 with a BOM, formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return (BOM + buffer.getvalue()).encode("utf-8")

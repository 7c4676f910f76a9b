"""Cells for files people open in Excel: every export (rosters, quiz statistics, certificates)
writes through here, so text that Excel would run as a formula is neutralised in one place
(DESIGN §4: = + - @, tab, CR)."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # Excel reads UTF-8 CSV as such only with a byte-order mark
# Excel set to Kazakh or Russian splits a CSV line on ";", elsewhere on ",": inside a value, either
# separator, or a line break, may start a cell of its own to a reader that splits on the other one
# (with quotes or spaces after it), so a formula start there is neutralised too
# ("x;=HYPERLINK(…)" → "x;'=HYPERLINK(…)"), and so is one at the very end, where that cell would
# begin with the closing quote and run on into the next line.
_AFTER_SEPARATOR = re.compile(r"([,;\r\n][ \"]*)(?=[=+\-@\t\r]|\Z)")


def neutralise(value: str) -> str:
    """Text that Excel would read as a formula, from its start or after a separator inside it, gets
    an apostrophe there."""
    value = _AFTER_SEPARATOR.sub(r"\1'", value)
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

"""What Excel makes of a CSV export: Excel set to Kazakh or Russian splits lines on ";", elsewhere on
",". Every export is read both ways and no cell may start with a formula."""
from __future__ import annotations

import csv
import io
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")

# Names a hostile person, course or unit might carry: harmless to a ","-reader unless neutralised at the
# start, a formula to a ";"-reader after the separator (and the other way round).
HOSTILE = {
    "surname": 'x;=HYPERLINK("http://evil.example","Open")',
    "given_name": "y;=1+1",
    "patronymic": 'z,;@SUM(A1)',
}
HOSTILE_TITLE = "Курс;+cmd|' /C calc'!A0"


def formula_cells(data: bytes | str) -> list[str]:
    """Cells that start with a formula character to a ";"-splitting or a ","-splitting reader (numbers,
    such as -1, are numbers)."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    found = []
    for delimiter in ";,":
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            found += [cell for cell in row if cell.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(cell)]
    return found


def assert_excel_safe(data: bytes | str, *expected: str) -> None:
    """No formula either way, and the hostile values (``expected``) are really in the file."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    assert formula_cells(text) == []
    for piece in expected:
        assert piece in text, piece


def make_hostile(person, **more):
    """Give ``person`` the :data:`HOSTILE` names (and ``more`` attributes); committed."""
    from lms.extensions import db

    for name, value in {**HOSTILE, **more}.items():
        setattr(person, name, value)
    db.session.commit()
    return person

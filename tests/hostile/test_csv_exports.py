"""Any text written to a CSV export is safe in Excel whether it splits lines on ";" (Kazakh and
Russian Excel) or on ",". Every export writes through lms.spreadsheets; each export's own test reads
its real file the same way (tests/spreadsheets.py)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.hr.exports import csv_chunks
from lms.spreadsheets import neutralise, to_csv

from ..spreadsheets import formula_cells

pytestmark = pytest.mark.database_independent

texts = st.text(alphabet=st.sampled_from(list('=+-@\t\r\n;," \'|ab1Ә')), max_size=20)
rows = st.lists(st.lists(st.one_of(texts, st.integers(min_value=0), st.none()), min_size=3, max_size=3),
                max_size=6)


@pytest.mark.integration  # slow: 300 generated exports (~4 s)
@settings(max_examples=300, deadline=None)
@given(header=st.lists(texts, min_size=3, max_size=3), body=rows)
def test_no_text_becomes_a_formula_for_either_separator(header, body):
    assert formula_cells(to_csv(header, body)) == []
    assert formula_cells(b"".join(csv_chunks(header, body, [0]))) == []


@pytest.mark.parametrize("value, expected", [
    ('x;=HYPERLINK("http://evil.example")', 'x;\'=HYPERLINK("http://evil.example")'),
    ("y,=1+1", "y,'=1+1"),
    ('z;"@SUM(A1)', 'z;"\'@SUM(A1)'),
    ("=1", "'=1"),
    ("Сапарова, Айгүл; бөлім", "Сапарова, Айгүл; бөлім"),  # ordinary text is left as it is
])
def test_a_formula_start_after_a_separator_is_neutralised(value, expected):
    assert neutralise(value) == expected

"""One date style per kind of date and language: a written date in sentences, a compact table date, a
date with time (lms/i18n: ``written_date``, ``table_date``, ``date_time``), Kazakh case endings where a
sentence needs them, and no template or module that formats a date any other way."""
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale
from jinja2 import nodes

from lms.i18n import date_time, table_date, written_date

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
DATE_FILTERS = {"written_date", "table_date", "date_time"}
# filters and methods that format (or print) a date some other way
OTHER_FILTERS = {"date", "datetime", "local_date", "format_date", "format_datetime", "strftime"}
# a machine-readable date is allowed where a browser reads it: an <input>'s value/min/max, <time datetime>
MACHINE_ATTRIBUTE = re.compile(r'\b(?:value|min|max|datetime)="[^"]*$')


def _templates():
    return sorted(TEMPLATES.rglob("*.html"))


def test_templates_format_dates_only_with_the_three_styles(app):
    problems = []
    for path in _templates():
        source = path.read_text(encoding="utf-8")
        tree = app.jinja_env.parse(source)
        for node in tree.find_all(nodes.Filter):
            if node.name in OTHER_FILTERS:
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: |{node.name}")
        for node in tree.find_all(nodes.Call):
            if isinstance(node.node, nodes.Name) and node.node.name in OTHER_FILTERS:
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.node.name}()")
        for match in re.finditer(r"\{\{[^}]*?\.(isoformat|strftime)\(", source):
            before = source[:match.start()]
            if not MACHINE_ATTRIBUTE.search(before.rsplit("\n", 1)[-1]):
                line = before.count("\n") + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: .{match.group(1)}() outside an input's value")
    assert not problems, "\n".join(problems)


def test_python_code_formats_dates_through_the_three_styles():
    """Babel's date formatting is called in lms/i18n only; everything else uses its three styles."""
    direct = re.compile(r"\bformat_(?:date|datetime|time)\b")
    problems = [f"{path.relative_to(ROOT)}" for path in sorted((ROOT / "lms").rglob("*.py"))
                if path.parent.name != "i18n" and direct.search(path.read_text(encoding="utf-8"))]
    assert not problems, problems


def test_the_check_catches_a_template_that_formats_a_date_otherwise(app):
    bad = app.jinja_env.parse("<td>{{ issued|date('short') }}</td><p>{{ due.isoformat() }}</p>")
    assert [n.name for n in bad.find_all(nodes.Filter)] == ["date"]
    assert not MACHINE_ATTRIBUTE.search("<p>")
    assert MACHINE_ATTRIBUTE.search('<input type="date" value="')


JANUARY = date(2027, 1, 1)
MOMENT = datetime(2027, 1, 1, 4, 30)  # naive UTC: 09:30 in Astana (UTC+5)


@pytest.mark.parametrize("locale, written, table, moment", [
    ("kk", "2027\u202fж. 1 қаңтар", "01.01.2027", "01.01.2027, 09:30"),
    ("ru", "1 января 2027\u202fг.", "01.01.2027", "01.01.2027, 09:30"),
])
def test_the_three_styles_in_kazakh_and_russian(app, locale, written, table, moment):
    with app.test_request_context(), force_locale(locale):
        assert written_date(JANUARY) == written
        assert table_date(JANUARY) == table
        assert table_date(MOMENT) == table
        assert date_time(MOMENT) == moment
        assert written_date(None) == table_date(None) == date_time(None) == ""


@pytest.mark.parametrize("day, locative, ablative, dative, genitive", [
    (date(2027, 1, 1), "қаңтарда", "қаңтардан", "қаңтарға", "қаңтардың"),
    (date(2027, 2, 1), "ақпанда", "ақпаннан", "ақпанға", "ақпанның"),
    (date(2027, 4, 1), "сәуірде", "сәуірден", "сәуірге", "сәуірдің"),
    (date(2027, 6, 1), "маусымда", "маусымнан", "маусымға", "маусымның"),
    (date(2027, 7, 1), "шілдеде", "шілдеден", "шілдеге", "шілденің"),
    (date(2027, 9, 1), "қыркүйекте", "қыркүйектен", "қыркүйекке", "қыркүйектің"),
    (date(2027, 11, 1), "қарашада", "қарашадан", "қарашаға", "қарашаның"),
    (date(2027, 12, 1), "желтоқсанда", "желтоқсаннан", "желтоқсанға", "желтоқсанның"),
])
def test_kazakh_written_dates_take_the_sentences_case(app, day, locative, ablative, dative, genitive):
    with app.test_request_context(), force_locale("kk"):
        for case, word in [("locative", locative), ("ablative", ablative), ("dative", dative),
                           ("genitive", genitive)]:
            assert written_date(day, case) == f"2027\u202fж. 1 {word}", case
    with app.test_request_context(), force_locale("ru"):
        assert written_date(day, "locative") == written_date(day)  # Russian dates keep their form


def test_an_unknown_case_is_a_mistake_not_a_silent_nominative(app):
    with app.test_request_context(), force_locale("kk"), pytest.raises(ValueError):
        written_date(JANUARY, "instrumental")


@pytest.mark.parametrize("language, expected", [
    ("kk", "2026\u202fж. 1 желтоқсаннан бастап 2026\u202fж. 31 желтоқсанға дейін"),
    ("ru", "с 1 декабря 2026\u202fг. по 31 декабря 2026\u202fг."),
])
def test_a_sentence_with_a_range_of_dates_reads_right(app, world, language, expected):
    from tests.conftest import signed_in_client

    browser = signed_in_client(app, world.admin)
    browser.set_cookie("oqu_lang", language)
    page = browser.get("/admin/gpu-usage?month=2026-12").get_data(as_text=True)
    assert expected in page

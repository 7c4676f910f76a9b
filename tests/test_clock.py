"""One clock: every date is Kazakhstan's (``LMS_TIMEZONE``), whatever the machine's zone and hour,
and no code or test reads the machine's date behind the clock's back."""
from __future__ import annotations

import ast
import subprocess
import time
from datetime import date, datetime
from pathlib import Path

import pytest

from lms import clock as lms_clock
from lms.courses.loader import load_course
from tests.courses.files import write_course
from tests.grading.files import COURSE, ITEM

ROOT = Path(__file__).resolve().parent.parent
MACHINE_CLOCK = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today")}


def _reads_of_the_machine_clock(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else None
            if (name, node.func.attr) in MACHINE_CLOCK:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}.{node.func.attr}()")
    return found


@pytest.mark.database_independent
def test_nothing_but_the_clock_module_reads_the_machines_date():
    sources = [p for folder in ("lms", "tests", "bench") for p in (ROOT / folder).rglob("*.py")]
    found = [hit for path in sources if path != ROOT / "lms" / "clock.py" for hit in _reads_of_the_machine_clock(path)]
    assert found == [], "use lms.clock (now, utcnow, today, local_date) instead:\n" + "\n".join(found)


@pytest.mark.database_independent
def test_the_check_itself_finds_a_read_of_the_machines_date(tmp_path):
    sample = ROOT / "tests" / "_clock_sample.py"
    sample.write_text("import datetime\nfrom datetime import date\nx = date.today()\ny = datetime.datetime.now()\n")  # noqa: the sample the check must find
    try:
        assert len(_reads_of_the_machine_clock(sample)) == 2
    finally:
        sample.unlink()


@pytest.mark.parametrize(("utc", "local"), [
    (datetime(2026, 12, 1, 18, 59), date(2026, 12, 1)),
    (datetime(2026, 12, 1, 20, 30), date(2026, 12, 2)),  # already tomorrow in Almaty
    (datetime(2026, 12, 31, 20, 30), date(2027, 1, 1)),  # already next year
])
def test_today_is_kazakhstans_date_at_every_hour(app, clock, utc, local):
    clock.set(utc)
    assert lms_clock.today() == local
    assert lms_clock.local_date(utc) == local
    assert lms_clock.utcnow() == utc


@pytest.mark.settings(timezone="Europe/Moscow")
def test_the_zone_is_the_configured_one(app, clock):
    clock.set(datetime(2026, 12, 1, 20, 30))  # 23:30 in Moscow
    assert lms_clock.today() == date(2026, 12, 1)


@pytest.mark.settings(timezone="Europe/Moscow")
def test_due_dates_in_course_files_are_read_in_the_configured_zone(app, tmp_path):
    policy = "        due: 2026-12-01\n"
    folder = write_course(tmp_path, "c", course_yaml=COURSE.format(head="", items=ITEM.format(key="lab") + policy))
    spec, problems = load_course(folder)
    assert problems == []
    assert spec.modules[0].items[1].content["due"] == "2026-12-01T20:59:59"  # the end of the day in Moscow (UTC+3)


def test_the_frozen_clock_moves_only_when_told(app, clock):
    start = clock.set(datetime(2026, 12, 1, 12, 0))
    assert lms_clock.utcnow() == start
    assert clock.advance(hours=9) == datetime(2026, 12, 1, 21, 0) and lms_clock.today() == date(2026, 12, 2)


@pytest.mark.database_independent
def test_a_program_is_waited_for_with_a_timeout_on_any_clock():
    """The faked-clock runs (make test-clock) wait for node, the sandbox and servers as the plain runs do:
    under libfaketime, Python's own sleep failed with EINVAL whenever the child was still running."""
    started = time.monotonic()
    assert subprocess.run(["sleep", "0.2"], timeout=10).returncode == 0
    time.sleep(0.05)
    assert time.monotonic() - started >= 0.25

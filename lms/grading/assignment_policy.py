"""The assignment part of a course file: a notebook item's due date and grading policy (attempts,
late work, which attempt counts), with the course-wide defaults it inherits. Registered with the
course loader as the reader of ``notebook`` items and of ``assignment_defaults`` (lms.courses.parts);
read back by the grading domain from the stored item (lms.grading.policy)."""
from __future__ import annotations

from ..courses.checks import LATE_POLICIES, _Checks, _Reader
from ..courses.parts import item_kind, section
from ..courses.yamlfile import LineDict

ASSIGNMENT_POLICY_KEYS = {"due", "max_attempts", "late", "counts"}
ASSIGNMENT_LATE_KEYS = {"penalty_per_day", "floor", "cutoff_days"}


def _due(checks: _Checks, data: LineDict, where: str) -> str | None:
    """``due``: a date (the end of that day) or a date and time; the LMS's time zone (``LMS_TIMEZONE``)
    unless the value names its offset. Stored as an ISO date-time in UTC."""
    from datetime import date, datetime, time, timezone

    from ..clock import zone

    value = data["due"]
    kazakhstan = zone()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip()) if ("T" in value or " " in value.strip()) \
                else date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=kazakhstan)
    elif isinstance(value, date):
        moment = datetime.combine(value, time(23, 59, 59), tzinfo=kazakhstan)
    else:
        checks.problem(data.line_of("due"), f"{where}: 'due' must be a date (2026-12-01) or a date and time "
                                            "(2026-12-01 18:00)")
        return None
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


def _assignment_policy(checks: _Checks, data: LineDict, where: str, defaults: dict) -> dict:
    """``due``, ``max_attempts``, ``late`` and ``counts`` (``latest`` graded attempt, the default, or
    ``best``) of a notebook assignment (or the course's ``assignment_defaults``); what an item leaves out comes from ``defaults``. ``late`` is ``accept``
    (the default: marked late), ``refuse``, or a mapping of ``penalty_per_day`` (percent per started
    day), ``floor`` (the penalty never takes the points below this percent of them) and
    ``cutoff_days`` (refused that many days after the due date)."""
    policy = dict(defaults)
    if "due" in data:
        due = _due(checks, data, where)
        if due:
            policy["due"] = due
    if "max_attempts" in data:
        attempts = checks.integer(data, "max_attempts", where, None, minimum=1, maximum=1000)
        if attempts is not None:
            policy["max_attempts"] = attempts
    if "late" in data:
        late = data["late"]
        if late in LATE_POLICIES:
            policy["late"] = {"refuse": True} if late == "refuse" else {}
        elif isinstance(late, LineDict):
            checks.keys(late, ASSIGNMENT_LATE_KEYS, set(), f"{where}: late")
            rule = {}
            per_day = checks.number(late, "penalty_per_day", f"{where}: late", None, minimum=0)
            if per_day is not None:
                if per_day > 100:
                    checks.problem(late.line_of("penalty_per_day"), f"{where}: late: 'penalty_per_day' must be "
                                                                   "a percentage 0–100")
                else:
                    rule["penalty_per_day"] = per_day
            floor = checks.number(late, "floor", f"{where}: late", None, minimum=0)
            if floor is not None:
                if floor > 100:
                    checks.problem(late.line_of("floor"), f"{where}: late: 'floor' must be a percentage 0–100")
                else:
                    rule["floor"] = floor
            cutoff = checks.integer(late, "cutoff_days", f"{where}: late", None, minimum=0, maximum=3650)
            if cutoff is not None:
                rule["cutoff_days"] = cutoff
            policy["late"] = rule
        else:
            checks.problem(data.line_of("late"), f"{where}: 'late' must be accept, refuse or a mapping of "
                                                 f"{', '.join(sorted(ASSIGNMENT_LATE_KEYS))}")
    if "counts" in data:
        if data["counts"] in ("latest", "best"):
            policy["counts"] = data["counts"]
        else:
            checks.problem(data.line_of("counts"), f"{where}: 'counts' must be latest or best")
    if "late" in data and policy.get("late") and "due" not in policy and where != "assignment_defaults":
        checks.problem(data.line_of("late"), f"{where}: 'late' needs a 'due' date")
    return policy


@item_kind("notebook", {"file"} | ASSIGNMENT_POLICY_KEYS)
def read_notebook_item(reader: _Reader, checks: _Checks, key: str, data: LineDict, where: str, course) -> dict:
    """A ``notebook`` item: the assignment folder stored now (``file``, validated by the assignments
    domain) and its policy over the course's ``assignment_defaults``."""
    content = {}
    if "file" in data:
        relative = checks.file_name(data, "", where)
        content = {"file": relative} if relative else {}
    content.update(_assignment_policy(checks, data, where, course.sections.get("assignment_defaults", {})))
    return content


def _read_defaults(checks: _Checks, mapping: LineDict) -> dict:
    checks.keys(mapping, ASSIGNMENT_POLICY_KEYS, set(), "assignment_defaults")
    return _assignment_policy(checks, mapping, "assignment_defaults", {})


section("assignment_defaults", read=_read_defaults)

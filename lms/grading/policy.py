"""Due dates, late penalties and attempt limits of notebook assignments (``course.yaml``: an item's
``due``, ``max_attempts`` and ``late``, or the course's ``assignment_defaults``; parsed and checked
at import by lms.courses.loader, stored in the notebook item's content).

* ``late: accept`` (the default) — a hand-in after ``due`` is stored and marked late;
* ``late: refuse`` — refused after ``due``;
* ``late: {penalty_per_day: 10, floor: 50, cutoff_days: 3}`` — 10 % of the points off per started
  day late, never more than 50 % (the floor of what is kept), refused more than 3 days late.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import ngettext
from flask_babel import gettext as _

from ..i18n import date_time


class PolicyRefusal(Exception):
    """A hand-in the policy refuses; the message is for the learner (translated)."""


@dataclass(frozen=True)
class Lateness:
    late: bool = False
    penalty: float = 0.0   # percent of the points taken off


def policy_of(course, assignment: str) -> dict:
    """The stored policy of ``course``'s notebook item ``assignment`` (empty: no limits)."""
    for item in course.active_items():
        if item.key == assignment and item.kind.value == "notebook":
            content = item.content or {}
            return {key: content[key] for key in ("due", "max_attempts", "late") if key in content}
    return {}


def due_of(policy: dict) -> datetime | None:
    return datetime.fromisoformat(policy["due"]) if policy.get("due") else None


def lateness(policy: dict, now: datetime) -> Lateness:
    """How late a hand-in at ``now`` (naive UTC) is; :class:`PolicyRefusal` when it is too late."""
    due = due_of(policy)
    if due is None or now <= due:
        return Lateness()
    rule = policy.get("late") or {}
    days = math.ceil((now - due) / timedelta(days=1))
    cutoff = rule.get("cutoff_days")
    if rule.get("refuse") or (cutoff is not None and now > due + timedelta(days=cutoff)):
        raise PolicyRefusal(_("The deadline for this assignment (%(due)s) has passed: submissions are no longer "
                              "accepted.", due=date_time(due + timedelta(days=cutoff or 0)
                                                           if cutoff else due)))
    penalty = min(float(rule.get("penalty_per_day", 0)) * days, 100.0 - float(rule.get("floor", 0)), 100.0)
    return Lateness(late=True, penalty=max(penalty, 0.0))


def check_attempts(policy: dict, used: int) -> None:
    """:class:`PolicyRefusal` naming the limit when ``used`` attempts already reach it."""
    limit = policy.get("max_attempts")
    if limit and used >= limit:
        raise PolicyRefusal(ngettext("This assignment allows %(num)d attempt, and you have used it.",
                                     "This assignment allows %(num)d attempts, and you have used them all.", limit))


def apply_penalty(raw_total: float | None, penalty: float | None) -> float | None:
    if raw_total is None or not penalty:
        return raw_total
    return round(raw_total * (100.0 - penalty) / 100.0, 2)

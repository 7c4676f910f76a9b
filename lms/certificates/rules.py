"""The certification rule of a course (``certification`` in course.yaml, docs/course-format.md).

Pure functions, no database: the course loader validates a rule with :func:`check_rule` (so a rule
naming an item the course does not have is refused at import with ``file:line``), and
:mod:`lms.certificates.services` evaluates the stored mapping with :func:`parse_rule` and
:func:`evaluate`.

::

    certification:
      requires: all_items        # or a list of lesson/quiz/notebook keys; default all lessons and quizzes
      min_score: 70              # overall: mean best score (%) over the required quizzes and notebooks
      min_scores: {final: 80, lab-1: 60}  # per quiz or notebook assignment: best score (%) at least this
      hours: 4                   # hours credited; default the course's hours
      valid_months: 24           # how long a certificate is valid; omitted or null: no expiry
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

RULE_KEYS = ("requires", "min_score", "min_scores", "hours", "valid_months")
ALL_ITEMS = "all_items"
ALL_ITEMS_KINDS = ("lesson", "quiz")  # what ``all_items`` means: notebooks count only when named
CERTIFIABLE_KINDS = ("lesson", "quiz", "notebook")
SCORED_KINDS = ("quiz", "notebook")  # items with a score: quizzes, and nbgrader assignments (graded submissions)


@dataclass(frozen=True)
class Rule:
    items: tuple[str, ...] | None = None  # None: every lesson and quiz of the course (+ notebooks in min_scores)
    min_score: float | None = None
    min_scores: dict[str, float] = field(default_factory=dict)
    hours: int | None = None
    valid_months: int | None = None


@dataclass(frozen=True)
class ItemState:
    """What the rule needs to know of one item for one learner."""

    key: str
    kind: str  # lesson | quiz | notebook
    completed: bool  # lesson done, quiz passed, notebook assignment graded (status ``graded`` only)
    best_percent: float | None = None


@dataclass(frozen=True)
class Outcome:
    met: bool
    score: float | None  # the overall score (%) when the rule involves quizzes or notebooks
    missing: tuple[str, ...] = ()  # keys of items not yet satisfied


def _line_of(mapping, key) -> int:
    return mapping.line_of(key) if hasattr(mapping, "line_of") else getattr(mapping, "line", 1)


def _percent(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
        and 0 <= value <= 100


def check_rule(mapping: dict, item_kinds: dict[str, str], problem: Callable[[int, str], None]) -> None:
    """Report every problem of a ``certification`` mapping. ``item_kinds``: key → kind of the course's
    items; ``problem(line, message)`` records one (messages are for authors, in English)."""
    for key in mapping:
        if key not in RULE_KEYS:
            problem(_line_of(mapping, key), f"unknown key {key!r} in certification (allowed: {', '.join(RULE_KEYS)})")
    requires = mapping.get("requires", ALL_ITEMS)
    if requires != ALL_ITEMS:
        if not isinstance(requires, list) or not requires:
            problem(_line_of(mapping, "requires"), "certification: 'requires' must be all_items or a list of "
                                                   "lesson, quiz and notebook ids")
        else:
            for index, key in enumerate(requires):
                line = requires.line_of(index) if hasattr(requires, "line_of") else _line_of(mapping, "requires")
                kind = item_kinds.get(str(key))
                if kind is None:
                    problem(line, f"certification requires {key!r}, but the course has no such item")
                elif kind not in CERTIFIABLE_KINDS:
                    problem(line, f"certification requires {key!r}, a {kind}: only lessons, quizzes and notebook "
                                  f"assignments count")
    if "min_score" in mapping and not _percent(mapping["min_score"]):
        problem(_line_of(mapping, "min_score"), "certification: 'min_score' must be a percentage 0–100")
    scores = mapping.get("min_scores")
    if scores is not None:
        if not isinstance(scores, dict):
            problem(_line_of(mapping, "min_scores"), "certification: 'min_scores' must map quiz and notebook ids "
                                                     "to percentages")
        else:
            for key, value in scores.items():
                line = _line_of(scores, key)
                if item_kinds.get(str(key)) not in SCORED_KINDS:
                    problem(line, f"certification: min_scores names {key!r}, but the course has no such quiz "
                                  f"or notebook assignment")
                elif not _percent(value):
                    problem(line, f"certification: min_scores of {key!r} must be a percentage 0–100")
                elif requires != ALL_ITEMS and isinstance(requires, list) and key not in requires:
                    problem(line, f"certification: min_scores names {key!r}, which 'requires' does not list")
    hours = mapping.get("hours")
    if hours is not None and (not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 2000):
        problem(_line_of(mapping, "hours"), "certification: 'hours' must be a whole number 1–2000")
    months = mapping.get("valid_months")
    if months is not None and (not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 600):
        problem(_line_of(mapping, "valid_months"), "certification: 'valid_months' must be a whole number "
                                                   "1–600, or null for no expiry")


def parse_rule(mapping: dict[str, Any] | None) -> Rule | None:
    """The rule of a stored (already validated) mapping; None when the course awards no certificate."""
    if not mapping:
        return None
    requires = mapping.get("requires", ALL_ITEMS)
    items = None if requires == ALL_ITEMS else tuple(str(key) for key in requires)
    return Rule(items=items, min_score=mapping.get("min_score"),
                min_scores={str(k): float(v) for k, v in (mapping.get("min_scores") or {}).items()},
                hours=mapping.get("hours"), valid_months=mapping.get("valid_months"))


def required_keys(rule: Rule, states: list[ItemState]) -> list[str]:
    """The keys of the items the rule requires, in the rule's order (``all_items``: the course's)."""
    if rule.items is not None:
        return list(rule.items)
    wanted = [s.key for s in states if s.kind in ALL_ITEMS_KINDS]
    return wanted + [key for key in rule.min_scores if key not in wanted]


def evaluate(rule: Rule, states: list[ItemState]) -> Outcome:
    """Whether a learner whose items are in ``states`` (the course's current lessons, quizzes and
    notebook assignments) meets ``rule``. With ``all_items`` every lesson and quiz is required, and
    the notebook assignments that ``min_scores`` names."""
    by_key = {state.key: state for state in states}
    wanted = required_keys(rule, states)
    missing = []
    quiz_scores = []
    for key in wanted:
        state = by_key.get(key)
        if state is None:  # retired since the rule was written: it cannot be required
            continue
        if state.kind in SCORED_KINDS:
            quiz_scores.append(state.best_percent or 0.0)
            threshold = rule.min_scores.get(key)
            if not state.completed or (threshold is not None and (state.best_percent or 0.0) < threshold):
                missing.append(key)
        elif not state.completed:
            missing.append(key)
    score = round(sum(quiz_scores) / len(quiz_scores), 1) if quiz_scores else None
    overall_ok = rule.min_score is None or (score if score is not None else 100.0) >= rule.min_score
    met = bool(wanted) and not missing and overall_ok
    return Outcome(met=met, score=score, missing=tuple(missing))

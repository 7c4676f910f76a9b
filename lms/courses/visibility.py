"""Which of a course's items learners are shown. The courses domain knows the items; another domain
may hold back some of them (grading: a notebook assignment that was never published). Such a domain
registers a function ``course → set of item keys to hold back`` with :func:`holds_back`; the course
page, the item page and the API ask :func:`held_back` and never import that domain.
"""
from __future__ import annotations

from collections.abc import Callable

_HOLDERS: list[Callable[[object], set[str]]] = []


def holds_back(function: Callable[[object], set[str]]) -> Callable[[object], set[str]]:
    """Register ``function(course) -> keys`` of items learners must not be shown."""
    if function not in _HOLDERS:
        _HOLDERS.append(function)
    return function


def held_back(course) -> set[str]:
    """The keys of ``course``'s items that learners are not shown (instructors preview them)."""
    keys: set[str] = set()
    for function in _HOLDERS:
        keys |= set(function(course))
    return keys


def learner_items(course, items) -> list:
    """``items`` without the ones held back from learners."""
    hidden = held_back(course)
    return [item for item in items if item.key not in hidden]

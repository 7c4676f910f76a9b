"""The parts of a course file that other domains own: what a quiz says is the learning domain's, a
notebook assignment's policy the grading domain's, a certification rule the certificates domain's.
Each registers its part here when its package is imported (lms/__init__.py imports them), so that
the course loader reads the whole file and depends on none of them.

* :func:`item_kind`: the reader of one kind of item, ``read(reader, checks, key, data, where, course)`` →
  the item's content mapping (``reader``/``checks`` from :mod:`.checks`, ``key`` its id, ``data`` its
  mapping in course.yaml, ``course`` the :class:`~.loader.CourseSpec` read so far).
* :func:`section`: a course-wide section of course.yaml. ``read(checks, mapping)`` → a value the
  item readers find in ``course.sections``; ``check(mapping, item kinds, problem)`` runs once every
  item is read (a rule that names items).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ItemPart:
    keys: frozenset[str]  # the keys an item of this kind may have, besides its kind and title
    read: Callable


@dataclass(frozen=True)
class Section:
    read: Callable | None = None
    check: Callable | None = None


ITEM_PARTS: dict[str, ItemPart] = {}
SECTIONS: dict[str, Section] = {}


def item_kind(kind: str, keys: set[str]) -> Callable:
    """Register the decorated function as the reader of ``kind`` items."""
    def register(read: Callable) -> Callable:
        ITEM_PARTS[kind] = ItemPart(frozenset(keys), read)
        return read
    return register


def section(name: str, *, read: Callable | None = None, check: Callable | None = None) -> None:
    SECTIONS[name] = Section(read, check)


def item_part(kind: str) -> ItemPart:
    try:
        return ITEM_PARTS[kind]
    except KeyError:
        raise LookupError(f"no domain has registered the {kind!r} part of course files "
                          "(lms/__init__.py imports the domains that do)") from None

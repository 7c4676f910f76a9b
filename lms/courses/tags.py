"""The names of course tags (``tags:`` in course.yaml) in the reader's language. A tag is a code in
course files and URLs; pages show its name. A tag without a name here is a filter only: pages do
not show its code (docs/course-format.md)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

TAG_NAMES = {
    "ai": _l("Artificial intelligence"),
    "basics": _l("Basics"),
    "public-sector": _l("Public service"),
    "python": _l("Python"),
    "machine-learning": _l("Machine learning"),
    "data": _l("Data"),
    "nlp": _l("Natural language processing"),
    "ethics": _l("AI ethics"),
    "law": _l("Law"),
    "data-protection": _l("Personal data protection"),
}


def tag_name(code: str) -> str | None:
    """The tag's name in the current language; None for a tag that has none."""
    name = TAG_NAMES.get(code)
    return str(name) if name is not None else None

"""Finding a person the way HR types a name: any part of the full name, in any order, in Kazakh or
Russian spelling or the Kazakh Latin alphabet («Нұрсұлтан» ~ «Нурсултан» ~ «Nursultan», «Қасымов» ~
«Касымов» ~ «Qasymov»), or by IIN (whole, or its last digits).

Each word of a person's name is kept as a *search term* (:class:`PersonSearchTerm`): the word folded
to a plain Latin skeleton (:func:`fold`), so that every spelling of it gives the same term; the IIN is
kept reversed, so that its last digits are a prefix too. A query matches a person when each of its
words is the beginning of one of their terms: an index range scan on both databases, never a scan of
the people table. Terms follow every change of a person made through the ORM (:func:`_keep_terms`);
rows written in bulk get theirs from :func:`rebuild_terms`.
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import ColumnElement, and_, delete, event, insert, select, true
from sqlalchemy.orm import Session

from ..extensions import db
from ..i18n.latin import to_latin
from .models import SEARCH_TERM_LENGTH, PersonSearchTerm, User

# the Kazakh Latin letters and the usual Russian-passport digraphs, folded to one plain spelling
_PLAIN = str.maketrans({"ä": "a", "ğ": "g", "ı": "i", "ñ": "n", "ö": "o", "ş": "sh", "ū": "u", "ü": "u",
                        "q": "k", "j": "zh"})
_DIGRAPHS = (("kh", "h"), ("yu", "iu"), ("ya", "ia"), ("yo", "io"), ("io", "e"), ("iy", "i"), ("y", "i"))
_WORD = re.compile(r"[^\W_]+")


def fold(word: str) -> str:
    """The plain Latin skeleton of one word in any of the spellings Oqu meets."""
    text = word.lower().replace("ё", "е")
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFC", to_latin(text)).translate(_PLAIN))
    text = "".join(c for c in text if not unicodedata.combining(c))
    for digraph, plain in _DIGRAPHS:
        text = text.replace(digraph, plain)
    return re.sub(r"(.)\1+", r"\1", text)[:SEARCH_TERM_LENGTH]  # doubled letters are spelt either way


def terms_of(surname: str, given_name: str, patronymic: str, iin: str | None) -> set[str]:
    words = _WORD.findall(" ".join((surname or "", given_name or "", patronymic or "")))
    terms = {fold(word) for word in words} - {""}
    if iin:
        terms.add(iin[::-1])
    return terms


def matching(text: str, user_id: ColumnElement) -> ColumnElement:
    """A condition on ``user_id``: each word of ``text`` begins a term of that person (digits: the IIN)."""
    conditions = []
    for word in _WORD.findall(text)[:6]:
        key = word[::-1] if word.isdigit() else fold(word)
        if not key:
            continue
        # '~' sorts after every letter and digit a term holds: [key, key~) is "begins with key"
        conditions.append(user_id.in_(select(PersonSearchTerm.user_id)
                                      .where(PersonSearchTerm.term >= key, PersonSearchTerm.term < key + "~")))
    return and_(*conditions) if conditions else true()


def rebuild_terms(user_ids=None) -> int:
    """Recompute the terms of the given people (everyone by default); returns how many rows now exist."""
    query = select(User.id, User.surname, User.given_name, User.patronymic, User.iin)
    if user_ids is not None:
        query = query.where(User.id.in_(list(user_ids)))
    rows = db.session.execute(query).all()
    _replace_terms(db.session.connection(), rows)
    return len(rows)


def _replace_terms(connection, people) -> None:
    ids = [person.id for person in people]
    for start in range(0, len(ids), 500):
        connection.execute(delete(PersonSearchTerm).where(PersonSearchTerm.user_id.in_(ids[start:start + 500])))
    values = [{"user_id": person.id, "term": term} for person in people
              for term in terms_of(person.surname, person.given_name, person.patronymic, person.iin)]
    for start in range(0, len(values), 5000):
        connection.execute(insert(PersonSearchTerm), values[start:start + 5000])


_NAME_FIELDS = ("surname", "given_name", "patronymic", "iin")


@event.listens_for(Session, "after_flush")
def _keep_terms(session: Session, _context) -> None:
    """People added or renamed through the ORM get their terms in the same transaction."""
    from sqlalchemy import inspect

    changed = [obj for obj in session.new if isinstance(obj, User)]
    changed += [obj for obj in session.dirty if isinstance(obj, User)
                and any(inspect(obj).attrs[name].history.has_changes() for name in _NAME_FIELDS)]
    if changed:
        _replace_terms(session.connection(), changed)

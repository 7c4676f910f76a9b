"""Names in alphabetical order as a Kazakh or Russian reader expects it, sorted by the database so that
pagination stays right (a page is cut after sorting, never sorted after it is cut).

Kazakh: А Ә Б В Г Ғ Д Е Ё Ж З И Й К Қ Л М Н Ң О Ө П Р С Т У Ұ Ү Ф Х Һ Ц Ч Ш Щ Ъ Ы І Ь Э Ю Я;
Russian pages use Russian order, Kazakh letters beside the Russian letter they extend. PostgreSQL sorts
with its ICU collations; SQLite with collations registered on each connection (:func:`register`).
"""
from __future__ import annotations

import sqlite3
from functools import lru_cache

from sqlalchemy import ColumnElement

KAZAKH = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
RUSSIAN = "аәбвгғдежзиійкқлмнңоөпрстуүұфхһцчшщъыьэюя"  # ё is е with an accent, as ICU's ru has it
ALPHABETS = {"kk": (KAZAKH, {}), "ru": (RUSSIAN, {"ё": "е"})}
POSTGRESQL = {"kk": "kk-KZ-x-icu", "ru": "ru-RU-x-icu"}
SQLITE = {"kk": "oqu_kk", "ru": "oqu_ru"}


def _weights(alphabet: str, same: dict[str, str]):
    order = {letter: index for index, letter in enumerate(alphabet)}
    order.update({letter: order[base] for letter, base in same.items()})

    def weight(c: str) -> tuple[int, int]:
        # as ICU orders them: spaces and marks, digits, the page's own (Cyrillic) letters, other letters
        if c in order:
            return 2, order[c]
        return (3 if c.isalpha() else 1 if c.isdigit() else 0), ord(c)

    @lru_cache(maxsize=65536)
    def key(text: str) -> tuple:
        # letters first (case and accents aside), then the text itself, so equal names sort alike every time
        return tuple(weight(c) for c in text.lower()), text

    return key


_KEYS = {language: _weights(*alphabet) for language, alphabet in ALPHABETS.items()}


def _comparison(language: str):
    key = _KEYS[language]

    def compare(a: str, b: str) -> int:
        first, second = key(a), key(b)
        return (first > second) - (first < second)

    return compare


def register(dbapi_connection) -> None:
    """Give a new SQLite connection the ``oqu_kk`` and ``oqu_ru`` collations."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        for language, name in SQLITE.items():
            dbapi_connection.create_collation(name, _comparison(language))


def collation_language(language: str) -> str:
    """The order a page in ``language`` (``kk``, ``ru``, ``kk-Latn``) uses."""
    return "ru" if language == "ru" else "kk"


def by_name(*columns: ColumnElement, language: str | None = None) -> list[ColumnElement]:
    """``columns`` collated for the current page's language, for ``order_by``."""
    from ..extensions import db
    from . import current_language

    order = collation_language(language or current_language())
    names = POSTGRESQL if db.engine.dialect.name == "postgresql" else SQLITE
    return [column.collate(names[order]) for column in columns]

"""Certificate numbers: ``OQU-2026-7KQ3-X9``.

The year of issue, five random characters (Crockford's base 32: no I, L, O or U, so nothing is
misread) and a check character (Luhn mod 32 over year and random part), which catches any single
mistyped character and any swap of neighbours before the database is asked. Random, not a
sequence: knowing one number tells nothing about another (32⁵ ≈ 33 million per year).
"""
from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "OQU"
PATTERN = re.compile(rf"^{PREFIX}-(\d{{4}})-([{ALPHABET}]{{4}})-([{ALPHABET}])([{ALPHABET}])$")
MAX_LENGTH = 20
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_character(payload: str) -> str:
    """Luhn mod N (N = 32) over ``payload`` (digits and alphabet characters)."""
    n = len(ALPHABET)
    total, factor = 0, 2
    for char in reversed(payload):
        addend = factor * ALPHABET.index(char)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def new_number(year: int) -> str:
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(5))
    check = check_character(f"{year:04d}{random_part}")
    return f"{PREFIX}-{year:04d}-{random_part[:4]}-{random_part[4]}{check}"


def normalise(raw: str | None) -> str | None:
    """The canonical number for what a person typed (any case, spaces, O for 0, I/L for 1), or None
    when it cannot be a certificate number at all (wrong shape or check character)."""
    if not raw or len(raw) > 40:
        return None
    text = "".join(raw.split()).upper()
    if not text.startswith(f"{PREFIX}-"):
        return None
    text = PREFIX + text[len(PREFIX):].translate(_CONFUSABLE)
    match = PATTERN.match(text)
    if not match:
        return None
    year, first, fifth, check = match.groups()
    if check_character(f"{year}{first}{fifth}") != check:
        return None
    return text

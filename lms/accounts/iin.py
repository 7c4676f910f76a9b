"""The individual identification number (ЖСН / ИИН): 12 digits, the last a check digit.

The first six digits are a date (YYMMDD) and the seventh encodes century and sex, but since 2013
the date need not be the holder's birth date, so it is only checked for being a possible date.
"""
from __future__ import annotations

_FIRST_WEIGHTS = tuple(range(1, 12))
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


class InvalidIIN(ValueError):
    """``reason`` is one of ``length``, ``digits``, ``prefix``, ``check_digit``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check_digit(first_eleven: str) -> int | None:
    """The check digit for 11 digits, or None when no digit is valid (the number cannot exist)."""
    digits = [int(c) for c in first_eleven]
    for weights in (_FIRST_WEIGHTS, _SECOND_WEIGHTS):
        value = sum(d * w for d, w in zip(digits, weights)) % 11
        if value != 10:
            return value
    return None


def normalise_iin(raw: str) -> str:
    """Strip spaces and return the IIN, or raise :class:`InvalidIIN`."""
    iin = "".join(str(raw).split())
    if not iin.isascii() or not iin.isdigit():
        raise InvalidIIN("digits")
    if len(iin) != 12:
        raise InvalidIIN("length")
    month, day, century = int(iin[2:4]), int(iin[4:6]), int(iin[6])
    if not (1 <= month <= 12 and 1 <= day <= 31 and century <= 6):
        raise InvalidIIN("prefix")
    if check_digit(iin[:11]) != int(iin[11]):
        raise InvalidIIN("check_digit")
    return iin


def is_valid_iin(raw: str) -> bool:
    try:
        normalise_iin(raw)
    except InvalidIIN:
        return False
    return True


def mask_iin(iin: str | None) -> str:
    """``850101301235`` → ``85******1235``."""
    if not iin:
        return ""
    return iin[:2] + "*" * 6 + iin[-4:]


def iin_error_message(reason: str) -> str:
    from flask_babel import gettext as _

    return {
        "digits": _("An IIN consists of digits only."),
        "length": _("An IIN has exactly 12 digits."),
        "prefix": _("The first digits of this IIN cannot occur in a real IIN."),
        "check_digit": _("The IIN's check digit does not match: please check for a typo."),
    }[reason]

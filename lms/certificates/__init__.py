"""Certificates: issued by the rule in a course's ``certification`` mapping, numbered, publicly
verifiable, revocable by administrators, printable as a bilingual PDF with a QR code."""

from ..courses.parts import section as _section  # noqa: E402
from .rules import check_rule as _check_rule  # noqa: E402

_section("certification", check=_check_rule)  # the course loader checks a rule with it, once items are read

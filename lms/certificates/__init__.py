"""Certificates: issued by the rule in a course's ``certification`` mapping, numbered, publicly
verifiable, revocable by administrators, printable as a bilingual PDF with a QR code."""

from ..courses.loader import SECTION_CHECKS as _SECTION_CHECKS  # noqa: E402
from .rules import check_rule as _check_rule  # noqa: E402

_SECTION_CHECKS["certification"] = _check_rule  # the course loader validates a rule with it

"""Certificates: issued by the rule in a course's ``certification`` mapping, numbered, publicly
verifiable, revocable by administrators, printable as a bilingual PDF with a QR code."""

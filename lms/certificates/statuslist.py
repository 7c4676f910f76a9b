"""Revocation a verifier can check: a W3C *Bitstring Status List v1.0* per issuer.

Each certificate holds a place (``status_index``) in the list, drawn at random (so that the place
tells nothing about when or for whom it was issued) and unique in the database: two issues that
draw the same place at the same moment cannot both be written, and the issue retries with a new
draw (:func:`lms.certificates.services.issue_if_earned`). The list has :data:`LIST_SIZE` places,
8 times the W3C minimum, so collisions stay rare for hundreds of thousands of certificates.

The list credential (:func:`lms.certificates.credential.status_list_credential`) is built from
the database at every request, so it follows revocations at once, and signed like the certificates'
credentials; its ``encodedList`` is the GZIP-compressed bitstring in multibase base64url (``u…``),
bit 0 the most significant bit of the first byte; a set bit: revoked.
"""
from __future__ import annotations

import base64
import gzip
import secrets

from ..utils import external_url

LIST_NUMBER = 1
LIST_SIZE = 8 * 131_072  # bits
PURPOSE = "revocation"


def random_index() -> int:
    return secrets.randbelow(LIST_SIZE)


def list_url() -> str:
    return external_url("api.credential_status_list", number=LIST_NUMBER)


def entry(index: int) -> dict:
    """The ``credentialStatus`` of the credential holding place ``index``."""
    url = list_url()
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": PURPOSE,
            "statusListIndex": str(index), "statusListCredential": url}


def encode(indexes) -> str:
    bits = bytearray(LIST_SIZE // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")


def is_set(encoded: str, index: int) -> bool:
    if not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    return bool(bits[index // 8] & (0x80 >> (index % 8)))

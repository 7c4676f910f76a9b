"""Revocation a verifier can check: a W3C *Bitstring Status List v1.0* per issuer.

Each certificate holds a place (``status_index``) in the list: its database id spread over the list
by a fixed permutation (:func:`place_of`), so that neighbouring certificates do not sit side by side,
and stored with the certificate when it is written (``models.py``). Ids are unique, so places are
too, however many LMS nodes issue at the same moment — no drawing, no retry; a unique constraint
guards it. The list has :data:`LIST_SIZE` places (8 times the W3C minimum): one place for each of
the first 1,048,576 certificates; beyond that a second list is needed.

The list credential (:func:`lms.certificates.credential.status_list_credential`) is built from
the database at every request, so it follows revocations at once, and signed like the certificates'
credentials; its ``encodedList`` is the GZIP-compressed bitstring in multibase base64url (``u…``),
bit 0 the most significant bit of the first byte; a set bit: revoked.
"""
from __future__ import annotations

import base64
import gzip

from ..utils import external_url

LIST_NUMBER = 1
LIST_SIZE = 8 * 131_072  # bits, a power of two
SPREAD = 611_953  # odd: multiplying by it modulo LIST_SIZE is a permutation of the places
PURPOSE = "revocation"


def place_of(certificate_id: int) -> int:
    """The place of the certificate with this id: distinct for distinct ids below LIST_SIZE."""
    if not 0 < certificate_id < LIST_SIZE:
        raise RuntimeError(f"status list {LIST_NUMBER} is full: certificate {certificate_id} needs a second list")
    return certificate_id * SPREAD % LIST_SIZE


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

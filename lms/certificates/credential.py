"""The certificate as a signed credential: an Open Badges 3.0 ``OpenBadgeCredential`` (a W3C
Verifiable Credential 2.0) secured with a Data Integrity proof, cryptosuite ``eddsa-jcs-2022``.

Signing (W3C vc-di-eddsa §3.3): ``hashData = SHA-256(JCS(proofConfig)) ‖ SHA-256(JCS(document))``,
signed with Ed25519; ``proofValue`` is the signature in multibase base58btc (``z…``). JCS is
RFC 8785 (the ``rfc8785`` package).

The issuer is a ``did:key`` derived from the signing key, so anyone can verify offline from the
credential alone. The key (Ed25519, PKCS#8 PEM, mode 0600) is generated on first use as
``instance/credential-signing-key.pem``: right for development and a single node; several LMS nodes
must share that file (a mounted secret), or credentials signed by one fail at the others' issuer.
"""
from __future__ import annotations

import hashlib
import os
from datetime import datetime, time
from pathlib import Path

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from .. import clock
from ..utils import external_url
from .models import Certificate

CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
KEY_FILE = "credential-signing-key.pem"
CRYPTOSUITE = "eddsa-jcs-2022"
ED25519_MULTICODEC = b"\xed\x01"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, remainder = divmod(number, 58)
        out = _B58[remainder] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def _key_path() -> Path:
    return Path(current_app.config["OQU_SETTINGS"].instance_path) / KEY_FILE


def signing_key() -> Ed25519PrivateKey:
    """The instance's Ed25519 key, generated (0600, never overwritten) on first use."""
    path = _key_path()
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} does not hold an Ed25519 key")
    return key


def did_key(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "did:key:z" + b58encode(ED25519_MULTICODEC + raw)


def public_key_from_did(did: str) -> Ed25519PublicKey:
    if not did.startswith("did:key:z"):
        raise ValueError("not a did:key")
    data = b58decode(did[len("did:key:z"):])
    if not data.startswith(ED25519_MULTICODEC) or len(data) != 34:
        raise ValueError("not an Ed25519 did:key")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def _timestamp(value: datetime) -> str:
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def unsigned_credential(certificate: Certificate, issuer: str) -> dict:
    course = certificate.course
    url = external_url("certificates.verify", number=certificate.number)
    document = {
        "@context": CONTEXTS,
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Oqu",
                   "url": external_url("dashboard.index")},
        "validFrom": _timestamp(certificate.issued_at),
        "name": course.title_kk,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": certificate.holder_name}],
            "achievement": {
                "id": external_url("courses.course", slug=course.slug),
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": course.title_kk,
                "description": course.title_ru,
                "criteria": {"narrative": f"{certificate.hours} академиялық сағат / "
                                          f"{certificate.hours} академических часов"},
                "creditsAvailable": certificate.hours,
                "inLanguage": "kk",
            },
        },
        "evidence": [{"type": ["Evidence"], "id": url, "name": certificate.number}],
    }
    if certificate.valid_until is not None:
        document["validUntil"] = _timestamp(datetime.combine(certificate.valid_until, time(23, 59, 59)))
    return document


def _hash_data(document: dict, proof_options: dict) -> bytes:
    config = {key: value for key, value in proof_options.items() if key != "proofValue"}
    if "@context" in document:
        config["@context"] = document["@context"]
    return hashlib.sha256(rfc8785.dumps(config)).digest() + hashlib.sha256(rfc8785.dumps(document)).digest()


def sign(document: dict, key: Ed25519PrivateKey, created: datetime | None = None) -> dict:
    issuer = did_key(key.public_key())
    proof = {"type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE,
             "created": _timestamp(created or clock.now()),
             "verificationMethod": f"{issuer}#{issuer[len('did:key:'):]}", "proofPurpose": "assertionMethod"}
    signature = key.sign(_hash_data(document, proof))
    return {**document, "proof": {**proof, "proofValue": "z" + b58encode(signature)}}


def signed_credential(certificate: Certificate) -> dict:
    key = signing_key()
    return sign(unsigned_credential(certificate, did_key(key.public_key())), key)


def verify(credential: dict) -> bool:
    """Check the proof of a credential against the did:key it names (no network)."""
    proof = credential.get("proof")
    if not isinstance(proof, dict) or proof.get("cryptosuite") != CRYPTOSUITE \
            or proof.get("type") != "DataIntegrityProof" or not str(proof.get("proofValue", "")).startswith("z"):
        return False
    document = {key: value for key, value in credential.items() if key != "proof"}
    try:
        method = str(proof["verificationMethod"]).split("#")[0]
        public_key = public_key_from_did(method)
        public_key.verify(b58decode(proof["proofValue"][1:]), _hash_data(document, proof))
    except (ValueError, KeyError, InvalidSignature):
        return False
    issuer = document.get("issuer")
    return (issuer.get("id") if isinstance(issuer, dict) else issuer) == method

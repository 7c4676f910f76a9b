"""The certificate as a signed credential: an Open Badges 3.0 ``OpenBadgeCredential`` (a W3C
Verifiable Credential 2.0) with a Data Integrity proof (:mod:`.integrity`; ``eddsa-rdfc-2022`` by
default, ``eddsa-jcs-2022`` by the ``LMS_CREDENTIAL_CRYPTOSUITE`` setting), revocation through a
W3C Bitstring Status List the LMS publishes (:mod:`.statuslist`), and the holder named by a salted
hash of their IIN (or e-mail), their name only when they chose to share it. docs/credentials.md.

The issuer is the organisation running the programme (``LMS_CREDENTIAL_ISSUER_NAME``), as a
``did:key`` derived from the signing key (demo: anyone verifies offline from the credential alone)
or, with ``LMS_CREDENTIAL_DID=web``, as the ``did:web`` of the base address, whose DID document
the LMS serves at ``/.well-known/did.json``. The key (Ed25519, PKCS#8 PEM, mode 0600) is
``LMS_CREDENTIAL_KEY_FILE``, by default ``instance/credential-signing-key.pem`` generated on first
use; several LMS nodes share one file (a mounted secret).
"""
from __future__ import annotations

import hashlib
import hmac
import os
from datetime import datetime, time, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from .. import clock
from ..utils import external_url
from . import integrity, statuslist
from .models import Certificate

CONTEXTS = [integrity.VC_V2, integrity.OB_V3]
KEY_FILE = "credential-signing-key.pem"
WEB_KEY_ID = "key-1"


def _settings():
    return current_app.config["OQU_SETTINGS"]


def key_path() -> Path:
    settings = _settings()
    return Path(settings.credential_key_file or Path(settings.instance_path) / KEY_FILE)


def signing_key() -> Ed25519PrivateKey:
    """The Ed25519 key, generated (0600, never overwritten) on first use where none exists."""
    path = key_path()
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


def did_web() -> str:
    """``did:web`` of the base address (a port is percent-encoded, as did:web says)."""
    return "did:web:" + quote(urlsplit(_settings().base_url).netloc, safe="")


def issuer_did(public_key: Ed25519PublicKey | None = None) -> str:
    if _settings().credential_did == "web":
        return did_web()
    return integrity.did_key(public_key or signing_key().public_key())


def verification_method(public_key: Ed25519PublicKey) -> str:
    did = issuer_did(public_key)
    return f"{did}#{WEB_KEY_ID}" if did.startswith("did:web:") else integrity.did_key_method(did)


def did_document() -> dict:
    """The DID document of the did:web issuer (served at ``/.well-known/did.json``)."""
    public_key = signing_key().public_key()
    did = did_web()
    method = f"{did}#{WEB_KEY_ID}"
    return {"@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": did,
            "verificationMethod": [{"id": method, "type": "Multikey", "controller": did,
                                    "publicKeyMultibase": integrity.public_multibase(public_key)}],
            "assertionMethod": [method], "authentication": [method]}


def resolve(method: str) -> Ed25519PublicKey:
    """The public key of a verification method Oqu can resolve without the network: any did:key,
    and this LMS's own did:web. ``ValueError`` for anything else."""
    did = method.split("#")[0]
    if did.startswith("did:key:"):
        if method != integrity.did_key_method(did):
            raise ValueError("a did:key method is the DID and its own key")
        return integrity.public_key_from_did_key(did)
    if _settings().credential_did == "web" and did == did_web() and method == f"{did}#{WEB_KEY_ID}":
        return signing_key().public_key()
    raise ValueError(f"cannot resolve {method}")


def _timestamp(value: datetime) -> str:
    """UTC in the credential's form; a naive value is UTC already, as the database stores it."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def issuer_profile(did: str) -> dict:
    settings = _settings()
    return {"id": did, "type": ["Profile"], "name": settings.credential_issuer_name,
            "url": settings.credential_issuer_url or external_url("dashboard.index")}


def identity_salt(certificate: Certificate) -> str:
    """A salt of this certificate's own (so that two certificates of a person are not linkable by
    their hashes), the same at every download."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"credential-salt:" + certificate.number.encode(), hashlib.sha256).hexdigest()[:32]


def identity_hash(value: str, salt: str) -> str:
    """Open Badges' IdentityHash: ``sha256$`` and the hex SHA-256 of the value followed by the salt."""
    return "sha256$" + hashlib.sha256((value + salt).encode("utf-8")).hexdigest()


def holder_identity(certificate: Certificate) -> dict:
    """The holder as an IdentityObject: the salted hash of the IIN, or of the e-mail (lower case)
    for someone without one. docs/credentials.md says how an employer checks it."""
    user = certificate.user
    identity_type, value = ("nationalIdentityNumber", user.iin) if user.iin else ("emailAddress", user.email.lower())
    salt = identity_salt(certificate)
    return {"type": "IdentityObject", "identityType": identity_type, "hashed": True,
            "identityHash": identity_hash(value, salt), "salt": salt}


def unsigned_credential(certificate: Certificate, issuer: str, *, share_name: bool = False) -> dict:
    course = certificate.course
    url = external_url("certificates.verify", number=certificate.number)
    subject = {"type": ["AchievementSubject"], "identifier": [holder_identity(certificate)]}
    if share_name:
        subject["name"] = certificate.holder_name
    subject["achievement"] = {
        "id": external_url("courses.course", slug=course.slug),
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": course.title_kk,
        "description": course.title_ru,
        "criteria": {"narrative": f"{certificate.hours} академиялық сағат / "
                                  f"{certificate.hours} академических часов"},
        "creditsAvailable": certificate.hours,
        "inLanguage": "kk",
    }
    document = {
        "@context": CONTEXTS,
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(issuer),
        "validFrom": _timestamp(certificate.issued_at),
        "name": course.title_kk,
        "credentialSubject": subject,
        "evidence": [{"type": ["Evidence"], "id": url, "name": certificate.number}],
    }
    if certificate.valid_until is not None:
        # valid through the whole of that day in Kazakhstan
        document["validUntil"] = _timestamp(datetime.combine(certificate.valid_until, time(23, 59, 59), clock.zone()))
    if certificate.status_index is not None:
        document["credentialStatus"] = statuslist.entry(certificate.status_index)
    return document


def sign(document: dict, key: Ed25519PrivateKey, created: datetime | None = None) -> dict:
    return integrity.add_proof(document, key, cryptosuite=_settings().credential_cryptosuite,
                               verification_method=verification_method(key.public_key()),
                               created=_timestamp(created or clock.now()))


def signed_credential(certificate: Certificate, *, share_name: bool = False) -> dict:
    key = signing_key()
    return sign(unsigned_credential(certificate, issuer_did(key.public_key()), share_name=share_name), key)


def own_issuers() -> set[str]:
    """The DIDs this LMS signs as: its did:key, and its did:web when configured (credentials
    signed before a switch to did:web keep verifying here)."""
    public_key = signing_key().public_key()
    return {integrity.did_key(public_key), issuer_did(public_key)}


def _issuer_id(document: dict) -> str:
    issuer = document.get("issuer")
    return str(issuer.get("id") if isinstance(issuer, dict) else issuer)


def verify(credential: dict, *, legacy: bool = False) -> bool:
    """Whether the credential's proofs verify (no network) and are the issuer's own: each proof's
    verification method belongs to the DID named as issuer. ``legacy``: the form Oqu signed before
    issue #23, accepted only from this LMS's own key (see :func:`check`)."""
    issuer = _issuer_id(credential)
    methods = integrity.proof_methods(credential)
    if not methods or any(method.split("#")[0] != issuer for method in methods):
        return False
    return integrity.verify_proofs(credential, resolve, legacy=legacy)


def check(credential: dict) -> str:
    """What Oqu's verification page says about a credential file: ``valid`` (a proof per the W3C
    Recommendation, by this LMS), ``legacy`` (signed by this LMS before issue #23: genuine, but
    other verifiers reject it; download a fresh copy), ``foreign`` (a valid proof by someone
    else), ``invalid``."""
    if verify(credential):
        return "valid" if _issuer_id(credential) in own_issuers() else "foreign"
    if _issuer_id(credential) in own_issuers() and verify(credential, legacy=True):
        return "legacy"
    return "invalid"


def status_list_credential() -> dict:
    """The signed Bitstring Status List credential of this issuer, from the database as it is now.
    Dated by the latest revocation (or the first issue), so that every LMS node answers the same."""
    from sqlalchemy import func, select

    from ..extensions import db

    revoked = db.session.scalars(select(Certificate.status_index).where(
        Certificate.revoked_at.is_not(None), Certificate.status_index.is_not(None))).all()
    latest_revocation, first_issue = db.session.execute(
        select(func.max(Certificate.revoked_at), func.min(Certificate.issued_at))).one()
    dated = latest_revocation or first_issue or clock.utcnow()
    url = statuslist.list_url()
    key = signing_key()
    issuer = issuer_did(key.public_key())
    document = {"@context": [integrity.VC_V2], "id": url,
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "issuer": issuer, "validFrom": _timestamp(dated),
                "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                                      "statusPurpose": statuslist.PURPOSE,
                                      "encodedList": statuslist.encode(revoked)}}
    return sign(document, key, created=dated)

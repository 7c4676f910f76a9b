"""Data Integrity proofs per W3C *Data Integrity EdDSA Cryptosuites v1.0* (Recommendation):
``eddsa-rdfc-2022`` (§3.2) and ``eddsa-jcs-2022`` (§3.3), Ed25519 keys as ``did:key`` multikeys.

``hashData = SHA-256(canonical(proofConfig)) ‖ SHA-256(canonical(document))``, signed with
Ed25519; ``proofValue`` is the signature in multibase base58btc (``z…``).

- ``eddsa-rdfc-2022``: canonical form is RDF Dataset Canonicalization (RDFC-1.0, PyLD's URDNA2015)
  of the JSON-LD; the proof configuration takes the document's ``@context`` (§3.2.5) but the
  published proof does not carry it.
- ``eddsa-jcs-2022``: canonical form is RFC 8785 JSON; the proof carries the document's
  ``@context`` (§3.3.1 step 2) and is hashed exactly as published.

Every JSON-LD context is loaded from files shipped in ``contexts/``: nothing is fetched over the
network, at issue or at verification. A context not shipped is an error.
"""
from __future__ import annotations

import copy
import hashlib
import json
from functools import cache
from pathlib import Path

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

RDFC, JCS = "eddsa-rdfc-2022", "eddsa-jcs-2022"
CRYPTOSUITES = (RDFC, JCS)
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXT_FILES = {VC_V2: "credentials-v2.jsonld", OB_V3: "ob-v3p0-context-3.0.3.json"}
CONTEXT_DIR = Path(__file__).with_name("contexts")
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


# --------------------------------------------------------------------------- keys

def public_multibase(public_key: Ed25519PublicKey) -> str:
    """The key as a Multikey ``publicKeyMultibase`` (``z6Mk…``)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + b58encode(ED25519_MULTICODEC + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("not base58btc multibase")
    data = b58decode(value[1:])
    if not data.startswith(ED25519_MULTICODEC) or len(data) != 34:
        raise ValueError("not an Ed25519 multikey")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def did_key(public_key: Ed25519PublicKey) -> str:
    return "did:key:" + public_multibase(public_key)


def did_key_method(did: str) -> str:
    """The verification method of a did:key: the DID, ``#``, its multibase key."""
    return f"{did}#{did[len('did:key:'):]}"


def public_key_from_did_key(did: str) -> Ed25519PublicKey:
    if not did.startswith("did:key:"):
        raise ValueError("not a did:key")
    return public_key_from_multibase(did[len("did:key:"):])


# --------------------------------------------------------------------------- canonical forms

@cache
def _context(url: str) -> dict:
    return json.loads((CONTEXT_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def document_loader(url: str, options=None) -> dict:
    """PyLD's document loader: the shipped contexts, and nothing else (no network)."""
    if url not in CONTEXT_FILES:
        raise jsonld.JsonLdError(f"JSON-LD context {url} is not shipped with Oqu; nothing is fetched",
                                 "jsonld.LoadDocumentError", {"url": url}, code="loading remote context failed")
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(_context(url))}


def _canonical(document: dict, cryptosuite: str) -> bytes:
    if cryptosuite == JCS:
        return rfc8785.dumps(document)
    return jsonld.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                       "documentLoader": document_loader}).encode("utf-8")


def _key_paths(value, path: tuple = ()) -> set[tuple]:
    if isinstance(value, dict):
        return {path + (key,) for key in value if key != "@context"} | set().union(
            *(_key_paths(item, path + (key,)) for key, item in value.items() if key != "@context"))
    if isinstance(value, list):
        return set().union(*(_key_paths(item, path) for item in value))
    return set()


def dropped_terms(document: dict) -> set[str]:
    """Properties JSON-LD expansion drops because no context defines them: RDF canonicalization
    leaves them out, so the proof does not cover them (the "safe mode" of the W3C libraries refuses
    such a document). Found by expanding and compacting again with the document's own context."""
    expanded = jsonld.expand(document, {"documentLoader": document_loader})
    again = jsonld.compact(expanded, {"@context": document.get("@context", {})}, {"documentLoader": document_loader})
    return {"/".join(path) for path in _key_paths(document) - _key_paths(again)}


def _hash_data(document: dict, proof_config: dict, cryptosuite: str) -> bytes:
    return (hashlib.sha256(_canonical(proof_config, cryptosuite)).digest()
            + hashlib.sha256(_canonical(document, cryptosuite)).digest())


# --------------------------------------------------------------------------- proofs

def add_proof(document: dict, key: Ed25519PrivateKey, *, cryptosuite: str, verification_method: str,
              created: str) -> dict:
    """The document secured with one Data Integrity proof, ``proof`` as a one-item array (the form
    1EdTech's OB 3.0 JSON Schema requires; a proof set of one for the W3C libraries)."""
    if cryptosuite not in CRYPTOSUITES:
        raise ValueError(f"unknown cryptosuite {cryptosuite!r}")
    proof = {"type": "DataIntegrityProof", "cryptosuite": cryptosuite, "created": created,
             "verificationMethod": verification_method, "proofPurpose": "assertionMethod"}
    if cryptosuite == JCS and "@context" in document:
        proof["@context"] = document["@context"]
    config = {**proof, "@context": document["@context"]} if "@context" in document else proof
    signature = key.sign(_hash_data(document, config, cryptosuite))
    return {**document, "proof": [{**proof, "proofValue": "z" + b58encode(signature)}]}


def _proofs(secured: dict) -> list[dict] | None:
    proofs = secured.get("proof")
    proofs = [proofs] if isinstance(proofs, dict) else proofs
    if not isinstance(proofs, list) or not proofs or not all(isinstance(proof, dict) for proof in proofs):
        return None
    return proofs


def _verify_one(unsecured: dict, proof: dict, public_key, *, legacy: bool) -> bool:
    cryptosuite = proof.get("cryptosuite")
    value = proof.get("proofValue")
    if proof.get("type") != "DataIntegrityProof" or cryptosuite not in CRYPTOSUITES \
            or proof.get("proofPurpose") != "assertionMethod" or not isinstance(value, str) \
            or not value.startswith("z"):
        return False
    options = {name: item for name, item in proof.items() if name != "proofValue"}
    document = unsecured
    if cryptosuite == RDFC:
        if "@context" in options:
            return False
        config = {**options, "@context": unsecured["@context"]} if "@context" in unsecured else options
        try:
            if dropped_terms(unsecured) or dropped_terms(config):
                return False  # something the proof does not cover
        except (ValueError, TypeError, KeyError, RecursionError, jsonld.JsonLdError):
            return False
    elif legacy:
        # Oqu before issue #23: hashed the document's @context into the proof configuration but
        # published the proof without it. Only Oqu's own verification accepts this form.
        if "@context" in options or "@context" not in unsecured:
            return False
        config = {**options, "@context": unsecured["@context"]}
    else:
        config = options
        if "@context" in options:
            published = options["@context"] if isinstance(options["@context"], list) else [options["@context"]]
            context = unsecured.get("@context")
            context = context if isinstance(context, list) else [context]
            if context[:len(published)] != published:
                return False
            document = {**unsecured, "@context": options["@context"]}
    try:
        public_key.verify(b58decode(value[1:]), _hash_data(document, config, cryptosuite))
    except (ValueError, TypeError, KeyError, RecursionError, InvalidSignature, jsonld.JsonLdError):
        return False  # a malformed document or proof (anything a stranger can send) is not verified
    return True


def verify_proofs(secured: dict, resolve, *, legacy: bool = False) -> bool:
    """Whether every proof of ``secured`` verifies with the key ``resolve(verificationMethod)``
    returns (an Ed25519 public key; it raises ``ValueError`` for a method it does not know).
    ``legacy``: check the pre-#23 Oqu form of eddsa-jcs-2022 instead of the Recommendation's."""
    proofs = _proofs(secured)
    if proofs is None:
        return False
    unsecured = {name: item for name, item in secured.items() if name != "proof"}
    for proof in proofs:
        try:
            public_key = resolve(str(proof.get("verificationMethod", "")))
        except ValueError:
            return False
        if not _verify_one(unsecured, proof, public_key, legacy=legacy):
            return False
    return True


def proof_methods(secured: dict) -> list[str]:
    """The verification methods the proofs name (empty if there are none)."""
    return [str(proof.get("verificationMethod", "")) for proof in _proofs(secured) or []]


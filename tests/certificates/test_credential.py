"""The signed credential (Open Badges 3.0 / VC 2.0, eddsa-jcs-2022), verified with independent
libraries: PyNaCl for Ed25519, ``jcs`` for RFC 8785 canonical JSON, ``base58`` for multibase."""
import copy
import hashlib
import os
import stat
from datetime import date

import base58
import jcs
import nacl.exceptions
import nacl.signing
import pytest

from lms.certificates import credential

from .test_hr import _token


@pytest.fixture
def certificate(world, course, make):
    return make.certificate(world.learner, course, issued_on=date(2026, 3, 5), valid_until=date(2028, 3, 5))


def independent_verify(document: dict) -> bool:
    """eddsa-jcs-2022 verification written from the W3C specification, sharing no code with lms."""
    proof = dict(document["proof"])
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    proof_value = proof.pop("proofValue")
    proof["@context"] = unsecured["@context"]
    hash_data = hashlib.sha256(jcs.canonicalize(proof)).digest() + hashlib.sha256(jcs.canonicalize(unsecured)).digest()
    did = proof["verificationMethod"].split("#")[0]
    key_bytes = base58.b58decode(did[len("did:key:z"):])
    assert key_bytes[:2] == b"\xed\x01"
    assert proof_value[0] == "z"
    try:
        nacl.signing.VerifyKey(key_bytes[2:]).verify(hash_data, base58.b58decode(proof_value[1:]))
    except nacl.exceptions.BadSignatureError:
        return False
    return unsecured["issuer"]["id"] == did


def _fetch(app, person, number):
    return app.test_client().get(f"/api/v1/certificates/{number}/credential", headers=_token(person))


def test_credential_is_an_open_badge_signed_and_verifiable(app, world, certificate):
    response = _fetch(app, world.learner, certificate.number)
    assert response.status_code == 200
    document = response.get_json()
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert document["validUntil"].startswith("2028-03-05") and document["validFrom"].startswith("2026-03-05")
    subject = document["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == world.learner.full_name
    assert subject["achievement"]["name"] == certificate.course.title_kk
    assert document["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert world.learner.iin not in response.get_data(as_text=True)
    assert independent_verify(document) and credential.verify(document)


@pytest.mark.parametrize("change", [
    lambda d: d["credentialSubject"]["identifier"][0].update(identityHash="Басқа Адам"),
    lambda d: d.update(validUntil="2099-01-01T00:00:00Z"),
    lambda d: d["proof"].update(created="2020-01-01T00:00:00Z"),
    lambda d: d["credentialSubject"]["achievement"].update(creditsAvailable=400),
])
def test_tampered_credential_fails(app, world, certificate, change):
    document = _fetch(app, world.learner, certificate.number).get_json()
    tampered = copy.deepcopy(document)
    change(tampered)
    assert not independent_verify(tampered) and not credential.verify(tampered)


def test_key_is_generated_once_private_and_reused(app, world, certificate):
    first = _fetch(app, world.learner, certificate.number).get_json()
    path = os.path.join(app.config["OQU_SETTINGS"].instance_path, credential.KEY_FILE)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    second = _fetch(app, world.admin, certificate.number).get_json()
    assert first["issuer"]["id"] == second["issuer"]["id"]


def test_credential_for_holder_their_hr_and_admin_only_and_not_when_revoked(app, world, certificate):
    from lms.certificates import services

    assert _fetch(app, world.hr, certificate.number).status_code == 200
    for person in (world.hr_b, world.colleague, world.instructor):
        assert _fetch(app, person, certificate.number).status_code == 403
    assert app.test_client().get(f"/api/v1/certificates/{certificate.number}/credential").status_code == 401
    services.revoke_certificate(world.admin, certificate, "ошибка")
    gone = _fetch(app, world.learner, certificate.number)
    assert gone.status_code == 410 and gone.get_json()["error"] == "revoked"

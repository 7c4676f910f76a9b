"""Oqu's credentials checked by verifiers Oqu did not write (tests/interop/verify.mjs): Digital
Bazaar's vc.js with the credential's cryptosuite and Bitstring Status List, the DCC's
verifier-core (eddsa-rdfc-2022), and 1EdTech's OB 3.0 JSON Schema (Ajv). Offline: the node script
gets the status list and DID document as the LMS publishes them, from files this test writes.
The packages come from npm at the versions package-lock.json pins (`make interop-deps`)."""
import copy
import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from lms.certificates import services

from ..certificates.test_hr import _token

pytestmark = pytest.mark.integration  # other verifiers run in Node.js
HERE = Path(__file__).parent


def _verify_elsewhere(client, tmp_path, cases: dict, *, did: str | None = None) -> dict:
    """Run the node verifiers on ``cases`` (name → credential) and return name → result."""
    assert (HERE / "node_modules" / "@digitalbazaar" / "vc").is_dir(), "run `make interop-deps` first"
    status = client.get("/api/v1/credentials/status/1")
    documents = {status.get_json()["id"]: status.get_json()}
    if did:
        documents[did] = client.get("/.well-known/did.json").get_json()
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(json.dumps({"documents": documents,
                                    "cases": [{"name": name, "credential": c} for name, c in cases.items()]}))
    run = subprocess.run(["node", str(HERE / "verify.mjs"), str(fixtures)], capture_output=True, text=True,
                         timeout=120, cwd=HERE)
    assert run.returncode == 0, run.stderr[-3000:]
    output = json.loads(run.stdout[run.stdout.index("{"):])
    assert set(output["requested"]) <= set(documents) | {
        "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"}
    return {result["name"]: result for result in output["results"]}


def _tampered(document: dict) -> dict:
    def change(path_change):
        copied = copy.deepcopy(document)
        path_change(copied)
        return copied

    def flip_byte(d):
        value = d["proof"][0]["proofValue"]
        d["proof"][0]["proofValue"] = value[:10] + ("3" if value[10] != "3" else "4") + value[11:]

    return {
        "name": change(lambda d: d["credentialSubject"].update(name="Басқа Адам")),
        "valid_until": change(lambda d: d.update(validUntil="2099-12-31T23:59:59Z")),
        "valid_from": change(lambda d: d.update(validFrom="2020-01-01T00:00:00Z")),
        "achievement": change(lambda d: d["credentialSubject"]["achievement"].update(name="Басқа курс")),
        "hours": change(lambda d: d["credentialSubject"]["achievement"].update(creditsAvailable=400)),
        "proof_byte": change(flip_byte),
    }


def _credential(app, person, number):
    response = app.test_client().get(f"/api/v1/certificates/{number}/credential", headers=_token(person),
                                     query_string={"name": "true"})
    assert response.status_code == 200
    return response.get_json()


def _check(app, client, world, course, make, tmp_path, *, suite: str, did: str | None = None):
    keep = make.certificate(world.learner, course, issued_on=date(2026, 3, 5), valid_until=date(2028, 3, 5))
    gone = make.certificate(world.colleague, course, issued_on=date(2026, 3, 5))
    fresh = _credential(app, world.learner, keep.number)
    revoked = _credential(app, world.colleague, gone.number)
    assert fresh["proof"][0]["cryptosuite"] == suite
    services.revoke_certificate(world.admin, gone, "ошибка в данных")

    results = _verify_elsewhere(client, tmp_path, {"fresh": fresh, "revoked": revoked, **_tampered(fresh)}, did=did)

    ok = results["fresh"]
    assert ok["digitalbazaar"]["verified"] is True, ok
    assert ok["digitalbazaar"]["revoked"] is False
    assert ok["schema"] == {"valid": True, "errors": []}
    assert results["revoked"]["digitalbazaar"]["proof"] is True
    assert results["revoked"]["digitalbazaar"]["revoked"] is True  # status checked: the bit is set
    for name in _tampered(fresh):
        assert results[name]["digitalbazaar"]["verified"] is False, (name, results[name])
        assert results[name]["digitalbazaar"]["proof"] is False, name
    return results


def test_eddsa_rdfc_2022_verified_by_digital_bazaar_and_the_dcc(app, client, world, course, make, tmp_path):
    results = _check(app, client, world, course, make, tmp_path, suite="eddsa-rdfc-2022")
    assert results["fresh"]["dcc"]["proof"] is True, results["fresh"]["dcc"]
    assert results["fresh"]["dcc"]["revoked"] is False and results["fresh"]["dcc"]["expired"] is False
    assert results["revoked"]["dcc"]["proof"] is True and results["revoked"]["dcc"]["revoked"] is True
    for name in ("name", "valid_until", "valid_from", "achievement", "hours", "proof_byte"):
        assert results[name]["dcc"]["proof"] is False, (name, results[name]["dcc"])


@pytest.mark.settings(credential_cryptosuite="eddsa-jcs-2022")
def test_eddsa_jcs_2022_verified_by_digital_bazaar(app, client, world, course, make, tmp_path):
    _check(app, client, world, course, make, tmp_path, suite="eddsa-jcs-2022")


def test_the_form_signed_before_issue_23_is_what_other_verifiers_rejected(app, client, world, course, make, tmp_path):
    """Why the fix: Oqu's old eddsa-jcs-2022 proofs fail at Digital Bazaar (Oqu's own page still
    accepts them, tests/certificates/test_credential.py)."""
    from ..certificates.test_credential import _pre_23_credential

    old = _pre_23_credential(make.certificate(world.learner, course))
    result = _verify_elsewhere(client, tmp_path, {"old": old})["old"]
    assert result["digitalbazaar"]["proof"] is False and result["digitalbazaar"]["error"] == "Invalid signature."


@pytest.mark.settings(credential_did="web", base_url="https://oqu.example.kz")
def test_did_web_issuer_verified_through_the_published_did_document(app, client, world, course, make, tmp_path):
    results = _check(app, client, world, course, make, tmp_path, suite="eddsa-rdfc-2022",
                     did="https://oqu.example.kz/.well-known/did.json")
    assert results["fresh"]["dcc"]["proof"] is True, results["fresh"]["dcc"]
    assert results["revoked"]["dcc"]["revoked"] is True

"""The credential in the browser: the holder downloads it (choosing whether it shows their name),
and anyone checks a credential file on the verification page — including one saved before the
certificate was revoked, and one signed before issue #23."""
import io
import json
from datetime import timedelta

import pytest

from lms import clock
from lms.certificates import services

from ..conftest import csrf_token, page_text, signed_in_client, translated
from .test_credential import _pre_23_credential

VALID = "The signature is valid: this file was issued by this system and has not been changed."
CHANGED = ("The signature does not match: the file was changed after it was issued, or it was not issued by "
           "this system.")
LEGACY = ("The signature is valid, but this file was issued before the credential format was updated, and other "
          "verifiers will not accept it. Download a fresh copy from “My certificates”.")
NOT_A_CREDENTIAL = ("This is not a credential file: choose the .json file downloaded from “My certificates”, "
                    "or paste its text.")


@pytest.fixture
def certificate(world, course, make):
    return make.certificate(world.learner, course, valid_until=clock.today() + timedelta(days=100))


def _download(browser, number, **query):
    response = browser.get(f"/certificates/{number}/credential", query_string=query)
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith(f'{number}.json"')
    return json.loads(response.get_data())


def _check(client, *, file: bytes | None = None, text: str = ""):
    data = {"csrf_token": csrf_token(client, "/verify/credential"), "text": text}
    if file is not None:
        data["file"] = (io.BytesIO(file), "credential.json")
    return client.post("/verify/credential", data=data, content_type="multipart/form-data")


def test_holder_downloads_the_credential_and_chooses_to_show_their_name(app, world, certificate):
    browser = signed_in_client(app, world.learner)
    mine = browser.get("/certificates")
    assert f"/certificates/{certificate.number}/credential" in mine.get_data(as_text=True)
    assert translated(app, "Show my name in it") in page_text(mine)
    assert "name" not in _download(browser, certificate.number)["credentialSubject"]
    assert _download(browser, certificate.number, name="1")["credentialSubject"]["name"] == world.learner.full_name
    hr = signed_in_client(app, world.hr)
    assert "name" not in _download(hr, certificate.number, name="1")["credentialSubject"]
    assert signed_in_client(app, world.colleague).get(f"/certificates/{certificate.number}/credential").status_code == 403


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_saved_credential_checks_valid_then_revoked(app, client, world, certificate, language):
    saved = json.dumps(_download(signed_in_client(app, world.learner), certificate.number)).encode()
    client.set_cookie("oqu_lang", language)
    text = page_text(_check(client, file=saved))
    assert translated(app, VALID, language) in text and translated(app, "This certificate is valid.", language) in text
    services.revoke_certificate(world.admin, certificate, "ошибка")
    text = page_text(_check(client, text=saved.decode()))
    assert translated(app, VALID, language) in text and 'class="certificate-status status-revoked"' in text
    assert translated(app, "Revoked", language) in text


def test_a_changed_credential_does_not_check(app, client, world, certificate):
    document = _download(signed_in_client(app, world.learner), certificate.number)
    document["credentialSubject"]["achievement"]["creditsAvailable"] = 999
    text = page_text(_check(client, text=json.dumps(document)))
    assert translated(app, CHANGED) in text and "certificate-status" not in text


def test_a_credential_signed_before_issue_23_still_checks_here(app, client, world, certificate):
    text = page_text(_check(client, file=json.dumps(_pre_23_credential(certificate)).encode()))
    assert translated(app, LEGACY) in text and translated(app, "This certificate is valid.") in text


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", json.dumps({"hello": "world"}).encode(),
                                 b"{" * 300_000])
def test_something_else_gets_a_translated_error(app, client, raw):
    response = _check(client, file=raw)
    assert response.status_code == 200
    text = page_text(response)
    assert translated(app, NOT_A_CREDENTIAL) in text or \
        translated(app, "The file is too large for a credential (at most %(size)s KB).", size=256) in text


@pytest.mark.parametrize("change", [
    lambda d: d.update({"@context": 5}),
    lambda d: d.update({"@context": ["https://example.org/unknown-context"]}),
    lambda d: d.update(proof="z"),
    lambda d: d.update(proof=[]),
    lambda d: d["proof"][0].update(proofValue="0OIl"),
    lambda d: d["proof"][0].update(verificationMethod=["did:key:z"]),
    lambda d: d["proof"][0].update(verificationMethod="did:web:evil.example#key-1"),
    lambda d: d["proof"][0].update(cryptosuite="eddsa-2022"),
    lambda d: d.update(issuer=[1, 2]),
    lambda d: d["credentialSubject"].update(score=float("inf")),
    lambda d: d.update(nested=json.loads("[" * 50 + "]" * 50)),
])
def test_a_malformed_credential_is_reported_invalid_not_an_error(app, client, world, certificate, change):
    document = _download(signed_in_client(app, world.learner), certificate.number)
    change(document)
    response = _check(client, text=json.dumps(document))
    assert response.status_code == 200 and translated(app, CHANGED) in page_text(response)


def test_deeply_nested_json_is_not_a_credential(app, client):
    text = page_text(_check(client, text="[" * 100_000))
    assert translated(app, NOT_A_CREDENTIAL) in text


def test_no_credential_download_once_revoked(app, world, certificate):
    services.revoke_certificate(world.admin, certificate, "ошибка")
    browser = signed_in_client(app, world.learner)
    assert f"/certificates/{certificate.number}/credential" not in browser.get("/certificates").get_data(as_text=True)
    assert browser.get(f"/certificates/{certificate.number}/credential").status_code == 410

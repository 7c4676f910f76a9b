"""One-time links sent by e-mail: invitations to set a first password, and password resets."""
from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from lms.accounts import services
from lms.accounts.models import User
from lms.extensions import db

from ..conftest import audit_events, page_text, post_form, signed_in_client, translated

NEW_PASSWORD = "brand-new-pass-9"


def sent_mail(app) -> list:
    return app.extensions.get("oqu_sent_mail", [])


def link_in(message) -> str:
    """The path of the one link in an e-mail."""
    match = re.search(r"https?://\S+", message.get_content())
    assert match, message.get_content()
    return urlsplit(match.group(0)).path


def set_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return post_form(client, path, {"password": password, "confirm": password if confirm is None else confirm},
                     page=path)


def can_sign_in(app, email: str, password: str) -> bool:
    response = post_form(app.test_client(), "/login", {"email": email, "password": password})
    return response.status_code == 302


def travel(monkeypatch, seconds: int) -> None:
    """Make one-time links believe ``seconds`` have passed since they were made."""
    now = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + seconds)


@pytest.fixture
def invited(app, world):
    """An admin creates a person with "send an invitation": returns (email, link path)."""
    admin = signed_in_client(app, world.admin)
    response = post_form(admin, "/admin/users/new", {
        "surname": "Шақырылған", "given_name": "Дана", "email": "dana@example.kz", "iin": "",
        "organisation_id": str(world.a1.id), "preferred_language": "", "invite": "y"}, page="/admin/users/new")
    assert response.status_code == 302, page_text(response)[:500]
    [message] = [m for m in sent_mail(app) if m["To"] == "dana@example.kz"]
    return "dana@example.kz", link_in(message)


# ----------------------------------------------------------------------------- invitations

def test_invitation_link_sets_a_password_once(app, invited):
    email, path = invited
    assert not can_sign_in(app, email, NEW_PASSWORD)
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200
    assert translated(app, "Welcome to Oqu, %(name)s", name="Дана") in page_text(page)

    response = set_password(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert can_sign_in(app, email, NEW_PASSWORD)

    again = app.test_client().get(path)
    assert again.status_code == 410
    assert translated(app, "This link has already been used.") in page_text(again)
    refused = set_password(app.test_client(), path, "another-pass-7")
    assert refused.status_code == 410
    assert can_sign_in(app, email, NEW_PASSWORD) and not can_sign_in(app, email, "another-pass-7")
    assert [e.details["via"] for e in audit_events("password_set")] == ["invitation"]


def test_invitation_mail_is_in_the_persons_language(app, world):
    person = world.learner
    person.preferred_language = "ru"
    services.invite_user(world.admin, person)
    [message] = sent_mail(app)
    assert message["To"] == person.email
    assert message["Subject"] == translated(app, "Invitation to Oqu", "ru")


def test_weak_or_mismatched_password_keeps_the_invitation_usable(app, invited):
    email, path = invited
    client = app.test_client()
    minimum = app.config["OQU_SETTINGS"].password_min_length
    short = set_password(client, path, "a1" * ((minimum - 1) // 2))
    assert short.status_code == 200
    assert translated(app, "The password must have at least %(n)d characters.", n=minimum) in page_text(short)
    letters_only = set_password(client, path, "onlylettershere")
    assert translated(app, "Use letters and at least one digit or symbol.") in page_text(letters_only)
    mismatch = set_password(client, path, NEW_PASSWORD, confirm=NEW_PASSWORD + "x")
    assert translated(app, "The passwords do not match.") in page_text(mismatch)
    assert set_password(client, path).status_code == 302
    assert can_sign_in(app, email, NEW_PASSWORD)


def test_expired_invitation_is_refused(app, invited, monkeypatch):
    email, path = invited
    days = app.config["OQU_SETTINGS"].invitation_days
    travel(monkeypatch, days * 86400 - 60)
    assert app.test_client().get(path).status_code == 200  # still valid a minute before expiry

    travel(monkeypatch, days * 86400 + 60)
    response = app.test_client().get(path)
    assert response.status_code == 410
    assert translated(app, "This invitation has expired. Ask your administrator for a new one.") \
        in page_text(response)
    assert set_password(app.test_client(), path).status_code == 410
    assert not can_sign_in(app, email, NEW_PASSWORD)


def test_tampered_link_is_refused(app, invited):
    _email, path = invited
    response = app.test_client().get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
    assert response.status_code == 410
    assert translated(app, "This link is not valid.") in page_text(response)


def test_invitation_token_does_not_work_as_a_reset_link(app, invited):
    _email, path = invited
    token = path.rsplit("/", 1)[1]
    assert app.test_client().get(f"/password/reset/{token}").status_code == 410


def test_invitation_of_a_deactivated_person_no_longer_works(app, world, invited):
    email, path = invited
    person = db.session.scalar(select(User).where(User.email == email))
    services.set_user_active(world.admin, person, False)
    response = app.test_client().get(path)
    assert response.status_code == 410
    assert translated(app, "This account has been deactivated. Contact your administrator.") in page_text(response)


# ----------------------------------------------------------------------------- password reset

def _request_reset(app, email: str):
    client = app.test_client()
    return post_form(client, "/password/forgot", {"email": email}, page="/password/forgot")


def test_password_reset_through_the_e_mailed_link(app, world):
    response = _request_reset(app, world.learner.email)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    [message] = sent_mail(app)
    assert message["To"] == world.learner.email
    path = link_in(message)
    assert path.startswith("/password/reset/")

    client = app.test_client()
    assert client.get(path).status_code == 200
    assert set_password(client, path).status_code == 302
    assert can_sign_in(app, world.learner.email, NEW_PASSWORD)
    assert not can_sign_in(app, world.learner.email, "correct-horse-7")
    assert app.test_client().get(path).status_code == 410  # works once
    assert [e.object_id for e in audit_events("password_reset_requested")] == [str(world.learner.id)]


def test_reset_request_says_the_same_whether_or_not_the_account_exists(app, world, make):
    inactive = make.user("learner", active=False)
    answers = []
    for email in (world.learner.email, "nobody@example.kz", inactive.email):
        client = app.test_client()
        post_form(client, "/password/forgot", {"email": email}, page="/password/forgot")
        answers.append(page_text(client.get("/login")))
    expected = translated(app, "If an account with this address exists, we have sent it a link to set a new "
                               "password.")
    assert all(expected in answer for answer in answers)
    assert [m["To"] for m in sent_mail(app)] == [world.learner.email]


def test_reset_link_expires(app, world, monkeypatch):
    _request_reset(app, world.learner.email)
    path = link_in(sent_mail(app)[0])
    travel(monkeypatch, app.config["OQU_SETTINGS"].password_reset_minutes * 60 + 60)
    response = app.test_client().get(path)
    assert response.status_code == 410
    assert translated(app, "This link has expired. Request a new one.") in page_text(response)

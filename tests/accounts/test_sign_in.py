"""Signing in and out, deactivated accounts (limits on guessing: test_throttling.py)."""
from __future__ import annotations

import re

from ..conftest import audit_events, page_text, post_form, signed_in_client, translated

WRONG = "wrong-password-1"


def attempt(client, email: str, password: str):
    return post_form(client, "/login", {"email": email, "password": password})


def error_message(response) -> str:
    match = re.search(r'<p class="flash flash-error"[^>]*>(.*?)</p>', page_text(response), re.S)
    assert match, "no error message on the page"
    return match.group(1).strip()


def is_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_right_password_signs_in_and_opens_the_dashboard(app, world, client):
    response = attempt(client, world.learner.email, "correct-horse-7")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert world.learner.given_name in page_text(dashboard)
    assert world.learner.last_login_at is not None


def test_email_is_matched_without_regard_to_case_and_spaces(app, world, client):
    response = attempt(client, f"  {world.learner.email.upper()} ", "correct-horse-7")
    assert response.status_code == 302
    assert is_signed_in(client)


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(app, world):
    client = app.test_client()
    asked = client.get("/account")
    assert asked.headers["Location"].startswith("/login?next=")
    response = post_form(client, asked.headers["Location"], {"email": world.learner.email,
                                                             "password": "correct-horse-7"})
    assert response.headers["Location"] == "/account"

    other = app.test_client()
    response = post_form(other, "/login?next=https://evil.example/", {"email": world.learner.email,
                                                                       "password": "correct-horse-7"})
    assert response.headers["Location"] == "/"
    other_slashes = app.test_client()
    response = post_form(other_slashes, "/login?next=//evil.example/", {"email": world.learner.email,
                                                                         "password": "correct-horse-7"})
    assert response.headers["Location"] == "/"


def test_wrong_password_is_refused(app, world, client):
    response = attempt(client, world.learner.email, WRONG)
    assert response.status_code == 401
    assert error_message(response) == translated(app, "The e-mail or password is incorrect.")
    assert not is_signed_in(client)


def test_unknown_email_and_wrong_password_get_the_same_answer(app, world):
    unknown = attempt(app.test_client(), "nobody@example.kz", WRONG)
    wrong = attempt(app.test_client(), world.learner.email, WRONG)
    assert unknown.status_code == wrong.status_code == 401
    assert error_message(unknown) == error_message(wrong)


def test_deactivated_person_cannot_sign_in(app, world, make, client):
    person = make.user("learner", active=False)
    response = attempt(client, person.email, "correct-horse-7")
    assert response.status_code == 401
    assert error_message(response) == translated(
        app, "This account has been deactivated. Contact your administrator.")
    assert not is_signed_in(client)
    # a wrong password says nothing about the account's state
    assert error_message(attempt(client, person.email, WRONG)) == translated(
        app, "The e-mail or password is incorrect.")


def test_session_of_a_person_stops_working_when_they_are_deactivated(app, world):
    learner = signed_in_client(app, world.learner)
    assert is_signed_in(learner)
    admin = signed_in_client(app, world.admin)
    response = post_form(admin, f"/admin/users/{world.learner.id}/deactivate", page="/account")
    assert response.status_code == 302
    page = learner.get("/account")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert learner.get("/").status_code == 302


def test_sign_out_ends_the_session(app, world):
    client = signed_in_client(app, world.learner)
    response = post_form(client, "/logout", page="/account")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not is_signed_in(client)
    assert [e.actor_id for e in audit_events("sign_out")] == [world.learner.id]


def test_signed_in_person_opening_the_sign_in_page_goes_to_the_dashboard(app, world):
    client = signed_in_client(app, world.learner)
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_password_is_stored_hashed(app, world):
    assert "correct-horse-7" not in (world.learner.password_hash or "")
    assert world.learner.password_hash.startswith("$argon2id$")


def test_change_password_needs_the_current_one(app, world):
    client = signed_in_client(app, world.learner)
    refused = post_form(client, "/account", {"pw-current": WRONG, "pw-password": "new-secret-42",
                                             "pw-confirm": "new-secret-42"}, page="/account")
    assert refused.status_code == 200
    assert translated(app, "The current password is incorrect.") in page_text(refused)
    changed = post_form(client, "/account", {"pw-current": "correct-horse-7", "pw-password": "new-secret-42",
                                             "pw-confirm": "new-secret-42"}, page="/account")
    assert changed.status_code == 302
    assert attempt(app.test_client(), world.learner.email, "correct-horse-7").status_code == 401
    assert attempt(app.test_client(), world.learner.email, "new-secret-42").status_code == 302

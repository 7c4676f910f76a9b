"""Personal API tokens: made on the account page or with ``lms create-token``, sent as
``Authorization: Bearer``, stored only as a hash, dead once revoked or once the owner is deactivated."""
from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from lms.accounts import services
from lms.accounts.models import ApiToken
from lms.extensions import db

from ..conftest import page_text, post_form, signed_in_client, translated

UNAUTHORIZED = "Sign in with a valid API token (Authorization: Bearer …)."


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def token_from_account_page(app, person, name: str = "my script") -> str:
    client = signed_in_client(app, person)
    response = post_form(client, "/account/tokens", {"name": name}, page="/account/tokens")
    assert response.status_code == 200
    match = re.search(r'data-testid="new-token">([^<]+)<', response.get_data(as_text=True))
    assert match, "the new token is not shown"
    return match.group(1)


def me(app, secret: str | None, **headers):
    if secret is not None:
        headers.update(bearer(secret))
    return app.test_client().get("/api/v1/me", headers=headers)


def assert_unauthorized(app, response, language: str = "kk") -> None:
    assert response.status_code == 401
    assert response.is_json
    assert response.get_json() == {"error": "unauthorized", "message": translated(app, UNAUTHORIZED, language)}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_made_on_the_account_page_opens_the_api(app, world):
    secret = token_from_account_page(app, world.learner)
    response = me(app, secret)
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == world.learner.email
    assert body["iin"] == world.learner.iin  # one's own full IIN
    assert body["roles"] == ["learner"]
    assert body["organisation"]["code"] == world.a1.code
    assert "password_hash" not in body


def test_token_is_shown_once(app, world):
    client = signed_in_client(app, world.learner)
    response = post_form(client, "/account/tokens", {"name": "once"}, page="/account/tokens")
    secret = re.search(r'data-testid="new-token">([^<]+)<', response.get_data(as_text=True)).group(1)
    again = page_text(client.get("/account/tokens"))
    assert secret not in again
    assert secret[:12] in again  # its beginning, to recognise it by


def test_cli_create_token_prints_a_working_token(app, world):
    result = app.test_cli_runner().invoke(args=["lms", "create-token", world.hr.email.upper(), "--name", "export"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("oqu_")
    body = me(app, secret).get_json()
    assert body["email"] == world.hr.email and body["roles"] == ["hr"]
    token = db.session.scalar(select(ApiToken))
    assert token.name == "export" and token.user_id == world.hr.id


def test_cli_create_token_refuses_unknown_and_deactivated_people(app, world, make):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["lms", "create-token", "nobody@example.kz"])
    assert unknown.exit_code == 1 and "nobody@example.kz" in unknown.stderr
    inactive = make.user("learner", active=False)
    refused = runner.invoke(args=["lms", "create-token", inactive.email])
    assert refused.exit_code == 1 and refused.stdout == ""
    assert db.session.scalar(select(ApiToken)) is None


def test_revoked_token_is_refused_with_the_json_error(app, world):
    secret = token_from_account_page(app, world.learner)
    assert me(app, secret).status_code == 200
    client = signed_in_client(app, world.learner)
    token = db.session.scalar(select(ApiToken))
    response = post_form(client, f"/account/tokens/{token.id}/revoke", page="/account/tokens")
    assert response.status_code == 302
    assert_unauthorized(app, me(app, secret))


def test_nobody_can_revoke_another_persons_token_through_the_page(app, world):
    secret = token_from_account_page(app, world.learner)
    token = db.session.scalar(select(ApiToken))
    other = signed_in_client(app, world.admin)
    assert post_form(other, f"/account/tokens/{token.id}/revoke", page="/account/tokens").status_code == 404
    assert me(app, secret).status_code == 200


def test_missing_malformed_or_unknown_tokens_are_refused(app, world):
    secret = token_from_account_page(app, world.learner)
    assert_unauthorized(app, me(app, None))
    assert_unauthorized(app, me(app, None, Authorization=f"Token {secret}"))
    assert_unauthorized(app, me(app, None, Authorization=f"Basic {secret}"))
    assert_unauthorized(app, me(app, secret[:-1] + ("A" if secret[-1] != "A" else "B")))
    assert_unauthorized(app, me(app, secret[len("oqu_"):]))
    assert_unauthorized(app, me(app, "oqu_"))
    assert me(app, None, Authorization=f"bearer   {secret}").status_code == 200  # scheme is case-insensitive


def test_tokens_are_stored_only_as_a_hash(app, world):
    secret = token_from_account_page(app, world.learner)
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    everything = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            everything.extend(repr(tuple(row)) for row in connection.execute(table.select()))
    dump = "\n".join(everything)
    assert secret not in dump
    assert secret[len("oqu_"):] not in dump
    assert secret[:12] in dump  # only the short prefix, to recognise the token by


def test_deactivated_persons_token_stops_working_and_stays_dead(app, world):
    _token, secret = services.create_api_token(world.learner, world.learner, "robot")
    assert me(app, secret).status_code == 200
    services.set_user_active(world.admin, world.learner, False)
    assert_unauthorized(app, me(app, secret))
    services.set_user_active(world.admin, world.learner, True)
    assert_unauthorized(app, me(app, secret))  # deactivation revoked it; reactivation does not revive it


def test_session_cookie_alone_does_not_authenticate_the_api(app, world):
    client = signed_in_client(app, world.learner)
    assert client.get("/account").status_code == 200
    assert_unauthorized(app, client.get("/api/v1/me"))


def test_unauthorized_message_is_in_russian_when_asked(app, world):
    assert_unauthorized(app, me(app, None, **{"Accept-Language": "ru-RU,ru;q=0.9"}), "ru")
    assert_unauthorized(app, me(app, None), "kk")


def test_token_last_use_is_recorded(app, world):
    secret = token_from_account_page(app, world.learner)
    assert db.session.scalar(select(ApiToken)).last_used_at is None
    me(app, secret)
    assert db.session.scalar(select(ApiToken)).last_used_at is not None


@pytest.mark.parametrize("role", ["learner", "instructor", "hr", "admin"])
def test_each_token_answers_for_its_own_owner(app, world, role):
    person = getattr(world, role)
    _token, secret = services.create_api_token(person, person, role)
    assert me(app, secret).get_json()["email"] == person.email

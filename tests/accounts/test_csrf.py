"""Forms refuse a POST without the session's CSRF token: the page says the form expired and
nothing changes. Each case is also sent with the right token, to show the same request does
work and the refusal is the token's doing."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest
from sqlalchemy import func, select

from lms.accounts.models import ApiToken, User
from lms.extensions import db

from ..conftest import audit_events, csrf_token, page_text, sign_in, translated


@dataclass
class Case:
    url: str
    actor: str | None  # role of the world's person who is signed in, None for a visitor
    data: Callable[[object], dict]
    changed: Callable[[object, object], bool]  # (world, client) → did the action take effect?


def _signed_in(world, client) -> bool:
    return client.get("/account").status_code == 200


CASES = {
    "login": Case(
        "/login", None,
        lambda w: {"email": w.learner.email, "password": "correct-horse-7"},
        lambda w, client: _signed_in(w, client) or bool(audit_events("sign_in"))),
    "language": Case(
        "/language", "learner",
        lambda w: {"language": "ru", "next": "/account"},
        lambda w, client: db.session.get(User, w.learner.id).preferred_language == "ru"),
    "logout": Case(
        "/logout", "learner",
        lambda w: {},
        lambda w, client: not _signed_in(w, client)),
    "new_user": Case(
        "/admin/users/new", "admin",
        lambda w: {"surname": "Жаңаұлы", "given_name": "Арман", "email": "new.person@example.kz",
                   "organisation_id": str(w.a.id), "preferred_language": "", "iin": ""},
        lambda w, client: db.session.scalar(
            select(func.count()).select_from(User).where(User.email == "new.person@example.kz")) == 1),
    "token": Case(
        "/account/tokens", "learner",
        lambda w: {"name": "robot"},
        lambda w, client: db.session.scalar(select(func.count()).select_from(ApiToken)) == 1),
}


def _other_sessions_token(app) -> str:
    return csrf_token(app.test_client(), "/login")


TOKENS = {
    "missing": lambda app, client: None,
    "garbage": lambda app, client: "IjE2YmU0Y2Q5In0.not-a-token",
    "from_another_session": lambda app, client: _other_sessions_token(app),
}


def _prepare(app, world, case: Case):
    client = app.test_client()
    if case.actor:
        sign_in(client, getattr(world, case.actor))
    client.get("/password/forgot")  # a page with a form: the session now holds a CSRF secret
    return client


@pytest.mark.parametrize("token_kind", sorted(TOKENS))
@pytest.mark.parametrize("case_name", sorted(CASES))
def test_post_without_the_right_csrf_token_is_refused_and_changes_nothing(app, world, case_name, token_kind):
    case = CASES[case_name]
    client = _prepare(app, world, case)
    data = case.data(world)
    token = TOKENS[token_kind](app, client)
    if token is not None:
        data["csrf_token"] = token
    events_before = len(audit_events())

    response = client.post(case.url, data=data)

    assert response.status_code == 400
    assert translated(app, "The form has expired") in page_text(response)
    assert "oqu_lang=" not in response.headers.get("Set-Cookie", "")
    assert not case.changed(world, client)
    assert len(audit_events()) == events_before


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_same_post_with_the_right_csrf_token_is_accepted(app, world, case_name):
    case = CASES[case_name]
    client = _prepare(app, world, case)
    data = {**case.data(world), "csrf_token": csrf_token(client, "/password/forgot")}
    response = client.post(case.url, data=data)
    assert response.status_code in (200, 302), page_text(response)[:300]
    assert case.changed(world, client)

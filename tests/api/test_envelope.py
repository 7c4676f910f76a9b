"""The JSON API's health check, its one error envelope, its language, and its guard on every route."""
from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from lms import create_app
from lms.accounts import services

from ..conftest import translated

UNAUTHORIZED = "Sign in with a valid API token (Authorization: Bearer …)."

# API routes anyone may call without a token. Every other API route must answer 401 without one.
PUBLIC_API = {"api.health", "api.ping", "api.openapi", "api.certificate_status", "api.credential_status_list"}


def api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")]


def sample_url(rule) -> str:
    """The rule with every variable filled in with a harmless value."""
    def value(match):
        converter = match.group(1) or ""
        if converter.startswith("int"):
            return "1"
        if converter.startswith("any("):
            return converter[4:].split(",")[0].strip(" )'\"")
        return "x"
    return re.sub(r"<(?:([^:<>]+):)?[^<>]+>", value, rule.rule)


# ----------------------------------------------------------------------------- health

def test_health_answers_without_authentication(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["database"] == "ok"
    parts = {name: state for name, state in body.items() if name != "status"}
    assert set(parts.values()) <= {"ok", "down"}
    assert body["status"] == ("ok" if all(state == "ok" for state in parts.values()) else "degraded")


def test_health_reports_a_database_that_is_down(tmp_path):
    app = create_app({"env": "testing", "instance_path": str(tmp_path / "instance"), "secret_key": "t" * 40,
                      "database_url": f"sqlite:///{tmp_path / 'missing-folder' / 'oqu.db'}"})
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json()["database"] == "down"
    assert response.get_json()["status"] == "degraded"


# ----------------------------------------------------------------------------- the envelope

def test_unknown_api_address_answers_404_in_the_json_envelope(app, client):
    response = client.get("/api/v1/xyz")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json() == {"error": "not_found", "message": translated(app, "Not found.")}


def test_wrong_method_answers_405_in_the_json_envelope(app, client):
    response = client.post("/api/v1/health")
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"


def test_api_needs_no_csrf_token_but_pages_still_do(app, world, client):
    _token, secret = services.create_api_token(world.learner, world.learner, "robot")
    response = client.post("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 405  # reached the routing, not refused as a form without a token
    assert client.post("/account/tokens", data={"name": "x"}).status_code in (302, 400)


def test_every_api_route_without_a_token_is_refused_unless_public(app):
    client = app.test_client()
    problems = []
    for rule in api_rules(app):
        url = sample_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, json={} if method != "GET" else None)
            if rule.endpoint in PUBLIC_API:
                if response.status_code in (401, 403):
                    problems.append(f"{method} {url}: public route answered {response.status_code}")
            elif response.status_code != 401 or (response.get_json() or {}).get("error") != "unauthorized":
                problems.append(f"{method} {url} ({rule.endpoint}): expected 401 unauthorized, "
                                f"got {response.status_code}")
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------------------- language of messages

def test_error_message_is_in_the_callers_language_with_the_real_catalogs(app, client):
    kazakh = client.get("/api/v1/me").get_json()["message"]
    russian = client.get("/api/v1/me", headers={"Accept-Language": "ru"}).get_json()["message"]
    assert kazakh == translated(app, UNAUTHORIZED, "kk")
    assert russian == translated(app, UNAUTHORIZED, "ru")


def test_error_message_follows_the_language_through_gettext(app, tmp_path):
    """The real catalogs are being translated by others, so this test installs its own tiny ones:
    it proves the API message goes through gettext in the caller's language, whatever the state of
    translations/."""
    for language, text in (("kk", "ЖСН токенін көрсетіңіз"), ("ru", "Укажите действительный API-токен")):
        catalog = Catalog(locale=language)
        catalog.add(UNAUTHORIZED, text)
        catalog.add("Not found.", f"[{language}] not found")
        folder = tmp_path / "translations" / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with open(folder / "messages.mo", "wb") as handle:
            write_mo(handle, catalog)
    babel = app.extensions["babel"]
    babel.translation_directories = [str(tmp_path / "translations")]
    babel.instance.domain_instance.cache.clear()

    client = app.test_client()
    assert client.get("/api/v1/me").get_json()["message"] == "ЖСН токенін көрсетіңіз"
    assert client.get("/api/v1/me", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}).get_json()["message"] \
        == "Укажите действительный API-токен"
    assert client.get("/api/v1/nothing", headers={"Accept-Language": "ru"}).get_json()["message"] == "[ru] not found"
    latin = client.get("/api/v1/nothing", headers={"Cookie": "oqu_lang=kk-Latn"}).get_json()["message"]
    assert latin == "[kk] not found"


@pytest.mark.parametrize("header, language", [("ru", "ru"), ("kk-KZ", "kk"), ("en-US", "kk"), (None, "kk")])
def test_api_answers_say_which_language_they_are_in(client, header, language):
    headers = {"Accept-Language": header} if header else {}
    assert client.get("/api/v1/me", headers=headers).headers["Content-Language"] == language

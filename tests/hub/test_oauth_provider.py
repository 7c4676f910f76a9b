"""The LMS as the hub's OAuth2 provider, exercised the way oauthenticator calls it (no hub needed):
authorization code + S256 PKCE, client_secret_post, exact redirect URI, single-use codes."""
from __future__ import annotations

import base64
import hashlib
import re
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import func, select, update

from lms.extensions import db
from lms.hub.models import HubAccount, OAuthAuthorizationCode, OAuthToken
from lms.learning.models import EnrolmentStatus
from lms.utils import utcnow

from .. import factories
from ..conftest import audit_events, page_text, signed_in_client, translated
from .conftest import enrol, make_course


@pytest.fixture
def app_overrides():
    """No hub is needed here: it is pointed at a closed port."""
    return {"hub_url": "http://127.0.0.1:9", "hub_api_url": "http://127.0.0.1:9/hub/api", "queue_url": "memory://"}


@pytest.fixture
def hub_client(app):
    """The registered client's settings (id, secret, redirect URI), as the hub holds them."""
    return app.config["OQU_SETTINGS"]


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(settings, challenge: str | None, *, redirect_uri: str | None = None, method: str | None = "S256",
                  client_id: str | None = None) -> str:
    params = {"response_type": "code", "client_id": client_id or settings.hub_client_id,
              "redirect_uri": redirect_uri or settings.hub_callback_url, "scope": "notebooks", "state": "xyz"}
    if challenge is not None:
        params["code_challenge"] = challenge
    if method is not None:
        params["code_challenge_method"] = method
    return "/oauth/authorize?" + urlencode(params)


def get_code(client, settings, challenge: str) -> str:
    response = client.get(authorize_url(settings, challenge))
    assert response.status_code == 302, page_text(response)[:400]
    location = response.headers["Location"]
    assert location.startswith(settings.hub_callback_url + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def exchange(client, settings, code: str, verifier: str | None, *, secret: str | None = None, basic: bool = False):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": settings.hub_callback_url}
    headers = {}
    if basic:
        raw = f"{settings.hub_client_id}:{settings.hub_client_secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
    else:
        data.update(client_id=settings.hub_client_id, client_secret=secret or settings.hub_client_secret)
    if verifier is not None:
        data["code_verifier"] = verifier
    return client.post("/oauth/token", data=data, headers=headers)


@pytest.fixture
def enrolled(app):
    course = make_course()
    person = factories.user("learner")
    enrol(person, course)
    return person


def codes_issued() -> int:
    return db.session.scalar(select(func.count()).select_from(OAuthAuthorizationCode))


def test_full_flow_issues_a_token_and_userinfo_without_personal_data(app, enrolled, hub_client):
    settings = hub_client
    browser = signed_in_client(app, enrolled)
    verifier, challenge = pkce_pair()
    code = get_code(browser, settings, challenge)
    hub = app.test_client()  # the hub's own server-to-server calls carry no cookies
    response = exchange(hub, settings, code, verifier)
    assert response.status_code == 200, response.get_json()
    token = response.get_json()
    assert token["token_type"].lower() == "bearer" and token["scope"] == "notebooks"
    assert "refresh_token" not in token
    info = hub.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}).get_json()
    account = db.session.scalar(select(HubAccount).where(HubAccount.user_id == enrolled.id))
    assert info == {"sub": account.username, "preferred_username": account.username, "name": enrolled.full_name,
                    "groups": ["course-ai-basics"]}
    assert re.fullmatch(r"u[0-9a-f]{12}", account.username)  # random: no IIN, e-mail, name or database id
    # Stored as digests only.
    assert db.session.scalar(select(OAuthToken.token_hash)) != token["access_token"]
    assert db.session.scalar(select(OAuthAuthorizationCode.code_hash)) != code
    assert [e.object_id for e in audit_events("hub_sign_in")] == [str(enrolled.id)]


def test_hub_username_is_stable_across_sign_ins(app, enrolled, hub_client):
    browser = signed_in_client(app, enrolled)
    names = set()
    for _ in range(2):
        verifier, challenge = pkce_pair()
        token = exchange(app.test_client(), hub_client, get_code(browser, hub_client, challenge), verifier).get_json()
        info = app.test_client().get("/oauth/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"})
        names.add(info.get_json()["preferred_username"])
    assert len(names) == 1


def test_unregistered_redirect_uri_is_refused_without_redirecting(app, enrolled, hub_client):
    browser = signed_in_client(app, enrolled)
    _, challenge = pkce_pair()
    for uri in ("https://evil.example/hub/oauth_callback", hub_client.hub_callback_url + "/",
                hub_client.hub_callback_url + "?x=1", hub_client.hub_callback_url.upper()):
        response = browser.get(authorize_url(hub_client, challenge, redirect_uri=uri))
        assert response.status_code == 400
        assert "Location" not in response.headers
        assert translated(app, "Sign-in request refused") in page_text(response)
    assert codes_issued() == 0


def test_unknown_client_is_refused(app, enrolled, hub_client):
    browser = signed_in_client(app, enrolled)
    _, challenge = pkce_pair()
    response = browser.get(authorize_url(hub_client, challenge, client_id="other-app"))
    assert response.status_code == 400 and "Location" not in response.headers
    assert codes_issued() == 0


@pytest.mark.parametrize("challenge, method", [(None, None), (None, "S256"), ("c" * 43, None), ("c" * 43, "plain")])
def test_authorization_without_s256_pkce_is_refused(app, enrolled, hub_client, challenge, method):
    browser = signed_in_client(app, enrolled)
    response = browser.get(authorize_url(hub_client, challenge, method=method))
    assert response.status_code == 400
    assert codes_issued() == 0


def test_reused_code_is_refused_and_the_token_it_gave_is_revoked(app, enrolled, hub_client):
    browser = signed_in_client(app, enrolled)
    verifier, challenge = pkce_pair()
    code = get_code(browser, hub_client, challenge)
    hub = app.test_client()
    first = exchange(hub, hub_client, code, verifier)
    assert first.status_code == 200
    access = first.get_json()["access_token"]
    assert hub.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access}"}).status_code == 200

    again = exchange(hub, hub_client, code, verifier)
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    assert hub.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access}"}).status_code == 401


def test_missing_or_wrong_pkce_verifier_is_refused(app, enrolled, hub_client):
    browser = signed_in_client(app, enrolled)
    hub = app.test_client()
    _, challenge = pkce_pair()
    missing = exchange(hub, hub_client, get_code(browser, hub_client, challenge), None)
    assert missing.status_code == 400 and missing.get_json()["error"] == "invalid_request"
    other_verifier, _ = pkce_pair()
    wrong = exchange(hub, hub_client, get_code(browser, hub_client, challenge), other_verifier)
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_grant"
    assert db.session.scalar(select(func.count()).select_from(OAuthToken)) == 0


def test_token_endpoint_requires_the_client_secret_in_the_form(app, enrolled, hub_client):
    browser = signed_in_client(app, enrolled)
    hub = app.test_client()
    verifier, challenge = pkce_pair()
    wrong = exchange(hub, hub_client, get_code(browser, hub_client, challenge), verifier, secret="not-the-secret")
    assert wrong.status_code in (400, 401) and wrong.get_json()["error"] == "invalid_client"
    basic = exchange(hub, hub_client, get_code(browser, hub_client, challenge), verifier, basic=True)
    assert basic.status_code in (400, 401) and basic.get_json()["error"] == "invalid_client"


def test_expired_code_is_refused(app, enrolled, hub_client):
    browser = signed_in_client(app, enrolled)
    verifier, challenge = pkce_pair()
    code = get_code(browser, hub_client, challenge)
    db.session.execute(update(OAuthAuthorizationCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = exchange(app.test_client(), hub_client, code, verifier)
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"


def test_person_without_a_notebook_course_is_told_why_and_gets_no_code(app, hub_client):
    lessons_only = make_course("ethics", notebooks=False)
    person = factories.user("learner")
    enrol(person, lessons_only)
    withdrawn = factories.user("learner")
    enrol(withdrawn, make_course("python", notebooks=True), EnrolmentStatus.withdrawn)
    for who in (person, withdrawn, factories.user("hr")):
        browser = signed_in_client(app, who)
        _, challenge = pkce_pair()
        browser.set_cookie("oqu_lang", "ru")
        response = browser.get(authorize_url(hub_client, challenge))
        assert response.status_code == 403
        assert "Location" not in response.headers
        text = page_text(response)
        assert translated(app, "Notebooks are not open to you yet", "ru") in text
    assert codes_issued() == 0


def test_an_administrator_signs_in_for_the_authoring_notebook_only(app, hub_client):
    """Issue #18: instructors and admins author in their own JupyterLab. An admin who holds no notebook
    course signs in with no course group; the hub's spawn check gives them the authoring server only."""
    from lms.hub.access import spawn_refusal

    make_course("python")
    admin = factories.user("admin")
    browser = signed_in_client(app, admin)
    verifier, challenge = pkce_pair()
    token = exchange(app.test_client(), hub_client, get_code(browser, hub_client, challenge), verifier).get_json()
    info = app.test_client().get("/oauth/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert info.status_code == 200 and info.get_json()["groups"] == []
    name = info.get_json()["preferred_username"]
    assert spawn_refusal(name, "cpu", "authoring") is None
    assert spawn_refusal(name, "cpu") is not None  # no course server
    assert spawn_refusal(name, "gpu", "authoring") is not None


def test_instructor_may_sign_in_with_a_group_for_every_notebook_course(app, hub_client):
    make_course("python")
    make_course("ml", notebooks=True)
    make_course("ethics", notebooks=False)
    instructor = factories.user("instructor")
    browser = signed_in_client(app, instructor)
    verifier, challenge = pkce_pair()
    token = exchange(app.test_client(), hub_client, get_code(browser, hub_client, challenge), verifier).get_json()
    info = app.test_client().get("/oauth/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert info.get_json()["groups"] == ["course-ml", "course-python"]


def test_anonymous_visitor_signs_in_to_the_lms_first_and_comes_back(app, enrolled, hub_client):
    browser = app.test_client()
    _, challenge = pkce_pair()
    url = authorize_url(hub_client, challenge)
    response = browser.get(url)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    next_url = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    assert urlsplit(next_url).path == "/oauth/authorize"
    assert parse_qs(urlsplit(next_url).query) == parse_qs(urlsplit(url).query)
    from ..conftest import post_form

    response = post_form(browser, "/login?" + urlencode({"next": next_url}),
                         {"email": enrolled.email, "password": factories.PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == next_url
    assert browser.get(next_url).headers["Location"].startswith(hub_client.hub_callback_url + "?code=")


def test_userinfo_needs_a_valid_token(app, enrolled):
    client = app.test_client()
    assert client.get("/oauth/userinfo").status_code == 401
    assert client.get("/oauth/userinfo", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_userinfo_refuses_a_person_who_lost_access(app, enrolled, hub_client):
    browser = signed_in_client(app, enrolled)
    verifier, challenge = pkce_pair()
    token = exchange(app.test_client(), hub_client, get_code(browser, hub_client, challenge), verifier).get_json()
    from lms.learning.models import Enrolment

    db.session.execute(update(Enrolment).values(status=EnrolmentStatus.withdrawn))
    db.session.commit()
    response = app.test_client().get("/oauth/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert response.status_code == 403


def test_openid_scope_adds_an_id_token_with_the_userinfo_claims(app, enrolled, hub_client):
    from joserfc import jwt
    from joserfc.jwk import OctKey

    browser = signed_in_client(app, enrolled)
    verifier, challenge = pkce_pair()
    url = authorize_url(hub_client, challenge).replace("scope=notebooks", "scope=openid+notebooks") + "&nonce=n-0S6"
    response = browser.get(url)
    assert response.status_code == 302, page_text(response)[:300]
    code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]
    token = exchange(app.test_client(), hub_client, code, verifier).get_json()
    assert set(token["scope"].split()) == {"openid", "notebooks"}
    claims = jwt.decode(token["id_token"], OctKey.import_key(hub_client.hub_client_secret), ["HS256"]).claims
    account = db.session.scalar(select(HubAccount).where(HubAccount.user_id == enrolled.id))
    assert claims["iss"] == hub_client.base_url and claims["aud"] == [hub_client.hub_client_id]
    assert claims["nonce"] == "n-0S6" and claims["sub"] == account.username
    assert claims["groups"] == ["course-ai-basics"] and claims["exp"] > claims["iat"]
    # Without "openid" there is no id_token (plain OAuth2, as the hub is configured).
    verifier, challenge = pkce_pair()
    plain = exchange(app.test_client(), hub_client, get_code(browser, hub_client, challenge), verifier).get_json()
    assert "id_token" not in plain and plain["scope"] == "notebooks"


def test_discovery_document_describes_the_provider(app, hub_client):
    document = app.test_client().get("/.well-known/openid-configuration").get_json()
    assert document["issuer"] == hub_client.base_url
    assert document["authorization_endpoint"] == hub_client.base_url + "/oauth/authorize"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["token_endpoint_auth_methods_supported"] == ["client_secret_post"]

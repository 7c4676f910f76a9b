"""The LMS as JupyterHub's OAuth2 provider (Authlib).

One registered client, the hub, built from the settings: its id, its secret (sent in the form body,
``client_secret_post``, as oauthenticator does), and exactly one redirect URI compared byte for
byte. Authorization code grant only; PKCE with S256 is required (Authlib's own ``CodeChallenge``
would accept ``plain`` and skip PKCE for a client with a secret). Codes live 60 seconds and are
claimed by one conditional UPDATE, so a replayed code fails and the tokens issued from it are
revoked. Consent is implicit for this one client; people who may not use notebooks are stopped at
the authorization endpoint with an explanation, and never get a code.

OpenID Connect: with the ``openid`` scope the token response also carries an ``id_token`` (HS256,
signed with the client secret, OIDC Core §10.1, so no extra key to manage) holding the same claims as
``/oauth/userinfo``; ``/.well-known/openid-configuration`` describes the provider.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import timedelta

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error  # noqa: F401 — the views catch it from here
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import OctKey
from flask import current_app
from sqlalchemy import select, update

from .. import signals
from ..accounts.models import User
from ..extensions import db
from ..utils import utcnow
from .models import OAuthAuthorizationCode, OAuthToken

log = logging.getLogger(__name__)

SCOPE = "notebooks"  # "may use the notebook hub": granted to every code this provider issues
SCOPES = ("openid", SCOPE)
CODE_LIFETIME = timedelta(seconds=60)
TOKEN_LIFETIME = timedelta(minutes=10)  # the hub reads the userinfo once, right after the exchange


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class HubOAuthClient(ClientMixin):
    """The hub as an OAuth client, registered through the settings."""

    def __init__(self, settings):
        self.client_id = settings.hub_client_id
        self._secret = settings.hub_client_secret
        self.redirect_uri = settings.hub_callback_url

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uri

    def get_allowed_scope(self, scope):
        requested = set((scope or "").split())
        return " ".join(s for s in SCOPES if s in requested or s == SCOPE)

    def check_redirect_uri(self, redirect_uri):
        return hmac.compare_digest(redirect_uri.encode(), self.redirect_uri.encode())

    def check_client_secret(self, client_secret):
        return bool(client_secret) and hmac.compare_digest(client_secret.encode(), self._secret.encode())

    @property
    def secret(self) -> str:
        return self._secret

    def check_endpoint_auth_method(self, method, endpoint):
        return endpoint == "token" and method == "client_secret_post"

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"  # no refresh tokens: hub sessions stay simple


def query_client(client_id):
    settings = current_app.config["OQU_SETTINGS"]
    if client_id and hmac.compare_digest(str(client_id).encode(), settings.hub_client_id.encode()):
        return HubOAuthClient(settings)
    return None


def save_token(token, request):
    """Store the access token's digest and record the hub sign-in."""
    from .services import hub_account

    user = request.user
    code = request.authorization_code
    account = hub_account(user)  # the hub name the userinfo will give
    now = utcnow()
    account.last_sign_in_at = now
    db.session.add(OAuthToken(token_hash=digest(token["access_token"]), client_id=request.client.get_client_id(),
                              user_id=user.id, code_id=code.id, scope=token.get("scope", ""), issued_at=now,
                              expires_at=now + timedelta(seconds=int(token.get("expires_in", 600)))))
    signals.hub_signed_in.send(user, user=user, client_id=request.client.get_client_id())
    db.session.commit()


class S256CodeChallenge(CodeChallenge):
    """PKCE, required for every authorization request and token exchange, S256 only."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE is required")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result):
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'")
        super().validate_code_verifier(grant, result)


class HubAuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post"]

    def save_authorization_code(self, code, request):
        payload = request.payload.data
        now = utcnow()
        db.session.add(OAuthAuthorizationCode(
            code_hash=digest(code), client_id=request.client.get_client_id(), user_id=request.user.id,
            redirect_uri=request.payload.redirect_uri or request.client.get_default_redirect_uri(),
            scope=request.scope or SCOPE, code_challenge=payload["code_challenge"],
            code_challenge_method=payload.get("code_challenge_method", "S256"), nonce=payload.get("nonce"),
            auth_time=request.user.last_login_at, created_at=now, expires_at=now + CODE_LIFETIME))
        db.session.commit()

    def query_authorization_code(self, code, client):
        """Claim the code: one conditional UPDATE succeeds once. A second use finds it claimed, is
        refused, and revokes every token issued from it (RFC 6749 §4.1.2)."""
        now = utcnow()
        code_hash = digest(code)
        claimed = db.session.execute(
            update(OAuthAuthorizationCode)
            .where(OAuthAuthorizationCode.code_hash == code_hash,
                   OAuthAuthorizationCode.client_id == client.get_client_id(),
                   OAuthAuthorizationCode.used_at.is_(None),
                   OAuthAuthorizationCode.expires_at > now)
            .values(used_at=now)
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        row = db.session.scalar(select(OAuthAuthorizationCode).where(OAuthAuthorizationCode.code_hash == code_hash))
        if claimed == 1:
            return row
        if row is not None and row.used_at is not None and row.used_at < now:
            log.warning("authorization code %s used again: revoking its tokens", row.id)
            db.session.execute(update(OAuthToken).where(OAuthToken.code_id == row.id, OAuthToken.revoked_at.is_(None))
                               .values(revoked_at=now).execution_options(synchronize_session=False))
            db.session.commit()
        return None

    def delete_authorization_code(self, authorization_code):
        pass  # claimed in query_authorization_code; the row stays so that a replay is recognised

    def authenticate_user(self, authorization_code):
        user = db.session.get(User, authorization_code.user_id)
        return user if user is not None and user.active else None


class HubOpenIDCode(OpenIDCode):
    """``id_token`` for requests with the ``openid`` scope: HS256 with the client's secret."""

    def resolve_client_private_key(self, client):
        return OctKey.import_key(client.secret)

    def get_client_algorithm(self, client):
        return "HS256"

    def get_encode_header(self, client):
        return {"alg": "HS256"}

    def get_client_claims(self, client):
        return {"iss": current_app.config["OQU_SETTINGS"].base_url, "aud": [client.get_client_id()],
                "exp": int(time.time()) + int(TOKEN_LIFETIME.total_seconds())}

    def exists_nonce(self, nonce, request):
        return db.session.scalar(select(OAuthAuthorizationCode.id).where(
            OAuthAuthorizationCode.client_id == request.payload.client_id,
            OAuthAuthorizationCode.nonce == nonce).limit(1)) is not None

    def generate_user_info(self, user, scope):
        from .services import hub_userinfo

        return hub_userinfo(user)


def discovery_document() -> dict:
    """``/.well-known/openid-configuration``."""
    base = current_app.config["OQU_SETTINGS"].base_url
    return {
        "issuer": base,
        "authorization_endpoint": base + "/oauth/authorize",
        "token_endpoint": base + "/oauth/token",
        "userinfo_endpoint": base + "/oauth/userinfo",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "scopes_supported": list(SCOPES),
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "preferred_username", "name", "groups"],
    }


class HubTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return db.session.scalar(select(OAuthToken).where(OAuthToken.token_hash == digest(token_string)))


def _provider() -> tuple[AuthorizationServer, ResourceProtector]:
    """The app's authorization server and resource protector, built at the first OAuth request: this
    module (Authlib with its JOSE and crypto libraries, 12 MB) is imported only by the OAuth endpoints."""
    provider = current_app.extensions.get("oqu_oauth")
    if provider is None:
        app = current_app._get_current_object()
        app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN",
                              {"authorization_code": int(TOKEN_LIFETIME.total_seconds())})
        server = AuthorizationServer()
        server.init_app(app, query_client=query_client, save_token=save_token)
        server.register_grant(HubAuthorizationCodeGrant, [S256CodeChallenge(required=True), HubOpenIDCode()])
        protector = ResourceProtector()
        protector.register_token_validator(HubTokenValidator())
        provider = app.extensions["oqu_oauth"] = (server, protector)
    return provider


def authorization_server() -> AuthorizationServer:
    return _provider()[0]


def resource_protector() -> ResourceProtector:
    return _provider()[1]

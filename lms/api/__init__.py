"""The JSON API under ``/api/v1/``: one blueprint, bearer-token auth, one error envelope
(``{"error": code, "message": text in the caller's language}``), and an OpenAPI description
generated from the same marshmallow schemas the handlers use.

Domains add their handlers in ``lms/<domain>/api.py`` with :data:`bp`, and every operation declares
who may call it with :func:`needs` (JupyterHub's ``@needs_scope``): ``tests/api/test_authorisation.py``
enumerates the operations from the URL map and fails on one without a declaration.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies are accepted here, only bearer tokens

ERROR_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 410: "gone", 413: "too_large", 415: "unsupported_media_type", 422: "invalid",
    429: "too_many_requests", 500: "server_error", 503: "unavailable",
}


class ApiError(HTTPException):
    """An error with a stable ``error`` code and a translated message."""

    def __init__(self, status: int, error: str, message: str, **extra):
        super().__init__(description=message)
        self.code = status
        self.error = error
        self.extra = extra


def default_messages() -> dict[int, str]:
    return {
        400: _("The request is malformed."),
        401: _("Sign in with a valid API token (Authorization: Bearer …)."),
        403: _("You do not have permission for this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with the current state."),
        413: _("The request is too large."),
        422: _("Some fields are invalid."),
        500: _("Something went wrong on our side. Please try again later."),
        503: _("The service is temporarily unavailable."),
    }


def error_response(error: HTTPException):
    status = error.code or 500
    code = getattr(error, "error", None) or ERROR_CODES.get(status, "error")
    if isinstance(error, ApiError):
        message = error.description
    elif status == 429:  # past a limit on guessing (lms/throttling.py)
        from ..errors import too_many_attempts_message
        message = too_many_attempts_message()
    else:
        message = default_messages().get(status, error.name)
    body = {"error": code, "message": message, **getattr(error, "extra", {})}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="oqu"'
    return response


_token_owner = None  # the accounts domain's ``user_for_api_token`` (set by authenticate_tokens_with)


def authenticate_tokens_with(user_for_token) -> None:
    """Say how a bearer token's secret becomes a user (the accounts domain does, from its ``api.py``): the
    API depends on no domain; the domains register with it."""
    global _token_owner
    _token_owner = user_for_token


def token_required(view):
    """Authenticate the request by its ``Authorization: Bearer`` token; the user is ``g.api_user``."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _sep, secret = header.partition(" ")
        user = _token_owner(secret.strip()) if scheme.lower() == "bearer" and _token_owner else None
        if user is None:
            raise ApiError(401, "unauthorized", default_messages()[401])
        g.api_user = user
        return view(*args, **kwargs)

    wrapper.requires_token = True
    return wrapper


_hub_user_owner = None  # the hub domain's ``user_for_hub_token`` (set by authenticate_hub_users_with)


def authenticate_hub_users_with(user_for_hub_token) -> None:
    """Say how a learner's hub token becomes a person (the hub domain does, from its ``api.py``: it asks
    the hub who the token belongs to). The callable answers the user or None, or raises :class:`ApiError`
    (the hub is down)."""
    global _hub_user_owner
    _hub_user_owner = user_for_hub_token


def hub_user_required(view):
    """Authenticate the request by a learner's own hub token (``Authorization: token …``, the
    ``JUPYTERHUB_API_TOKEN`` of their Jupyter server), verified with the hub; the person is
    ``g.api_user`` and the answer is in their LMS language."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        from ..i18n import use_language_of

        scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
        secret = secret.strip()
        # JupyterHub's own scheme only: a personal LMS token (``Bearer``) never reaches the hub
        user = _hub_user_owner(secret) if scheme.lower() == "token" and secret and _hub_user_owner else None
        if user is None:
            raise ApiError(401, "unauthorized", _("Open this from your own notebook server in Oqu."))
        g.api_user = user
        use_language_of(user)
        return view(*args, **kwargs)

    return wrapper


ANYONE, TOKEN, HUB, HUB_USER = "anyone", "token", "hub", "hub_user"


def needs(access: str):
    """Declare who may call an API operation, and enforce it before the handler runs:

    - ``"anyone"``: no credential (public verification, health, the OpenAPI description);
    - ``"token"``: any personal API token (:func:`token_required`); the operation then decides per
      object — one's own, one's HR subtree, a course one teaches — through the domain's services;
    - a permission of :data:`lms.security.PERMISSIONS` (e.g. ``"view_certificates"``): a personal token
      whose person holds it; anyone else gets 403;
    - ``"hub"``: the hub's own credential only (:func:`hub_required`);
    - ``"hub_user"``: a learner's own hub token, verified with the hub (:func:`hub_user_required`): the
      learner's JupyterLab acting for that learner and nobody else.

    The declaration is kept as the view's ``api_access``.
    """
    from ..security import PERMISSIONS, has_permission

    if access not in (ANYONE, TOKEN, HUB, HUB_USER) and access not in PERMISSIONS:
        raise KeyError(access)

    def decorator(view):
        if access == ANYONE:
            guarded = view
        elif access == HUB:
            guarded = hub_required(view)
        elif access == HUB_USER:
            guarded = hub_user_required(view)
        elif access == TOKEN:
            guarded = token_required(view)
        else:
            @wraps(view)
            def permitted(*args, **kwargs):
                if not has_permission(g.api_user, access):
                    raise ApiError(403, "forbidden", default_messages()[403])
                return view(*args, **kwargs)

            guarded = token_required(permitted)

        @wraps(guarded)
        def declared(*args, **kwargs):
            return guarded(*args, **kwargs)

        declared.api_access = access
        if getattr(guarded, "requires_token", False):
            declared.requires_token = True
        return declared

    return decorator


def hub_required(view):
    """Accept only the hub's own credential (``LMS_HUB_REPORT_TOKEN``, ``Authorization: token …``): the
    hub's reports and questions. No other token opens these endpoints, the LMS's service token on the hub
    and personal tokens included."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        import hmac

        from flask import current_app

        scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
        expected = current_app.config["OQU_SETTINGS"].hub_report_token
        if not (scheme.lower() in ("token", "bearer") and expected
                and hmac.compare_digest(secret.strip().encode(), expected.encode())):
            raise ApiError(401, "unauthorized", default_messages()[401])
        return view(*args, **kwargs)

    return wrapper


def register(app) -> None:
    # Import the modules that add routes to ``bp`` before it is registered.
    from ..accounts import api as _accounts_api  # noqa: F401
    from ..courses import api as _courses_api  # noqa: F401
    from ..learning import api as _learning_api  # noqa: F401
    from ..hub import api as _hub_api  # noqa: F401
    from ..certificates import api as _certificates_api  # noqa: F401
    from ..grading import api as _grading_api  # noqa: F401
    from ..assignments import api as _assignments_api  # noqa: F401
    from . import health as _health, openapi as _openapi  # noqa: F401

    app.register_blueprint(bp)

"""Limits on guessing passwords, counting failures only (a person who signs in uses up nothing):

- from one address, :data:`SIGN_IN_PER_ADDRESS` failed sign-ins, whatever the e-mails;
- to one account, :data:`SIGN_IN_PER_ACCOUNT`, keyed by the e-mail typed whether or not such an
  account exists, so that being slowed down says nothing about which e-mails exist. Each longer
  window lets fewer through: a guesser waits a minute, then an hour, then a day;
- a browser that has signed in to the account before (or set its password from an e-mailed link)
  carries a signed "known device" cookie and is exempt from the account's limit: strangers can slow
  guessing at an account down, never lock its owner out. No account is ever locked;
- password-reset requests: :data:`RESET_PER_ADDRESS` from one address, :data:`RESET_PER_ACCOUNT` for
  one e-mail (each sends a message).

Past a limit the answer is 429 with the time to wait (lms/errors.py).
"""
from __future__ import annotations

import hashlib

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import limiter
from ..throttling import counting

SIGN_IN_PER_ADDRESS = "20 per minute;100 per hour"
SIGN_IN_PER_ACCOUNT = "5 per minute;20 per hour;60 per day"
RESET_PER_ADDRESS = "5 per minute;30 per hour"
RESET_PER_ACCOUNT = "3 per hour;10 per day"
DEVICE_COOKIE = "oqu_device"
DEVICE_COOKIE_DAYS = 365


def _email_digest(email: str) -> str:
    """The e-mail as sign-in matches it (trimmed, lower case), hashed: neither the limiter's storage
    nor the cookie holds the address itself."""
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]


def _typed_account() -> str:
    return _email_digest(request.form.get("email", ""))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="oqu-known-device")


def _known_device() -> bool:
    """Whether this browser has signed in before to the account whose e-mail it typed."""
    try:
        return _serializer().loads(request.cookies.get(DEVICE_COOKIE, "")) == _typed_account()
    except BadSignature:
        return False


def remember_device(response, email: str):
    """Mark the browser as one the person uses (after a sign-in or a password set from a link)."""
    response.set_cookie(DEVICE_COOKIE, _serializer().dumps(_email_digest(email)), max_age=DEVICE_COOKIE_DAYS * 86400,
                        httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


sign_in_per_address = limiter.limit(SIGN_IN_PER_ADDRESS, methods=["POST"], deduct_when=counting(401))
sign_in_per_account = limiter.limit(SIGN_IN_PER_ACCOUNT, methods=["POST"], key_func=_typed_account,
                                    deduct_when=counting(401), exempt_when=_known_device)
reset_per_address = limiter.limit(RESET_PER_ADDRESS, methods=["POST"])
reset_per_account = limiter.limit(RESET_PER_ACCOUNT, methods=["POST"], key_func=_typed_account)

"""Limits on guessing, declared on the routes they guard (Flask-Limiter; ``limiter`` is in
:mod:`lms.extensions`, its storage is ``LMS_RATELIMIT_STORAGE_URL``). Sign-in and password reset have
theirs in :mod:`lms.accounts.throttling`; this module has what more than one domain uses."""
from __future__ import annotations

from .extensions import limiter


def counting(*statuses: int):
    """For ``deduct_when``: count only answers with these statuses (a failed sign-in, an unknown
    certificate number), so that people who get it right never use a limit up."""
    return lambda response: response.status_code in statuses


# Looking up certificate numbers that do not exist, from one address; the public page and the API
# share the count.
verification_limit = limiter.shared_limit("30 per minute;300 per hour", scope="certificate-verification",
                                          deduct_when=counting(404))

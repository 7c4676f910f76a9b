"""The audit log records the client's address: behind the configured number of trusted reverse
proxies, the one they forwarded; with none configured, a forged X-Forwarded-For changes nothing."""
from __future__ import annotations

import pytest

from ..conftest import audit_events, post_form

FORWARDED = {"X-Forwarded-For": "203.0.113.7"}


def sign_in_through_proxy(app, user, headers):
    client = app.test_client()
    response = post_form(client, "/login", {"email": user.email, "password": "correct-horse-7"}, headers=headers,
                         environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.status_code == 302
    return response


@pytest.mark.settings(trusted_proxies=1)
def test_behind_a_trusted_proxy_the_audit_log_has_the_clients_address(app, world):
    sign_in_through_proxy(app, world.learner, FORWARDED)
    [event] = audit_events("sign_in")
    assert event.ip_address == "203.0.113.7"


@pytest.mark.settings(trusted_proxies=1)
def test_only_the_trusted_number_of_hops_is_believed(app, world):
    sign_in_through_proxy(app, world.learner, {"X-Forwarded-For": "198.51.100.9, 203.0.113.7"})
    [event] = audit_events("sign_in")
    assert event.ip_address == "203.0.113.7"  # the first address is what the client itself claimed


def test_without_trusted_proxies_forwarded_headers_are_ignored(app, world):
    sign_in_through_proxy(app, world.learner, FORWARDED)
    [event] = audit_events("sign_in")
    assert event.ip_address == "10.0.0.2"

"""Redirects after signing in and after switching language stay on this site, whatever ``next`` says."""
from __future__ import annotations

from urllib.parse import unquote

import pytest

from lms import utils

from ..conftest import post_form, signed_in_client

# As they would appear in a link someone is tricked into following (the query string, percent-encoded).
PROBES = [
    "/%09/evil.example/",  # TAB: browsers drop it and read //evil.example/
    "/%0d%0a/evil.example/",  # CR LF: a header split
    "/%0a/evil.example/",
    "/\\evil.example/",  # a backslash is a slash to browsers
    "/%5cevil.example/",
    "/%5c%5cevil.example/",
    "/%2f%2fevil.example/",
    "/%252f%252fevil.example/",  # encoded slashes that reach the path
    "/%255cevil.example/",
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "javascript:alert(1)",
    "evil.example",
]


@pytest.mark.parametrize("probe", PROBES)
def test_sign_in_never_redirects_off_site(app, world, probe):
    client = app.test_client()
    response = post_form(client, f"/login?next={probe}", {"email": world.learner.email,
                                                          "password": "correct-horse-7"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("probe", PROBES)
def test_language_switch_never_redirects_off_site(app, world, probe):
    for client, page in ((app.test_client(), "/login"), (signed_in_client(app, world.learner), "/account")):
        response = post_form(client, "/language", {"language": "ru", "next": unquote(probe)}, page=page)
        assert response.status_code == 302
        assert response.headers["Location"] == "/"


def test_a_path_on_this_site_is_kept_with_its_query(app, world):
    client = app.test_client()
    target = "/oauth/authorize?client_id=jupyterhub&redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2Fhub%2Foauth_callback"
    response = post_form(client, "/login?next=" + target.replace("%", "%25").replace("&", "%26").replace("?", "%3F"),
                         {"email": world.learner.email, "password": "correct-horse-7"})
    assert response.headers["Location"] == target
    response = post_form(client, "/language", {"language": "ru", "next": "/courses?page=2"}, page="/account")
    assert response.headers["Location"] == "/courses?page=2"


@pytest.mark.database_independent
@pytest.mark.parametrize("probe", PROBES)
def test_safe_next_url_refuses_every_probe_once_decoded(probe):
    assert utils.safe_next_url(unquote(probe)) is None

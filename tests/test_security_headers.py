"""HTML pages carry security headers; the session cookie is Oqu's own and out of scripts' reach."""
from __future__ import annotations

import pytest

from .conftest import sign_in


def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def html_pages(app, world):
    visitor = app.test_client()
    admin = app.test_client()
    sign_in(admin, world.admin)
    return {
        "sign-in page": visitor.get("/login"),
        "error page": visitor.get("/no-such-page"),
        "dashboard": admin.get("/"),
        "people": admin.get("/admin/users"),
    }


def test_html_pages_carry_a_strict_content_security_policy(app, world):
    for name, response in html_pages(app, world).items():
        assert response.mimetype == "text/html", name
        csp = csp_directives(response)
        script_src = csp.get("script-src") or csp.get("default-src")
        assert script_src, f"{name}: no script-src"
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, name
        assert "'self'" in script_src, name
        assert csp.get("frame-ancestors") == ["'none'"], name
        assert csp.get("object-src") == ["'none'"], name


def test_html_pages_cannot_be_framed_or_sniffed(app, world):
    for name, response in html_pages(app, world).items():
        assert response.headers.get("X-Frame-Options") == "DENY", name
        assert response.headers.get("X-Content-Type-Options") == "nosniff", name
        assert response.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", name


def test_pages_have_no_inline_scripts(app, world):
    """The policy forbids inline scripts; a page relying on one would silently break."""
    for name, response in html_pages(app, world).items():
        html = response.get_data(as_text=True)
        for chunk in html.split("<script")[1:]:
            assert chunk.split(">", 1)[0].strip().startswith("src="), f"{name}: inline <script>"
        assert " onclick=" not in html and " onload=" not in html, name


def test_session_cookie_is_named_oqu_session_and_http_only(app, world):
    client = app.test_client()
    response = sign_in(client, world.learner)
    cookies = [value for key, value in response.headers.items() if key == "Set-Cookie"]
    session = [c for c in cookies if c.startswith("oqu_session=")]
    assert session, cookies
    attributes = [part.strip().lower() for part in session[0].split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert not any(c.startswith("session=") for c in cookies)


@pytest.mark.settings(cookie_secure=True)
def test_session_cookie_is_secure_when_configured(app, world):
    response = sign_in(app.test_client(), world.learner)
    session = [v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("oqu_session=")]
    assert "secure" in [part.strip().lower() for part in session[0].split(";")]

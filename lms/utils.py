"""Small helpers shared by every domain."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from .clock import utcnow  # noqa: F401  (the one clock; kept here for existing imports)


def page_number(name: str = "page") -> int:
    """The page asked for in the query string, between 1 and a bound no list reaches (a huge or
    malformed number is page 1 or the last page the bound allows, never a database overflow)."""
    from flask import request

    return min(max(request.args.get(name, 1, type=int) or 1, 1), 1_000_000)


# In the path of a redirect target: an encoded slash or backslash, or an encoded control character,
# which a browser or a proxy in front of the LMS may decode into "//host" (the query may hold encoded
# slashes: the hub's sign-in passes its callback address there).
_ENCODED_IN_PATH = re.compile(r"%(2f|5c|[01][0-9a-f]|7f)", re.IGNORECASE)


def safe_next_url(target: str | None) -> str | None:
    """``target`` if it is a plain path on this site, else None (callers then go to their default).

    Every ``next`` a page or form passes goes through here. Refused: control characters (browsers drop
    TAB, CR and LF, so ``/<TAB>/evil.example`` becomes ``//evil.example``), backslashes (read as
    slashes), schemes, hosts (``//evil.example``), and encoded slashes, backslashes or control
    characters in the path."""
    if (not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target)):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or _ENCODED_IN_PATH.search(parts.path):
        return None
    return target


def fail(message: str) -> None:
    """For CLI commands: print the error to stderr and exit non-zero."""
    import click

    click.echo(f"Error: {message}", err=True)
    raise SystemExit(1)


def external_url(endpoint: str, **values) -> str:
    """An absolute link on ``LMS_BASE_URL`` (for e-mail, certificates, the CLI): it does not
    depend on the host a request happened to arrive on, nor need a request at all."""
    from urllib.parse import urlsplit

    from flask import current_app

    base = urlsplit(current_app.config["OQU_SETTINGS"].base_url)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)

"""Small helpers shared by every domain."""
from __future__ import annotations

from .clock import utcnow  # noqa: F401  (the one clock; kept here for existing imports)


def page_number(name: str = "page") -> int:
    """The page asked for in the query string, between 1 and a bound no list reaches (a huge or
    malformed number is page 1 or the last page the bound allows, never a database overflow)."""
    from flask import request

    return min(max(request.args.get(name, 1, type=int) or 1, 1), 1_000_000)


def safe_next_url(target: str | None) -> str | None:
    """A redirect target only if it stays on this site (a path, not another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
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

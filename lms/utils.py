"""Small helpers shared by every domain."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    """Naive UTC, as every timestamp column stores it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


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

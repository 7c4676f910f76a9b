"""Oqu's one clock. Every instant comes from :func:`now`, every calendar date is Kazakhstan's
(the ``LMS_TIMEZONE`` setting, ``Asia/Almaty`` by default) whatever the server's own time zone.

Timestamp columns store naive UTC (:func:`utcnow`); dates shown, stored or compared as dates
(due dates, cohort windows, issue and revocation dates, GPU months) are local dates
(:func:`today`, :func:`local_date`). Tests freeze the clock with :func:`freeze` (the ``clock``
fixture), never by reading or patching the machine's time.
"""
from __future__ import annotations

import os
from datetime import date, datetime, time, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Almaty"

_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, aware, in UTC."""
    if _frozen is not None:
        return _frozen
    return datetime.now(timezone.utc)


def utcnow() -> datetime:
    """Naive UTC, as every timestamp column stores it."""
    return now().replace(tzinfo=None)


def zone() -> ZoneInfo:
    """The configured zone: the app's settings inside an app, else ``LMS_TIMEZONE``."""
    name = None
    try:
        from flask import current_app
        name = current_app.config["OQU_SETTINGS"].timezone
    except (RuntimeError, KeyError, AttributeError):
        name = os.environ.get("LMS_TIMEZONE")
    return _zone(name or DEFAULT_ZONE)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_now() -> datetime:
    """The current instant in the configured zone."""
    return now().astimezone(zone())


def today() -> date:
    """Today's date in Kazakhstan (the configured zone)."""
    return local_now().date()


def local_date(instant: datetime | None) -> date | None:
    """The local date of ``instant``; a naive instant is UTC, as the database stores it."""
    if instant is None:
        return None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(zone()).date()


def start_of_local_day(day: date) -> datetime:
    """The naive-UTC instant at which the local ``day`` begins (for comparing with stored timestamps)."""
    return datetime.combine(day, time.min, zone()).astimezone(timezone.utc).replace(tzinfo=None)


def freeze(instant: datetime | None) -> None:
    """Stop the clock at ``instant`` (naive means UTC); ``None`` lets it run again. Tests only."""
    global _frozen
    if instant is not None and instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    _frozen = instant.astimezone(timezone.utc) if instant is not None else None

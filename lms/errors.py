"""Error pages (translated HTML) and, under ``/api/``, the JSON error envelope."""
from __future__ import annotations

import logging

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .upload_limits import limit_mb

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _page(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title, message=message), status


def handle_http_error(error: HTTPException):
    if _wants_json():
        from .api import error_response
        return error_response(error)
    status = error.code or 500
    if isinstance(error, CSRFError):
        return _page(400, _("The form has expired"),
                     _("For your security the form could not be accepted. Go back, reload the page and try again."))
    titles = {
        400: (_("Bad request"), _("The request could not be understood.")),
        403: (_("Access denied"), _("You do not have permission to open this page.")),
        404: (_("Page not found"), _("There is no page at this address.")),
        405: (_("Not allowed"), _("This action is not possible here.")),
        410: (_("Link no longer valid"), _("This link has expired or has already been used.")),
        413: (_("File too large"), _("The file is larger than the allowed %(mb)d MB.",
                                     mb=limit_mb())),
        429: (_("Too many attempts"), too_many_attempts_message()),
    }
    title, message = titles.get(status, (_("Something went wrong"),
                                         _("Something went wrong on our side. Please try again later.")))
    return _page(status, title, message)


def too_many_attempts_message() -> str:
    """Past a limit on guessing (lms/throttling.py): how long to wait, in whole minutes."""
    from flask_babel import ngettext

    from .clock import now
    from .extensions import limiter

    current = limiter.current_limit
    minutes = max(1, round((current.reset_at - now().timestamp()) / 60)) if current is not None else 1
    return ngettext("There have been too many attempts. Wait %(num)d minute and try again.",
                    "There have been too many attempts. Wait %(num)d minutes and try again.", minutes)


# What the database or the file system says when the disk is full (SQLite, PostgreSQL, the OS).
_STORAGE_FULL = ("database or disk is full", "no space left on device", "could not extend file", "disk full")


def _storage_full(error: Exception) -> bool:
    import errno

    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    return any(text in str(error).lower() for text in _STORAGE_FULL)


def _database_dropped(error: Exception) -> bool:
    from sqlalchemy.exc import DBAPIError

    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def _failure(status: int, code: str, title: str, message: str):
    if _wants_json():
        from .api import ApiError, error_response
        return error_response(ApiError(status, code, message))
    return _page(status, title, message)


def handle_unexpected(error: Exception):
    """Nothing half-done survives an error: the transaction is rolled back. A full disk and a dropped
    database connection are told as such (the next request gets a fresh connection); anything else
    is a plain "something went wrong"."""
    from .extensions import db
    db.session.rollback()
    if _storage_full(error):
        log.error("storage full: %s", error)
        return _failure(507, "storage_full", _("Storage is full"),
                        _("The server has no room left to store this. Nothing was saved; please try again "
                          "later. The administrators can see this in the log."))
    if _database_dropped(error):
        log.error("database connection lost: %s", error)
        return _failure(503, "database_unavailable", _("Connection interrupted"),
                        _("The connection to the database was interrupted. Nothing was saved; please try again."))
    log.exception("unhandled error", exc_info=error)
    return handle_http_error(InternalServerError())


def init_app(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)

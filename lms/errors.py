"""Error pages (translated HTML) and, under ``/api/``, the JSON error envelope."""
from __future__ import annotations

import logging

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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
                                     mb=_max_upload_mb())),
    }
    title, message = titles.get(status, (_("Something went wrong"),
                                         _("Something went wrong on our side. Please try again later.")))
    return _page(status, title, message)


def _max_upload_mb() -> int:
    from flask import current_app
    return current_app.config["OQU_SETTINGS"].max_upload_mb


def handle_unexpected(error: Exception):
    log.exception("unhandled error", exc_info=error)
    from .extensions import db
    db.session.rollback()
    return handle_http_error(InternalServerError())


def init_app(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)

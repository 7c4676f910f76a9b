"""How large a request may be: ``LMS_MAX_UPLOAD_MB`` for every form and API call, and for the views
marked :func:`package_upload` (a course package, a folder, an assignment's source files)
``LMS_MAX_PACKAGE_MB`` and as many parts as a package may hold files. Set before anything reads the
body (the CSRF check reads the form) by a URL-value preprocessor, which Flask runs ahead of every
before-request function; a larger body is a 413 with the limit of that view (lms/errors.py)."""
from __future__ import annotations

from flask import current_app, request

MB = 1024 * 1024
PACKAGE_PARTS = 2100  # a folder upload: up to lms.courses.packages.MAX_FILES files, and the form's fields


def package_upload(view):
    """Mark a view (directly under its ``route``) as taking a course package or assignment files."""
    view.oqu_package_upload = True
    return view


def _size_the_body(endpoint, values) -> None:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    if getattr(view, "oqu_package_upload", False):
        request.max_content_length = current_app.config["OQU_SETTINGS"].max_package_mb * MB
        request.max_form_parts = PACKAGE_PARTS


def limit_mb() -> int:
    """The body limit of the current request, in megabytes."""
    return request.max_content_length // MB  # this view's, else the site's MAX_CONTENT_LENGTH


def init_app(app) -> None:
    app.url_value_preprocessor(_size_the_body)

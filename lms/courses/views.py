"""The files lessons show, and the courses blueprint (its catalogue and course page, which show the
learner's enrolment and progress, are learning's: :mod:`lms.learning.course_pages`)."""
from __future__ import annotations

from flask import Blueprint, Response, request
from flask_login import login_required

from . import services
from .markdown import code_css
from .tags import tag_name

bp = Blueprint("courses", __name__)


@bp.app_template_filter("tag_name")
def _tag_name(code: str) -> str | None:
    return tag_name(code)


@bp.get("/courses/<slug>/assets/<path:path>")
@login_required
def asset(slug: str, path: str):
    asset = services.get_asset(services.get_course(slug), path)
    response = Response(asset.data, mimetype=asset.content_type)
    response.set_etag(asset.sha256)
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)


@bp.get("/courses/code.css")
def code_stylesheet():
    response = Response(code_css(), mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


from . import version_views  # noqa: E402,F401 — the versions pages, on this blueprint
from . import authoring_views as _authoring_views  # noqa: E402,F401 — upload and lesson editor routes

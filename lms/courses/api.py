from flask import jsonify, request

from ..api import bp, needs
from ..api.schemas import register_schemas
from ..utils import page_number
from . import services
from .schemas import SCHEMAS, CourseList

register_schemas(SCHEMAS)  # listed in /api/v1/openapi.json


@bp.get("/courses")
@needs("token")
def list_courses():
    """The course catalogue.
    ---
    get:
      tags: [courses]
      summary: Published courses, filtered and paginated
      parameters:
        - {name: q, in: query, schema: {type: string}, description: "Words in the title, description or tags"}
        - {name: tag, in: query, schema: {type: string}}
        - {name: level, in: query, schema: {type: string, enum: [beginner, intermediate, advanced]}}
        - {name: language, in: query, schema: {type: string, enum: [kk, ru]}}
        - {name: notebooks, in: query, schema: {type: boolean}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
      responses:
        200:
          content:
            application/json:
              schema: CourseList
    """
    notebooks = {"true": True, "1": True, "false": False, "0": False}.get(request.args.get("notebooks", "").lower())
    pagination = services.list_courses(search=request.args.get("q", "")[:100], tag=request.args.get("tag", "")[:40],
                                       level=request.args.get("level", ""), language=request.args.get("language", ""),
                                       notebooks=notebooks, page=page_number(),
                                       per_page=min(max(request.args.get("per_page", 25, type=int), 1), 100))
    return jsonify(CourseList().dump({"items": pagination.items, "page": pagination.page,
                                      "pages": pagination.pages, "total": pagination.total}))


@bp.get("/courses/<slug>/versions")
@needs("manage_courses")
def course_versions(slug: str):
    """The numbered versions of a course's content, newest first (instructors who teach it, admins).
    ---
    get:
      tags: [courses]
      summary: A course's content versions
      description: Each import, upload, edit or rollback that changed the course's package is a version
        with who made it, when, how (`origin`), what changed (`diff`) and the assignment source numbers it
        came with (`sources`). Audited.
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
      responses:
        200:
          content:
            application/json:
              schema: {type: object}
    """
    from flask import g
    from flask_babel import gettext as _
    from sqlalchemy import select

    from .. import signals
    from ..api import ApiError
    from ..extensions import db
    from . import content
    from .models import Course

    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise ApiError(404, "not_found", _("Not found."))
    found = content.course_versions(g.api_user, course)  # 403 for an instructor who does not teach it
    signals.course_versions_listed.send(g.api_user, course=course)
    db.session.commit()
    return jsonify({"course": course.slug, "versions": [{
        "number": version.number, "version": version.number, "origin": version.origin,
        "created_at": version.created_at.isoformat() + "Z",
        "created_by": version.created_by.email if version.created_by else None,
        "content_hash": version.content_hash, "diff": version.diff, "sources": version.sources,
        "rolled_back_from": version.rolled_back_from} for version in found]})


from . import package_api as _package_api  # noqa: E402,F401 — POST /api/v1/course-packages

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

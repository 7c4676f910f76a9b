from flask import g, jsonify, request

from ..api import bp, needs
from ..learning import services as learning
from ..learning.schemas import CourseDetail
from ..utils import page_number
from . import services
from .schemas import CourseList


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


@bp.get("/courses/<slug>")
@needs("token")
def get_course(slug: str):
    """One course with its syllabus, open cohorts and the caller's enrolment.
    ---
    get:
      tags: [courses]
      summary: A course
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
      responses:
        200:
          content:
            application/json:
              schema: CourseDetail
    """
    course = services.get_course(slug)
    enrolment = learning.enrolment_for(g.api_user, course)
    data = CourseDetail().dump(course)
    data["cohorts"] = CourseDetail().fields["cohorts"].serialize("cohorts", {"cohorts": learning.open_cohorts(course)})
    data["enrolment"] = CourseDetail().fields["enrolment"].serialize("enrolment", {"enrolment": enrolment})
    return jsonify(data)

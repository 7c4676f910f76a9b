"""API schemas of courses. Content is bilingual: every text is ``{"kk": ..., "ru": ...}``.
No schema here carries quiz questions or answers."""
from marshmallow import Schema, fields

from .visibility import learner_items


def _pair(prefix):
    return lambda obj: {"kk": getattr(obj, f"{prefix}_kk"), "ru": getattr(obj, f"{prefix}_ru")}


class Text(Schema):
    kk = fields.String()
    ru = fields.String()


class CourseItem(Schema):
    id = fields.String(attribute="key")
    kind = fields.Function(lambda item: item.kind.value, metadata={"enum": ["lesson", "quiz", "notebook"]})
    title = fields.Function(_pair("title"), metadata={"type": "object"})


class CourseModule(Schema):
    id = fields.String(attribute="key")
    title = fields.Function(_pair("title"), metadata={"type": "object"})
    # the catalogue lists what learners are shown (an assignment never published is held back)
    items = fields.Function(lambda module: CourseItem(many=True).dump(learner_items(module.course, module.active_items)),
                            metadata={"type": "array", "items": {"$ref": "#/components/schemas/CourseItem"}})


class CourseSummary(Schema):
    slug = fields.String()
    title = fields.Function(_pair("title"), metadata={"type": "object", "description": "{kk, ru}"})
    description = fields.Function(_pair("description"), metadata={"type": "object", "description": "{kk, ru}"})
    hours = fields.Integer(metadata={"description": "Academic hours"})
    level = fields.Function(lambda course: course.level.value,
                            metadata={"enum": ["beginner", "intermediate", "advanced"]})
    tags = fields.List(fields.String(), attribute="tag_list")
    languages = fields.List(fields.String(), attribute="language_list")
    has_notebooks = fields.Boolean()
    self_enrolment = fields.Boolean()


class CourseList(Schema):
    items = fields.List(fields.Nested(CourseSummary))
    page = fields.Integer()
    pages = fields.Integer()
    total = fields.Integer()


SCHEMAS = {"Text": Text, "CourseItem": CourseItem, "CourseModule": CourseModule, "CourseSummary": CourseSummary,
           "CourseList": CourseList}

"""API schemas of cohorts, enrolments and progress (the ``self`` audience: one's own)."""
from marshmallow import Schema, fields, validate

from ..courses.schemas import CourseModule, CourseSummary


class Cohort(Schema):
    id = fields.Integer()
    name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    enrol_from = fields.Date(allow_none=True)
    enrol_until = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    capacity = fields.Integer(allow_none=True)
    seats_left = fields.Integer(allow_none=True)


class Enrolment(Schema):
    id = fields.Integer()
    course = fields.Function(lambda e: e.course.slug)
    user_id = fields.Integer()
    status = fields.Function(lambda e: e.status.value,
                             metadata={"enum": ["enrolled", "waitlisted", "withdrawn", "completed"]})
    cohort_id = fields.Integer(allow_none=True)
    mandatory = fields.Boolean()
    due_on = fields.Function(lambda e: e.due_date.isoformat() if e.due_date else None,
                             metadata={"type": "string", "format": "date", "nullable": True})
    enrolled_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)


class CourseDetail(CourseSummary):
    prerequisites = fields.List(fields.String())
    certification = fields.Dict()
    notebook_profile = fields.String()
    modules = fields.Function(lambda course: CourseModule(many=True).dump(course.active_modules),
                              metadata={"type": "array", "items": {"$ref": "#/components/schemas/CourseModule"}})
    cohorts = fields.List(fields.Nested(Cohort), metadata={"description": "Cohorts open for enrolment now"})
    enrolment = fields.Nested(Enrolment, allow_none=True, metadata={"description": "The caller's own"})


class EnrolmentRequest(Schema):
    cohort = fields.Integer(load_default=None, allow_none=True, metadata={"description": "Cohort id; may be left "
                            "out when the course has at most one open cohort"})
    user_id = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": "Enrol someone else (HR within their organisation, admins)"})
    due_on = fields.Date(load_default=None, allow_none=True)
    mandatory = fields.Boolean(load_default=False)


class ModuleProgress(Schema):
    id = fields.String()
    title = fields.Dict()
    done = fields.Integer()
    total = fields.Integer()
    percent = fields.Integer()


class QuizResult(Schema):
    id = fields.String()
    best_percent = fields.Float()
    passed = fields.Boolean()


class CourseProgress(Schema):
    course = fields.String()
    title = fields.Dict()
    status = fields.String(validate=validate.OneOf(["enrolled", "waitlisted", "completed"]))
    cohort_id = fields.Integer(allow_none=True)
    done = fields.Integer()
    total = fields.Integer()
    percent = fields.Integer()
    due_on = fields.Date(allow_none=True)
    overdue = fields.Boolean()
    next_item = fields.String(allow_none=True, metadata={"description": "Id of the item to continue with"})
    modules = fields.List(fields.Nested(ModuleProgress))
    quizzes = fields.List(fields.Nested(QuizResult))


class MyProgress(Schema):
    courses = fields.List(fields.Nested(CourseProgress))


SCHEMAS = {"Cohort": Cohort, "Enrolment": Enrolment, "CourseDetail": CourseDetail,
           "EnrolmentRequest": EnrolmentRequest, "ModuleProgress": ModuleProgress, "QuizResult": QuizResult,
           "CourseProgress": CourseProgress, "MyProgress": MyProgress}

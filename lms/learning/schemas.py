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


# My progress: dumped from lms.learning.services.learner_courses (the figures the dashboard shows).
_TITLE = {"type": "object", "description": "Title in Kazakh (`kk`) and Russian (`ru`)"}


def _title(row) -> dict:
    return {"kk": row.title_kk, "ru": row.title_ru}


class ModuleProgress(Schema):
    id = fields.String(attribute="key")
    title = fields.Function(_title, metadata=_TITLE)
    done = fields.Integer()
    total = fields.Integer()
    percent = fields.Integer()


class QuizResult(Schema):
    """From an (item, result) pair of a course's ``quiz_results``."""
    id = fields.Function(lambda pair: pair[0].key, metadata={"type": "string"})
    best_percent = fields.Function(lambda pair: pair[1].best_percent, metadata={"type": "number"})
    passed = fields.Function(lambda pair: pair[1].passed, metadata={"type": "boolean"})


class CourseProgress(Schema):
    course = fields.Function(lambda entry: entry.enrolment.course.slug, metadata={"type": "string"})
    title = fields.Function(lambda entry: _title(entry.enrolment.course), metadata=_TITLE)
    status = fields.Function(lambda entry: entry.enrolment.status.value,
                             metadata={"type": "string", "enum": ["enrolled", "waitlisted", "completed"]})
    cohort_id = fields.Function(lambda entry: entry.enrolment.cohort_id, metadata={"type": "integer", "nullable": True})
    done = fields.Function(lambda entry: entry.progress.done, metadata={"type": "integer"})
    total = fields.Function(lambda entry: entry.progress.total, metadata={"type": "integer"})
    percent = fields.Function(lambda entry: entry.progress.percent, metadata={"type": "integer"})
    due_on = fields.Date(attribute="due", allow_none=True)
    overdue = fields.Boolean()
    next_item = fields.Function(lambda entry: entry.next_item.key if entry.next_item else None,
                                metadata={"type": "string", "nullable": True,
                                          "description": "Id of the item to continue with"})
    modules = fields.List(fields.Nested(ModuleProgress))
    quizzes = fields.List(fields.Nested(QuizResult), attribute="quiz_results")


class MyProgress(Schema):
    courses = fields.List(fields.Nested(CourseProgress))


class AttemptOption(Schema):
    id = fields.String()
    text = fields.Dict()
    chosen = fields.Boolean(metadata={"description": "The learner chose this option"})
    correct = fields.Boolean(metadata={"description": "Only when `answers_shown`"})


class AttemptQuestion(Schema):
    id = fields.String()
    type = fields.String(validate=validate.OneOf(["single", "multiple", "numeric", "text"]))
    text = fields.Dict()
    points = fields.Float()
    correct = fields.Boolean(allow_none=True, metadata={"description": "Whether the learner's answer was right; "
                                                                       "null before submission"})
    points_awarded = fields.Float(allow_none=True)
    your_answer = fields.Raw(allow_none=True, metadata={"description": "An option id, a list of them, or text"})
    hint = fields.Dict(allow_none=True, metadata={"description": "Feedback that gives no answer away"})
    options = fields.List(fields.Nested(AttemptOption))
    explanation = fields.Dict(allow_none=True, metadata={"description": "Only when `answers_shown`"})
    answer = fields.Float(metadata={"description": "Numeric questions, only when `answers_shown`"})
    tolerance = fields.Float(metadata={"description": "Numeric questions, only when `answers_shown`"})
    accepted_answers = fields.Dict(metadata={"description": "Text questions, only when `answers_shown`"})


class QuizAttempt(Schema):
    id = fields.Integer()
    course = fields.String()
    quiz = fields.String()
    number = fields.Integer()
    status = fields.String(validate=validate.OneOf(["open", "submitted", "expired"]))
    started_at = fields.DateTime()
    deadline_at = fields.DateTime(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    score = fields.Float(allow_none=True)
    max_score = fields.Float(allow_none=True)
    percent = fields.Float(allow_none=True)
    passed = fields.Boolean()
    late = fields.Boolean()
    review = fields.List(fields.String(), metadata={"description": "When the quiz shows its correct answers: "
                                                                   "after_last_attempt, after_passing, "
                                                                   "after_due_date or never"})
    answers_shown = fields.Boolean(metadata={"description": "Whether correct answers and explanations are "
                                                            "included now"})
    questions = fields.List(fields.Nested(AttemptQuestion))


SCHEMAS = {"Cohort": Cohort, "Enrolment": Enrolment, "CourseDetail": CourseDetail,
           "EnrolmentRequest": EnrolmentRequest, "ModuleProgress": ModuleProgress, "QuizResult": QuizResult,
           "CourseProgress": CourseProgress, "MyProgress": MyProgress, "AttemptOption": AttemptOption,
           "AttemptQuestion": AttemptQuestion, "QuizAttempt": QuizAttempt}

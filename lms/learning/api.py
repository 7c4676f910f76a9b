from flask import g, jsonify, request
from flask_babel import gettext as _
from marshmallow import ValidationError

from ..accounts.models import User
from ..api import ApiError, bp, needs
from ..api.schemas import register_schemas
from ..courses import services as courses
from ..extensions import db
from . import services
from .schemas import SCHEMAS, CourseDetail, Enrolment, EnrolmentRequest, MyProgress, QuizAttempt

register_schemas(SCHEMAS)  # listed in /api/v1/openapi.json


@bp.post("/courses/<slug>/enrolments")
@needs("token")
def create_enrolment(slug: str):
    """Enrol the caller (or, for HR and admins, someone else) in a course.
    ---
    post:
      tags: [learning]
      summary: Enrol in a course
      description: Idempotent — asking again answers with the existing enrolment (200). A full cohort
        puts the person on its waitlist (`status` = `waitlisted`).
      parameters:
        - {name: slug, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: EnrolmentRequest
      responses:
        201:
          content:
            application/json:
              schema: Enrolment
        200:
          content:
            application/json:
              schema: Enrolment
    """
    course = courses.get_course(slug)
    try:
        payload = EnrolmentRequest().load(request.get_json(silent=True) or {})
    except ValidationError as error:
        raise ApiError(422, "invalid", _("Some fields are invalid."), fields=error.messages) from None
    cohort = None
    if payload["cohort"] is not None:
        cohort = services.get_cohort(payload["cohort"])
        if cohort is None or cohort.course_id != course.id:
            raise ApiError(404, "not_found", _("There is no such cohort in this course."))
    learner = g.api_user
    if payload["user_id"] is not None and payload["user_id"] != g.api_user.id:
        learner = db.session.get(User, payload["user_id"])
        if learner is None:
            raise ApiError(404, "not_found", _("Not found."))
    before = services.enrolment_for(learner, course)
    existed = before is not None and before.status.value != "withdrawn"
    try:
        enrolment = services.enrol_learner(g.api_user, course, learner=learner, cohort=cohort,
                                           due_on=payload["due_on"], mandatory=payload["mandatory"])
    except services.EnrolmentError as error:
        raise ApiError(409, "enrolment_refused", str(error)) from None
    return jsonify(Enrolment().dump(enrolment)), 200 if existed else 201


@bp.get("/me/progress")
@needs("token")
def my_progress():
    """The caller's courses with progress per module, quiz results and deadlines.
    ---
    get:
      tags: [learning]
      summary: My progress
      responses:
        200:
          content:
            application/json:
              schema: MyProgress
    """
    return jsonify(MyProgress().dump({"courses": services.learner_courses(g.api_user)}))


@bp.get("/attempts/<int:attempt_id>")
@needs("token")
def quiz_attempt(attempt_id: int):
    """One of the caller's quiz attempts: score, and per question right or wrong.
    ---
    get:
      tags: [learning]
      summary: A quiz attempt of mine
      description: Correct options, answers and explanations are included only once the quiz's `review`
        rule allows (`answers_shown`); before that, only whether each answer was right. Someone
        else's attempt answers 404.
      parameters:
        - {name: attempt_id, in: path, required: true, schema: {type: integer}}
      responses:
        200:
          content:
            application/json:
              schema: QuizAttempt
    """
    attempt = services.get_own_attempt(g.api_user, attempt_id)
    if attempt is None:
        raise ApiError(404, "not_found", _("Not found."))
    review = services.attempt_review(g.api_user, attempt)
    return jsonify(QuizAttempt().dump({
        "id": attempt.id, "course": attempt.item.course.slug, "quiz": attempt.item.key, "number": attempt.number,
        "status": attempt.status.value, "started_at": attempt.started_at, "deadline_at": attempt.deadline_at,
        "submitted_at": attempt.submitted_at, "score": attempt.score, "max_score": attempt.max_score,
        "percent": attempt.percent, "passed": attempt.passed, "late": attempt.late, "review": review.review,
        "answers_shown": review.answers_shown, "questions": review.questions}))


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
    course = courses.get_course(slug)
    enrolment = services.enrolment_for(g.api_user, course)
    data = CourseDetail().dump(course)
    data["cohorts"] = CourseDetail().fields["cohorts"].serialize("cohorts", {"cohorts": services.open_cohorts(course)})
    data["enrolment"] = CourseDetail().fields["enrolment"].serialize("enrolment", {"enrolment": enrolment})
    return jsonify(data)

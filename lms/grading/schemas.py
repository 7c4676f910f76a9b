"""API schemas of submissions, by audience: ``Submission(view="full")`` for the learner, their
instructors and admins; ``Submission(view="totals")`` for HR officers (the fields of
``SubmissionTotals``: no cells, no feedback). :func:`lms.grading.access.view_of` picks the view."""
from marshmallow import Schema, fields

from ..api.audience import AudienceSchema


class CellScore(Schema):
    notebook = fields.String()
    cell = fields.String()
    score = fields.Float(allow_none=True, metadata={"description": "null: not graded (yet)"})
    max_score = fields.Float()
    needs_manual_grade = fields.Boolean()
    outcome = fields.String(allow_none=True, metadata={
        "description": "passed, failed (a visible check failed: see failed_check), hidden (a hidden check "
                       "failed), timeout (stopped at the cell time limit) or manual (graded by a person); null: graded before outcomes were kept"})
    failed_check = fields.String(allow_none=True, metadata={
        "description": "the instructor's check that failed (its statement in the test cell); never text "
                       "written by the learner's code"})
    check_message = fields.String(allow_none=True, metadata={
        "description": "the message the instructor wrote for that check, if any"})


class SubmissionTotals(AudienceSchema):
    id = fields.Integer()
    course = fields.Function(lambda s: s.course.slug)
    assignment = fields.String()
    attempt = fields.Integer()
    status = fields.Function(lambda s: s.status.value, metadata={
        "description": "queued, grading, graded, failed (grading did not finish: never a zero) or flagged "
                       "(held for an instructor's review)"})
    submitted_at = fields.DateTime()
    late = fields.Boolean()
    late_penalty = fields.Float(allow_none=True, metadata={"description": "percent taken off for lateness "
                                                                         "(course.yaml late policy); null: none"})
    total = fields.Float(allow_none=True, metadata={"description": "points after any late penalty"})
    max_total = fields.Float(allow_none=True)


class Submission(SubmissionTotals):
    content_hash = fields.String()
    raw_total = fields.Float(allow_none=True, metadata={"description": "points before any late penalty"})
    scores = fields.List(fields.Nested(CellScore))
    feedback_url = fields.Function(lambda s: f"/submissions/{s.id}" if s.graded_at else None, allow_none=True)

    VIEWS = {"full": None, "totals": tuple(SubmissionTotals._declared_fields)}


SCHEMAS = {"CellScore": CellScore, "SubmissionTotals": SubmissionTotals, "Submission": Submission}

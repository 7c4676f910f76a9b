"""An instructor's hand on grades: the manual-grading queue, manual scores, overrides of automatic
scores and cleared flags.

Each change is made by a service that takes the acting instructor first, checks that they teach the
course (:func:`lms.courses.teaching.ensure_teaches`), updates the cell and the submission's total,
regenerates the instructor part of the learner's feedback, sends its own signal (the audit log
listens) and then ``submission_graded`` again, so progress and certification re-evaluate.

The points before any late penalty (``raw_total``) change by the difference between the new and the
old cell score, and the total is that with the submission's late penalty applied
(:func:`lms.grading.policy.apply_penalty`), as the grading pipeline computes it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from ... import signals
from ...courses.models import Course
from ...extensions import db
from ...utils import utcnow
from ..models import Submission, SubmissionScore, SubmissionStatus
from ..policy import apply_penalty
from ...courses.teaching import ensure_teaches

GRADED_STATES = (SubmissionStatus.graded, SubmissionStatus.flagged)
FEEDBACK_START, FEEDBACK_END = "<!-- oqu:instructor -->", "<!-- /oqu:instructor -->"
_FEEDBACK_BLOCK = re.compile(re.escape(FEEDBACK_START) + ".*?" + re.escape(FEEDBACK_END), re.DOTALL)
REASON_MAX = 2000


class GradeRefused(ValueError):
    """A score or reason the service refused; the message is for the instructor (translated)."""


# --------------------------------------------------------------------------- the queue

def manual_queue(actor, course: Course, *, page: int = 1, per_page: int = 20):
    """Cells of graded (or flagged) submissions of ``course`` that wait for a manual grade, oldest
    submission first, paginated."""
    ensure_teaches(actor, course)
    query = (select(SubmissionScore).join(Submission, SubmissionScore.submission_id == Submission.id)
             .where(Submission.course_id == course.id, SubmissionScore.needs_manual_grade.is_(True),
                    Submission.status.in_(GRADED_STATES))
             .order_by(Submission.submitted_at, Submission.id, SubmissionScore.id))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def waiting_count(course: Course) -> int:
    return db.session.execute(
        select(db.func.count(SubmissionScore.id)).join(Submission, SubmissionScore.submission_id == Submission.id)
        .where(Submission.course_id == course.id, SubmissionScore.needs_manual_grade.is_(True),
               Submission.status.in_(GRADED_STATES))).scalar_one()


@dataclass
class Answer:
    kind: str          # markdown | code | missing
    text: str
    html: Markup       # markdown rendered and sanitised; code escaped in <pre>


def learner_answer(score: SubmissionScore) -> Answer:
    """The learner's cell that ``score`` grades, from the stored (immutable) submission."""
    from ...courses.markdown import render_lesson

    raw = (score.submission.content or {}).get(score.notebook)
    cell = None
    if raw:
        try:
            notebook = json.loads(raw)
        except ValueError:
            notebook = {}
        for candidate in notebook.get("cells", []) if isinstance(notebook, dict) else []:
            meta = candidate.get("metadata", {}).get("nbgrader", {})
            if isinstance(meta, dict) and meta.get("grade_id") == score.cell:
                cell = candidate
                break
    if cell is None:
        return Answer("missing", "", Markup(""))
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    if cell.get("cell_type") == "markdown":
        return Answer("markdown", text, Markup(render_lesson(text, slug=score.submission.course.slug).html))
    return Answer("code", text, Markup("<pre><code>") + escape(text) + Markup("</code></pre>"))


def get_score(actor, score_id: int) -> SubmissionScore:
    score = db.session.get(SubmissionScore, score_id)
    if score is None:
        raise LookupError(score_id)
    ensure_teaches(actor, score.submission.course)
    return score


def get_submission(actor, submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise LookupError(submission_id)
    ensure_teaches(actor, submission.course)
    return submission


# --------------------------------------------------------------------------- changing scores

def _check_points(score: SubmissionScore, points) -> float:
    if points is None:
        raise GradeRefused(_("Enter a score."))
    points = float(points)
    if not 0 <= points <= score.max_score:
        raise GradeRefused(_("The score must be between 0 and %(max)s.", max=format(score.max_score, "g")))
    return points


def _check_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise GradeRefused(_("Give a reason."))
    if len(reason) > REASON_MAX:
        raise GradeRefused(_("The reason is too long (at most %(max)s characters).", max=REASON_MAX))
    return reason


def _apply(actor, score: SubmissionScore, points: float, adjustment: str, comment: str | None,
           reason: str | None = None) -> float | None:
    """Set the cell's score; move the submission's total by the difference. Returns the old score."""
    submission = score.submission
    old = score.score
    score.score = points
    score.adjustment = adjustment
    score.comment = (comment or "").strip() or None
    if reason is not None:
        score.reason = reason
    score.graded_by_id = actor.id
    score.graded_at = utcnow()
    score.needs_manual_grade = False
    raw = submission.raw_total if submission.raw_total is not None else (submission.total or 0.0)
    submission.raw_total = round(raw + points - (old or 0.0), 6)
    submission.total = apply_penalty(submission.raw_total, submission.late_penalty)
    if submission.max_total is None:
        submission.max_total = sum(s.max_score for s in submission.scores)
    regenerate_feedback(submission)
    return old


def record_manual_score(actor, score_id: int, points, comment: str | None = None) -> SubmissionScore:
    """Grade a manually graded cell: the score (0 to the cell's points), a comment for the learner."""
    score = get_score(actor, score_id)
    if score.submission.status not in GRADED_STATES:
        raise GradeRefused(_("This submission has not been graded automatically yet."))
    points = _check_points(score, points)
    old = _apply(actor, score, points, "manual", comment)
    signals.manual_grade_recorded.send(actor, score=score, old=old)
    _regraded(actor, score.submission)
    return score


def override_score(actor, score_id: int, points, reason: str | None, comment: str | None = None) -> SubmissionScore:
    """Replace an automatic score, with a reason (audit-logged; the learner sees "adjusted by instructor")."""
    score = get_score(actor, score_id)
    if score.submission.status not in GRADED_STATES:
        raise GradeRefused(_("This submission has not been graded automatically yet."))
    points = _check_points(score, points)
    reason = _check_reason(reason)
    manual = score.adjustment == "manual" or score.needs_manual_grade
    if not manual and score.adjustment != "override":
        score.auto_score = score.score  # what the autograder gave, kept once
    old = _apply(actor, score, points, "manual" if manual else "override", comment, reason)
    if manual:  # a manual cell graded again, with a reason: still a manual grade
        signals.manual_grade_recorded.send(actor, score=score, old=old)
    else:
        signals.score_overridden.send(actor, score=score, old=old, reason=reason)
    _regraded(actor, score.submission)
    return score


def clear_flag(actor, submission_id: int, reason: str | None) -> Submission:
    """An instructor reviewed a flagged submission and lets it count (audit-logged with the reason)."""
    submission = get_submission(actor, submission_id)
    if submission.status != SubmissionStatus.flagged:
        raise GradeRefused(_("This submission is not flagged."))
    reason = _check_reason(reason)
    submission.status = SubmissionStatus.graded
    submission.reviewed_by_id = actor.id
    submission.reviewed_at = utcnow()
    submission.review_reason = reason
    regenerate_feedback(submission)
    signals.submission_flag_cleared.send(actor, submission=submission, reason=reason)
    _regraded(actor, submission)
    return submission


def _regraded(actor, submission: Submission) -> None:
    db.session.commit()
    signals.submission_graded.send(actor, submission=submission)
    db.session.commit()  # what the listeners recorded (audit, progress, certification)


# --------------------------------------------------------------------------- feedback

def regenerate_feedback(submission: Submission) -> None:
    """Replace the instructor part of the stored feedback (manual grades, adjusted scores and their
    comments, a cleared flag), written in the learner's language; the rest is the pipeline's."""
    base = _FEEDBACK_BLOCK.sub("", submission.feedback_html or "").rstrip()
    block = instructor_feedback_html(submission)
    submission.feedback_html = base + ("\n" + block if block else "")


def instructor_feedback_html(submission: Submission) -> str:
    adjusted = [s for s in submission.scores if s.adjustment]
    if not adjusted and submission.reviewed_at is None:
        return ""
    language = getattr(submission.user, "preferred_language", None) or "kk"
    from ..cell_names import names_of_submission

    with force_locale(language):
        items, names = [], names_of_submission(submission, language)
        for s in adjusted:
            label = _("graded by the instructor") if s.adjustment == "manual" else _("adjusted by the instructor")
            comment = (Markup("<p>") + escape(s.comment).replace("\n", Markup("<br>")) + Markup("</p>")
                       if s.comment else Markup(""))
            items.append(Markup("<li><strong>{}</strong>: {} / {} ({}){}</li>").format(
                names(s.notebook, s.cell), format(s.score, "g"), format(s.max_score, "g"), label, comment))
        parts = [Markup('<section class="instructor-feedback" data-oqu="instructor"><h2>{}</h2>').format(
            _("Instructor's grading"))]
        if items:
            parts.append(Markup("<ul>") + Markup("").join(items) + Markup("</ul>"))
        if submission.reviewed_at is not None:
            parts.append(Markup("<p>{}</p>").format(_("An instructor reviewed this submission; it counts.")))
        parts.append(Markup("</section>"))
    return FEEDBACK_START + str(Markup("").join(parts)) + FEEDBACK_END

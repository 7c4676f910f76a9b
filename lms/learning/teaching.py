"""What instructors see of their cohorts: the roster with each learner's progress, quiz statistics,
and their CSV exports (audited). And the courses whose notebooks a person may use (for lms.hub)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import signals
from ..accounts.models import User
from ..courses.models import Course, Item
from ..courses.teaching import ensure_teaches
from ..extensions import db
from ..i18n import localized
from ..i18n.collation import by_name
from ..spreadsheets import to_csv
from .models import AttemptStatus, Cohort, Enrolment, EnrolmentStatus, ItemProgress, QuizAttempt
from .progress import CourseProgress, course_progress


@dataclass
class RosterRow:
    enrolment: Enrolment
    progress: CourseProgress
    quiz_scores: dict[int, float | None]


def cohort_roster(actor, cohort: Cohort) -> tuple[list[Item], list[RosterRow]]:
    """Each learner of a cohort with progress and best quiz scores (who teaches the course)."""
    ensure_teaches(actor, cohort.course, "view_rosters")
    quizzes = [item for item in cohort.course.active_items() if item.is_quiz]
    enrolments = db.session.scalars(select(Enrolment).join(User, Enrolment.user_id == User.id)
                                    .where(Enrolment.cohort_id == cohort.id)
                                    .order_by(*by_name(User.surname, User.given_name), User.id)
                                    .options(joinedload(Enrolment.user))).unique().all()
    progress_rows: dict[int, dict[int, ItemProgress]] = {enrolment.user_id: {} for enrolment in enrolments}
    if enrolments:  # every learner's progress in one query, not one per learner
        for row in db.session.scalars(select(ItemProgress).where(ItemProgress.course_id == cohort.course_id,
                                                                 ItemProgress.user_id.in_(list(progress_rows)))):
            progress_rows[row.user_id][row.item_id] = row
    rows = []
    for enrolment in enrolments:
        progress = course_progress(enrolment.user, cohort.course, progress_rows[enrolment.user_id])
        scores = {q.id: progress.item_rows[q.id].best_percent if q.id in progress.item_rows else None for q in quizzes}
        rows.append(RosterRow(enrolment, progress, scores))
    return quizzes, rows


@dataclass
class QuestionStats:
    id: str
    text: dict
    answered: int
    correct: int

    @property
    def share_correct(self) -> float | None:
        return self.correct / self.answered if self.answered else None


def quiz_statistics(actor, item: Item, cohort: Cohort | None = None) -> tuple[int, list[QuestionStats]]:
    """Per question of the quiz (as currently written): submitted attempts that included it and
    the share that answered it correctly (who teaches the course)."""
    ensure_teaches(actor, item.course, "view_rosters")
    query = select(QuizAttempt).where(QuizAttempt.item_id == item.id, QuizAttempt.status == AttemptStatus.submitted)
    if cohort is not None:
        query = query.join(Enrolment, (Enrolment.user_id == QuizAttempt.user_id) &
                           (Enrolment.course_id == QuizAttempt.course_id)).where(Enrolment.cohort_id == cohort.id)
    stats = {q["id"]: QuestionStats(q["id"], q["text"], 0, 0) for q in (item.content or {}).get("questions", [])}
    attempts = 0
    for attempt in db.session.scalars(query):
        attempts += 1
        for question_id, result in (attempt.results or {}).items():
            if question_id in stats:
                stats[question_id].answered += 1
                stats[question_id].correct += 1 if result.get("correct") else 0
    return attempts, list(stats.values())


def export_roster_csv(actor, cohort: Cohort) -> bytes:
    """The cohort's roster (names, e-mails, progress, quiz scores) as CSV for Excel, headers in the
    reader's language. Audit-logged, like every export of people's data."""
    quizzes, rows = cohort_roster(actor, cohort)
    header = [_("Surname"), _("Given name"), _("E-mail"), _("Status"), _("Due date"), _("Progress, %")] + [
        localized(q.title_kk, q.title_ru) for q in quizzes]
    body = [[row.enrolment.user.surname, row.enrolment.user.given_name, row.enrolment.user.email,
             row.enrolment.status.value, row.enrolment.due_date.isoformat() if row.enrolment.due_date else "",
             row.progress.percent] + ["" if row.quiz_scores[q.id] is None else row.quiz_scores[q.id] for q in quizzes]
            for row in rows]
    data = to_csv(header, body)
    signals.roster_exported.send(actor, cohort=cohort, rows=len(body))
    db.session.commit()
    return data


def export_quiz_statistics_csv(actor, item: Item, cohort: Cohort | None = None) -> bytes:
    """Per question of the quiz: attempts that answered it and the share correct, as CSV for Excel.
    Audit-logged."""
    _attempts, stats = quiz_statistics(actor, item, cohort)
    header = [_("Question"), _("Text"), _("Answered"), _("Correct"), _("Share correct")]
    body = [[s.id, localized(s.text.get("kk"), s.text.get("ru")), s.answered, s.correct,
             "" if s.share_correct is None else round(s.share_correct, 3)] for s in stats]
    data = to_csv(header, body)
    signals.quiz_statistics_exported.send(actor, item=item, rows=len(body))
    db.session.commit()
    return data


# --------------------------------------------------------------------------- notebooks (used by lms.hub)

def notebook_courses_for(user, *, every: bool = False) -> list[Course]:
    """Published courses with notebooks that the person is actively enrolled in (enrolled or
    completed); with ``every``, all published courses with notebooks (instructors)."""
    query = select(Course).where(Course.has_notebooks.is_(True), Course.published.is_(True))
    if not every:
        query = query.join(Enrolment, Enrolment.course_id == Course.id).where(
            Enrolment.user_id == user.id,
            Enrolment.status.in_([EnrolmentStatus.enrolled, EnrolmentStatus.completed]))
    return list(db.session.scalars(query.order_by(Course.slug)))


def quiz_preview(actor, item: Item) -> list[dict]:
    """The quiz's questions as a learner sees them (in the file's order, unshuffled), each with its
    correct options, answer or accepted answers and explanation: for the course's instructors and
    admins only (a learner never reaches it)."""
    ensure_teaches(actor, item.course, "view_rosters")
    preview = []
    for question in (item.content or {}).get("questions", []):
        preview.append({"id": question["id"], "type": question["type"], "text": question["text"],
                        "points": question.get("points"), "hint": question.get("hint") or None,
                        "explanation": question.get("explanation") or None,
                        "options": [{"id": o["id"], "text": o["text"], "correct": bool(o.get("correct"))}
                                    for o in question.get("options", [])],
                        "answer": question.get("answer"), "tolerance": question.get("tolerance") or 0,
                        "accepted_answers": question.get("answers") or {}})
    return preview

"""Quizzes: settings, attempts (started, timed, submitted), answers cleaned and scored, and when a
learner may review the correct answers."""
from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import signals
from .quiz_format import DEFAULT_LATE, DEFAULT_PASS_MARK, DEFAULT_REVIEW
from ..courses.models import Item, ItemKind
from ..extensions import db
from ..clock import today as local_today
from ..security import PermissionDenied
from ..utils import utcnow
from .models import AttemptStatus, Enrolment, QuizAttempt
from ._rules import LATE_GRACE, TEXT_ANSWER_MAX, LateSubmission, QuizError, _is, enrolment_for
from .progress import _check_completion, _progress_row


# --------------------------------------------------------------------------- quizzes

def quiz_settings(item: Item) -> dict:
    content = item.content or {}
    return {"pass_mark": content.get("pass_mark", DEFAULT_PASS_MARK), "attempts": content.get("attempts", 0),
            "time_limit": content.get("time_limit"), "late": content.get("late", DEFAULT_LATE),
            "review": content.get("review") or list(DEFAULT_REVIEW),
            "questions": len(content.get("questions", []))}


def answers_visible(user, item: Item, *, attempts: list[QuizAttempt] | None = None,
                    today: date | None = None) -> bool:
    """Whether ``user`` may now see the quiz's correct answers and explanations (its ``review``:
    after the last attempt, after passing, after the cohort's due date, or never). Never while an
    attempt is open."""
    settings = quiz_settings(item)
    moments = settings["review"]
    if "never" in moments:
        return False
    attempts = attempts_for(user, item) if attempts is None else attempts
    if any(attempt.is_open for attempt in attempts):
        return False
    if "after_passing" in moments and any(attempt.passed for attempt in attempts):
        return True
    if "after_last_attempt" in moments and settings["attempts"] and len(attempts) >= settings["attempts"]:
        return True
    if "after_due_date" in moments:
        due = review_due_date(user, item)
        if due is not None and (today or local_today()) > due:
            return True
    return False


def review_due_date(user, item: Item) -> date | None:
    """The due date that ``review: after_due_date`` waits for: the cohort's, else the learner's own."""
    enrolment = enrolment_for(user, item.course)
    if enrolment is None:
        return None
    if enrolment.cohort is not None and enrolment.cohort.due_on is not None:
        return enrolment.cohort.due_on
    return enrolment.due_on


@dataclass
class AttemptReview:
    """What the learner may see of their own attempt: per question right or wrong, their answer and
    the hint; the correct options, answers and explanations only when ``answers_shown``."""
    attempt: QuizAttempt
    answers_shown: bool
    review: list[str]
    due: date | None
    questions: list[dict]


def attempt_review(actor, attempt: QuizAttempt, *, today: date | None = None) -> AttemptReview:
    if getattr(actor, "id", None) != attempt.user_id:
        raise PermissionDenied("not this learner's attempt")
    item = attempt.item
    submitted = attempt.status == AttemptStatus.submitted
    shown = submitted and answers_visible(actor, item, today=today)
    questions = []
    for question in attempt.questions:
        answer = (attempt.answers or {}).get(question["id"])
        result = (attempt.results or {}).get(question["id"], {})
        chosen = set(answer) if isinstance(answer, list) else {answer} if answer is not None else set()
        entry = {"id": question["id"], "type": question["type"], "text": question["text"],
                 "points": question.get("points"), "hint": question.get("hint") or None,
                 "correct": bool(result.get("correct")) if submitted else None,
                 "points_awarded": result.get("points") if submitted else None,
                 "your_answer": answer,
                 "options": [{"id": o["id"], "text": o["text"], "chosen": o["id"] in chosen}
                             for o in question.get("options", [])]}
        if shown:
            entry["explanation"] = question.get("explanation") or None
            for option, stored in zip(entry["options"], question.get("options", [])):
                option["correct"] = bool(stored.get("correct"))
            if question["type"] == "numeric":
                entry["answer"] = question.get("answer")
                entry["tolerance"] = question.get("tolerance") or 0
            elif question["type"] == "text":
                entry["accepted_answers"] = question.get("answers") or {}
        questions.append(entry)
    settings = quiz_settings(item)
    return AttemptReview(attempt, shown, settings["review"],
                         review_due_date(actor, item) if "after_due_date" in settings["review"] else None, questions)


def attempts_for(user, item: Item) -> list[QuizAttempt]:
    return list(db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id,
                                                             QuizAttempt.item_id == item.id)
                                   .order_by(QuizAttempt.number)))


def _expire_if_overdue(attempt: QuizAttempt, item: Item, now: datetime) -> bool:
    """An open attempt whose time is up, on a quiz that refuses late work, becomes expired."""
    if attempt.status != AttemptStatus.open or attempt.deadline_at is None:
        return False
    if now <= attempt.deadline_at + LATE_GRACE or (item.content or {}).get("late") == "accept":
        return False
    result = db.session.execute(update(QuizAttempt).where(QuizAttempt.id == attempt.id,
                                                          QuizAttempt.status == AttemptStatus.open)
                                .values(status=AttemptStatus.expired, submitted_at=now, score=0,
                                        percent=0, passed=False)
                                .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(attempt)
    return result.rowcount == 1


def start_attempt(actor, enrolment: Enrolment, item: Item, *, now: datetime | None = None) -> QuizAttempt:
    """Start an attempt (or return the one still open), with questions and options shuffled
    for this attempt when the quiz says so."""
    now = now or utcnow()
    if not _is(actor, enrolment.user):
        raise PermissionDenied("not the learner")
    if not enrolment.is_active:
        raise QuizError(_("You are not enrolled in this course."))
    if item.course_id != enrolment.course_id or item.kind != ItemKind.quiz or item.retired_at is not None:
        raise QuizError(_("This is not a quiz of the course."))
    previous = attempts_for(actor, item)
    for attempt in previous:
        if attempt.is_open and not _expire_if_overdue(attempt, item, now):
            return attempt
    settings = quiz_settings(item)
    if settings["attempts"] and len(previous) >= settings["attempts"]:
        raise QuizError(_("You have used all your attempts at this quiz."))
    content = item.content or {}
    rng = random.Random(secrets.randbits(64))
    questions = [dict(q) for q in content.get("questions", [])]
    if content.get("shuffle_questions", True):
        rng.shuffle(questions)
    for question in questions:
        if "options" in question:
            question["options"] = [dict(o) for o in question["options"]]
            if content.get("shuffle_options", True):
                rng.shuffle(question["options"])
    limit = settings["time_limit"]
    _progress_row(actor.id, item)
    attempt = QuizAttempt(user_id=actor.id, item_id=item.id, course_id=item.course_id, number=len(previous) + 1,
                          status=AttemptStatus.open, started_at=now, questions=questions,
                          deadline_at=now + timedelta(minutes=limit) if limit else None)
    db.session.add(attempt)
    enrolment.last_item_id = item.id
    try:
        db.session.commit()
    except IntegrityError:  # a double click started the same attempt number
        db.session.rollback()
        return next(a for a in attempts_for(actor, item) if a.number == len(previous) + 1)
    return attempt


def public_questions(attempt: QuizAttempt) -> list[dict]:
    """What the learner may see of an open attempt: no correct option, answer or explanation."""
    shown = []
    for question in attempt.questions:
        shown.append({"id": question["id"], "type": question["type"], "text": question["text"],
                      "points": question["points"],
                      "options": [{"id": o["id"], "text": o["text"]} for o in question.get("options", [])]})
    return shown


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def _normalise_text(value: str) -> str:
    return " ".join(str(value).casefold().split())


def _clean_answers(attempt: QuizAttempt, answers: dict) -> dict:
    """Check every answer belongs to a question of *this* attempt and has the right shape."""
    by_id = {q["id"]: q for q in attempt.questions}
    clean: dict = {}
    for question_id, value in (answers or {}).items():
        question = by_id.get(str(question_id))
        if question is None:
            raise QuizError(_("An answer was sent for a question that is not part of this attempt."))
        option_ids = {o["id"] for o in question.get("options", [])}
        if question["type"] == "single":
            if value in (None, "", []):
                continue
            if isinstance(value, list):
                value = value[0] if len(value) == 1 else None
            if str(value) not in option_ids:
                raise QuizError(_("An answer names an option that the question does not have."))
            clean[question["id"]] = str(value)
        elif question["type"] == "multiple":
            values = value if isinstance(value, list) else [value]
            values = [str(v) for v in values if v not in (None, "")]
            if any(v not in option_ids for v in values):
                raise QuizError(_("An answer names an option that the question does not have."))
            clean[question["id"]] = sorted(set(values))
        elif question["type"] == "numeric":
            text = str(value).strip().replace(" ", "").replace("\u00a0", "") if value is not None else ""
            if not text:
                continue
            if len(text) > 40 or not _NUMBER.match(text):
                raise QuizError(_("Enter a number, for example 12 or 3.5."))
            clean[question["id"]] = text.replace(",", ".")
        else:
            text = str(value or "").strip()
            if len(text) > TEXT_ANSWER_MAX:
                raise QuizError(_("An answer is longer than %(limit)d characters.", limit=TEXT_ANSWER_MAX))
            if text:
                clean[question["id"]] = text
    return clean


def unanswered_questions(attempt: QuizAttempt, answers: dict) -> list[int]:
    """The numbers (1, 2, … in this attempt's order) of the questions ``answers`` leaves blank, for
    the summary before submitting. Raises QuizError for an answer the submission would refuse."""
    clean = _clean_answers(attempt, answers)
    return [number for number, question in enumerate(attempt.questions, 1) if not clean.get(question["id"])]


def _score_question(question: dict, answer) -> bool:
    if answer is None:
        return False
    if question["type"] == "single":
        return any(o["correct"] and o["id"] == answer for o in question["options"])
    if question["type"] == "multiple":
        return set(answer) == {o["id"] for o in question["options"] if o["correct"]}
    if question["type"] == "numeric":
        return abs(float(answer) - float(question["answer"])) <= float(question.get("tolerance") or 0) + 1e-9
    accepted = {_normalise_text(a) for values in question.get("answers", {}).values() for a in values}
    return _normalise_text(answer) in accepted


def submit_attempt(actor, attempt: QuizAttempt, answers: dict, *, now: datetime | None = None) -> QuizAttempt:
    """Score an attempt on the server. Submitting again (a double click, a replayed request)
    returns the first result unchanged. After the time limit the quiz's ``late`` setting decides:
    ``accept`` scores the attempt and marks it late, ``refuse`` expires it (LateSubmission)."""
    now = now or utcnow()
    if getattr(actor, "id", None) != attempt.user_id:
        raise PermissionDenied("not this learner's attempt")
    if attempt.status != AttemptStatus.open:
        return attempt
    clean = _clean_answers(attempt, answers)
    item = attempt.item
    late = attempt.deadline_at is not None and now > attempt.deadline_at + LATE_GRACE
    if late and (item.content or {}).get("late", DEFAULT_LATE) != "accept":
        _expire_if_overdue(attempt, item, now)
        raise LateSubmission(_("The time for this attempt ran out, so the answers were not accepted."))
    row = _progress_row(actor.id, item)
    # Claim the attempt: only one request can move it from open to submitted.
    claimed = db.session.execute(update(QuizAttempt).where(QuizAttempt.id == attempt.id,
                                                           QuizAttempt.status == AttemptStatus.open)
                                 .values(status=AttemptStatus.submitted, submitted_at=now)
                                 .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        db.session.refresh(attempt)
        return attempt
    results, score, max_score = {}, 0.0, 0.0
    for question in attempt.questions:
        points = float(question.get("points") or 0)
        correct = _score_question(question, clean.get(question["id"]))
        results[question["id"]] = {"correct": correct, "points": points if correct else 0.0, "max": points}
        score += points if correct else 0.0
        max_score += points
    percent = round(100 * score / max_score, 1) if max_score else 0.0
    pass_mark = (item.content or {}).get("pass_mark", DEFAULT_PASS_MARK)
    attempt.status = AttemptStatus.submitted
    attempt.submitted_at = now
    attempt.answers, attempt.results = clean, results
    attempt.score, attempt.max_score, attempt.percent = score, max_score, percent
    attempt.passed = percent >= pass_mark
    attempt.late = late
    row.best_percent = max(row.best_percent or 0.0, percent)
    if attempt.passed:
        row.passed = True
        row.completed_at = row.completed_at or now
    signals.quiz_submitted.send(actor, attempt=attempt)
    db.session.commit()
    enrolment = enrolment_for(attempt.user, item.course)
    if enrolment is not None:
        _check_completion(enrolment)
    return attempt


def get_own_attempt(actor, attempt_id: int) -> QuizAttempt | None:
    """The attempt if it is the actor's own; None otherwise (callers answer 404)."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != getattr(actor, "id", None):
        return None
    if attempt.is_open:
        _expire_if_overdue(attempt, attempt.item, utcnow())
    return attempt

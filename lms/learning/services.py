"""Learning: cohorts, enrolment and withdrawal, the waitlist, lesson progress and quizzes.

Every operation takes the acting user first, checks what the actor may do, changes data, sends
a signal from :mod:`lms.signals` and commits. Seats are taken by one conditional UPDATE
(``seats_taken < capacity``) and a person has one enrolment row per course (a unique key), so
double clicks and simultaneous requests never oversubscribe a cohort.
"""
from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from .. import signals
from ..accounts.models import User
from ..courses.loader import DEFAULT_REVIEW
from ..courses.models import PROGRESS_KINDS, Course, Item, ItemKind, Module
from ..courses.teaching import ensure_teaches, taught_courses
from ..extensions import db
from ..i18n import localized
from ..i18n.collation import by_name
from ..clock import today as local_today
from ..organisations.models import Organisation
from ..organisations.services import covers, visible_to
from ..security import PermissionDenied, ensure, has_permission
from ..spreadsheets import to_csv
from ..utils import utcnow
from .models import AttemptStatus, Cohort, Enrolment, EnrolmentStatus, ItemProgress, QuizAttempt

LATE_GRACE = timedelta(seconds=30)  # network and clock slack after a quiz's time limit
TEXT_ANSWER_MAX = 500


class EnrolmentError(ValueError):
    """An enrolment request was refused; the message is translated."""


class QuizError(ValueError):
    """A quiz action was refused; the message is translated."""


class LateSubmission(QuizError):
    """The attempt's time ran out and the quiz refuses late submissions (the attempt is now expired)."""


def _is(actor, user) -> bool:
    return getattr(actor, "id", None) is not None and actor.id == user.id


# --------------------------------------------------------------------------- cohorts

def create_cohort(actor, course: Course, *, name: str, starts_on: date, ends_on: date, capacity: int | None = None,
                  enrol_from: date | None = None, enrol_until: date | None = None, due_on: date | None = None,
                  self_enrolment: bool = True) -> Cohort:
    ensure_teaches(actor, course, "manage_courses")
    name = " ".join((name or "").split())
    if not name:
        raise EnrolmentError(_("A cohort needs a name."))
    if ends_on < starts_on:
        raise EnrolmentError(_("A cohort cannot end before it starts."))
    if enrol_from and enrol_until and enrol_until < enrol_from:
        raise EnrolmentError(_("The enrolment window closes before it opens."))
    if capacity is not None and capacity < 1:
        raise EnrolmentError(_("The capacity must be at least 1 (or empty for no limit)."))
    cohort = Cohort(course_id=course.id, name=name[:120], starts_on=starts_on, ends_on=ends_on, capacity=capacity,
                    enrol_from=enrol_from, enrol_until=enrol_until, due_on=due_on, self_enrolment=self_enrolment)
    db.session.add(cohort)
    db.session.flush()
    signals.cohort_created.send(actor, cohort=cohort)
    db.session.commit()
    return cohort


def course_cohorts(course: Course) -> list[Cohort]:
    return list(db.session.scalars(select(Cohort).where(Cohort.course_id == course.id)
                                   .order_by(Cohort.starts_on.desc(), Cohort.id.desc())))


def taught_cohorts(actor) -> list[tuple[Course, list[Cohort]]]:
    """The courses the actor teaches, each with its cohorts (as :func:`course_cohorts`), in one query."""
    courses = taught_courses(actor, "view_rosters")
    cohorts: dict[int, list[Cohort]] = {course.id: [] for course in courses}
    if cohorts:
        for cohort in db.session.scalars(select(Cohort).where(Cohort.course_id.in_(list(cohorts)))
                                         .order_by(Cohort.starts_on.desc(), Cohort.id.desc())):
            cohorts[cohort.course_id].append(cohort)
    return [(course, cohorts[course.id]) for course in courses]


def open_cohorts(course: Course, today: date | None = None) -> list[Cohort]:
    """Cohorts a learner may join by themselves today."""
    today = today or local_today()
    return [c for c in course_cohorts(course) if c.self_enrolment and c.window_open(today)]


def get_cohort(cohort_id: int) -> Cohort | None:
    return db.session.get(Cohort, cohort_id)


# --------------------------------------------------------------------------- enrolment

def enrolment_for(user, course: Course) -> Enrolment | None:
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id))


def enrolment_statuses(user, courses: list[Course]) -> dict[int, str]:
    """course id → the person's enrolment status, for a page of courses in one query."""
    if user is None or getattr(user, "id", None) is None or not courses:
        return {}
    return {course_id: status.value for course_id, status in db.session.execute(
        select(Enrolment.course_id, Enrolment.status).where(Enrolment.user_id == user.id,
                                                            Enrolment.course_id.in_([c.id for c in courses])))}


def prerequisites_met(user, course: Course) -> tuple[bool, list[str]]:
    """Whether the person has completed every prerequisite course; and the slugs still missing."""
    if not course.prerequisites:
        return True, []
    done = set(db.session.scalars(
        select(Course.slug).join(Enrolment, Enrolment.course_id == Course.id)
        .where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.completed,
               Course.slug.in_(course.prerequisites))))
    missing = [slug for slug in course.prerequisites if slug not in done]
    return not missing, missing


def _take_seat(cohort: Cohort | None) -> bool:
    """Take a seat in one atomic conditional UPDATE; False when the cohort is full."""
    if cohort is None or cohort.capacity is None:
        if cohort is not None:
            db.session.execute(update(Cohort).where(Cohort.id == cohort.id)
                               .values(seats_taken=Cohort.seats_taken + 1)
                               .execution_options(synchronize_session=False))
        return True
    result = db.session.execute(
        update(Cohort).where(Cohort.id == cohort.id, Cohort.seats_taken < Cohort.capacity)
        .values(seats_taken=Cohort.seats_taken + 1).execution_options(synchronize_session=False))
    return result.rowcount == 1


def enrol_learner(actor, course: Course, *, learner: User | None = None, cohort: Cohort | None = None,
                  due_on: date | None = None, mandatory: bool = False, today: date | None = None) -> Enrolment:
    """Enrol ``learner`` (the actor themself by default) in ``course``.

    Self-enrolment needs the course (and cohort) to allow it, an open enrolment window and the
    prerequisite courses completed. HR (within their organisation subtree) and admins may enrol
    anyone, outside the window and without prerequisites, optionally as mandatory with a due date.
    A full cohort puts the person on its waitlist. Asking again returns the existing enrolment.
    """
    learner = learner or actor
    try:
        enrolment, seated = _enrol(actor, course, learner, cohort=cohort, due_on=due_on, mandatory=mandatory,
                                   today=today or local_today(), existing=enrolment_for(learner, course))
    except IntegrityError:
        # The same person's other request won the race (a double click): keep that one.
        db.session.rollback()
        return enrolment_for(learner, course)
    db.session.commit()
    if seated:
        _check_completion(enrolment)
    return enrolment


def _enrol(actor, course: Course, learner: User, *, cohort: Cohort | None, due_on: date | None, mandatory: bool,
           today: date, existing: Enrolment | None, cohorts: list[Cohort] | None = None) -> tuple[Enrolment, bool]:
    """The checks and changes of :func:`enrol_learner` for one person, flushed but not committed:
    (the enrolment, whether it newly took a seat). Every refusal is raised before anything is written.
    ``existing``: the person's enrolment in the course (or None); ``cohorts``: the course's cohorts
    when the caller has loaded them already."""
    assigned = not _is(actor, learner)
    if assigned:
        ensure(actor, "assign_courses")
        if not covers(actor, learner.organisation):
            raise PermissionDenied("learner outside scope")
    elif not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("sign in")
    if cohort is not None and cohort.course_id != course.id:
        raise EnrolmentError(_("This cohort belongs to another course."))
    if cohort is None:
        cohorts = course_cohorts(course) if cohorts is None else cohorts
        if cohorts:
            candidates = [c for c in cohorts if c.window_open(today) and (assigned or c.self_enrolment)]
            if len(candidates) != 1:
                raise EnrolmentError(_("Choose a cohort to enrol in."))
            cohort = candidates[0]
    if not assigned:
        if not course.self_enrolment or (cohort is not None and not cohort.self_enrolment):
            raise EnrolmentError(_("This course does not accept self-enrolment. Your HR officer can enrol you."))
        if cohort is not None and not cohort.window_open(today):
            raise EnrolmentError(_("Enrolment in this cohort is closed."))
        met, missing = prerequisites_met(learner, course)
        if not met:
            raise EnrolmentError(_("Complete the prerequisite courses first: %(courses)s.", courses=", ".join(missing)))
    elif cohort is not None and cohort.ends_on < today:
        raise EnrolmentError(_("This cohort has already ended."))

    if existing is not None and existing.status != EnrolmentStatus.withdrawn:
        if assigned and (mandatory or due_on):
            # HR assigning again: the course becomes mandatory and/or gets the new due date; both are
            # signalled (and so audited) like the first assignment and a change of due date.
            before_due = existing.due_date
            if mandatory and not existing.mandatory:
                existing.mandatory = True
                signals.enrolment_made_mandatory.send(actor, enrolment=existing)
            if due_on and due_on != existing.due_on:
                existing.due_on = due_on
                if due_on != before_due:
                    signals.enrolment_due_date_changed.send(actor, enrolment=existing, before=before_due)
            existing.assigned_by_id = getattr(actor, "id", None)
        return existing, False

    seated = _take_seat(cohort)
    now = utcnow()
    enrolment = existing or Enrolment(user_id=learner.id, course_id=course.id)
    enrolment.cohort_id = cohort.id if cohort else None
    enrolment.status = EnrolmentStatus.enrolled if seated else EnrolmentStatus.waitlisted
    enrolment.mandatory = mandatory
    enrolment.due_on = due_on
    enrolment.assigned_by_id = actor.id if assigned else None
    enrolment.requested_at = now
    enrolment.enrolled_at = now if seated else None
    enrolment.withdrawn_at = None
    enrolment.completed_at = None
    if existing is None:
        db.session.add(enrolment)
    db.session.flush()
    signals.enrolment_created.send(actor, enrolment=enrolment, via="assignment" if assigned else "self")
    return enrolment, seated


@dataclass
class AssignmentReport:
    enrolled: int = 0
    waitlisted: int = 0
    already: int = 0
    refused: list[tuple[User, str]] = field(default_factory=list)


def assign_course(actor, course: Course, *, people: list[User] = (), organisation: Organisation | None = None,
                  cohort: Cohort | None = None, due_on: date | None = None, mandatory: bool = True) -> AssignmentReport:
    """Enrol named people and/or every active person in an organisation subtree
    ("mandatory for department X, due date D"), in one transaction: everyone is enrolled (or put on
    the waitlist, or reported as refused, each with the reason) and audited, or, should the database
    fail, no one."""
    ensure(actor, "assign_courses")
    targets: dict[int, User] = {person.id: person for person in people}
    if organisation is not None:
        if not covers(actor, organisation):
            raise PermissionDenied("organisation outside scope")
        query = (select(User).join(Organisation, User.organisation_id == Organisation.id)
                 .where(Organisation.path.startswith(organisation.path), User.active.is_(True),
                        visible_to(actor, User.organisation_id))
                 .options(joinedload(User.organisation)).order_by(User.id))
        for person in db.session.scalars(query):
            targets.setdefault(person.id, person)
    for attempt in range(2):  # a second pass only after losing a race with a simultaneous enrolment
        existing: dict[int, Enrolment] = {}
        ids = list(targets)
        for start in range(0, len(ids), 500):
            for enrolment in db.session.scalars(select(Enrolment).where(
                    Enrolment.course_id == course.id, Enrolment.user_id.in_(ids[start:start + 500]))):
                existing[enrolment.user_id] = enrolment
        cohorts = course_cohorts(course) if cohort is None else None
        today = local_today()
        report, seated = AssignmentReport(), []
        try:
            for person in targets.values():
                before = existing.get(person.id)
                was_active = before is not None and before.status != EnrolmentStatus.withdrawn
                try:
                    enrolment, took_seat = _enrol(actor, course, person, cohort=cohort, due_on=due_on,
                                                  mandatory=mandatory, today=today, existing=before, cohorts=cohorts)
                except (EnrolmentError, PermissionDenied) as error:  # raised before anything was written
                    report.refused.append((person, str(error) if isinstance(error, EnrolmentError)
                                           else _("Outside your organisation.")))
                    continue
                if took_seat and before is not None:
                    seated.append(enrolment)  # re-enrolled: earlier progress may complete the course
                if was_active:
                    report.already += 1
                elif enrolment.status == EnrolmentStatus.waitlisted:
                    report.waitlisted += 1
                else:
                    report.enrolled += 1
            for enrolment in seated:
                _complete_if_done(enrolment)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
            continue
        return report
    raise AssertionError("unreachable")


def enrolments_to_reschedule(actor, enrolment_ids: list[int]) -> list[Enrolment]:
    """Those of ``enrolment_ids`` that are still in progress and whose person the actor may assign."""
    ensure(actor, "assign_courses")
    if not enrolment_ids:
        return []
    return list(db.session.scalars(
        select(Enrolment).join(User, Enrolment.user_id == User.id)
        .where(Enrolment.id.in_(enrolment_ids[:500]), Enrolment.status == EnrolmentStatus.enrolled,
               visible_to(actor, User.organisation_id))
        .options(joinedload(Enrolment.user), joinedload(Enrolment.course), joinedload(Enrolment.cohort))
        .order_by(*by_name(User.surname, User.given_name), Enrolment.id)))


def change_due_dates(actor, enrolments: list[Enrolment], due_on: date, today: date | None = None) -> int:
    """Give each of ``enrolments`` (people in the actor's scope, still enrolled) the due date ``due_on``;
    returns how many changed. A date before today is refused, and so is the whole change if one of the
    enrolments is not the actor's to change: nothing is half done."""
    ensure(actor, "assign_courses")
    if due_on < (today or local_today()):
        raise EnrolmentError(_("The new due date is in the past: choose today or a later day."))
    for enrolment in enrolments:
        if not covers(actor, enrolment.user.organisation):
            raise PermissionDenied("enrolment outside scope")
        if enrolment.status != EnrolmentStatus.enrolled:
            raise EnrolmentError(_("Only a course still in progress has a due date to change."))
    changed = 0
    for enrolment in enrolments:
        before = enrolment.due_date
        if before == due_on:
            continue
        enrolment.due_on = due_on
        signals.enrolment_due_date_changed.send(actor, enrolment=enrolment, before=before)
        changed += 1
    db.session.commit()
    return changed


def withdrawal_refusal(actor, enrolment: Enrolment) -> str | None:
    """Why :func:`withdraw` would refuse ``actor`` leaving ``enrolment`` (translated; None: it would
    not), so that pages offer Withdraw only where it works."""
    if enrolment.status == EnrolmentStatus.completed:
        return _("A completed course cannot be withdrawn from.")
    if _is(actor, enrolment.user) and enrolment.mandatory:
        return _("This course was assigned to you as mandatory. Ask your HR officer to withdraw you.")
    return None


def withdraw(actor, enrolment: Enrolment) -> Enrolment:
    """Leave a course (or its waitlist). The freed seat goes to the first person waiting."""
    own = _is(actor, enrolment.user)
    if not own:
        ensure(actor, "assign_courses")
        if not covers(actor, enrolment.user.organisation):
            raise PermissionDenied("learner outside scope")
    if enrolment.status == EnrolmentStatus.withdrawn:
        return enrolment
    refusal = withdrawal_refusal(actor, enrolment)
    if refusal:
        raise EnrolmentError(refusal)
    held_seat = enrolment.status == EnrolmentStatus.enrolled and enrolment.cohort_id is not None
    if held_seat:
        # Serialise withdrawals and promotions per cohort (PostgreSQL: row lock until commit).
        db.session.execute(select(Cohort.id).where(Cohort.id == enrolment.cohort_id).with_for_update())
        db.session.execute(update(Cohort).where(Cohort.id == enrolment.cohort_id, Cohort.seats_taken > 0)
                           .values(seats_taken=Cohort.seats_taken - 1).execution_options(synchronize_session=False))
    enrolment.status = EnrolmentStatus.withdrawn
    enrolment.withdrawn_at = utcnow()
    signals.enrolment_withdrawn.send(actor, enrolment=enrolment)
    promoted = None
    if held_seat:
        promoted = _promote_from_waitlist(actor, enrolment.cohort)
    db.session.commit()
    if promoted is not None:
        _check_completion(promoted)
    return enrolment


def _promote_from_waitlist(actor, cohort: Cohort) -> Enrolment | None:
    waiting = db.session.scalar(select(Enrolment).where(Enrolment.cohort_id == cohort.id,
                                                        Enrolment.status == EnrolmentStatus.waitlisted)
                                .order_by(Enrolment.requested_at, Enrolment.id).limit(1))
    if waiting is None or not _take_seat(cohort):
        return None
    waiting.status = EnrolmentStatus.enrolled
    waiting.enrolled_at = utcnow()
    signals.waitlist_promoted.send(actor, enrolment=waiting)
    return waiting


def waitlist_position(enrolment: Enrolment) -> int | None:
    if enrolment.status != EnrolmentStatus.waitlisted:
        return None
    return _waitlist_position(enrolment.id, enrolment.cohort_id, enrolment.requested_at)


def _waitlist_position(enrolment_id: int, cohort_id: int | None, requested_at: datetime) -> int:
    ahead = db.session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.waitlisted,
        (Enrolment.requested_at < requested_at) |
        ((Enrolment.requested_at == requested_at) & (Enrolment.id < enrolment_id))))
    return ahead + 1


# --------------------------------------------------------------------------- access and progress

def active_enrolment(user, course: Course) -> Enrolment | None:
    """The person's enrolment if it lets them open lessons and quizzes."""
    enrolment = enrolment_for(user, course)
    return enrolment if enrolment is not None and enrolment.is_active else None


def can_preview(actor) -> bool:
    """Instructors and admins may read any lesson without enrolling."""
    return has_permission(actor, "manage_courses")


def _progress_rows(user_id: int, course_id: int) -> dict[int, ItemProgress]:
    return {p.item_id: p for p in db.session.scalars(select(ItemProgress).where(
        ItemProgress.user_id == user_id, ItemProgress.course_id == course_id))}


def _progress_row(user_id: int, item: Item) -> ItemProgress:
    row = db.session.scalar(select(ItemProgress).where(ItemProgress.user_id == user_id,
                                                       ItemProgress.item_id == item.id))
    if row is None:
        # Committed on its own, first thing in an operation, so a conflict loses nothing else.
        row = ItemProgress(user_id=user_id, item_id=item.id, course_id=item.course_id)
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:  # the same item opened twice at once
            db.session.rollback()
            row = db.session.scalar(select(ItemProgress).where(ItemProgress.user_id == user_id,
                                                               ItemProgress.item_id == item.id))
    return row


def record_visit(actor, enrolment: Enrolment, item: Item) -> None:
    """Remember where the learner is, so "Continue" brings them back here."""
    if not _is(actor, enrolment.user) or not enrolment.is_active:
        return
    _progress_row(actor.id, item)
    enrolment.last_item_id = item.id
    db.session.commit()


def complete_lesson(actor, enrolment: Enrolment, item: Item) -> bool:
    """Mark a lesson done. Returns True when this completed it (False if it already was)."""
    if not _is(actor, enrolment.user):
        raise PermissionDenied("not the learner")
    if not enrolment.is_active:
        raise EnrolmentError(_("You are not enrolled in this course."))
    if item.course_id != enrolment.course_id or item.kind != ItemKind.lesson or item.retired_at is not None:
        raise EnrolmentError(_("This is not a lesson of the course."))
    row = _progress_row(actor.id, item)
    enrolment.last_item_id = item.id
    if row.completed_at is not None:
        db.session.commit()
        return False
    row.completed_at = utcnow()
    signals.lesson_completed.send(actor, enrolment=enrolment, item=item)
    db.session.commit()
    _check_completion(enrolment)
    return True


@dataclass
class ModuleProgress:
    module: object
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


@dataclass
class CourseProgress:
    course: Course
    modules: list[ModuleProgress]
    done: int
    total: int
    completed_items: set[int]
    item_rows: dict[int, ItemProgress]
    next_item: Item | None  # the first item not yet done

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def course_progress(user, course: Course, rows: dict[int, ItemProgress] | None = None) -> CourseProgress:
    """``rows``: the person's progress rows for this course when the caller has loaded them already."""
    if rows is None:
        rows = _progress_rows(user.id, course.id) if getattr(user, "id", None) else {}
    completed = {item_id for item_id, row in rows.items() if row.completed_at is not None}
    modules, done_all, total_all, next_item = [], 0, 0, None
    for module in course.active_modules:
        counted = [item for item in module.active_items if item.counts_for_progress]
        done = sum(1 for item in counted if item.id in completed)
        modules.append(ModuleProgress(module, done, len(counted)))
        done_all += done
        total_all += len(counted)
        if next_item is None:
            next_item = next((item for item in counted if item.id not in completed), None)
    return CourseProgress(course, modules, done_all, total_all, completed, rows, next_item)


def resume_item(enrolment: Enrolment, progress: CourseProgress) -> Item | None:
    """Where "Continue" leads: the last item opened if it is unfinished, else the next unfinished one."""
    last = enrolment.last_item
    if last is not None and last.retired_at is None and last.id not in progress.completed_items:
        return last
    if progress.next_item is not None:
        return progress.next_item
    items = enrolment.course.active_items()
    return items[0] if items else None


def _complete_if_done(enrolment: Enrolment) -> bool:
    """Mark an enrolment whose every counted item is done as completed (not committed)."""
    if enrolment.status != EnrolmentStatus.enrolled:
        return False
    progress = course_progress(enrolment.user, enrolment.course)
    if progress.total and progress.done >= progress.total:
        enrolment.status = EnrolmentStatus.completed
        enrolment.completed_at = utcnow()
        signals.course_completed.send(None, enrolment=enrolment)
        return True
    return False


def _check_completion(enrolment: Enrolment) -> None:
    if _complete_if_done(enrolment):
        db.session.commit()


# --------------------------------------------------------------------------- quizzes

def quiz_settings(item: Item) -> dict:
    content = item.content or {}
    return {"pass_mark": content.get("pass_mark", 60), "attempts": content.get("attempts", 0),
            "time_limit": content.get("time_limit"), "late": content.get("late", "refuse"),
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
    if late and (item.content or {}).get("late", "refuse") != "accept":
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
    pass_mark = (item.content or {}).get("pass_mark", 60)
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


# --------------------------------------------------------------------------- a learner's courses
# One computation of "a learner's courses" (progress per course and module, next step, deadline, quiz
# results) behind the dashboard, ``/api/v1/me/progress`` and HR's training record. It reads plain rows,
# not ORM objects: a few hundred mapped instances (courses, modules, items, progress rows) cost most of
# the dashboard's CPU; these tuples hold what the pages show.

@dataclass(slots=True)
class DashboardCourse:
    id: int
    slug: str
    title_kk: str
    title_ru: str


@dataclass(slots=True)
class DashboardEnrolment:
    id: int
    course: DashboardCourse
    status: EnrolmentStatus
    mandatory: bool
    cohort_id: int | None = None


@dataclass(slots=True)
class DashboardItem:
    id: int
    key: str
    title_kk: str
    title_ru: str


@dataclass(slots=True)
class DashboardQuizResult:
    best_percent: float
    passed: bool


@dataclass(slots=True)
class DashboardProgress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(slots=True)
class DashboardModule:
    """A module's share of a course's progress (100 % when nothing in it counts)."""
    key: str
    title_kk: str
    title_ru: str
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


@dataclass(slots=True)
class DashboardEntry:
    """One of a learner's courses, as the dashboard, the API and HR's training record show it."""
    enrolment: DashboardEnrolment
    progress: DashboardProgress
    next_item: DashboardItem | None
    due: date | None
    overdue: bool
    quiz_results: list[tuple[DashboardItem, DashboardQuizResult]]
    waitlist_position: int | None
    modules: list[DashboardModule] = field(default_factory=list)


_LAST_ITEM = aliased(Item, name="last_item")
# Built once: the statements are the same for every learner (the values are bound parameters).
_DASHBOARD_ENROLMENTS = (
    select(Enrolment.id, Enrolment.course_id, Enrolment.status, Enrolment.mandatory, Enrolment.due_on,
           Cohort.due_on, Enrolment.cohort_id, Enrolment.requested_at, Course.slug, Course.title_kk,
           Course.title_ru, _LAST_ITEM.id, _LAST_ITEM.key, _LAST_ITEM.title_kk, _LAST_ITEM.title_ru,
           _LAST_ITEM.retired_at, Course.content_hash, Course.imported_at)
    .join(Course, Course.id == Enrolment.course_id)
    .outerjoin(Cohort, Cohort.id == Enrolment.cohort_id)
    .outerjoin(_LAST_ITEM, _LAST_ITEM.id == Enrolment.last_item_id)
    .where(Enrolment.user_id == bindparam("user_id"), Enrolment.status != EnrolmentStatus.withdrawn))
_DASHBOARD_PROGRESS = (
    select(ItemProgress.item_id, ItemProgress.completed_at.is_not(None), ItemProgress.best_percent,
           ItemProgress.passed)
    .where(ItemProgress.user_id == bindparam("user_id"),
           ItemProgress.course_id.in_(bindparam("course_ids", expanding=True)),
           ItemProgress.completed_at.is_not(None) | ItemProgress.best_percent.is_not(None)))
# (database, course id, content hash, import time) → the course's active modules and items in syllabus
# order. Only the course importer changes a course's modules and items, and it sets a new content hash
# and import time when it does; courses without a hash (made in code, as in tests) are never kept.
_STRUCTURE_CACHE: dict[tuple, list[tuple]] = {}


def _active_items(versions: dict[int, tuple]) -> dict[int, list[tuple]]:
    """course id → (module key, module title_kk, module title_ru, item id, key, title_kk, title_ru, kind)
    of its active modules and their active items in syllabus order (a module without active items
    appears once, with ``None`` item fields), for courses given as ``{course id: (content hash,
    imported at)}``."""
    database = str(db.engine.url)
    result, missing = {}, []
    for course_id, (content_hash, imported_at) in versions.items():
        cached = _STRUCTURE_CACHE.get((database, course_id, content_hash, imported_at)) if content_hash else None
        if cached is None:
            missing.append(course_id)
            result[course_id] = []
        else:
            result[course_id] = cached
    if missing:
        for row in db.session.execute(
                select(Module.course_id, Module.key, Module.title_kk, Module.title_ru, Item.id, Item.key,
                       Item.title_kk, Item.title_ru, Item.kind)
                .outerjoin(Item, (Item.module_id == Module.id) & Item.retired_at.is_(None))
                .where(Module.course_id.in_(missing), Module.retired_at.is_(None))
                .order_by(Module.course_id, Module.position, Module.id, Item.position, Item.id)):
            result[row[0]].append(tuple(row)[1:])
        if len(_STRUCTURE_CACHE) > 2000:
            _STRUCTURE_CACHE.clear()
        for course_id in missing:
            content_hash, imported_at = versions[course_id]
            if content_hash:
                _STRUCTURE_CACHE[(database, course_id, content_hash, imported_at)] = result[course_id]
    return result


def learner_courses(user, today: date | None = None) -> list[DashboardEntry]:
    """The learner's courses (withdrawn ones left out): progress per course and module, the next step
    (as :func:`resume_item`), deadline, quiz results; current first, then waitlisted, then completed.

    At most three queries of plain rows (enrolments with course, cohort and last item; the courses'
    active modules and items in syllabus order, kept per process for imported courses; the person's
    progress) plus one count per waitlisted enrolment."""
    today = today or local_today()
    enrolments = db.session.execute(_DASHBOARD_ENROLMENTS, {"user_id": user.id}).all()
    if not enrolments:
        return []
    course_ids = list({row[1] for row in enrolments})
    structure = _active_items({row[1]: (row[16], row[17]) for row in enrolments})
    completed: set[int] = set()
    quiz_rows: dict[int, DashboardQuizResult] = {}
    for item_id, is_completed, best_percent, passed in db.session.execute(
            _DASHBOARD_PROGRESS, {"user_id": user.id, "course_ids": course_ids}):
        if is_completed:
            completed.add(item_id)
        if best_percent is not None:
            quiz_rows[item_id] = DashboardQuizResult(best_percent, bool(passed))
    entries = []
    for (enrolment_id, course_id, status, mandatory, due_on, cohort_due_on, cohort_id, requested_at, slug,
         title_kk, title_ru, last_id, last_key, last_title_kk, last_title_ru, last_retired_at, _hash,
         _imported_at) in enrolments:
        first_open = first_item = None
        quizzes, modules = [], []
        for (module_key, module_kk, module_ru, item_id, key, item_title_kk, item_title_ru,
             kind) in structure[course_id]:
            if not modules or modules[-1].key != module_key:
                modules.append(DashboardModule(module_key, module_kk, module_ru))
            if item_id is None:
                continue
            first_item = first_item or DashboardItem(item_id, key, item_title_kk, item_title_ru)
            if kind in PROGRESS_KINDS:
                modules[-1].total += 1
                if item_id in completed:
                    modules[-1].done += 1
                elif first_open is None:
                    first_open = DashboardItem(item_id, key, item_title_kk, item_title_ru)
            if kind == ItemKind.quiz and item_id in quiz_rows:
                quizzes.append((DashboardItem(item_id, key, item_title_kk, item_title_ru), quiz_rows[item_id]))
        next_item = None
        if status in (EnrolmentStatus.enrolled, EnrolmentStatus.completed):  # Enrolment.is_active
            if last_id is not None and last_retired_at is None and last_id not in completed:
                next_item = DashboardItem(last_id, last_key, last_title_kk, last_title_ru)
            else:
                next_item = first_open or first_item
        due = due_on or cohort_due_on
        position = None
        if status == EnrolmentStatus.waitlisted:
            position = _waitlist_position(enrolment_id, cohort_id, requested_at)
        entries.append(DashboardEntry(
            DashboardEnrolment(enrolment_id, DashboardCourse(course_id, slug, title_kk, title_ru), status,
                               bool(mandatory), cohort_id),
            DashboardProgress(sum(m.done for m in modules), sum(m.total for m in modules)), next_item, due,
            due is not None and today > due and status == EnrolmentStatus.enrolled, quizzes, position, modules))
    order = {EnrolmentStatus.enrolled: 0, EnrolmentStatus.waitlisted: 1, EnrolmentStatus.completed: 2}
    entries.sort(key=lambda e: (order.get(e.enrolment.status, 3), e.due or date.max, e.enrolment.id))
    return entries


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

"""Enrolment and withdrawal, HR's assignments and due dates, and the waitlist. Seats are taken by
one conditional UPDATE (``seats_taken < capacity``) and a person has one enrolment row per course (a
unique key), so double clicks and simultaneous requests never oversubscribe a cohort."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import signals
from ..accounts.models import User
from ..courses.models import Course
from ..extensions import db
from ..i18n.collation import by_name
from ..clock import today as local_today
from ..organisations.models import Organisation
from ..organisations.services import covers, visible_to
from ..security import PermissionDenied, ensure
from ..utils import utcnow
from .models import Cohort, Enrolment, EnrolmentStatus
from ._rules import EnrolmentError, _is, enrolment_for
from .cohorts import course_cohorts
from .progress import _check_completion, _complete_if_done


# --------------------------------------------------------------------------- enrolment


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

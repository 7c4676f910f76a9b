"""Access to a course's items and a learner's progress through them: visits, completed lessons, the
progress of each module and of the course, where to resume, and completing the course."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import signals
from ..courses.models import Course, Item, ItemKind
from ..extensions import db
from ..security import PermissionDenied, has_permission
from ..utils import utcnow
from .models import Enrolment, EnrolmentStatus, ItemProgress
from ._rules import EnrolmentError, _is, enrolment_for


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

"""A learner's courses: one computation behind the dashboard, ``/api/v1/me/progress`` and HR's
training record, in a constant number of queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from ..courses.models import PROGRESS_KINDS, Course, Item, ItemKind, Module
from ..extensions import db
from ..clock import today as local_today
from .models import Cohort, Enrolment, EnrolmentStatus, ItemProgress
from .enrolment import _waitlist_position


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

"""The HR dashboard: training status of the officer's organisation subtree.

Every figure is scoped twice: to the people the actor may see
(:func:`lms.organisations.services.visible_to`: HR their subtrees, admins everyone) and to the unit
the dashboard looks at (the officer's own unit by default, or a unit inside it chosen to drill down).
Reads learning, grading and certificates; changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import to_utc
from sqlalchemy import and_, exists, false, func, or_, select

from ..accounts.models import User
from ..certificates.models import Certificate
from ..courses.models import Course
from ..extensions import db
from ..grading.instructor.gradebook import GradeCell, learner_grades
from ..i18n.collation import by_name
from ..clock import today as local_today
from ..learning.models import Cohort, Enrolment, EnrolmentStatus, ItemProgress
from ..learning.services import DashboardEntry, learner_courses
from ..organisations.models import Organisation
from ..organisations.services import covers, hr_scopes, visible_to
from ..security import PermissionDenied, ensure

ACTIVE = (EnrolmentStatus.enrolled, EnrolmentStatus.completed)
OVERDUE_SHOWN = 100


class DashboardError(ValueError):
    """A dashboard request that cannot be answered (a unit outside the actor's scope); translated."""


@dataclass(frozen=True)
class Rate:
    """Completion of one department or course: enrolments completed out of enrolments in progress
    or completed (waitlisted and withdrawn ones do not count)."""

    key: int
    label: str
    completed: int
    enrolled: int  # completed ones included
    drill_unit: Organisation | None = None  # a department with sub-units: look inside it
    course: Course | None = None

    @property
    def rate(self) -> float:
        return self.completed / self.enrolled if self.enrolled else 0.0

    @property
    def percent(self) -> float:
        return round(100 * self.rate, 1)


@dataclass(frozen=True)
class Overdue:
    enrolment: Enrolment
    due_on: date
    days: int


def _label(unit: Organisation) -> str:
    from ..i18n import localized

    return localized(unit.name_kk, unit.name_ru)


def roots(actor, unit: Organisation | None = None) -> list[Organisation]:
    """The units the dashboard covers: ``unit`` if given (it must lie in the actor's scope), else the
    officer's HR subtrees, or every top-level organisation for an admin."""
    ensure(actor, "view_staff")
    if unit is not None:
        if not covers(actor, unit):
            raise DashboardError(_("This organisation is not in your scope."))
        return [unit]
    if actor.has_role("admin"):
        return list(db.session.scalars(select(Organisation).where(Organisation.parent_id.is_(None))
                                       .order_by(Organisation.code)))
    return hr_scopes(actor)


def _in_roots(root_units: list[Organisation], column=User.organisation_id):
    """People of these units and their sub-units."""
    if not root_units:
        return false()
    return column.in_(select(Organisation.id).where(or_(*[Organisation.path.startswith(r.path) for r in root_units])))


def _people(actor, root_units):
    return and_(visible_to(actor, User.organisation_id), _in_roots(root_units), User.active.is_(True))


def departments(actor, root_units: list[Organisation]) -> list[Organisation]:
    """The rows of "completion by department": the direct sub-units of a single root (with the root
    itself for its own staff), or the roots themselves when there are several."""
    if len(root_units) != 1:
        return root_units
    [root] = root_units
    children = list(db.session.scalars(select(Organisation).where(Organisation.parent_id == root.id)
                                       .order_by(Organisation.code)))
    return [root] + children if children else [root]


def completion_by_department(actor, root_units: list[Organisation]) -> list[Rate]:
    ensure(actor, "view_staff")
    units = departments(actor, root_units)
    counts = db.session.execute(
        select(Organisation.path, Enrolment.status, func.count())
        .select_from(Enrolment).join(User, Enrolment.user_id == User.id)
        .join(Organisation, User.organisation_id == Organisation.id)
        .where(_people(actor, root_units), Enrolment.status.in_(ACTIVE))
        .group_by(Organisation.path, Enrolment.status)).all()
    single_root = root_units[0] if len(root_units) == 1 and len(units) > 1 else None
    with_children = set(db.session.scalars(select(Organisation.parent_id).where(
        Organisation.parent_id.in_([u.id for u in units])).distinct()))
    rates = []
    for unit in units:
        own_only = unit is single_root  # the root's row: people of the root itself, not of its sub-units
        completed = enrolled = 0
        for path, status, count in counts:
            if (path == unit.path) if own_only else path.startswith(unit.path):
                enrolled += count
                completed += count if status == EnrolmentStatus.completed else 0
        if own_only and not enrolled:
            continue
        label = _("%(unit)s (own staff)", unit=_label(unit)) if own_only else _label(unit)
        rates.append(Rate(key=unit.id, label=label, completed=completed, enrolled=enrolled,
                          drill_unit=unit if unit.id in with_children and not own_only else None))
    return rates


def completion_by_course(actor, root_units: list[Organisation]) -> list[Rate]:
    from ..i18n import localized

    ensure(actor, "view_staff")
    counts = db.session.execute(
        select(Enrolment.course_id, Enrolment.status, func.count())
        .select_from(Enrolment).join(User, Enrolment.user_id == User.id)
        .where(_people(actor, root_units), Enrolment.status.in_(ACTIVE))
        .group_by(Enrolment.course_id, Enrolment.status)).all()
    totals: dict[int, list[int]] = {}
    for course_id, status, count in counts:
        entry = totals.setdefault(course_id, [0, 0])
        entry[1] += count
        entry[0] += count if status == EnrolmentStatus.completed else 0
    courses = {c.id: c for c in db.session.scalars(select(Course).where(Course.id.in_(list(totals))))}
    rates = [Rate(key=course_id, label=localized(courses[course_id].title_kk, courses[course_id].title_ru),
                  completed=done, enrolled=enrolled, course=courses[course_id])
             for course_id, (done, enrolled) in totals.items()]
    return sorted(rates, key=lambda r: (-r.enrolled, r.label))


def _due():
    return func.coalesce(Enrolment.due_on, Cohort.due_on)


def overdue_query(actor, root_units: list[Organisation], today: date):
    """Mandatory enrolments (assigned through *Assign a course*) past their due date and not completed."""
    due = _due()
    return (select(Enrolment, due).join(User, Enrolment.user_id == User.id)
            .outerjoin(Cohort, Enrolment.cohort_id == Cohort.id)
            .where(_people(actor, root_units), Enrolment.mandatory.is_(True),
                   Enrolment.status == EnrolmentStatus.enrolled, due < today))


def overdue_trainings(actor, root_units: list[Organisation], today: date | None = None,
                      limit: int = OVERDUE_SHOWN) -> tuple[int, list[Overdue]]:
    """How many mandatory trainings are overdue, and the most overdue ones first."""
    ensure(actor, "view_staff")
    today = today or local_today()
    query = overdue_query(actor, root_units, today)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    from sqlalchemy.orm import joinedload

    rows = db.session.execute(query.options(joinedload(Enrolment.user), joinedload(Enrolment.course))
                              .order_by(_due(), *by_name(User.surname, User.given_name), Enrolment.id).limit(limit)).all()
    return total or 0, [Overdue(enrolment=e, due_on=_as_date(d), days=(today - _as_date(d)).days) for e, d in rows]


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):  # SQLite hands back COALESCE of dates as text
        return date.fromisoformat(value[:10])
    return value


def year_start(today: date) -> tuple[date, datetime]:
    """The first day of ``today``'s calendar year, as a date and as the UTC moment local midnight began."""
    first = date(today.year, 1, 1)
    return first, to_utc(datetime(today.year, 1, 1))


def no_training_query(actor, root_units: list[Organisation], today: date | None = None):
    """Active people who have done nothing this calendar year: no lesson or quiz opened or completed,
    no course completed, no notebook handed in, no certificate issued."""
    from ..grading.models import Submission  # read-only

    ensure(actor, "view_staff")
    first_day, since = year_start(today or local_today())
    progress = exists().where(ItemProgress.user_id == User.id,
                              or_(ItemProgress.first_opened_at >= since, ItemProgress.completed_at >= since))
    completion = exists().where(Enrolment.user_id == User.id, Enrolment.completed_at >= since)
    submission = exists().where(Submission.user_id == User.id, Submission.submitted_at >= since)
    certificate = exists().where(Certificate.user_id == User.id, Certificate.issued_on >= first_day)
    return (select(User).where(_people(actor, root_units), ~progress, ~completion, ~submission, ~certificate)
            .order_by(*by_name(User.surname, User.given_name), User.id))


def staff_count(actor, root_units: list[Organisation]) -> int:
    ensure(actor, "view_staff")
    return db.session.scalar(select(func.count(User.id)).where(_people(actor, root_units))) or 0


def expiring_count(actor, root_units: list[Organisation], days: int, today: date | None = None) -> int:
    """Valid certificates of these units expiring within ``days``."""
    from datetime import timedelta

    ensure(actor, "view_certificates")
    today = today or local_today()
    return db.session.scalar(select(func.count(Certificate.id)).where(
        visible_to(actor, Certificate.organisation_id), _in_roots(root_units, Certificate.organisation_id),
        Certificate.revoked_at.is_(None), Certificate.valid_until >= today,
        Certificate.valid_until <= today + timedelta(days=days))) or 0


def record_export(actor, report: str, unit_id: int | None, rows: int) -> None:
    """The audit record of a dashboard list exported (committed on its own: the file has gone out)."""
    from .. import signals

    signals.hr_report_exported.send(actor, report=report, unit=unit_id, rows=rows)
    db.session.commit()


# --------------------------------------------------------------------------- a person's training record

@dataclass
class TrainingRecord:
    """What HR sees of one person's training: each course (progress, deadline, quiz and assignment
    results) and their certificates."""

    courses: list[DashboardEntry]
    grades: dict[int, list[tuple[str, GradeCell]]]  # enrolment id → (assignment title, cell)
    certificates: list[Certificate]


def training_record(actor, person: User, today: date | None = None) -> TrainingRecord:
    """The training record of ``person``, for an HR officer whose subtree holds them (or an admin)."""
    ensure(actor, "view_staff")
    if not (actor.has_role("admin") or covers(actor, person.organisation)):
        raise PermissionDenied("person outside scope")
    courses = learner_courses(person, today)
    certificates = list(db.session.scalars(select(Certificate).where(Certificate.user_id == person.id)
                                           .order_by(Certificate.issued_on.desc(), Certificate.id.desc())))
    return TrainingRecord(courses, {entry.enrolment.id: learner_grades(db.session.get(Enrolment, entry.enrolment.id))
                                    for entry in courses},
                          certificates)

"""Cohorts: a course's groups with dates and a capacity, created by instructors."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from .. import signals
from ..courses.models import Course
from ..courses.teaching import ensure_teaches, taught_courses
from ..extensions import db
from ..clock import today as local_today
from .models import Cohort
from ._rules import EnrolmentError


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

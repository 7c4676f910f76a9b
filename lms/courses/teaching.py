"""Who teaches which course.

An administrator teaches every course; an instructor only the courses they are listed for
(:class:`CourseInstructor`, added with ``flask --app wsgi lms add-instructor COURSE EMAIL``). Teaching
a course is what lets an instructor see its cohorts, rosters and quiz statistics, open cohorts, grade
its submissions, see its gradebook and publish its assignments: every such page and service asks
:func:`teaches` (with the permission it needs) and lists courses with :func:`taught_courses`.
"""
from __future__ import annotations

from sqlalchemy import select

from .. import signals
from ..extensions import db
from ..security import PermissionDenied, ensure, has_permission
from .models import Course, CourseInstructor


def teaches(actor, course: Course, permission: str = "grade_submissions") -> bool:
    if not has_permission(actor, permission):
        return False
    if has_permission(actor, "teach_every_course"):
        return True
    return db.session.execute(select(CourseInstructor.id).filter_by(course_id=course.id, user_id=actor.id)
                              ).first() is not None


def ensure_teaches(actor, course: Course, permission: str = "grade_submissions") -> None:
    if not teaches(actor, course, permission):
        raise PermissionDenied(permission)


def taught_courses(actor, permission: str = "grade_submissions") -> list[Course]:
    if not has_permission(actor, permission):
        return []
    query = select(Course).order_by(Course.slug)
    if not has_permission(actor, "teach_every_course"):
        query = query.join(CourseInstructor, CourseInstructor.course_id == Course.id).where(
            CourseInstructor.user_id == actor.id)
    return list(db.session.scalars(query))


def add_instructor(actor, course: Course, instructor) -> CourseInstructor:
    """List ``instructor`` (who must hold the instructor role) as teaching ``course``; idempotent."""
    ensure(actor, "manage_users")
    if not instructor.has_role("instructor"):
        raise ValueError(f"{instructor.email} does not hold the instructor role")
    row = db.session.execute(select(CourseInstructor).filter_by(course_id=course.id, user_id=instructor.id)
                             ).scalar_one_or_none()
    if row is None:
        row = CourseInstructor(course_id=course.id, user_id=instructor.id)
        db.session.add(row)
        db.session.flush()
        signals.instructor_added.send(actor, course=course, instructor=instructor)
    db.session.commit()
    return row

"""The assignments a learner sees on a course's pages, built for one person (the course page and the
item page get them through their declared slots, lms.hooks): the course's published nbgrader
assignments and the learner's submissions of each."""
from __future__ import annotations

from ..courses.models import Course, ItemKind
from ..extensions import db
from .authoring import published_assignments
from .models import Submission, SubmissionStatus
from .sources import stored_keys


def assignment_rows(user, course: Course) -> list[dict]:
    """The course's published nbgrader assignments (notebook items with a source folder and a
    published version: an assignment never published is held back from learners) and ``user``'s
    submissions of each: ``latest``, and ``graded`` (the latest graded one, or None), in one query for
    the course. Nothing for someone not signed in."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    published = published_assignments(course.id)
    keys = stored_keys(course) if published else set()
    items = [item for item in course.active_items() if item.kind == ItemKind.notebook and item.key in published
             and item.key in keys]
    if not items:
        return []
    submissions: dict[str, list] = {item.key: [] for item in items}
    for found in db.session.scalars(db.select(Submission).filter_by(user_id=user.id, course_id=course.id)
                                    .where(Submission.assignment.in_(list(submissions)))
                                    .order_by(Submission.attempt.desc())):
        submissions[found.assignment].append(found)
    return [{"item": item, "latest": next(iter(submissions[item.key]), None),
             "graded": next((s for s in submissions[item.key] if s.status == SubmissionStatus.graded), None)}
            for item in items]

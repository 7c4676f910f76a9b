"""What the learner's JupyterLab asks the LMS (lms/assignments/api.py): which Oqu assignment a notebook
belongs to and where the learner stands on it, the course's assignments, hand-ins and their progress.

The caller is always the learner themself (their hub token, lms.hub.labauth); everything is scoped to
that person: their enrolment, their submissions, their releases. Handing in is the same service as the
LMS's submit page (lms.grading.access.submit_from_server), so the two can never disagree.
"""
from __future__ import annotations

from pathlib import PurePosixPath

from sqlalchemy import select

from ..extensions import db
from ..grading import access
from ..grading.cell_names import names_of_submission
from ..grading.standing import Standing, cell_text, own_submission, standing_of, status_text
from ..i18n import localized
from ..learning.services import enrolment_for
from ..security import PermissionDenied
from .models import AssignmentRelease

__all__ = ["PermissionDenied", "assignment_at", "course_assignments", "submission_progress", "submit"]


def _enrolled_course(person, slug: str):
    """The published course ``slug`` the person is enrolled in (LookupError / PermissionDenied)."""
    from werkzeug.exceptions import NotFound

    from ..courses.services import get_course

    try:
        course = get_course(slug)
    except NotFound:
        raise LookupError(slug) from None
    enrolment = enrolment_for(person, course)
    if enrolment is None or enrolment.status.value not in ("enrolled", "completed"):
        raise PermissionDenied("lab")
    return course


def _assignment_items(course) -> list:
    from ..grading.sources import stored_keys

    keys = stored_keys(course)
    return [item for item in course.active_items() if item.kind.value == "notebook" and item.key in keys]


def _releases(person, course) -> dict[str, AssignmentRelease]:
    rows = db.session.scalars(select(AssignmentRelease).where(AssignmentRelease.user_id == person.id,
                                                              AssignmentRelease.course_id == course.id))
    return {row.assignment: row for row in rows}


def _summary(course, item, standing: Standing, release: AssignmentRelease | None) -> dict:
    latest = standing.latest
    return {
        "course": course.slug, "course_title": localized(course.title_kk, course.title_ru),
        "assignment": item.key, "title": localized(item.title_kk, item.title_ru),
        "folder": f"{course.slug}/{item.key}",
        "max_attempts": standing.max_attempts, "attempts_used": standing.attempts_used,
        "attempts_left": standing.attempts_left,
        "due": standing.due.isoformat() + "Z" if standing.due else None,
        "late_now": standing.late_now, "late_penalty_now": standing.late_penalty_now,
        "refusal": standing.refusal,
        "latest": _brief(latest) if latest is not None else None,
        "new_version": bool(release and release.beside and not release.error),
        "new_version_paths": list(release.beside) if release and release.beside and not release.error else [],
    }


def _brief(submission) -> dict:
    return {"id": submission.id, "attempt": submission.attempt, "status": submission.status.value,
            "status_text": status_text(submission), "total": submission.total, "max_total": submission.max_total}


def assignment_at(person, path: str) -> dict | None:
    """The Oqu assignment of the notebook at ``path`` in the learner's server (``<course>/<assignment>/…
    .ipynb``) and the learner's standing on it; None for a notebook that is not one."""
    parts = PurePosixPath(path.strip("/")).parts
    if len(parts) < 3 or not parts[-1].endswith(".ipynb") or ".." in parts:
        return None
    try:
        course = _enrolled_course(person, parts[0])
    except LookupError:
        return None
    item = next((item for item in _assignment_items(course) if item.key == parts[1]), None)
    if item is None:
        return None
    return _summary(course, item, standing_of(person, course, item.key), _releases(person, course).get(item.key))


def course_assignments(person, slug: str) -> list[dict]:
    """Every assignment of the course with the learner's standing and a "new version" notice."""
    course = _enrolled_course(person, slug)
    releases = _releases(person, course)
    return [_summary(course, item, standing_of(person, course, item.key), releases.get(item.key))
            for item in _assignment_items(course)]


def submit(person, slug: str, assignment: str):
    """Hand in from the learner's server (the submit page's service: policy, size, fetched from the
    server); LookupError, PermissionDenied or lms.grading.access.SubmissionRefused."""
    course = _enrolled_course(person, slug)
    return access.submit_from_server(person, course, assignment)


def submission_progress(person, submission_id: int) -> dict:
    """The learner's own submission: its state in words, the score and the feedback per cell."""
    submission = own_submission(person, submission_id)
    finished = submission.status.value in ("graded", "flagged")
    names = names_of_submission(submission) if finished else None
    return {
        **_brief(submission), "course": submission.course.slug, "assignment": submission.assignment,
        "finished": submission.status.value not in ("queued", "grading"),
        "late": submission.late, "late_penalty": submission.late_penalty, "raw_total": submission.raw_total,
        "feedback": [{"notebook": score.notebook, "cell": score.cell, "label": names(score.notebook, score.cell),
                      "score": score.score, "max_score": score.max_score, "outcome": score.outcome,
                      "failed_check": score.failed_check, "check_message": score.check_message,
                      "text": cell_text(score, names(score.notebook, score.cell))}
                     for score in submission.scores] if finished else [],
    }

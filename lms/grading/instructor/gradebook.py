"""The gradebook of a course: its learners × its notebook assignments, with CSV export.

**The score that counts** for a learner and an assignment is :mod:`lms.grading.scores`' rule (the
latest graded attempt, or the best with ``counts: best``), the rule certification uses too. The status shown is that of the learner's latest attempt:
not submitted, queued (or grading), needs grading (cells wait for a manual grade), graded, late
(graded, handed in late), flagged or failed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from ... import signals
from ...accounts.models import User
from ...courses.models import Course, ItemKind
from ...extensions import db
from ...i18n.collation import by_name
from ...i18n import localized
from ...learning.models import Enrolment, EnrolmentStatus
from ...organisations.models import Organisation
from ...spreadsheets import to_csv
from ..models import Submission, SubmissionStatus
from ..scores import counting_policy, counting_submission
from ...courses.teaching import ensure_teaches

STATUS_LABELS = {
    "not_submitted": _l("not submitted"),
    "queued": _l("queued"),
    "needs_grading": _l("needs grading"),
    "graded": _l("graded"),
    "late": _l("late"),
    "flagged": _l("flagged"),
    "failed": _l("failed"),
}
ACTIVE = (EnrolmentStatus.enrolled, EnrolmentStatus.completed)


@dataclass
class GradeCell:
    status: str
    latest: Submission | None = None
    counting: Submission | None = None     # the submission whose score counts
    attempts: int = 0

    @property
    def score(self) -> float | None:
        return self.counting.total if self.counting is not None else None

    @property
    def max_score(self) -> float | None:
        return self.counting.max_total if self.counting is not None else None

    @property
    def adjusted(self) -> bool:
        return self.counting is not None and any(s.adjustment == "override" for s in self.counting.scores)

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class GradebookRow:
    user: User
    enrolment: Enrolment
    cells: dict[str, GradeCell] = field(default_factory=dict)


def gradebook_assignments(course: Course) -> list[tuple[str, str, str]]:
    """(key, title, policy) of the course's notebook assignments in syllabus order."""
    return [(item.key, localized(item.title_kk, item.title_ru), counting_policy(item))
            for item in course.active_items() if item.kind == ItemKind.notebook]


def _status(latest: Submission | None) -> str:
    if latest is None:
        return "not_submitted"
    if latest.status in (SubmissionStatus.queued, SubmissionStatus.grading):
        return "queued"
    if latest.status == SubmissionStatus.failed:
        return "failed"
    if latest.status == SubmissionStatus.flagged:
        return "flagged"
    if any(s.needs_manual_grade for s in latest.scores):
        return "needs_grading"
    return "late" if latest.late else "graded"


def _cell(submissions: list[Submission], policy: str) -> GradeCell:
    """``submissions`` of one learner and assignment, by attempt."""
    latest = submissions[-1] if submissions else None
    return GradeCell(_status(latest), latest, counting_submission(submissions, policy), len(submissions))


def _enrolments(course: Course, cohort_id: int | None, organisation: Organisation | None):
    query = (select(Enrolment).join(User, Enrolment.user_id == User.id)
             .where(Enrolment.course_id == course.id, Enrolment.status.in_(ACTIVE))
             .order_by(*by_name(User.surname, User.given_name), User.id))
    if cohort_id:
        query = query.where(Enrolment.cohort_id == cohort_id)
    if organisation is not None:
        query = query.join(Organisation, User.organisation_id == Organisation.id).where(
            Organisation.path.startswith(organisation.path))
    return query


def _rows(course: Course, enrolments: list[Enrolment]) -> list[GradebookRow]:
    assignments = gradebook_assignments(course)
    user_ids = [e.user_id for e in enrolments]
    by_learner: dict[tuple[int, str], list[Submission]] = {}
    if user_ids:
        for submission in db.session.scalars(
                select(Submission).where(Submission.course_id == course.id, Submission.user_id.in_(user_ids))
                .options(defer(Submission.content), selectinload(Submission.scores))  # notebooks stay in the database
                .order_by(Submission.attempt)):
            by_learner.setdefault((submission.user_id, submission.assignment), []).append(submission)
    return [GradebookRow(e.user, e, {key: _cell(by_learner.get((e.user_id, key), []), policy)
                                     for key, _title, policy in assignments})
            for e in enrolments]


def gradebook(actor, course: Course, *, cohort_id: int | None = None, organisation: Organisation | None = None,
              page: int = 1, per_page: int = 50):
    """(assignments, pagination of enrolments, rows of that page)."""
    ensure_teaches(actor, course)
    pagination = db.paginate(_enrolments(course, cohort_id, organisation), page=page, per_page=per_page,
                             error_out=False)
    return gradebook_assignments(course), pagination, _rows(course, list(pagination.items))


def learner_organisations(course: Course) -> list[Organisation]:
    """Organisations of the course's active learners (for the filter)."""
    return list(db.session.scalars(
        select(Organisation).join(User, User.organisation_id == Organisation.id)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.course_id == course.id, Enrolment.status.in_(ACTIVE))
        .distinct().order_by(Organisation.path)))


def export_csv(actor, course: Course, *, cohort_id: int | None = None,
               organisation: Organisation | None = None) -> bytes:
    """The whole (filtered) gradebook as CSV for Excel: UTF-8 with a BOM, cells neutralised,
    headers in the reader's language. Audit-logged."""
    ensure_teaches(actor, course)
    assignments = gradebook_assignments(course)
    rows = _rows(course, list(db.session.scalars(_enrolments(course, cohort_id, organisation))))
    header = [_("Surname"), _("Given name"), _("E-mail"), _("Organisation")]
    for _key, title, _policy in assignments:
        header += [_("%(assignment)s: score", assignment=title), _("%(assignment)s: out of", assignment=title),
                   _("%(assignment)s: status", assignment=title)]
    body = []
    for row in rows:
        organisation_name = (localized(row.user.organisation.name_kk, row.user.organisation.name_ru)
                             if row.user.organisation else "")
        line = [row.user.surname, row.user.given_name, row.user.email, organisation_name]
        for key, _title, _policy in assignments:
            cell = row.cells[key]
            line += [cell.score, cell.max_score, cell.label + (" · " + _("adjusted by the instructor")
                                                               if cell.adjusted else "")]
        body.append(line)
    data = to_csv(header, body)
    signals.gradebook_exported.send(actor, course=course, rows=len(body))
    db.session.commit()
    return data


def learner_grades(enrolment: Enrolment) -> list[tuple[str, GradeCell]]:
    """(title, cell) of each notebook assignment of one learner's course, by the gradebook's own rules."""
    assignments = gradebook_assignments(enrolment.course)
    if not assignments:
        return []
    [row] = _rows(enrolment.course, [enrolment])
    return [(title, row.cells[key]) for key, title, _policy in assignments]

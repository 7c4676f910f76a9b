"""Instructors' work on a course's assignments: validate, publish (as numbered versions), and grade
sample notebooks against an assignment without touching any learner's record.

A published version records the SHA-256 of the assignment's source folder, the graded cells the
validation found, who published it and when. Publishing runs the validation again (in the
sandbox) and is refused unless it passes; publishing a folder unchanged since the latest version
adds no version (and runs nothing).
Submissions reference the version that was current when they were made
(:func:`lms.grading.models._made_against_latest_version`), so earlier grades stay as they were.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ... import signals
from ...courses.models import Course
from ...extensions import db
from ..models import AssignmentVersion, Submission
from ..student_versions import content_hash
from ...courses.teaching import ensure_teaches


class PublishRefused(Exception):
    """Publishing was refused; ``report`` is the failed validation report."""

    def __init__(self, report):
        super().__init__("validation failed")
        self.report = report


class TestGradeRefused(ValueError):
    """Uploaded files that cannot be graded; the message is for the instructor (translated)."""


def _settings():
    return current_app.config["OQU_SETTINGS"]


def source_hash(folder: Path) -> str:
    """The folder's content hash, as published versions and the student-version cache key it
    (lms.grading.student_versions)."""
    return content_hash(folder)


@dataclass
class AssignmentRow:
    key: str
    item: object
    folder: Path | None
    latest: AssignmentVersion | None
    changed: bool  # the folder differs from the latest published version


def course_assignments(actor, course: Course) -> list[AssignmentRow]:
    """The course's notebook assignments (items whose source folder exists) with their latest version."""
    from ..sources import folder_for, stored_keys

    ensure_teaches(actor, course)
    settings = _settings()
    keys = stored_keys(course)
    rows = []
    for item in course.active_items():
        if item.kind.value != "notebook":
            continue
        folder = folder_for(settings, course.slug, item.key) if item.key in keys else None
        latest = latest_version(course.id, item.key)
        rows.append(AssignmentRow(item.key, item, folder, latest, changed=folder is not None and (
            latest is None or latest.content_hash != source_hash(folder))))
    return rows


def find_item(course: Course, assignment: str):
    for item in course.active_items():
        if item.kind.value == "notebook" and item.key == assignment:
            return item
    raise LookupError(assignment)


def latest_version(course_id: int, assignment: str) -> AssignmentVersion | None:
    return db.session.execute(select(AssignmentVersion).filter_by(course_id=course_id, assignment=assignment)
                              .order_by(AssignmentVersion.version.desc()).limit(1)).scalar_one_or_none()


def published_assignments(course_id: int) -> set[str]:
    """The course's assignments that have at least one published version (learners see only these)."""
    return set(db.session.scalars(select(AssignmentVersion.assignment).filter_by(course_id=course_id).distinct()))


def unpublished_assignments(course: Course) -> set[str]:
    """Keys of the course's notebook items never published: held back from learners
    (lms.courses.visibility): not listed, not released, not submittable."""
    keys = {item.key for item in course.active_items() if item.kind.value == "notebook"}
    if not keys:
        return set()
    return keys - published_assignments(course.id)


def versions(actor, course: Course, assignment: str) -> list[AssignmentVersion]:
    ensure_teaches(actor, course)
    return list(db.session.scalars(select(AssignmentVersion).filter_by(course_id=course.id, assignment=assignment)
                                   .order_by(AssignmentVersion.version.desc())))


def validate(actor, course: Course, assignment: str, adversaries: bool = True, number: int | None = None):
    """Run the assignment's validation (sandbox: generate, autograde the instructor's solution and,
    with ``adversaries``, trick answers: lms.grading.authoring.adversaries), of the latest source or of
    stored source version ``number``."""
    from ..notebooks import AssignmentError
    from .validation import validate_assignment, validate_source

    ensure_teaches(actor, course)
    find_item(course, assignment)
    try:
        if number is not None:
            return validate_source(_settings(), _numbered_source(course, assignment, number), adversaries)
        return validate_assignment(_settings(), course.slug, assignment, adversaries=adversaries)
    except AssignmentError:  # no source folder
        raise LookupError(assignment) from None


def _numbered_source(course: Course, assignment: str, number: int):
    """Stored source version ``number`` as an AssignmentSource (LookupError when there is none)."""
    from ..notebooks import AssignmentSource
    from ..sources import get_version, materialise

    version = get_version(course, assignment, number)
    if version is None:
        raise LookupError(number)
    folder = materialise(_settings(), course.slug, assignment, version)
    return AssignmentSource(course.slug, assignment, folder, sorted(p for p in folder.glob("*.ipynb") if p.is_file()))


@dataclass
class PublishPlan:
    """What publishing would do, shown on the confirmation page before anything happens."""

    assignment: str
    item: object
    latest: AssignmentVersion | None
    changed: bool                     # the source differs from the latest version (else: nothing to publish)
    number: int                       # the number the new version would get
    learners: int                     # active learners of the course: they receive it
    cohorts: list[tuple[str, int]]    # (cohort name, its active learners); learners outside a cohort not listed
    without_cohort: int
    submitted: int                    # learners who already handed in an earlier version


def _active(course: Course) -> tuple:
    from ...learning.models import Enrolment, EnrolmentStatus

    return (Enrolment.course_id == course.id,
            Enrolment.status.in_([EnrolmentStatus.enrolled, EnrolmentStatus.completed]))


def _active_learners(course: Course) -> int:
    from ...learning.models import Enrolment

    return db.session.scalar(select(db.func.count(Enrolment.id)).where(*_active(course))) or 0


def publish_plan(actor, course: Course, assignment: str, digest: str | None = None) -> PublishPlan:
    """Who would receive a new version of ``assignment`` and whether there is one to publish: the source
    folder as it is, or the source whose content hash is ``digest`` (an import, lms.grading.authoring.from_server)."""
    from ..notebooks import AssignmentError, find_assignment
    from ...learning.models import Cohort, Enrolment

    ensure_teaches(actor, course)
    item = find_item(course, assignment)
    if digest is None:
        try:
            digest = source_hash(find_assignment(_settings(), course.slug, assignment).folder)
        except AssignmentError:
            raise LookupError(assignment) from None
    latest = latest_version(course.id, assignment)
    active = _active(course)
    learners = _active_learners(course)
    cohorts = [(name, count) for name, count in db.session.execute(
        select(Cohort.name, db.func.count(Enrolment.id)).join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .where(*active).group_by(Cohort.id, Cohort.name).order_by(Cohort.name))]
    submitted = db.session.scalar(select(db.func.count(db.distinct(Submission.user_id)))
                                  .filter_by(course_id=course.id, assignment=assignment)) or 0
    return PublishPlan(assignment, item, latest, latest is None or latest.content_hash != digest,
                       (latest.version + 1) if latest else 1, learners, cohorts,
                       learners - sum(count for _name, count in cohorts), submitted)


def publish(actor, course: Course, assignment: str, number: int | None = None) -> tuple[AssignmentVersion, bool]:
    """Validate and publish the latest source (or stored source version ``number``): a new version when
    it differs from the latest published one. Returns the version and whether it is new.
    :class:`PublishRefused` when the validation fails."""
    from ..notebooks import AssignmentError, find_assignment

    ensure_teaches(actor, course)
    find_item(course, assignment)
    try:
        folder = (_numbered_source(course, assignment, number) if number is not None
                  else find_assignment(_settings(), course.slug, assignment)).folder
    except AssignmentError:
        raise LookupError(assignment) from None
    latest = latest_version(course.id, assignment)
    if latest is not None and latest.content_hash == source_hash(folder):
        return latest, False  # validated when it was published
    report = validate(actor, course, assignment, adversaries=False, number=number)  # seen when validating
    if not report.ok:
        raise PublishRefused(report)
    digest = source_hash(report.source.folder)
    if latest is not None and latest.content_hash == digest:  # changed back while validating
        return latest, False
    cells = [{"notebook": c["notebook"], "cell": c["cell"], "max_score": c["max_score"], "auto": c["auto"]}
             for c in report.cells]
    version = AssignmentVersion(course_id=course.id, assignment=assignment,
                                version=(latest.version + 1) if latest else 1, content_hash=digest, cells=cells,
                                max_total=sum(c["max_score"] for c in cells), published_by_id=actor.id)
    db.session.add(version)
    db.session.flush()
    _mark_published(course, assignment, version)
    signals.assignment_published.send(actor, version=version, learners=_active_learners(course))
    db.session.commit()
    return version, True


def _mark_published(course: Course, assignment: str, version: AssignmentVersion) -> None:
    from ..sources import mark_published

    mark_published(course, assignment, version)


def publish_starter(actor, course: Course, assignment: str) -> AssignmentVersion | None:
    """Publish the repository's starter content (``seed-demo``) as version 1 without a sandbox run:
    the test suite validates the starter assignments (tests/assignments, tests/curriculum). Nothing
    when the assignment has a version already or no source folder. Graded cells are read from the
    nbgrader metadata of the source notebooks. Audited like any publication."""
    import json

    from ..notebooks import AssignmentError, find_assignment

    ensure_teaches(actor, course)
    find_item(course, assignment)
    if latest_version(course.id, assignment) is not None:
        return None
    try:
        source = find_assignment(_settings(), course.slug, assignment)
    except AssignmentError:
        return None
    cells = []
    for path in source.notebooks:
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade"):
                cells.append({"notebook": path.name, "cell": meta.get("grade_id"),
                              "max_score": float(meta.get("points") or 0), "auto": not meta.get("solution")})
    version = AssignmentVersion(course_id=course.id, assignment=assignment, version=1,
                                content_hash=source_hash(source.folder), cells=cells,
                                max_total=sum(c["max_score"] for c in cells), published_by_id=actor.id)
    db.session.add(version)
    db.session.flush()
    _mark_published(course, assignment, version)
    signals.assignment_published.send(actor, version=version, learners=_active_learners(course))
    db.session.commit()
    return version


def new_version_notices(user, course: Course) -> dict[str, AssignmentVersion]:
    """Assignment → its latest version, for the assignments of which ``user`` should hear that a new
    version exists: their latest submission was made against an older version, or they have not
    submitted and the assignment has been republished. Only published versions count: the first one
    (version 1) is never announced as new, also to a learner who handed in before it existed."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    latest_by_assignment: dict[str, AssignmentVersion] = {}
    for version in db.session.scalars(select(AssignmentVersion).filter_by(course_id=course.id)
                                      .order_by(AssignmentVersion.version)):
        latest_by_assignment[version.assignment] = version
    if not latest_by_assignment:
        return {}
    # the learner's latest submission of each assignment, in one query for the course
    latest_submission: dict[str, tuple] = {}
    for assignment, version_id, submitted_at in db.session.execute(
            select(Submission.assignment, Submission.version_id, Submission.submitted_at)
            .filter_by(user_id=user.id, course_id=course.id)
            .where(Submission.assignment.in_(list(latest_by_assignment))).order_by(Submission.attempt)):
        latest_submission[assignment] = (version_id, submitted_at)
    notices = {}
    for assignment, latest in latest_by_assignment.items():
        submission = latest_submission.get(assignment)
        if latest.version < 2:
            continue  # the first published version is the assignment itself, not "a new version"
        if submission is None or (submission[0] != latest.id and submission[1] < latest.published_at):
            notices[assignment] = latest
    return notices


# --------------------------------------------------------------------------- test grading

def test_grade(actor, course: Course, assignment: str, uploads: list[tuple[str, bytes]]):
    """Grade uploaded notebooks against the assignment in the sandbox, as ``lms test-grade`` does:
    per-cell and total scores, nothing stored. :class:`TestGradeRefused` for files that cannot be
    graded (wrong type, too large, not a notebook of the assignment)."""
    from ..notebooks import AssignmentError, find_assignment
    from ..services import GradingError, grade_notebooks

    ensure_teaches(actor, course)
    find_item(course, assignment)
    settings = _settings()
    if not uploads:
        raise TestGradeRefused(_("Choose one or more notebook files (.ipynb)."))
    limit = settings.submission_max_mb * 1024 * 1024
    files: dict[str, bytes] = {}
    for name, content in uploads:
        base = Path(name or "").name
        if not base.endswith(".ipynb"):
            raise TestGradeRefused(_("%(name)s is not a notebook file (.ipynb).", name=base or "?"))
        files[base] = content
    if sum(len(c) for c in files.values()) > limit:
        raise TestGradeRefused(_("The files are larger than the limit of %(limit)s MB.",
                                 limit=settings.submission_max_mb))
    try:
        source = find_assignment(settings, course.slug, assignment)
        return grade_notebooks(settings, source, files, student="test-grade")
    except (AssignmentError, GradingError) as error:
        raise TestGradeRefused(_("The files could not be graded: %(reason)s", reason=str(error))) from None

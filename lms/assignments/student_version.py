"""Student versions as learners get them: an assignment's source folder as nbgrader's generate step
makes it (solutions and hidden tests removed), from the one cache that grading and validation use too
(lms.grading.student_versions, keyed by the folder's content hash). A version whose student notebooks
still hold solution or hidden-test text is never given to a learner.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from ..grading import student_versions
from ..grading.notebooks import AssignmentError, GradingError, find_assignment, leaks


log = logging.getLogger(__name__)


class ReleaseError(Exception):
    """The student version could not be made (untranslated, for logs and the instructor)."""


@dataclass
class StudentVersion:
    course: str
    assignment: str
    version: str                 # SHA-256 of the source folder
    files: dict[str, bytes]      # relative path (posix) → content


def source_version(source) -> str:
    """The source folder's content hash, as a published version records it."""
    return student_versions.content_hash(source.folder)


def _read(source, version: str, folder: Path) -> StudentVersion:
    released = folder / "release"
    return StudentVersion(source.course, source.name, version,
                          {p.relative_to(released).as_posix(): p.read_bytes()
                           for p in student_versions.source_files(released)})


def cached_student_version(settings, source, version: str) -> StudentVersion | None:
    folder = student_versions.cached(settings, source.course, source.name, version)
    return _read(source, version, folder) if folder is not None else None


def student_version(settings, source) -> StudentVersion:
    """The student version of ``source`` (an AssignmentSource) as its folder is now, from the one cache
    (lms.grading.student_versions: generated there in the grading sandbox when needed), refused when its
    notebooks still hold solution or hidden-test text."""
    from ..grading.services import limits_from

    try:
        folder = student_versions.generated(settings, source, limits_from(settings))
    except (GradingError, student_versions.GenerateFailed) as failed:
        raise ReleaseError(f"nbgrader could not generate the student version of {source.course}/"
                           f"{source.name}: {str(failed)[-1000:]}") from None
    for path in source.notebooks:
        made = folder / "release" / path.name
        if not made.is_file():
            raise ReleaseError(f"{path.name}: no student version was generated")
        found = leaks(json.loads(path.read_text()), json.loads(made.read_text()))
        if found:
            raise ReleaseError(f"{path.name}: the student version contains solution or hidden-test text "
                               f"({found[0]}); not released")
    return _read(source, folder.name, folder)


def course_assignments(settings, course) -> list:
    """The course's nbgrader assignments: notebook items whose source folder exists, as
    AssignmentSources (items whose folder holds no notebook are left out)."""
    from ..grading.sources import stored_keys

    keys = stored_keys(course)
    found = []
    for item in course.active_items():
        if item.kind.value != "notebook" or item.key not in keys:
            continue
        try:
            found.append(find_assignment(settings, course.slug, item.key))
        except AssignmentError:
            continue
    return found

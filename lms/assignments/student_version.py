"""Student versions: an assignment's source folder as nbgrader's generate step makes it for learners
(solutions and hidden tests removed), generated once per version of the source for release and grading
alike (lms.grading.generated, which caches and prunes them). A version whose student notebooks still
hold solution or hidden-test text is never released.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path


from ..grading.notebooks import AssignmentError, find_assignment, leaks


log = logging.getLogger(__name__)


SKIP = {".ipynb_checkpoints", "__pycache__", ".DS_Store"}


class ReleaseError(Exception):
    """The student version could not be made (untranslated, for logs and the instructor)."""


@dataclass
class StudentVersion:
    course: str
    assignment: str
    version: str                 # SHA-256 of the source folder
    files: dict[str, bytes]      # relative path (posix) → content


def _source_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not any(part in SKIP or part.startswith(".")
                                             for part in p.relative_to(folder).parts))


def source_version(source) -> str:
    """SHA-256 of the source folder, as a published version records it (lms.grading.authoring)."""
    from ..grading.authoring import source_hash

    return source_hash(source.folder)


def _read_tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in _source_files(folder)}


def cached_student_version(settings, source, version: str) -> StudentVersion | None:
    from ..grading.generated import cached

    folder = cached(settings, source, version)
    return StudentVersion(source.course, source.name, version, _read_tree(folder / "release")) if folder else None


def student_version(settings, source) -> StudentVersion:
    """The student version of ``source`` (an AssignmentSource) as its folder is now, generated once for
    release and grading alike (lms.grading.generated) and checked for leaked solution or hidden-test text."""
    from ..grading.generated import GenerationFailed, generated
    from ..grading.services import limits_from

    try:
        folder = generated(settings, source, limits_from(settings))
    except GenerationFailed as failure:
        raise ReleaseError(f"nbgrader could not generate the student version of {source.course}/{source.name}: "
                           f"{str(failure)[-1000:]}") from None
    for path in source.notebooks:
        made = folder / "release" / path.name
        if not made.is_file():
            raise ReleaseError(f"{path.name}: no student version was generated")
        found = leaks(json.loads(path.read_text()), json.loads(made.read_text()))
        if found:
            raise ReleaseError(f"{path.name}: the student version contains solution or hidden-test text "
                               f"({found[0]}); not released")
    return StudentVersion(source.course, source.name, folder.name, _read_tree(folder / "release"))


def course_assignments(settings, course) -> list:
    """The course's nbgrader assignments: notebook items whose source folder exists, as
    AssignmentSources (items whose folder holds no notebook are left out)."""
    found = []
    for item in course.active_items():
        if item.kind.value != "notebook" or not (Path(settings.assignments_dir) / course.slug / item.key).is_dir():
            continue
        try:
            found.append(find_assignment(settings, course.slug, item.key))
        except AssignmentError:
            continue
    return found

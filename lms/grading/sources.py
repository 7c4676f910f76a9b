"""Assignment sources stored in the LMS database, numbered per assignment: the one place every LMS
machine and worker reads an assignment's source folder from (nothing needs a shared disk).

A source version (:class:`lms.grading.models.SourceVersion`) holds the folder's files (content-addressed
blobs, lms.courses.blobs) and its content hash, the hash a published :class:`AssignmentVersion` records
and the student-version cache keys (lms.grading.student_versions). Reading materialises a version, once
per machine, into a read-only cache folder named by that hash::

    <instance>/sources/<course>/<assignment>/<content hash>/…   the source notebooks and data files

Where the sources come from: a course package's ``assignments/<key>/`` (lms.courses.content), an
upload (the API), another part of the LMS (:func:`store_source`), or — for installations from before
the store and for authors who work on files — the folder ``LMS_ASSIGNMENTS_DIR/<course>/<key>/``: when
that folder exists and its content is none of the assignment's stored versions, it is stored as the
next version (origin ``folder``) the first time it is read (adoption; ``flask lms content-adopt`` does
it for every course at once). Such an adoption joins the caller's transaction.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..courses import blobs
from ..courses.models import Course
from ..courses.teaching import ensure_teaches
from ..extensions import db
from ..utils import utcnow
from .models import AssignmentVersion, SourceFile, SourceVersion
from .notebooks import SLUG

log = logging.getLogger(__name__)

ROOT = "sources"
ORIGINS = ("package", "upload", "folder", "rollback", "editor", "notebook server")
DONE = ".oqu-complete"  # hidden: not part of the folder's content hash


class SourceRefused(ValueError):
    """Files that cannot be an assignment's source (no notebook, a bad name): nothing stored."""


def _settings():
    return current_app.config["OQU_SETTINGS"]


def _course(course_or_slug) -> Course | None:
    if isinstance(course_or_slug, Course):
        return course_or_slug
    return db.session.scalar(select(Course).where(Course.slug == course_or_slug))


def latest(course_id: int, key: str) -> SourceVersion | None:
    return db.session.execute(select(SourceVersion).filter_by(course_id=course_id, assignment=key)
                              .order_by(SourceVersion.number.desc()).limit(1)).scalar_one_or_none()


def get_version(course: Course, key: str, number: int) -> SourceVersion | None:
    return db.session.execute(select(SourceVersion).filter_by(course_id=course.id, assignment=key,
                                                              number=number)).scalar_one_or_none()


def with_hash(course: Course, key: str, content_hash: str) -> SourceVersion | None:
    """The latest stored version of the assignment whose content hash is ``content_hash``."""
    return db.session.execute(select(SourceVersion).filter_by(course_id=course.id, assignment=key,
                                                              content_hash=content_hash)
                              .order_by(SourceVersion.number.desc()).limit(1)).scalar_one_or_none()


def source_versions(actor, course: Course, key: str) -> list[SourceVersion]:
    """The assignment's stored source versions, newest first (instructors teaching the course, admins)."""
    ensure_teaches(actor, course)
    return list(db.session.scalars(select(SourceVersion).filter_by(course_id=course.id, assignment=key)
                                   .order_by(SourceVersion.number.desc())))


def stored_keys(course: Course) -> set[str]:
    """The course's assignments that have a source: stored, or a folder under ``LMS_ASSIGNMENTS_DIR``
    (adopted when first read). One statement for the course."""
    keys = set(db.session.scalars(select(SourceVersion.assignment).filter_by(course_id=course.id).distinct()))
    root = Path(_settings().assignments_dir) / course.slug
    if root.is_dir():
        keys |= {child.name for child in root.iterdir() if child.is_dir() and SLUG.match(child.name)}
    return keys


def files_of(version: SourceVersion) -> dict[str, bytes]:
    """The files of a source version, by '/'-separated relative path."""
    rows = list(db.session.execute(select(SourceFile.path, SourceFile.sha256).filter_by(source_id=version.id)))
    data = blobs.get(sha for _path, sha in rows)
    return {path: data[sha] for path, sha in rows}


def check_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """The content files of a source (:func:`lms.courses.blobs.content_files`); :class:`SourceRefused`
    (untranslated) when there is no notebook at its top."""
    kept = blobs.content_files(files)
    if not any("/" not in path and path.endswith(".ipynb") for path in kept):
        raise SourceRefused("the source holds no .ipynb notebook at its top level")
    return kept


def _add(course: Course, key: str, files: dict[str, bytes], digest: str, origin: str, actor_id) -> SourceVersion:
    rows = blobs.put(files)
    for _try in range(3):
        current = latest(course.id, key)
        version = SourceVersion(course_id=course.id, assignment=key, number=(current.number + 1) if current else 1,
                                content_hash=digest, origin=origin, created_by_id=actor_id, created_at=utcnow())
        version.files = [SourceFile(path=path, sha256=sha, size=size) for path, (sha, size) in sorted(rows.items())]
        try:
            with db.session.begin_nested():
                db.session.add(version)
        except IntegrityError:  # another process took this number first
            continue
        log.info("stored source %s/%s version %s (%s)", course.slug, key, version.number, origin)
        return version
    raise RuntimeError("could not store the source: version numbers keep colliding")


def store_source(actor, course: Course, key: str, files: dict[str, bytes], *, origin: str,
                 commit: bool = True) -> int:
    """Store ``files`` as the next source version of ``course``/``key`` (the same number again when they
    equal the latest version). No validation is run here: the caller validates (sandbox) before or
    after. :class:`SourceRefused` for files that cannot be a source. Returns the version number."""
    if not SLUG.match(key or ""):
        raise SourceRefused(f"{key!r} is not a valid assignment name (lower-case letters, digits, - and _)")
    if origin not in ORIGINS:
        raise ValueError(f"unknown origin {origin!r}")
    files = check_files(files)
    digest = blobs.tree_hash(files)
    current = latest(course.id, key)
    if current is not None and current.content_hash == digest:
        return current.number
    version = _add(course, key, files, digest, origin, getattr(actor, "id", None))
    from .. import signals

    signals.assignment_source_stored.send(actor, source=version, course=course)
    if commit:
        db.session.commit()
    return version.number


def adopt(course: Course, key: str, settings=None) -> SourceVersion | None:
    """Store the folder ``LMS_ASSIGNMENTS_DIR/<course>/<key>`` as the assignment's next version when its
    content is none of the stored versions (nothing when the folder is missing or holds no notebook).
    Returns the assignment's latest stored version afterwards. Joins the caller's transaction."""
    settings = settings or _settings()
    folder = Path(settings.assignments_dir) / course.slug / key
    current = latest(course.id, key)
    if not folder.is_dir():
        return current
    files = blobs.read_folder(folder)
    digest = blobs.tree_hash(files)
    if current is not None and (current.content_hash == digest or with_hash(course, key, digest) is not None):
        return current
    try:
        files = check_files(files)
    except SourceRefused:
        return current
    return _add(course, key, files, digest, "folder", None)


def materialise(settings, course_slug: str, key: str, version: SourceVersion) -> Path:
    """The cache folder of ``version`` on this machine, written first when missing (atomically: a
    parallel reader that wrote it first keeps its copy, the same)."""
    folder = Path(settings.instance_path) / ROOT / course_slug / key / version.content_hash
    if (folder / DONE).exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version.content_hash[:12]}-", dir=folder.parent))
    try:
        for path, data in files_of(version).items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (staging / DONE).touch()
        try:
            os.rename(staging, folder)
        except OSError:  # made meanwhile (or a broken leftover): keep a complete one
            if not (folder / DONE).exists():
                shutil.rmtree(folder, ignore_errors=True)
                os.rename(staging, folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def folder_for(settings, course_slug: str, key: str) -> Path | None:
    """The latest source of ``course_slug``/``key`` as a local folder (read-only use), adopting the
    assignments folder first (see the module); None when there is none. For a course the database does
    not know (``lms test-grade`` on files before an import), the assignments folder itself."""
    course = _course(course_slug)
    if course is None:
        folder = Path(settings.assignments_dir) / course_slug / key
        return folder if folder.is_dir() else None
    version = adopt(course, key, settings)
    return materialise(settings, course.slug, key, version) if version is not None else None


def source_folder(course_slug: str, key: str) -> Path | None:
    """The latest stored source of the assignment, materialised in this machine's cache (read-only)."""
    return folder_for(_settings(), course_slug, key)


def folder_of_hash(settings, course: Course, key: str, content_hash: str) -> Path | None:
    """The stored source whose content is ``content_hash`` (a published version's), materialised; None
    when no stored version has it."""
    version = with_hash(course, key, content_hash)
    return materialise(settings, course.slug, key, version) if version is not None else None


def mark_published(course: Course, key: str, published: AssignmentVersion) -> None:
    """Record on the source versions holding the published content when and as what they were published."""
    for version in db.session.scalars(select(SourceVersion).filter_by(course_id=course.id, assignment=key,
                                                                      content_hash=published.content_hash)):
        if version.published_version_id is None:
            version.published_at, version.published_version_id = published.published_at or utcnow(), published.id


def publish(actor, course: Course, key: str, number: int):
    """Validate (sandbox) and publish source version ``number`` of the assignment: see
    :func:`lms.grading.authoring.publish`. LookupError when there is no such number."""
    from .authoring import publish as publish_source

    ensure_teaches(actor, course)
    version = get_version(course, key, number)
    if version is None:
        raise LookupError(number)
    return publish_source(actor, course, key, number=number)


# --------------------------------------------------------------------------- what the courses domain uses

def latest_by_key(course: Course) -> dict[str, tuple[int, str]]:
    """{assignment: (latest number, its content hash)} of the course, in one statement."""
    newest = (select(SourceVersion.assignment, db.func.max(SourceVersion.number).label("number"))
              .where(SourceVersion.course_id == course.id).group_by(SourceVersion.assignment).subquery())
    rows = db.session.execute(select(SourceVersion.assignment, SourceVersion.number, SourceVersion.content_hash)
                              .join(newest, (newest.c.assignment == SourceVersion.assignment)
                                    & (newest.c.number == SourceVersion.number))
                              .where(SourceVersion.course_id == course.id))
    return {key: (number, digest) for key, number, digest in rows}


def _files_by_number(course: Course, key: str, number: int) -> dict[str, bytes] | None:
    version = get_version(course, key, number)
    return files_of(version) if version is not None else None


def _store_for_package(actor, course: Course, key: str, files: dict[str, bytes], origin: str) -> int:
    return store_source(actor, course, key, files, origin=origin, commit=False)


def _why_not(files: dict[str, bytes]) -> str | None:
    try:
        check_files(files)
    except SourceRefused as refused:
        return str(refused)
    return None


def _learners(course: Course) -> int:
    from .authoring import _active_learners

    return _active_learners(course)


def _adopt_course(course: Course) -> dict[str, int]:
    found = {}
    for item in course.active_items():
        if item.kind.value == "notebook" and SLUG.match(item.key):
            version = adopt(course, item.key)
            if version is not None:
                found[item.key] = version.number
    return found


def register() -> None:
    from ..courses import content

    content.SOURCES.update(latest=latest_by_key, files=_files_by_number, store=_store_for_package, check=_why_not,
                           learners=_learners, adopt=_adopt_course)


register()

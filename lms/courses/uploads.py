"""Course packages uploaded through the browser or the API, and the lesson editor.

An upload is read safely (:mod:`lms.courses.packages`), checked against who may change which course
(an instructor changes the courses they teach; a new course may be created by anyone who may manage
courses, and its creator then teaches it), and validated with a dry run that stores nothing: the
problems with ``file:line`` and, per course, the items added, changed and retired and the learners
affected. On the web page the upload then waits under a token bound to its uploader
(:mod:`lms.staging`) until they confirm it, once; it is then stored as a new version of each course.

The lesson editor replaces one lesson's Kazakh and Russian Markdown in the course's package and stores
the result the same way (origin ``editor``); a lesson with a problem is not stored.
"""
from __future__ import annotations

from dataclasses import dataclass

import yaml
from flask_babel import gettext as _

from .. import signals
from ..extensions import db
from ..security import ensure, has_permission
from ..staging import Staging, StagedUploadGone
from . import content
from .markdown import render_lesson
from .models import Course, CourseInstructor, Item
from .packages import COURSE_FILE, Package, PackageRefused, read_folder, read_zip
from .services import courses_by_slug
from .teaching import teaches

PERMISSION = "manage_courses"
STAGED_FOR_S = 3600
LANGUAGES = ("kk", "ru")

__all__ = ["PackageRefused", "StagedUploadGone", "PackageCheck", "check_upload", "stage_upload",
           "confirm_upload", "upload_outcome", "lesson_texts", "preview_lesson", "save_lesson", "LessonProblems"]


@dataclass
class PackageCheck:
    package: Package
    preview: content.PackagePreview

    @property
    def can_store(self) -> bool:
        return self.preview.ok and any(change.changed for change in self.preview.courses)


def _ensure_may_change(actor, package: Package) -> None:
    existing = courses_by_slug(package.slugs)
    for slug in package.slugs:
        course = existing.get(slug)
        if course is not None and not teaches(actor, course, PERMISSION):
            raise PackageRefused("not_teaching", _("You do not teach the course %(slug)s, so you cannot change it. "
                                                   "Nothing was stored.", slug=slug), slug)


def _for_store(package: Package) -> dict:
    """The content store's arguments for a package: one course as its folder's files, named by its slug
    (so problems read ``demo/lessons/l1.kk.md:3``, as in the folder the author knows); several as they are."""
    if len(package.slugs) == 1:
        slug = package.slugs[0]
        return {"files": package.course_files(slug), "display": slug, "name": slug}
    return {"files": package.files, "display": package.display}


def check_upload(actor, *, data: bytes | None = None, folder: list[tuple[str, bytes]] | None = None,
                 filename: str, via: str = "web") -> PackageCheck:
    """Read and dry-run an upload (a zip's ``data`` or a ``folder``'s files); stores no content. Raises
    :class:`PackageRefused` (audited) for an upload that is unsafe or that the actor may not make."""
    ensure(actor, PERMISSION)
    filename = (filename or "upload.zip")[:200]
    try:
        package = read_zip(data, filename) if folder is None else read_folder(folder, filename)
        _ensure_may_change(actor, package)
    except PackageRefused as error:
        signals.course_package_refused.send(actor, filename=filename, reason=error.reason, path=error.path, via=via)
        db.session.commit()
        raise
    preview = content.preview_package(actor, **_for_store(package))
    signals.course_package_checked.send(actor, filename=filename, courses=package.slugs,
                                        problems=len(preview.problems), via=via)
    db.session.commit()
    return PackageCheck(package, preview)


_STAGING = Staging("course-uploads", STAGED_FOR_S)


def stage_upload(actor, check: PackageCheck) -> str:
    """Keep a checked package that can be stored until :func:`confirm_upload`; returns its token."""
    ensure(actor, PERMISSION)
    if not check.can_store:
        raise ValueError("a package with problems, or changing nothing, is not kept")
    return _STAGING.stage(actor, check.package.to_zip(), {"filename": check.package.display})


def store(actor, package: Package, *, origin: str) -> dict:
    """Store a package as a new version of each of its courses (after checking, again, that the actor
    may change them); a new course is then taught by the instructor who created it. Returns the outcome:
    ``versions`` {slug: number}, ``imported`` [[slug, status]], ``problems`` ["file:line: message"]."""
    ensure(actor, PERMISSION)
    _ensure_may_change(actor, package)
    before = set(courses_by_slug(package.slugs))
    report = content.store_package(actor, origin=origin, **_for_store(package))
    if not has_permission(actor, "teach_every_course") and not getattr(actor, "is_system", False):
        for slug, course in courses_by_slug(package.slugs).items():
            if slug not in before:
                db.session.add(CourseInstructor(course_id=course.id, user_id=actor.id))
                db.session.flush()
                signals.instructor_added.send(actor, course=course, instructor=actor)
        db.session.commit()
    return {"versions": dict(getattr(report, "versions", {}) or {}), "imported": [list(i) for i in report.imported],
            "problems": [str(problem) for problem in report.problems]}


def confirm_upload(actor, token: str) -> dict:
    """Store the package staged under ``token`` by ``actor``, once (a second confirmation raises
    :class:`StagedUploadGone`)."""
    ensure(actor, PERMISSION)
    meta, data = _STAGING.claim(actor, token)
    outcome = {"problems": [_("The upload could not be stored. Nothing was changed.")], "versions": {}, "imported": []}
    try:
        package = read_zip(data, meta["filename"])
        package.display = meta["filename"]
        outcome = store(actor, package, origin="upload")
    except PackageRefused as error:
        outcome = {"problems": [str(error)], "versions": {}, "imported": []}
    finally:
        _STAGING.finish(token, outcome)
    return outcome


def upload_outcome(actor, token: str) -> tuple[str, dict | None] | None:
    """``(file name, outcome)`` of ``actor``'s confirmed upload (outcome None while it is stored)."""
    ensure(actor, PERMISSION)
    found = _STAGING.outcome(actor, token)
    return None if found is None else (found[0].get("filename", ""), found[1])


# --------------------------------------------------------------------------- the lesson editor

class LessonProblems(ValueError):
    """The edited lesson was not stored; ``problems`` are ``file:line: message`` strings."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def lesson_paths(files: dict[str, bytes], item: Item) -> dict[str, str]:
    """The lesson's Markdown file per language, as course.yaml names them (the default otherwise)."""
    paths = {language: f"lessons/{item.key}.{language}.md" for language in LANGUAGES}
    try:
        data = yaml.safe_load(files.get(COURSE_FILE, b"").decode("utf-8")) or {}
    except (UnicodeDecodeError, yaml.YAMLError):
        return paths
    for module in data.get("modules") or [] if isinstance(data, dict) else []:
        for entry in (module.get("items") or []) if isinstance(module, dict) else []:
            if isinstance(entry, dict) and entry.get("lesson") == item.key and isinstance(entry.get("files"), dict):
                paths.update({k: v for k, v in entry["files"].items() if k in LANGUAGES and isinstance(v, str)})
    return paths


def lesson_texts(actor, item: Item) -> dict[str, str]:
    """The lesson's Markdown per language, as stored (who teaches the course)."""
    _ensure_edits(actor, item)
    return {"kk": item.body_kk or "", "ru": item.body_ru or ""}


def _ensure_edits(actor, item: Item) -> None:
    from .teaching import ensure_teaches

    ensure_teaches(actor, item.course, PERMISSION)
    if item.kind.value != "lesson":
        raise LookupError(item.key)


def preview_lesson(actor, item: Item, texts: dict[str, str]) -> dict[str, object]:
    """Each language's text rendered as learners would see it (the learners' renderer, sanitised), with its
    problems (``line: message``); stores nothing."""
    _ensure_edits(actor, item)
    paths = lesson_paths(content.package_files(item.course), item)
    rendered = {}
    for language in LANGUAGES:
        lesson_dir = paths[language].rsplit("/", 1)[0] if "/" in paths[language] else ""
        result = render_lesson(texts.get(language, ""), slug=item.course.slug, lesson_dir=lesson_dir)
        rendered[language] = result
    return rendered


def save_lesson(actor, item: Item, texts: dict[str, str]) -> dict:
    """Store the course with this lesson's texts replaced, as a new version (origin ``editor``). Raises
    :class:`LessonProblems` (nothing stored) when the course would not validate."""
    _ensure_edits(actor, item)
    course: Course = item.course
    files = content.package_files(course)
    if not files:
        raise LessonProblems([_("The course's files cannot be found, so the lesson cannot be saved.")])
    for language, path in lesson_paths(files, item).items():
        if language in texts:
            files[path] = texts[language].replace("\r\n", "\n").encode("utf-8")
    package = Package(files={f"{course.slug}/{path}": data for path, data in files.items()}, display=course.slug)
    preview = content.preview_package(actor, **_for_store(package))
    if preview.problems:
        raise LessonProblems([str(problem) for problem in preview.problems])
    return store(actor, package, origin="editor")

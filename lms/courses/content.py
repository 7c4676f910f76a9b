"""Course content stored in the LMS, versioned: every import of a course package (course.yaml, lessons,
quizzes, data files, and the sources of its notebook assignments under ``assignments/<key>/``) that
changes anything is a numbered :class:`CourseVersion` with who, when, how (``origin``) and a diff
against the previous one; a rollback is a new version whose content is an old one.

The package's files are validated and imported all-or-nothing per course by the importer
(lms.courses.services: ``file:line`` problems, progress and grades kept, retired items) from a
temporary folder; nothing is read from the LMS machine's disk afterwards. The repository's
``courses/`` and ``notebooks/`` are starter content that ``seed-demo`` and ``import-courses`` load.

The assignment sources belong to the grading domain (lms.grading.sources), which registers here
(:data:`SOURCES`), as other domains register checks with the loader, so that courses depend on none.
"""
from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select

from .. import signals
from ..extensions import db
from ..security import PermissionDenied, ensure, has_permission
from . import blobs
from .checks import Problem
from .loader import COURSE_FILE, SLUG, CourseSpec
from .models import Course, CourseVersion, CourseVersionFile
from .teaching import ensure_teaches, teaches

log = logging.getLogger(__name__)

ORIGINS = ("import", "upload", "editor", "rollback", "notebook server", "folder")
ASSIGNMENTS = "assignments"

#: What the grading domain provides (lms.grading.sources.register): ``latest(course) -> {key: (number,
#: content hash)}``, ``files(course, key, number) -> dict | None``, ``store(actor, course, key, files,
#: origin) -> number`` (joins the transaction), ``check(files) -> str | None`` (why they cannot be a
#: source), ``learners(course) -> int`` (active learners), ``adopt(course) -> {key: number}`` (the
#: assignments folders of the course's notebook items into the store).
SOURCES: dict = {}


@dataclass
class CourseChange:
    """What a package does to one course."""

    slug: str
    created: bool = False
    items_added: list[str] = field(default_factory=list)
    items_changed: list[str] = field(default_factory=list)
    items_retired: list[str] = field(default_factory=list)
    files_added: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    learners: int = 0  # active learners of the course: they see the change

    @property
    def changed(self) -> bool:
        return bool(self.created or self.items_added or self.items_changed or self.items_retired
                    or self.files_added or self.files_changed or self.files_removed)

    def as_json(self) -> dict:
        return {"items_added": self.items_added, "items_changed": self.items_changed,
                "items_retired": self.items_retired, "files_added": self.files_added,
                "files_changed": self.files_changed, "files_removed": self.files_removed,
                "created": self.created}


@dataclass
class PackagePreview:
    problems: list[Problem] = field(default_factory=list)
    courses: list[CourseChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --------------------------------------------------------------------------- reading a package

@dataclass
class _Course:
    folder: str                     # the folder name (the slug, when valid)
    display: str                    # how its files are named in problems
    files: dict[str, bytes]         # course files (course.yaml, lessons…), relative to its folder
    sources: dict[str, dict[str, bytes]]  # assignments/<key>/… by key


def _root_name(files: dict[str, bytes], name: str | None, display: str) -> str:
    if name:
        return name
    try:
        data = yaml.safe_load(files[COURSE_FILE].decode("utf-8"))
        if isinstance(data, dict) and isinstance(data.get("slug"), str):
            return data["slug"]
    except (yaml.YAMLError, UnicodeDecodeError):
        pass
    stem = Path(display.rstrip("/")).name
    return stem.split(".")[0] or "course"


def _split(files: dict[str, bytes], display: str, name: str | None) -> tuple[list[_Course], list[Problem], bool]:
    """The package's courses (one with course.yaml at the top, or one per folder holding one)."""
    problems, clean = [], {}
    for path, data in files.items():
        tidy = blobs.clean_path(path)
        if tidy is None:
            if not any(blobs.skipped(part) for part in str(path).replace("\\", "/").split("/")):
                problems.append(Problem(f"{display}/{path}", 1, "not a relative path a package may hold"))
            continue
        clean[tidy] = bytes(data)
    single = COURSE_FILE in clean
    if single:
        groups = {_root_name(clean, name, display): (display, clean)}
    else:
        folders = sorted({path.split("/", 1)[0] for path in clean if path.count("/") == 1
                          and path.endswith("/" + COURSE_FILE)})
        groups = {folder: (f"{display}/{folder}", {path[len(folder) + 1:]: data for path, data in clean.items()
                                                   if path.startswith(folder + "/")}) for folder in folders}
    courses = []
    for folder, (where, course_files) in groups.items():
        sources: dict[str, dict[str, bytes]] = {}
        own = {}
        for path, data in course_files.items():
            parts = path.split("/")
            if parts[0] == ASSIGNMENTS and len(parts) >= 3:
                sources.setdefault(parts[1], {})["/".join(parts[2:])] = data
            else:
                own[path] = data
        courses.append(_Course(folder, where, own, sources))
    return courses, problems, single


def _write(root: Path, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _validate(files: dict[str, bytes], display: str, name: str | None):
    """(valid specs with their package part, problems): the importer's validation of the package, and
    that each ``assignments/<key>/`` is a notebook item of its course with a notebook."""
    from .services import validate_courses

    display = display.rstrip("/") or "."
    courses, problems, single = _split(files, display, name)
    if not courses:
        return [], problems + [Problem(display, 1, f"no course folder (a folder holding {COURSE_FILE}) found here")]
    with tempfile.TemporaryDirectory(prefix="oqu-package-") as temporary:
        root = Path(temporary)
        for course in courses:
            _write(root / course.folder, course.files)
        specs, found = validate_courses(root / courses[0].folder if single else root, display)
    problems += found
    by_slug = {course.folder: course for course in courses}
    valid = []
    for spec in specs:
        course = by_slug[spec.slug]
        spec.source = course.display
        notebooks = {item.key for module in spec.modules for item in module.items if item.kind == "notebook"}
        bad = []
        for key, source_files in sorted(course.sources.items()):
            where = f"{course.display}/{ASSIGNMENTS}/{key}"
            if key not in notebooks:
                bad.append(Problem(where, 1, f"no notebook item {key!r} in {COURSE_FILE} for this assignment"))
            elif "check" in SOURCES and (why := SOURCES["check"](source_files)):
                bad.append(Problem(where, 1, why))
        problems += bad
        if not bad:
            valid.append((spec, course))
    return valid, problems


# --------------------------------------------------------------------------- what changes

def _item_state(kind: str, module: str, title: tuple, body: tuple, content) -> str:
    return json.dumps([kind, module, list(title), list(body), content], sort_keys=True, default=str,
                      ensure_ascii=False)


def _diff(course: Course | None, spec: CourseSpec, package: _Course) -> CourseChange:
    from .models import Item

    change = CourseChange(spec.slug, created=course is None)
    new = {item.key: _item_state(item.kind, module.key, (item.title.get("kk", ""), item.title.get("ru", "")),
                                 (item.body.get("kk", ""), item.body.get("ru", "")), item.content)
           for module in spec.modules for item in module.items}
    old: dict[str, str] = {}
    if course is not None:
        for item in db.session.scalars(select(Item).where(Item.course_id == course.id, Item.retired_at.is_(None))):
            old[item.key] = _item_state(item.kind.value, item.module.key, (item.title_kk, item.title_ru),
                                        (item.body_kk, item.body_ru), item.content)
    change.items_added = sorted(set(new) - set(old))
    change.items_retired = sorted(set(old) - set(new))
    change.items_changed = sorted(key for key in set(new) & set(old) if new[key] != old[key])
    before = _file_hashes(course) if course is not None else {}
    after = _package_hashes(package, course)
    change.files_added = sorted(set(after) - set(before))
    change.files_removed = sorted(set(before) - set(after))
    change.files_changed = sorted(path for path in set(after) & set(before) if after[path] != before[path])
    if course is not None and "learners" in SOURCES:
        change.learners = SOURCES["learners"](course)
    return change


def _file_hashes(course: Course) -> dict[str, str]:
    """{path: sha256} of the course's current package (its latest version and sources)."""
    version = latest_version(course)
    found = {}
    if version is not None:
        found = dict(db.session.execute(select(CourseVersionFile.path, CourseVersionFile.sha256)
                                        .filter_by(version_id=version.id)).all())
    for key, (_number, digest) in _latest_sources(course).items():
        found[f"{ASSIGNMENTS}/{key}/"] = digest
    return found


def _package_hashes(package: _Course, course: Course | None) -> dict[str, str]:
    found = {path: hashlib.sha256(data).hexdigest() for path, data in package.files.items()}
    if course is not None:  # assignments the package does not bring keep their stored source
        found.update({f"{ASSIGNMENTS}/{key}/": digest for key, (_n, digest) in _latest_sources(course).items()})
    for key, files in package.sources.items():
        found[f"{ASSIGNMENTS}/{key}/"] = blobs.tree_hash(files)
    return found


def _latest_sources(course: Course) -> dict[str, tuple[int, str]]:
    return SOURCES["latest"](course) if "latest" in SOURCES else {}


def _may_change(actor, slug: str) -> bool:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    return course is None or teaches(actor, course, "manage_courses")


def preview_package(actor, files: dict[str, bytes], display: str, name: str | None = None) -> PackagePreview:
    """What storing the package would do: its problems (``file:line``) and, per valid course, the items
    added, changed and retired, the files changed and the learners affected. Stores nothing."""
    ensure(actor, "manage_courses")
    valid, problems = _validate(files, display, name)
    preview = PackagePreview(problems=problems)
    for spec, package in valid:
        if not _may_change(actor, spec.slug):
            preview.problems.append(Problem(f"{package.display}/{COURSE_FILE}", 1, "you do not teach this course"))
            continue
        preview.courses.append(_diff(db.session.scalar(select(Course).where(Course.slug == spec.slug)), spec, package))
    return preview


# --------------------------------------------------------------------------- storing

def store_package(actor, files: dict[str, bytes], *, origin: str, display: str, name: str | None = None,
                  rolled_back_from: int | None = None):
    """Validate the package and import each course without a problem (all-or-nothing per course,
    through the importer); record a new numbered version of each course where anything changed and
    store the assignment sources it brings as new source versions. Returns the ImportReport (with
    ``versions``: slug → the course's current version number). ``name``: the course folder's name for
    a package with course.yaml at its top (default: its ``slug:``, else the display name's stem)."""
    from .services import ImportReport, _apply

    ensure(actor, "manage_courses")
    if origin not in ORIGINS:
        raise ValueError(f"unknown origin {origin!r}")
    valid, problems = _validate(files, display, name)
    report = ImportReport(problems=problems)
    for spec, package in sorted(valid, key=lambda pair: (bool(pair[0].prerequisites), pair[0].slug)):
        if not _may_change(actor, spec.slug):
            report.problems.append(Problem(f"{package.display}/{COURSE_FILE}", 1, "you do not teach this course"))
            continue
        try:
            change = _diff(db.session.scalar(select(Course).where(Course.slug == spec.slug)), spec, package)
            status = _apply(actor, spec, commit=False)
            course = db.session.scalar(select(Course).where(Course.slug == spec.slug))
            stored = {key: SOURCES["store"](actor, course, key, source_files,
                                            "rollback" if origin == "rollback" else "package")
                      for key, source_files in sorted(package.sources.items())}
            version = _record(actor, course, package, change, origin, rolled_back_from)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 — one course's failure must not leave half of it
            db.session.rollback()
            log.exception("storing %s failed", spec.slug)
            report.problems.append(Problem(f"{package.display}/{COURSE_FILE}", 1, f"import failed: {error}"))
            continue
        if status == "unchanged" and version is not None and stored and version.number > 1:
            status = "updated"  # only assignment sources changed
        report.imported.append((spec.slug, status))
        report.versions[spec.slug] = (version or latest_version(course)).number
    return report


def _record(actor, course: Course, package: _Course, change: CourseChange, origin: str,
            rolled_back_from: int | None) -> CourseVersion | None:
    """A new version of ``course`` when its package differs from the latest version's (or it has none)."""
    sources = _latest_sources(course)
    digest = hashlib.sha256((blobs.tree_hash(package.files) + json.dumps(
        {key: value[1] for key, value in sorted(sources.items())})).encode()).hexdigest()
    latest = latest_version(course)
    if latest is not None and latest.content_hash == digest:
        return None
    rows = blobs.put(package.files)
    version = CourseVersion(course_id=course.id, number=(latest.number + 1) if latest else 1, content_hash=digest,
                            origin=origin, display=package.display[:500], diff=change.as_json(),
                            sources={key: value[0] for key, value in sorted(sources.items())},
                            rolled_back_from=rolled_back_from, created_by_id=getattr(actor, "id", None))
    version.files = [CourseVersionFile(path=path, sha256=sha, size=size) for path, (sha, size) in sorted(rows.items())]
    db.session.add(version)
    db.session.flush()
    signals.course_version_stored.send(actor, version=version)
    return version


# --------------------------------------------------------------------------- reading and rolling back

def latest_version(course: Course) -> CourseVersion | None:
    return db.session.execute(select(CourseVersion).filter_by(course_id=course.id)
                              .order_by(CourseVersion.number.desc()).limit(1)).scalar_one_or_none()


def course_versions(actor, course: Course) -> list[CourseVersion]:
    """The course's versions, newest first (instructors who teach it, admins)."""
    ensure_teaches(actor, course, "manage_courses")
    return list(db.session.scalars(select(CourseVersion).filter_by(course_id=course.id)
                                   .order_by(CourseVersion.number.desc())))


def get_version(course: Course, number: int) -> CourseVersion | None:
    return db.session.execute(select(CourseVersion).filter_by(course_id=course.id, number=number)
                              ).scalar_one_or_none()


def version_files(version: CourseVersion, with_sources: bool = True) -> dict[str, bytes]:
    """The package of a version: its course files, and (``with_sources``) the assignment sources it was
    stored with under ``assignments/<key>/``."""
    rows = list(db.session.execute(select(CourseVersionFile.path, CourseVersionFile.sha256)
                                   .filter_by(version_id=version.id)))
    data = blobs.get(sha for _path, sha in rows)
    files = {path: data[sha] for path, sha in rows}
    if with_sources and "files" in SOURCES:
        course = version.course
        for key, number in (version.sources or {}).items():
            for path, content in (SOURCES["files"](course, key, number) or {}).items():
                files[f"{ASSIGNMENTS}/{key}/{path}"] = content
    return files


def package_files(course: Course) -> dict[str, bytes]:
    """The current package of ``course``: its latest version's files (paths relative to the course folder,
    '/'-separated) and the latest source of each of its assignments under ``assignments/<key>/…``. For a
    course imported before the store that was never adopted: the files of its source folder, if any."""
    version = latest_version(course)
    if version is not None:
        files = version_files(version, with_sources=False)
    elif course.source and Path(course.source).is_dir():
        files = blobs.read_folder(Path(course.source))
    else:
        files = {}
    files = {path: data for path, data in files.items() if not path.startswith(ASSIGNMENTS + "/")}
    if "files" in SOURCES:
        for key, (number, _digest) in _latest_sources(course).items():
            for path, content in (SOURCES["files"](course, key, number) or {}).items():
                files[f"{ASSIGNMENTS}/{key}/{path}"] = content
    return files


def rollback_preview(actor, course: Course, number: int) -> CourseChange:
    """What rolling back to version ``number`` would change (LookupError when there is none)."""
    ensure_teaches(actor, course, "manage_courses")
    version = get_version(course, number)
    if version is None:
        raise LookupError(number)
    preview = preview_package(actor, {f"{course.slug}/{path}": data for path, data in version_files(version).items()},
                              course.slug)
    if not preview.ok:
        raise RollbackRefused(preview.problems)
    return preview.courses[0]


class RollbackRefused(Exception):
    """The old version no longer validates (e.g. a prerequisite course is gone): ``problems``."""

    def __init__(self, problems):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def rollback(actor, course: Course, number: int) -> CourseVersion:
    """A new version of ``course`` whose content (course files and assignment sources) is version
    ``number``'s, imported like any package (progress and grades kept). LookupError for an unknown
    number; :class:`RollbackRefused` when the old content no longer validates."""
    ensure_teaches(actor, course, "manage_courses")
    version = get_version(course, number)
    if version is None:
        raise LookupError(number)
    files = {f"{course.slug}/{path}": data for path, data in version_files(version).items()}
    report = store_package(actor, files, origin="rollback", display=f"{course.slug}@{number}",
                           rolled_back_from=number)
    if not report.ok:
        raise RollbackRefused(report.problems)
    latest = latest_version(course)
    signals.course_rolled_back.send(actor, version=latest, restored=number)
    db.session.commit()
    return latest


def adopt_courses(actor) -> list[str]:
    """Store, for each course without a version, the files of its source folder (and its assignments
    folder) as version 1 — an upgraded installation's content into the store. Lines saying what was done."""
    if not (has_permission(actor, "manage_courses")):
        raise PermissionDenied("manage_courses")
    lines = []
    for course in list(db.session.scalars(select(Course).order_by(Course.slug))):
        if latest_version(course) is not None:
            lines.append(f"{course.slug}: stored already (version {latest_version(course).number})")
            continue
        folder = Path(course.source) if course.source else None
        if folder is None or not (folder / COURSE_FILE).is_file() or not SLUG.match(course.slug):
            lines.append(f"{course.slug}: no course folder at {course.source!r}; its content stays as imported "
                         "and its history starts with the next import or upload")
            continue
        from .services import read_course_folder

        report = store_package(actor, read_course_folder(folder, course.slug), origin="folder", display=str(folder),
                               name=course.slug)
        lines.extend(str(problem) for problem in report.problems)
        if course.slug in report.versions:
            lines.append(f"{course.slug}: version {report.versions[course.slug]}")
    for course in list(db.session.scalars(select(Course).order_by(Course.slug))):
        for key, number in (SOURCES["adopt"](course) if "adopt" in SOURCES else {}).items():
            lines.append(f"{course.slug}/{key}: source version {number}")
        db.session.commit()
    return lines

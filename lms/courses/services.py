"""Courses: importing them from their files, and finding them in the catalogue.

:func:`import_courses` reads course folders into a package and stores it (lms.courses.content: every
course folder validated first, see :mod:`lms.courses.loader`, and only those without a problem
imported, each in its own transaction, as a new numbered version): a course is imported whole
or not at all. Re-importing updates content in place, keyed by the course slug and each module's
and item's id, so enrolments, progress, attempts and grades stay attached; what disappeared from
the files is retired, not deleted.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from .. import signals
from ..extensions import db
from ..security import ensure
from ..utils import utcnow
from .loader import IMAGE_TYPES, COURSE_FILE, CourseSpec, Problem, find_course_folders, load_course
from .models import Course, CourseAsset, Item, ItemKind, Level, Module

log = logging.getLogger(__name__)


@dataclass
class ImportReport:
    imported: list[tuple[str, str]] = field(default_factory=list)  # (slug, created|updated|unchanged)
    problems: list[Problem] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)  # slug → its current version (lms.courses.content)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_courses(path: Path, display: str | None = None) -> tuple[list[CourseSpec], list[Problem]]:
    """Read and check every course under ``path``; touches no data. Returns the courses without
    any problem, and all problems found."""
    path = Path(path)
    display = display or str(path)
    if not path.is_dir():
        return [], [Problem(display, 1, "no such folder")]
    folders = find_course_folders(path)
    if not folders:
        return [], [Problem(display, 1, f"no course folder (a folder holding {COURSE_FILE}) found here")]
    single = folders == [path]
    loaded = [load_course(folder, display if single else f"{display}/{folder.name}") for folder in folders]
    known = set(db.session.scalars(select(Course.slug))) | {spec.slug for spec, problems in loaded if not problems}
    valid, problems = [], []
    for spec, course_problems in loaded:
        course_problems = list(course_problems)
        prefix = display if single else f"{display}/{spec.slug}"
        for slug in spec.prerequisites:
            if slug not in known:
                course_problems.append(Problem(f"{prefix}/{COURSE_FILE}", spec.prerequisites_line,
                                               f"unknown prerequisite course {slug!r}"))
        problems.extend(course_problems)
        if not course_problems:
            valid.append(spec)
    return valid, problems


def import_courses(actor, path: Path, display: str | None = None) -> ImportReport:
    """Validate everything under ``path``, then import each course that has no problem, storing each
    changed course as a new version (lms.courses.content.store_package). A course folder without an
    ``assignments/`` folder brings its notebook items' sources from ``LMS_ASSIGNMENTS_DIR/<slug>/<key>``."""
    from .content import store_package

    ensure(actor, "manage_courses")
    path = Path(path)
    display = display or str(path)
    if not path.is_dir():
        return ImportReport(problems=[Problem(display, 1, "no such folder")])
    folders = find_course_folders(path)
    if folders == [path]:
        return store_package(actor, read_course_folder(path, path.name), origin="import", display=display,
                             name=path.name)
    files: dict[str, bytes] = {}
    for folder in folders:
        files.update({f"{folder.name}/{name}": data for name, data in read_course_folder(folder, folder.name).items()})
    return store_package(actor, files, origin="import", display=display)


def read_course_folder(folder: Path, slug: str) -> dict[str, bytes]:
    """A course folder's files as a package: its files, and — when it has no ``assignments/`` folder —
    the source folder ``LMS_ASSIGNMENTS_DIR/<slug>/<key>`` of each of its notebook items that has one."""
    from flask import current_app

    from .blobs import read_folder
    from .content import ASSIGNMENTS

    files = read_folder(folder)
    if (folder / ASSIGNMENTS).is_dir():
        return files
    root = Path(current_app.config["OQU_SETTINGS"].assignments_dir) / slug
    for key in _notebook_keys(files.get(COURSE_FILE, b"")):
        if (root / key).is_dir():
            files.update({f"{ASSIGNMENTS}/{key}/{name}": data for name, data in read_folder(root / key).items()})
    return files


def _notebook_keys(course_yaml: bytes) -> list[str]:
    import yaml

    try:
        data = yaml.safe_load(course_yaml.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return []  # the validation reports it
    keys = []
    for module in (data or {}).get("modules") or [] if isinstance(data, dict) else []:
        for item in (module.get("items") or []) if isinstance(module, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("notebook"), str):
                keys.append(item["notebook"])
    return keys


def _apply(actor, spec: CourseSpec, commit: bool = True) -> str:
    course = db.session.scalar(select(Course).where(Course.slug == spec.slug))
    created = course is None
    if not created and course.content_hash == spec.content_hash:
        return "unchanged"
    if created:
        course = Course(slug=spec.slug)
        db.session.add(course)
    now = utcnow()
    course.title_kk, course.title_ru = spec.title.get("kk", ""), spec.title.get("ru", "")
    course.description_kk, course.description_ru = spec.description.get("kk", ""), spec.description.get("ru", "")
    course.hours = spec.hours
    course.level = Level(spec.level)
    course.tags = "," + ",".join(spec.tags) + ","
    course.languages = "," + ",".join(spec.languages) + ","
    course.self_enrolment = spec.self_enrolment
    course.prerequisites = list(spec.prerequisites)
    course.certification = dict(spec.certification)
    course.notebook_profile = spec.notebook_profile
    course.has_notebooks = any(item.kind == "notebook" for module in spec.modules for item in module.items)
    course.search_text = " ".join([*spec.title.values(), *spec.description.values(), *spec.tags]).casefold()
    course.content_hash = spec.content_hash
    course.source = spec.source
    course.imported_at = now
    db.session.flush()

    modules = {module.key: module for module in course.modules}
    items = {item.key: item for item in db.session.scalars(select(Item).where(Item.course_id == course.id))}
    kept_modules, kept_items = set(), set()
    for module_position, module_spec in enumerate(spec.modules):
        module = modules.get(module_spec.key)
        if module is None:
            module = Module(key=module_spec.key)
            course.modules.append(module)
        module.position = module_position
        module.title_kk, module.title_ru = module_spec.title.get("kk", ""), module_spec.title.get("ru", "")
        module.retired_at = None
        kept_modules.add(module_spec.key)
        db.session.flush()
        for item_position, item_spec in enumerate(module_spec.items):
            item = items.get(item_spec.key)
            if item is None:
                item = Item(key=item_spec.key, course_id=course.id)
                db.session.add(item)
            item.module = module
            item.kind = ItemKind(item_spec.kind)
            item.position = item_position
            item.title_kk, item.title_ru = item_spec.title.get("kk", ""), item_spec.title.get("ru", "")
            item.body_kk, item.body_ru = item_spec.body.get("kk", ""), item_spec.body.get("ru", "")
            item.html_kk, item.html_ru = item_spec.html.get("kk", ""), item_spec.html.get("ru", "")
            item.content = item_spec.content
            item.retired_at = None
            kept_items.add(item_spec.key)
    for key, module in modules.items():
        if key not in kept_modules and module.retired_at is None:
            module.retired_at = now
    for key, item in items.items():
        if key not in kept_items and item.retired_at is None:
            item.retired_at = now

    assets = {asset.path: asset for asset in db.session.scalars(
        select(CourseAsset).where(CourseAsset.course_id == course.id))}
    for path, data in spec.assets.items():
        digest = hashlib.sha256(data).hexdigest()
        asset = assets.pop(path, None)
        if asset is None:
            asset = CourseAsset(course_id=course.id, path=path)
            db.session.add(asset)
        if asset.sha256 != digest:
            asset.sha256, asset.data = digest, data
            asset.content_type = IMAGE_TYPES[Path(path).suffix.lower()]
    for asset in assets.values():
        db.session.delete(asset)

    db.session.flush()
    signals.course_imported.send(actor, course=course, created=created, changed=True)
    if commit:
        db.session.commit()
    return "created" if created else "updated"


# --------------------------------------------------------------------------- the catalogue

def list_courses(*, search: str = "", tag: str = "", level: str = "", language: str = "",
                 notebooks: bool | None = None, order_language: str = "kk", page: int = 1, per_page: int = 25):
    """Published courses matching the filters, by title in ``order_language``."""
    query = select(Course).where(Course.published.is_(True))
    words = search.casefold().split()
    for word in words[:8]:
        query = query.where(Course.search_text.contains(word, autoescape=True))
    if tag:
        query = query.where(Course.tags.contains(f",{tag},", autoescape=True))
    if level in Level.__members__:
        query = query.where(Course.level == Level(level))
    if language in ("kk", "ru"):
        query = query.where(Course.languages.contains(f",{language},"))
    if notebooks is not None:
        query = query.where(Course.has_notebooks.is_(notebooks))
    query = query.order_by(Course.title_ru if order_language == "ru" else Course.title_kk, Course.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def all_tags() -> list[str]:
    tags: set[str] = set()
    for value in db.session.scalars(select(Course.tags).where(Course.published.is_(True))):
        tags.update(t for t in value.split(",") if t)
    return sorted(tags)


def get_course(slug: str) -> Course:
    """A published course by slug, or 404."""
    course = db.session.scalar(select(Course).where(Course.slug == slug, Course.published.is_(True)))
    if course is None:
        raise NotFound()
    return course


def get_item(course: Course, key: str) -> Item:
    """An item of the course that is not retired, or 404."""
    item = db.session.scalar(select(Item).where(Item.course_id == course.id, Item.key == key,
                                                Item.retired_at.is_(None)))
    if item is None:
        raise NotFound()
    return item


def courses_by_slug(slugs: list[str]) -> dict[str, Course]:
    if not slugs:
        return {}
    return {c.slug: c for c in db.session.scalars(select(Course).where(Course.slug.in_(slugs)))}


def get_asset(course: Course, path: str) -> CourseAsset:
    asset = db.session.scalar(select(CourseAsset).where(CourseAsset.course_id == course.id,
                                                        CourseAsset.path == path))
    if asset is None:
        raise NotFound()
    return asset


def all_courses() -> list[Course]:
    return list(db.session.scalars(select(Course).order_by(Course.slug)))


__all__ = ["ImportReport", "validate_courses", "import_courses", "list_courses", "all_tags", "get_course",
           "get_item", "courses_by_slug", "get_asset", "all_courses"]

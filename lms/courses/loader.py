"""Reading and validating course files (the format is documented in docs/course-format.md).

:func:`load_course` reads one course folder and returns a :class:`CourseSpec` plus every problem
found, each as ``file:line: message``. It touches no database: :mod:`lms.courses.services` imports
a course only when its folder has no problem at all. Unknown keys are problems, not ignored, so a
misspelt ``pass_mrak`` cannot silently fall back to a default. Messages are for course authors and
stay in English, like log text.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks import KEY, LANGUAGES, Problem, _Checks, _Reader
from .markdown import IMAGE_TYPES, render_lesson
from .parts import SECTIONS, item_part
from .yamlfile import LineDict

LEVELS = ("beginner", "intermediate", "advanced")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MAX_ASSET_BYTES = 2 * 1024 * 1024
COURSE_FILE = "course.yaml"

COURSE_KEYS = {"slug", "title", "description", "hours", "level", "tags", "languages", "self_enrolment",
               "prerequisites", "certification", "notebook_profile", "modules"}  # and the registered SECTIONS
COURSE_REQUIRED = {"title", "description", "hours", "level", "modules"}
MODULE_KEYS = {"id", "title", "items"}
ITEM_KINDS = ("lesson", "quiz", "notebook")  # a lesson is read here, the others by their domains (.parts)
LESSON_KEYS = {"lesson", "title", "files"}


@dataclass
class ItemSpec:
    key: str
    kind: str
    title: dict[str, str]
    body: dict[str, str] = field(default_factory=dict)
    html: dict[str, str] = field(default_factory=dict)
    content: dict[str, Any] = field(default_factory=dict)


@dataclass
class ModuleSpec:
    key: str
    title: dict[str, str]
    items: list[ItemSpec] = field(default_factory=list)


@dataclass
class CourseSpec:
    slug: str
    source: str
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    hours: int = 0
    level: str = "beginner"
    tags: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=lambda: list(LANGUAGES))
    self_enrolment: bool = True
    prerequisites: list[str] = field(default_factory=list)
    prerequisites_line: int = 1
    certification: dict[str, Any] = field(default_factory=dict)
    notebook_profile: str = "cpu"
    sections: dict[str, Any] = field(default_factory=dict)  # what other domains read of course.yaml (.parts)
    modules: list[ModuleSpec] = field(default_factory=list)
    assets: dict[str, bytes] = field(default_factory=dict)
    content_hash: str = ""


# --------------------------------------------------------------------------- one course

def find_course_folders(path: Path) -> list[Path]:
    """``path`` is one course folder (it holds course.yaml) or a folder of course folders."""
    if (path / COURSE_FILE).is_file():
        return [path]
    return sorted(child for child in path.iterdir() if child.is_dir() and (child / COURSE_FILE).is_file())


def load_course(folder: Path, display: str | None = None) -> tuple[CourseSpec, list[Problem]]:
    folder = Path(folder)
    reader = _Reader(folder, display or str(folder))
    spec = CourseSpec(slug=folder.name, source=str(folder.resolve()))
    data = reader.yaml(COURSE_FILE, (COURSE_FILE, 1), "course file")
    if data is None:
        return spec, reader.problems
    checks = _Checks(reader, COURSE_FILE, list(LANGUAGES))
    checks.keys(data, COURSE_KEYS | set(SECTIONS), COURSE_REQUIRED, "the course")

    if not SLUG.match(folder.name):
        checks.problem(1, f"the folder name {folder.name!r} is not a valid course slug "
                          "(lower-case Latin letters, digits and '-')")
    if "slug" in data and data["slug"] != folder.name:
        checks.problem(data.line_of("slug"), f"slug {data['slug']!r} differs from the folder name {folder.name!r}")

    languages = checks.listing(data, "languages", "the course")
    if languages is not None:
        wanted = [language for language in languages if language in LANGUAGES]
        for index, language in enumerate(languages):
            if language not in LANGUAGES:
                checks.problem(languages.line_of(index), f"unknown language {language!r} (use kk or ru)")
        if not wanted:
            checks.problem(data.line_of("languages"), "the course needs at least one language")
        else:
            spec.languages = [language for language in LANGUAGES if language in wanted]
    checks.languages = spec.languages

    spec.title = checks.translations(data, "title", "the course")
    spec.description = checks.translations(data, "description", "the course")
    spec.hours = checks.integer(data, "hours", "the course", 0, minimum=1, maximum=2000) or 0
    spec.level = checks.choice(data, "level", "the course", LEVELS, "beginner")
    spec.self_enrolment = checks.boolean(data, "self_enrolment", "the course", True)
    profile = data.get("notebook_profile", "cpu")
    if not isinstance(profile, str) or not KEY.match(profile):
        checks.problem(data.line_of("notebook_profile"), "notebook_profile must be a profile name such as cpu or gpu")
    else:
        spec.notebook_profile = profile

    tags = checks.listing(data, "tags", "the course")
    for index, tag in enumerate(tags or []):
        if not isinstance(tag, str) or not TAG.match(tag):
            checks.problem(tags.line_of(index), f"tag {tag!r}: use lower-case Latin letters, digits and '-'")
        elif tag not in spec.tags:
            spec.tags.append(tag)

    prerequisites = checks.listing(data, "prerequisites", "the course")
    if prerequisites is not None:
        spec.prerequisites_line = prerequisites.line
        for index, slug in enumerate(prerequisites):
            if not isinstance(slug, str) or not SLUG.match(slug):
                checks.problem(prerequisites.line_of(index), f"prerequisite {slug!r} is not a course slug")
            elif slug == folder.name:
                checks.problem(prerequisites.line_of(index), "a course cannot be its own prerequisite")
            elif slug not in spec.prerequisites:
                spec.prerequisites.append(slug)

    names = dict.fromkeys(("certification", *SECTIONS))  # in a fixed order, for the order of problems
    sections = {name: checks.mapping(data, name, "the course") for name in names}
    certification = sections["certification"]
    if certification is not None:
        spec.certification = _plain(certification)
    for name, mapping in sections.items():
        section = SECTIONS.get(name)
        if mapping is not None and section and section.read:
            spec.sections[name] = section.read(checks, mapping)

    modules = checks.listing(data, "modules", "the course")
    if modules is not None and not modules:
        checks.problem(data.line_of("modules"), "the course needs at least one module")
    module_keys: set[str] = set()
    item_keys: set[str] = set()
    for index, module_data in enumerate(modules or []):
        line = modules.line_of(index)
        if not isinstance(module_data, LineDict):
            checks.problem(line, f"module {index + 1} must be a mapping with id, title and items")
            continue
        where = f"module {module_data.get('id', index + 1)!s}"
        checks.keys(module_data, MODULE_KEYS, MODULE_KEYS, where)
        key = checks.key_value(module_data, "id", where) if "id" in module_data else None
        if key in module_keys:
            checks.problem(module_data.line_of("id"), f"module id {key!r} is used twice")
        module_keys.add(key or "")
        module = ModuleSpec(key=key or "", title=checks.translations(module_data, "title", where))
        items = checks.listing(module_data, "items", where)
        if "items" in module_data and not items:
            checks.problem(module_data.line_of("items"), f"{where} has no items")
        for item_index, item_data in enumerate(items or []):
            item = _load_item(reader, checks, spec, item_data, items.line_of(item_index), where, item_keys)
            if item is not None:
                module.items.append(item)
        spec.modules.append(module)

    kinds = {item.key: item.kind for module in spec.modules for item in module.items}
    for name, mapping in sections.items():
        section = SECTIONS.get(name)
        if mapping is not None and section and section.check:
            section.check(mapping, kinds, checks.problem)

    spec.content_hash = _hash(reader.read)
    return spec, reader.problems


def _plain(value):
    """LineDict/LineList → plain dict/list (for JSON columns)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _hash(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def _load_item(reader: _Reader, checks: _Checks, spec: CourseSpec, data, line: int, module_where: str,
               item_keys: set[str]) -> ItemSpec | None:
    if not isinstance(data, LineDict):
        checks.problem(line, f"{module_where}: an item must be a mapping such as 'lesson: intro'")
        return None
    kinds = [kind for kind in ITEM_KINDS if kind in data]
    if len(kinds) != 1:
        checks.problem(data.line, f"{module_where}: unknown item — an item names exactly one of "
                                  f"{', '.join(ITEM_KINDS)} (found: {', '.join(map(str, data)) or 'nothing'})")
        return None
    kind = kinds[0]
    key = checks.key_value(data, kind, f"{module_where}: {kind}")
    if key is None:
        return None
    where = f"{kind} {key!r}"
    part = None if kind == "lesson" else item_part(kind)
    checks.keys(data, LESSON_KEYS if part is None else {kind, "title"} | part.keys, {kind, "title"}, where)
    if key in item_keys:
        checks.problem(data.line_of(kind), f"item id {key!r} is used twice in the course")
    item_keys.add(key)
    item = ItemSpec(key=key, kind=kind, title=checks.translations(data, "title", where))
    if part is None:
        _load_lesson(reader, checks, spec, data, item, where)
    else:
        item.content = part.read(reader, checks, key, data, where, spec)
    return item


def _load_lesson(reader: _Reader, checks: _Checks, spec: CourseSpec, data: LineDict, item: ItemSpec,
                 where: str) -> None:
    files = {language: f"lessons/{item.key}.{language}.md" for language in spec.languages}
    listed = checks.mapping(data, "files", where)
    if listed is not None:
        for language in listed:
            if language not in LANGUAGES:
                checks.problem(listed.line_of(language), f"{where}: unknown language {language!r} in 'files'")
            elif not isinstance(listed[language], str):
                checks.problem(listed.line_of(language), f"{where}: the {language} file must be a path")
            else:
                files[language] = listed[language]
    for language in spec.languages:
        relative = files[language]
        ref = (COURSE_FILE, listed.line_of(language) if listed is not None and language in listed
               else data.line_of("lesson"))
        text = reader.text(relative, ref, f"{where}: the {language} lesson file")
        if text is None:
            continue
        if not text.strip():
            reader.problem(relative, 1, "the lesson file is empty")
            continue
        lesson_dir = relative.rsplit("/", 1)[0] if "/" in relative else ""
        rendered = render_lesson(text, slug=spec.slug, lesson_dir=lesson_dir)
        for line, message in rendered.problems:
            reader.problem(relative, line, message)
        for image in rendered.images:
            if image in spec.assets:
                continue
            blob = reader.bytes(image, (relative, 1), "image")
            if blob is None:
                continue
            if len(blob) > MAX_ASSET_BYTES:
                reader.problem(relative, 1, f"image {image} is larger than {MAX_ASSET_BYTES // 1024 // 1024} MB")
                continue
            spec.assets[image] = blob
        item.body[language] = text
        item.html[language] = rendered.html


__all__ = ["Problem", "CourseSpec", "ModuleSpec", "ItemSpec", "load_course", "find_course_folders",
           "LANGUAGES", "LEVELS", "IMAGE_TYPES"]

"""Reading and validating course files (the format is documented in docs/course-format.md).

:func:`load_course` reads one course folder and returns a :class:`CourseSpec` plus every problem
found, each as ``file:line: message``. It touches no database: :mod:`lms.courses.services` imports
a course only when its folder has no problem at all. Unknown keys are problems, not ignored, so a
misspelt ``pass_mrak`` cannot silently fall back to a default. Messages are for course authors and
stay in English, like log text.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .markdown import IMAGE_TYPES, render_lesson

LANGUAGES = ("kk", "ru")
LEVELS = ("beginner", "intermediate", "advanced")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
QUESTION_TYPES = ("single", "multiple", "numeric", "text")
LATE_POLICIES = ("refuse", "accept")
# When a learner may see a quiz's correct answers and explanations (``review:``); one value or a list,
# any of which opens them. ``never`` stands alone.
REVIEW_MOMENTS = ("after_last_attempt", "after_passing", "after_due_date", "never")
DEFAULT_REVIEW = ["after_last_attempt", "after_passing"]
MAX_ASSET_BYTES = 2 * 1024 * 1024
COURSE_FILE = "course.yaml"

COURSE_KEYS = {"slug", "title", "description", "hours", "level", "tags", "languages", "self_enrolment",
               "prerequisites", "certification", "notebook_profile", "modules", "assignment_defaults"}
COURSE_REQUIRED = {"title", "description", "hours", "level", "modules"}
MODULE_KEYS = {"id", "title", "items"}
ITEM_KINDS = ("lesson", "quiz", "notebook")
ITEM_KEYS = {"lesson": {"lesson", "title", "files"}, "quiz": {"quiz", "title", "file"},
             "notebook": {"notebook", "title", "file", "due", "max_attempts", "late", "counts"}}
ASSIGNMENT_POLICY_KEYS = {"due", "max_attempts", "late", "counts"}
ASSIGNMENT_LATE_KEYS = {"penalty_per_day", "floor", "cutoff_days"}
QUIZ_KEYS = {"pass_mark", "attempts", "time_limit", "late", "review", "shuffle_questions", "shuffle_options",
             "questions"}
QUESTION_KEYS = {"single": {"id", "type", "text", "points", "options", "explanation", "hint"},
                 "multiple": {"id", "type", "text", "points", "options", "explanation", "hint"},
                 "numeric": {"id", "type", "text", "points", "answer", "tolerance", "explanation", "hint"},
                 "text": {"id", "type", "text", "points", "answers", "explanation", "hint"}}
OPTION_KEYS = {"id", "text", "correct"}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


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
    assignment_defaults: dict[str, Any] = field(default_factory=dict)
    modules: list[ModuleSpec] = field(default_factory=list)
    assets: dict[str, bytes] = field(default_factory=dict)
    content_hash: str = ""


# --------------------------------------------------------------------------- YAML with line numbers

class LineDict(dict):
    """A mapping that remembers the line of itself and of each key."""
    line = 1

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}

    def line_of(self, key) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    line = 1

    def __init__(self, *args):
        super().__init__(*args)
        self.lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.lines[index] if index < len(self.lines) else self.line


class _Loader(yaml.SafeLoader):
    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[int, Any]] = []


def _construct_mapping(loader: _Loader, node, deep=False):
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(None, None, "a key must be a plain value",
                                                    key_node.start_mark) from None
        if key in result:
            loader.duplicates.append((key_node.start_mark.line + 1, key))
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node, deep=False):
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


# --------------------------------------------------------------------------- the checker

class _Reader:
    """Reads the files of one course folder, collecting problems and the bytes it has read."""

    def __init__(self, folder: Path, display: str):
        self.folder = folder
        self.display = display  # how file names are shown in problems
        self.problems: list[Problem] = []
        self.read: dict[str, bytes] = {}

    def name(self, relative: str) -> str:
        return f"{self.display}/{relative}"

    def problem(self, relative: str, line: int, message: str) -> None:
        self.problems.append(Problem(self.name(relative), line, message))

    def bytes(self, relative: str, line_ref: tuple[str, int], what: str) -> bytes | None:
        path = (self.folder / relative)
        try:
            resolved = path.resolve()
            resolved.relative_to(self.folder.resolve())
        except (ValueError, OSError):
            self.problem(line_ref[0], line_ref[1], f"{what} {relative!r} lies outside the course folder")
            return None
        if not resolved.is_file():
            self.problem(line_ref[0], line_ref[1], f"{what} {relative} is missing")
            return None
        data = resolved.read_bytes()
        self.read[relative] = data
        return data

    def text(self, relative: str, line_ref: tuple[str, int], what: str) -> str | None:
        data = self.bytes(relative, line_ref, what)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[:error.start].count(b"\n") + 1
            self.problem(relative, line, "the file is not valid UTF-8")
            return None

    def yaml(self, relative: str, line_ref: tuple[str, int], what: str):
        text = self.text(relative, line_ref, what)
        if text is None:
            return None
        try:
            loader = _Loader(text)  # PyYAML's reader refuses control characters already here
        except yaml.YAMLError as error:
            self.problem(relative, text[:getattr(error, "position", 0)].count("\n") + 1, f"bad YAML: {error}")
            return None
        try:
            data = loader.get_single_data()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            self.problem(relative, (mark.line + 1) if mark else 1, f"bad YAML: {error.problem or error}")
            return None
        except yaml.YAMLError as error:
            self.problem(relative, 1, f"bad YAML: {error}")
            return None
        finally:
            loader.dispose()
        for line, key in loader.duplicates:
            self.problem(relative, line, f"duplicate key {key!r}")
        if not isinstance(data, LineDict):
            self.problem(relative, 1, f"the file must be a YAML mapping (key: value), not {_kind(data)}")
            return None
        return data


def _kind(value) -> str:
    if value is None:
        return "empty"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


class _Checks:
    """Validation helpers bound to one file."""

    def __init__(self, reader: _Reader, relative: str, languages: list[str]):
        self.reader = reader
        self.file = relative
        self.languages = languages

    def problem(self, line: int, message: str) -> None:
        self.reader.problem(self.file, line, message)

    def keys(self, mapping: LineDict, allowed: set[str], required: set[str], where: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.problem(mapping.line_of(key), f"unknown key {key!r} in {where}"
                             f" (allowed: {', '.join(sorted(allowed))})")
        for key in sorted(required - set(mapping)):
            self.problem(mapping.line, f"{where} needs {key!r}")

    def mapping(self, parent: LineDict, key: str, where: str) -> LineDict | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, LineDict):
            self.problem(parent.line_of(key), f"{where}: {key!r} must be a mapping, not {_kind(value)}")
            return None
        return value

    def listing(self, parent: LineDict, key: str, where: str) -> LineList | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, LineList):
            self.problem(parent.line_of(key), f"{where}: {key!r} must be a list, not {_kind(value)}")
            return None
        return value

    def translations(self, parent: LineDict, key: str, where: str, required: bool = True) -> dict[str, str]:
        """``key: {kk: ..., ru: ...}``: every course language present and non-empty."""
        if key not in parent:
            if required:
                self.problem(parent.line, f"{where} needs {key!r} in {' and '.join(self.languages)}")
            return {}
        value = parent[key]
        line = parent.line_of(key)
        if not isinstance(value, LineDict):
            self.problem(line, f"{where}: {key!r} must be a mapping of languages ({', '.join(LANGUAGES)}), "
                               f"not {_kind(value)}")
            return {}
        result = {}
        for language in value:
            if language not in LANGUAGES:
                self.problem(value.line_of(language), f"{where}: unknown language {language!r} in {key!r}")
        for language in self.languages:
            text = value.get(language)
            if text is None or (isinstance(text, str) and not text.strip()):
                self.problem(value.line_of(language) if language in value else line,
                             f"{where}: missing {language!r} translation of {key!r}")
            elif not isinstance(text, (str, int, float)) or isinstance(text, bool):
                self.problem(value.line_of(language), f"{where}: {key!r} in {language!r} must be text")
            else:
                result[language] = str(text).strip()
        return result

    def integer(self, parent: LineDict, key: str, where: str, default: int | None, minimum: int = 0,
                maximum: int | None = None) -> int | None:
        if key not in parent:
            return default
        value = parent[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum or \
                (maximum is not None and value > maximum):
            bound = f"{minimum}–{maximum}" if maximum is not None else f"at least {minimum}"
            self.problem(parent.line_of(key), f"{where}: {key!r} must be a whole number {bound}")
            return default
        return value

    def number(self, parent: LineDict, key: str, where: str, default: float | None,
               minimum: float | None = None) -> float | None:
        if key not in parent:
            return default
        value = parent[key]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or \
                (minimum is not None and value < minimum):
            self.problem(parent.line_of(key), f"{where}: {key!r} must be a number"
                         + (f" of at least {minimum:g}" if minimum is not None else ""))
            return default
        return value

    def boolean(self, parent: LineDict, key: str, where: str, default: bool) -> bool:
        if key not in parent:
            return default
        value = parent[key]
        if not isinstance(value, bool):
            self.problem(parent.line_of(key), f"{where}: {key!r} must be true or false")
            return default
        return value

    def choice(self, parent: LineDict, key: str, where: str, choices, default: str | None) -> str | None:
        if key not in parent:
            return default
        value = parent[key]
        if value not in choices:
            self.problem(parent.line_of(key), f"{where}: {key!r} must be one of {', '.join(choices)}")
            return default
        return value

    def key_value(self, parent: LineDict, key: str, where: str, pattern=KEY) -> str | None:
        value = parent.get(key)
        if not isinstance(value, (str, int)) or isinstance(value, bool) or not pattern.match(str(value)):
            self.problem(parent.line_of(key), f"{where}: {key!r} must be an identifier "
                                              "(Latin letters, digits, '-', '_' or '.')")
            return None
        return str(value)


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
    checks.keys(data, COURSE_KEYS, COURSE_REQUIRED, "the course")

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

    certification = checks.mapping(data, "certification", "the course")
    if certification is not None:
        spec.certification = _plain(certification)

    defaults = checks.mapping(data, "assignment_defaults", "the course")
    if defaults is not None:
        checks.keys(defaults, ASSIGNMENT_POLICY_KEYS, set(), "assignment_defaults")
        spec.assignment_defaults = _assignment_policy(checks, defaults, "assignment_defaults", {})

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

    if certification is not None:
        from ..certificates.rules import check_rule

        kinds = {item.key: item.kind for module in spec.modules for item in module.items}
        check_rule(certification, kinds, checks.problem)

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
    checks.keys(data, ITEM_KEYS[kind], {kind, "title"}, where)
    if key in item_keys:
        checks.problem(data.line_of(kind), f"item id {key!r} is used twice in the course")
    item_keys.add(key)
    item = ItemSpec(key=key, kind=kind, title=checks.translations(data, "title", where))
    if kind == "lesson":
        _load_lesson(reader, checks, spec, data, item, where)
    elif kind == "quiz":
        relative = _file_name(checks, data, f"quizzes/{key}.yaml", where)
        if relative:
            item.content = _load_quiz(reader, relative, (COURSE_FILE, data.line_of("file") if "file" in data
                                                         else data.line), spec.languages)
    else:  # notebook assignments: the file stored now (validated by the assignments domain), the policy
        if "file" in data:
            relative = _file_name(checks, data, "", where)
            item.content = {"file": relative} if relative else {}
        item.content.update(_assignment_policy(checks, data, where, spec.assignment_defaults))
    return item


def _due(checks: _Checks, data: LineDict, where: str) -> str | None:
    """``due``: a date (the end of that day) or a date and time; the LMS's time zone (``LMS_TIMEZONE``)
    unless the value names its offset. Stored as an ISO date-time in UTC."""
    from datetime import date, datetime, time, timezone

    from ..clock import zone

    value = data["due"]
    kazakhstan = zone()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip()) if ("T" in value or " " in value.strip()) \
                else date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=kazakhstan)
    elif isinstance(value, date):
        moment = datetime.combine(value, time(23, 59, 59), tzinfo=kazakhstan)
    else:
        checks.problem(data.line_of("due"), f"{where}: 'due' must be a date (2026-12-01) or a date and time "
                                            "(2026-12-01 18:00)")
        return None
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


def _assignment_policy(checks: _Checks, data: LineDict, where: str, defaults: dict) -> dict:
    """``due``, ``max_attempts``, ``late`` and ``counts`` (``latest`` graded attempt, the default, or
    ``best``) of a notebook assignment (or the course's ``assignment_defaults``); what an item leaves out comes from ``defaults``. ``late`` is ``accept``
    (the default: marked late), ``refuse``, or a mapping of ``penalty_per_day`` (percent per started
    day), ``floor`` (the penalty never takes the points below this percent of them) and
    ``cutoff_days`` (refused that many days after the due date)."""
    policy = dict(defaults)
    if "due" in data:
        due = _due(checks, data, where)
        if due:
            policy["due"] = due
    if "max_attempts" in data:
        attempts = checks.integer(data, "max_attempts", where, None, minimum=1, maximum=1000)
        if attempts is not None:
            policy["max_attempts"] = attempts
    if "late" in data:
        late = data["late"]
        if late in LATE_POLICIES:
            policy["late"] = {"refuse": True} if late == "refuse" else {}
        elif isinstance(late, LineDict):
            checks.keys(late, ASSIGNMENT_LATE_KEYS, set(), f"{where}: late")
            rule = {}
            per_day = checks.number(late, "penalty_per_day", f"{where}: late", None, minimum=0)
            if per_day is not None:
                if per_day > 100:
                    checks.problem(late.line_of("penalty_per_day"), f"{where}: late: 'penalty_per_day' must be "
                                                                   "a percentage 0–100")
                else:
                    rule["penalty_per_day"] = per_day
            floor = checks.number(late, "floor", f"{where}: late", None, minimum=0)
            if floor is not None:
                if floor > 100:
                    checks.problem(late.line_of("floor"), f"{where}: late: 'floor' must be a percentage 0–100")
                else:
                    rule["floor"] = floor
            cutoff = checks.integer(late, "cutoff_days", f"{where}: late", None, minimum=0, maximum=3650)
            if cutoff is not None:
                rule["cutoff_days"] = cutoff
            policy["late"] = rule
        else:
            checks.problem(data.line_of("late"), f"{where}: 'late' must be accept, refuse or a mapping of "
                                                 f"{', '.join(sorted(ASSIGNMENT_LATE_KEYS))}")
    if "counts" in data:
        if data["counts"] in ("latest", "best"):
            policy["counts"] = data["counts"]
        else:
            checks.problem(data.line_of("counts"), f"{where}: 'counts' must be latest or best")
    if "late" in data and policy.get("late") and "due" not in policy and where != "assignment_defaults":
        checks.problem(data.line_of("late"), f"{where}: 'late' needs a 'due' date")
    return policy


def _file_name(checks: _Checks, data: LineDict, default: str, where: str) -> str | None:
    value = data.get("file", default)
    if not isinstance(value, str) or not value:
        checks.problem(data.line_of("file"), f"{where}: 'file' must be a path in the course folder")
        return None
    return value


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


def _load_quiz(reader: _Reader, relative: str, ref: tuple[str, int], languages: list[str]) -> dict:
    data = reader.yaml(relative, ref, "quiz file")
    if data is None:
        return {}
    checks = _Checks(reader, relative, languages)
    checks.keys(data, QUIZ_KEYS, {"questions"}, "the quiz")
    quiz = {
        "pass_mark": checks.integer(data, "pass_mark", "the quiz", 60, minimum=0, maximum=100),
        "attempts": checks.integer(data, "attempts", "the quiz", 0, minimum=0, maximum=100),
        "time_limit": checks.integer(data, "time_limit", "the quiz", None, minimum=1, maximum=24 * 60),
        "late": checks.choice(data, "late", "the quiz", LATE_POLICIES, "refuse"),
        "review": _review(checks, data),
        "shuffle_questions": checks.boolean(data, "shuffle_questions", "the quiz", True),
        "shuffle_options": checks.boolean(data, "shuffle_options", "the quiz", True),
        "questions": [],
    }
    questions = checks.listing(data, "questions", "the quiz")
    if questions is not None and not questions:
        checks.problem(data.line_of("questions"), "the quiz has no questions")
    seen: set[str] = set()
    for index, question_data in enumerate(questions or []):
        question = _load_question(checks, question_data, questions.line_of(index), index, seen)
        if question is not None:
            quiz["questions"].append(question)
    return quiz


def _review(checks: _Checks, data: LineDict) -> list[str]:
    """``review``: when correct answers may be shown — one of :data:`REVIEW_MOMENTS` or a list of them."""
    if "review" not in data:
        return list(DEFAULT_REVIEW)
    value = data["review"]
    values = value if isinstance(value, list) else [value]
    if not values or any(v not in REVIEW_MOMENTS for v in values) or len(set(values)) != len(values):
        checks.problem(data.line_of("review"), f"the quiz: 'review' must be one of {', '.join(REVIEW_MOMENTS)} "
                                               "or a list of them")
        return ["never"]
    if "never" in values and len(values) > 1:
        checks.problem(data.line_of("review"), "the quiz: 'review: never' cannot be combined with other moments")
        return ["never"]
    return [str(v) for v in values]


def _load_question(checks: _Checks, data, line: int, index: int, seen: set[str]) -> dict | None:
    if not isinstance(data, LineDict):
        checks.problem(line, f"question {index + 1} must be a mapping")
        return None
    qtype = data.get("type")
    where = f"question {data.get('id', index + 1)!s}"
    if qtype not in QUESTION_TYPES:
        checks.problem(data.line_of("type"), f"{where}: 'type' must be one of {', '.join(QUESTION_TYPES)}")
        return None
    checks.keys(data, QUESTION_KEYS[qtype], {"id", "type", "text"} | ({"options"} if qtype in ("single", "multiple")
                                                                       else {"answer"} if qtype == "numeric"
                                                                       else {"answers"}), where)
    key = checks.key_value(data, "id", where) if "id" in data else None
    if key in seen:
        checks.problem(data.line_of("id"), f"question id {key!r} is used twice")
    seen.add(key or "")
    question = {"id": key or str(index + 1), "type": qtype, "text": checks.translations(data, "text", where),
                "points": checks.number(data, "points", where, 1, minimum=0),
                "explanation": checks.translations(data, "explanation", where, required=False),
                "hint": checks.translations(data, "hint", where, required=False)}
    if qtype in ("single", "multiple"):
        options = checks.listing(data, "options", where) or LineList()
        if "options" in data and len(options) < 2:
            checks.problem(data.line_of("options"), f"{where} needs at least two options")
        parsed, option_ids = [], set()
        for option_index, option in enumerate(options):
            option_line = options.line_of(option_index)
            if not isinstance(option, LineDict):
                checks.problem(option_line, f"{where}: option {option_index + 1} must be a mapping with id and text")
                continue
            option_where = f"{where}, option {option.get('id', option_index + 1)!s}"
            checks.keys(option, OPTION_KEYS, {"id", "text"}, option_where)
            option_id = checks.key_value(option, "id", option_where) if "id" in option else None
            if option_id in option_ids:
                checks.problem(option.line_of("id"), f"{option_where}: option id used twice")
            option_ids.add(option_id or "")
            parsed.append({"id": option_id or str(option_index + 1),
                           "text": checks.translations(option, "text", option_where),
                           "correct": checks.boolean(option, "correct", option_where, False)})
        correct = sum(1 for option in parsed if option["correct"])
        if parsed and qtype == "single" and correct != 1:
            checks.problem(data.line_of("options"), f"{where}: a single-choice question needs exactly one correct option")
        if parsed and qtype == "multiple" and correct < 1:
            checks.problem(data.line_of("options"), f"{where}: mark at least one option correct")
        question["options"] = parsed
    elif qtype == "numeric":
        question["answer"] = checks.number(data, "answer", where, 0)
        question["tolerance"] = checks.number(data, "tolerance", where, 0, minimum=0)
    else:
        answers = checks.mapping(data, "answers", where)
        accepted: dict[str, list[str]] = {}
        if answers is not None:
            for language in answers:
                if language not in LANGUAGES:
                    checks.problem(answers.line_of(language), f"{where}: unknown language {language!r} in 'answers'")
            for language in checks.languages:
                values = answers.get(language)
                if isinstance(values, str):
                    values = [values]
                if not isinstance(values, list) or not values or not all(isinstance(v, (str, int, float))
                                                                        for v in values):
                    checks.problem(answers.line_of(language) if language in answers else answers.line,
                                   f"{where}: missing {language!r} accepted answers (a list of texts)")
                    continue
                accepted[language] = [str(v) for v in values]
        question["answers"] = accepted
    return question


__all__ = ["Problem", "CourseSpec", "ModuleSpec", "ItemSpec", "load_course", "find_course_folders",
           "LANGUAGES", "LEVELS", "IMAGE_TYPES"]

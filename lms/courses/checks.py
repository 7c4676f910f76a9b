"""The course-file checker: reading a course folder's files (:class:`Reader`) and checking values
against the format (:class:`Checks`), collecting every problem as ``file:line: message``."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .yamlfile import LineDict, LineList, _Loader

LANGUAGES = ("kk", "ru")
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
LATE_POLICIES = ("refuse", "accept")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


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

    def file_name(self, data: LineDict, default: str, where: str) -> str | None:
        """An item's ``file`` (``default`` when it names none): a path in the course folder."""
        value = data.get("file", default)
        if not isinstance(value, str) or not value:
            self.problem(data.line_of("file"), f"{where}: 'file' must be a path in the course folder")
            return None
        return value

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

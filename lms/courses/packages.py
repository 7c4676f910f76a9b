"""Reading an uploaded course package safely: a zip, or the files of a folder chosen in the browser
(``<input type="file" webkitdirectory>``, each file named by its path inside the folder), into
``{path: bytes}`` — nothing is written to disk on the way.

What a package may not hold, each refused with a translated reason (:class:`PackageRefused`) before
anything is stored: a path outside its folder (``../``, an absolute path, a drive letter), a symbolic
link, more than :data:`MAX_FILES` files, more than :data:`MAX_TOTAL_BYTES` once unpacked, a member
compressed more than :data:`MAX_RATIO` times (a zip bomb; the sizes in the zip's directory are not
believed: reading stops at the limit), a file larger than :data:`MAX_FILE_BYTES`, an encrypted
member, and a notebook under ``assignments/`` that is not marked for nbgrader.

The result is a *tree of course folders*: every path starts with the course's slug
(``ai-basics/course.yaml``), whether the zip held the folder or only its contents (then the slug is
the ``slug`` in course.yaml, or the archive's name).
"""
from __future__ import annotations

import io
import json
import posixpath
import re
import stat
import zipfile
from dataclasses import dataclass

import yaml
from flask_babel import gettext as _

MAX_FILES = 2000
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, for members larger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
COURSE_FILE = "course.yaml"
#: What operating systems add to a folder and nobody means to upload.
IGNORED = re.compile(r"(^|/)(__MACOSX|\.DS_Store|Thumbs\.db|desktop\.ini|\.ipynb_checkpoints|\.git)(/|$)")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class PackageRefused(ValueError):
    """The upload cannot be read as a course package; ``str(error)`` is the translated reason and
    ``reason`` a stable code for the audit log."""

    def __init__(self, reason: str, message: str, path: str = ""):
        super().__init__(message)
        self.reason = reason
        self.path = path


@dataclass
class Package:
    """A course package: ``files`` by path (each under its course's slug), ``slugs`` in order."""

    files: dict[str, bytes]
    display: str

    @property
    def slugs(self) -> list[str]:
        return sorted({path.split("/", 1)[0] for path in self.files if path.endswith("/" + COURSE_FILE)
                       and path.count("/") == 1})

    def course_files(self, slug: str) -> dict[str, bytes]:
        prefix = slug + "/"
        return {path[len(prefix):]: data for path, data in self.files.items() if path.startswith(prefix)}

    def to_zip(self) -> bytes:
        """The package as a zip (how it is kept while it waits for confirmation)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(self.files):
                archive.writestr(path, self.files[path])
        return buffer.getvalue()


def clean_path(name: str) -> str | None:
    """``name`` as a '/'-separated path inside the package, or None when it leaves the package
    (absolute, a drive letter, ``..``, empty parts that hide one)."""
    name = name.replace("\\", "/")
    if not name or name.startswith("/") or re.match(r"^[A-Za-z]:", name) or "\0" in name:
        return None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return posixpath.join(*parts)


def _outside(name: str) -> PackageRefused:
    return PackageRefused("path_outside", _("The package holds a file outside its folder: %(path)s. "
                                            "Nothing was stored.", path=name[:200]), name)


def _too_large_file(name: str) -> PackageRefused:
    return PackageRefused("file_too_large", _("The file %(path)s is larger than %(mb)d MB. Nothing was stored.",
                                              path=name[:200], mb=MAX_FILE_BYTES // 1024 // 1024), name)


def _too_large_total() -> PackageRefused:
    return PackageRefused("too_large", _("The package unpacks to more than %(mb)d MB. Nothing was stored.",
                                         mb=MAX_TOTAL_BYTES // 1024 // 1024))


def _too_many() -> PackageRefused:
    return PackageRefused("too_many_files", _("The package holds more than %(count)d files. Nothing was stored.",
                                              count=MAX_FILES))


def read_zip(data: bytes, display: str = "package.zip") -> Package:
    """Read a zip archive; raises :class:`PackageRefused` for anything listed in the module's notes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise PackageRefused("not_a_zip", _("The file is not a zip archive. Nothing was stored.")) from None
    if len(members) > MAX_FILES:
        raise _too_many()
    files: dict[str, bytes] = {}
    total = 0
    with archive:
        for member in members:
            mode = member.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise PackageRefused("symlink", _("The package holds a symbolic link: %(path)s. Nothing was stored.",
                                                  path=member.filename[:200]), member.filename)
            path = clean_path(member.filename)
            if path is None:
                raise _outside(member.filename)
            if member.is_dir() or IGNORED.search(path):
                continue
            if member.flag_bits & 0x1:
                raise PackageRefused("encrypted", _("The file %(path)s in the package is encrypted. "
                                                    "Nothing was stored.", path=path), path)
            if member.file_size > MAX_FILE_BYTES:
                raise _too_large_file(path)
            if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                raise _bomb(path)
            if total + member.file_size > MAX_TOTAL_BYTES:
                raise _too_large_total()
            content = _read_member(archive, member, path, min(MAX_FILE_BYTES, MAX_TOTAL_BYTES - total))
            total += len(content)
            if path in files:
                raise PackageRefused("duplicate", _("The package holds %(path)s twice. Nothing was stored.",
                                                    path=path), path)
            files[path] = content
    return _as_tree(files, display)


def _bomb(path: str) -> PackageRefused:
    return PackageRefused("zip_bomb", _("The file %(path)s unpacks to far more than its compressed size "
                                        "(a zip bomb?). Nothing was stored.", path=path), path)


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, path: str, limit: int) -> bytes:
    """The member's bytes, reading no more than ``limit`` (+1 to notice), whatever its header claims."""
    chunks, size = [], 0
    try:
        with archive.open(member) as stream:
            while True:
                chunk = stream.read(64 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    if size > MAX_FILE_BYTES:
                        raise _too_large_file(path)
                    raise _too_large_total()
                if size > RATIO_FLOOR and size > MAX_RATIO * max(member.compress_size, 1):
                    raise _bomb(path)
                chunks.append(chunk)
    except PackageRefused:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError):
        raise PackageRefused("not_a_zip", _("The file %(path)s in the package cannot be read. Nothing was stored.",
                                            path=path), path) from None
    return b"".join(chunks)


def read_folder(uploads: list[tuple[str, bytes]], display: str = "") -> Package:
    """Read the files of a folder upload: ``(relative path, bytes)`` each, as the browser names them."""
    if len(uploads) > MAX_FILES:
        raise _too_many()
    files: dict[str, bytes] = {}
    total = 0
    for name, data in uploads:
        path = clean_path(name)
        if path is None:
            raise _outside(name)
        if IGNORED.search(path):
            continue
        if len(data) > MAX_FILE_BYTES:
            raise _too_large_file(path)
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            raise _too_large_total()
        files[path] = data
    return _as_tree(files, display or "folder")


def _as_tree(files: dict[str, bytes], display: str) -> Package:
    """Files of one course (course.yaml at the top) or of course folders → paths under each slug."""
    if not files:
        raise PackageRefused("empty", _("The package is empty. Nothing was stored."))
    if COURSE_FILE in files:
        slug = _slug_of(files[COURSE_FILE]) or _stem(display)
        if not slug:
            raise PackageRefused("no_slug", _("Name the course: add 'slug: …' to course.yaml, or name the zip "
                                              "after the course (e.g. ai-basics.zip). Nothing was stored."))
        files = {f"{slug}/{path}": data for path, data in files.items()}
    elif not any(path.count("/") == 1 and path.endswith("/" + COURSE_FILE) for path in files):
        tops = {path.split("/", 1)[0] for path in files}
        if len(tops) == 1:  # a folder holding the course folder(s): look one level down
            top = tops.pop()
            return _as_tree({path[len(top) + 1:]: data for path, data in files.items() if "/" in path}, display)
        raise PackageRefused("no_course", _("The package holds no course.yaml, neither at the top nor in a "
                                            "course folder. Nothing was stored."))
    package = Package(files=files, display=display)
    for path in files:
        if path.split("/", 1)[0] not in package.slugs:
            continue
        check_notebook(path, files[path])
    return package


def _slug_of(data: bytes) -> str | None:
    try:
        value = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        return None
    slug = value.get("slug") if isinstance(value, dict) else None
    return slug if isinstance(slug, str) and _SLUG.match(slug) else None


def _stem(display: str) -> str | None:
    stem = posixpath.basename(display.replace("\\", "/")).rsplit(".", 1)[0].lower() if display else ""
    return stem if _SLUG.match(stem or "") else None


def check_notebook(path: str, data: bytes) -> None:
    """A notebook of an assignment source (``<slug>/assignments/<key>/*.ipynb``) must be nbgrader-marked:
    valid JSON with at least one cell that nbgrader grades, or holds a solution or a task."""
    parts = path.split("/")
    if len(parts) != 4 or parts[1] != "assignments" or not path.endswith(".ipynb"):
        return  # (notebooks in an assignment's subfolders are its data, not sources nbgrader grades)
    try:
        notebook = json.loads(data.decode("utf-8"))
        cells = notebook.get("cells", []) if isinstance(notebook, dict) else []
    except (UnicodeDecodeError, ValueError):
        raise PackageRefused("bad_notebook", _("The notebook %(path)s is not a valid notebook file. "
                                               "Nothing was stored.", path=path), path) from None
    for cell in cells if isinstance(cells, list) else []:
        meta = cell.get("metadata", {}).get("nbgrader") if isinstance(cell, dict) and isinstance(
            cell.get("metadata"), dict) else None
        if isinstance(meta, dict) and (meta.get("grade") or meta.get("solution") or meta.get("task")):
            return
    raise PackageRefused("not_nbgrader", _("The notebook %(path)s is not marked for nbgrader: no cell is graded "
                                           "or holds a solution. Mark its cells with nbgrader's Create Assignment "
                                           "toolbar and upload it again. Nothing was stored.", path=path), path)

"""Content-addressed file storage in the database: the bytes of course packages and assignment sources
(:class:`lms.courses.models.ContentBlob`), stored once by their SHA-256, and the hash of a whole
tree of files.

:func:`tree_hash` is the one hash of a set of files (a source folder, a course package): SHA-256 over
each '/'-separated relative path and its bytes, in path order, leaving out hidden files, Jupyter
checkpoints and ``__pycache__``. :func:`lms.grading.student_versions.content_hash` (the hash a
published assignment version records) is this hash of a folder's files.
"""
from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .models import ContentBlob


def skipped(part: str) -> bool:
    """A path part that is never content: hidden files and folders, ``__pycache__``."""
    return part.startswith(".") or part == "__pycache__"


def clean_path(path: str) -> str | None:
    """``path`` as a '/'-separated relative path, or None when it is not one a package may hold
    (absolute, with ``..``, empty, or hidden / editor leftovers)."""
    text = str(path).replace("\\", "/").strip()
    if not text or text.startswith("/"):
        return None
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if not parts or any(part == ".." or skipped(part) for part in parts):
        return None
    return "/".join(parts)


def content_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files that make a version (see :func:`clean_path`), with clean paths."""
    kept = {}
    for path, data in files.items():
        clean = clean_path(path)
        if clean is not None:
            kept[clean] = bytes(data)
    return kept


def tree_hash(files: dict[str, bytes]) -> str:
    """SHA-256 over the relative paths and bytes of ``files`` (paths ordered as :class:`PurePosixPath`
    orders them, as a folder walk sorts them)."""
    digest = hashlib.sha256()
    clean = content_files(files)
    for path in sorted(clean, key=PurePosixPath):
        digest.update(path.encode() + b"\0" + clean[path] + b"\0")
    return digest.hexdigest()


def read_folder(folder: Path) -> dict[str, bytes]:
    """The content files of ``folder`` by relative path."""
    folder = Path(folder)
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not any(skipped(part) for part in relative.parts):
            found[relative.as_posix()] = path.read_bytes()
    return found


def put(files: dict[str, bytes]) -> dict[str, tuple[str, int]]:
    """Store the bytes of ``files`` (those not stored yet); ``{path: (sha256, size)}``."""
    rows = {path: (hashlib.sha256(data).hexdigest(), len(data)) for path, data in files.items()}
    wanted = {sha: files[path] for path, (sha, _size) in rows.items()}
    for _try in range(3):
        known = set(db.session.scalars(select(ContentBlob.sha256).where(ContentBlob.sha256.in_(list(wanted)))))
        missing = [sha for sha in wanted if sha not in known]
        if not missing:
            break
        try:
            with db.session.begin_nested():
                for sha in missing:
                    db.session.add(ContentBlob(sha256=sha, size=len(wanted[sha]), data=wanted[sha]))
        except IntegrityError:  # another process stored one of them first: look again
            continue
        break
    return rows


def get(hashes) -> dict[str, bytes]:
    """The stored bytes of each hash."""
    hashes = list(set(hashes))
    if not hashes:
        return {}
    return dict(db.session.execute(select(ContentBlob.sha256, ContentBlob.data)
                                   .where(ContentBlob.sha256.in_(hashes))).all())

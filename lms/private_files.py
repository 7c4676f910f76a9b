"""Folders and files that hold secrets or personal data — ``instance/`` (keys, tokens), the SQLite
database, the mail outbox (live password-reset links) — are readable by the LMS's own user only:
folders 0700, files 0600, whatever the process's umask. Ones made by an older version are tightened
at start-up (when the LMS's user owns them)."""
from __future__ import annotations

import os
import stat
from pathlib import Path

FOLDER_MODE, FILE_MODE = 0o700, 0o600


def private_folder(path: str | os.PathLike) -> Path:
    path = Path(path)
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    _tighten(path, FOLDER_MODE)
    return path


def write_private_file(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to a file no other user can read, from its first byte on."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "wb") as file:
        _tighten(Path(path), FILE_MODE)
        file.write(data)


def private_sqlite_database(database_url: str) -> None:
    """Create the SQLite database file 0600 before SQLite does (it would follow the umask, 0644);
    SQLite gives its journal and WAL files the database file's mode. Other databases: nothing to do."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") or \
            url.database.startswith("file:"):
        return
    path = Path(url.database)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    except OSError:  # no such folder, or not ours: SQLite will say so when it is used
        return
    _tighten(path, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    info = path.stat()
    if stat.S_IMODE(info.st_mode) & 0o077 and info.st_uid == os.geteuid():
        path.chmod(mode)

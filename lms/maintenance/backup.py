"""Backups of one Oqu installation: its database and the instance folder's keys in one archive.

An archive is a ``.tar.gz`` holding ``manifest.json`` (format, time, schema revision, SHA-256 of
every member, a few counts to recognise it by), the database and ``instance/``:

- SQLite (the embedded default): a consistent copy made with SQLite's online backup API, so the
  LMS and the worker may keep running;
- PostgreSQL: ``pg_dump --format=custom`` of the database, restored with ``pg_restore --clean``.

``instance/`` carries what a restored installation needs to keep its promises: the secret key
(sessions, one-time links, queue signatures), the credential-signing key (issued credentials
must keep verifying) and the hub's secrets. The task queue is not kept: submissions are the
truth about grading, and the worker's reaper re-enqueues the ones still waiting.

Submissions and certificates live in the database, so they travel with it. An archive is written
under a temporary name and renamed when complete; a restore checks every checksum before it
touches anything.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from .. import clock
from ..extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
SKIPPED_INSTANCE = {"queue.db", "queue.db-wal", "queue.db-shm"}
COUNTED = ("users", "courses", "enrolments", "submissions", "certificates")


class BackupError(Exception):
    """A backup or restore that cannot be done; nothing was changed."""


@dataclass
class BackupReport:
    path: Path
    database: str
    revision: str | None
    counts: dict[str, int] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _backend(url) -> str:
    name = url.get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def _sqlite_file(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _pg_env(url) -> dict[str, str]:
    """libpq's variables for the database (the password stays out of the process list)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    parts = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username, "PGPASSWORD": url.password,
             "PGDATABASE": url.database}
    env.update({key: str(value) for key, value in parts.items() if value})
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client programs are needed)")
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-1000:]}")


def _revision() -> str | None:
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _counts() -> dict[str, int]:
    tables = set(inspect(db.engine).get_table_names())
    return {name: db.session.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
            for name in COUNTED if name in tables}


def create_backup(settings, destination: Path) -> BackupReport:
    """Write a backup archive to ``destination`` (a folder, or a ``.tar.gz`` file name)."""
    url = make_url(settings.database_url)
    backend = _backend(url)
    destination = Path(destination)
    if destination.is_dir() or not destination.name.endswith(".tar.gz"):
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        destination = destination / f"oqu-backup-{stamp}.tar.gz"
    destination.parent.mkdir(parents=True, exist_ok=True)
    report = BackupReport(path=destination, database=backend, revision=_revision(), counts=_counts())
    db.session.commit()  # end the read transaction before copying

    with tempfile.TemporaryDirectory(prefix="oqu-backup-") as work:
        staging = Path(work)
        database = staging / ("database.sqlite" if backend == "sqlite" else "database.pgdump")
        if backend == "sqlite":
            source = sqlite3.connect(_sqlite_file(url))
            target = sqlite3.connect(database)
            with target:
                source.backup(target)
            source.close()
            target.close()
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={database}"], _pg_env(url))
        members = {database.name: database}
        instance = Path(settings.instance_path)
        database_file = _sqlite_file(url).resolve() if backend == "sqlite" else None
        for path in sorted(instance.rglob("*")):
            if not path.is_file() or path.name in SKIPPED_INSTANCE or path.resolve() == database_file:
                continue
            if path.suffix in (".db-wal", ".db-shm") or destination.resolve().is_relative_to(path.resolve()):
                continue
            members[f"instance/{path.relative_to(instance).as_posix()}"] = path
        manifest = {"format": FORMAT, "created_at": clock.now().isoformat(),
                    "database": backend, "revision": report.revision, "counts": report.counts,
                    "members": {name: _sha256(path) for name, path in members.items()}}
        partial = destination.with_name(destination.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o600
            archive.addfile(info, io.BytesIO(data))
            for name, path in members.items():
                archive.add(path, arcname=name, recursive=False)
        os.chmod(partial, 0o600)  # it holds keys
        os.replace(partial, destination)
    report.members = sorted(members)
    return report


def read_manifest(archive_path: Path) -> dict:
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.load(member)
    except (OSError, tarfile.TarError, KeyError, json.JSONDecodeError, EOFError) as exc:
        raise BackupError(f"{archive_path} is not an Oqu backup ({type(exc).__name__}: {exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _unpack_checked(archive_path: Path, manifest: dict, into: Path) -> None:
    """Extract the members named in the manifest and check each one's SHA-256."""
    with tarfile.open(archive_path, "r:gz") as archive:
        names = set(archive.getnames()) - {MANIFEST}
        if names != set(manifest["members"]):
            raise BackupError("the archive's files do not match its manifest")
        archive.extractall(into, members=[archive.getmember(name) for name in sorted(names)], filter="data")
    for name, digest in manifest["members"].items():
        if _sha256(into / name) != digest:
            raise BackupError(f"{name} is damaged (checksum mismatch)")


def restore_backup(settings, archive_path: Path, force: bool = False) -> dict:
    """Replace this installation's database and instance keys with the archive's. Refuses a database
    that already holds people unless ``force``. Returns the archive's manifest."""
    archive_path = Path(archive_path)
    manifest = read_manifest(archive_path)
    url = make_url(settings.database_url)
    backend = _backend(url)
    if manifest["database"] != backend:
        raise BackupError(f"this backup holds a {manifest['database']} database; this installation uses {backend}")
    fresh = backend == "sqlite" and not _sqlite_file(url).exists()
    if not force and not fresh and _counts().get("users"):
        raise BackupError("the database is not empty: restoring replaces everything in it (use --force)")
    db.session.remove()

    with tempfile.TemporaryDirectory(prefix="oqu-restore-") as work:
        staging = Path(work)
        _unpack_checked(archive_path, manifest, staging)
        db.engine.dispose()
        if backend == "sqlite":
            target = _sqlite_file(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            incoming = target.with_name(target.name + ".restoring")
            shutil.copyfile(staging / "database.sqlite", incoming)
            for leftover in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
                leftover.unlink(missing_ok=True)
            os.replace(incoming, target)
        else:
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                  f"--dbname={url.database}", str(staging / "database.pgdump")], _pg_env(url))
        instance = Path(settings.instance_path)
        for name in manifest["members"]:
            if not name.startswith("instance/"):
                continue
            target = instance / name[len("instance/"):]
            target.parent.mkdir(parents=True, exist_ok=True)
            incoming = target.with_name(target.name + ".restoring")
            shutil.copyfile(staging / name, incoming)
            os.chmod(incoming, 0o600)
            os.replace(incoming, target)
    return manifest

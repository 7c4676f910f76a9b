"""``flask --app wsgi lms backup [DEST]`` and ``flask --app wsgi lms restore ARCHIVE``."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import signals
from ..extensions import db
from ..security import SYSTEM
from ..utils import fail
from .backup import BackupError, create_backup, read_manifest, restore_backup


@click.command("backup")
@click.argument("destination", type=click.Path(path_type=Path), default="backups")
@with_appcontext
def backup(destination: Path) -> None:
    """Write a backup archive (database, instance keys) into DESTINATION (a folder or a .tar.gz name)."""
    try:
        report = create_backup(current_app.config["OQU_SETTINGS"], destination)
    except BackupError as error:
        fail(str(error))
    signals.backup_created.send(SYSTEM, path=report.path, database=report.database, counts=report.counts)
    db.session.commit()
    counts = ", ".join(f"{name} {count}" for name, count in report.counts.items())
    click.echo(f"{report.path}\n{report.database} database at revision {report.revision}; {counts}; "
               f"{len(report.members)} file(s)")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore(archive: Path, force: bool, yes: bool) -> None:
    """Replace this installation's database and keys with those in ARCHIVE. Stop the LMS, the worker and
    the hub first."""
    settings = current_app.config["OQU_SETTINGS"]
    try:
        manifest = read_manifest(archive)
    except BackupError as error:
        fail(str(error))
    counts = ", ".join(f"{name} {count}" for name, count in manifest.get("counts", {}).items())
    click.echo(f"Backup of {manifest['created_at']} ({manifest['database']}, revision {manifest['revision']}): {counts}")
    if not yes:
        click.confirm("Replace this installation's database and keys with it?", abort=True)
    try:
        restore_backup(settings, archive, force=force)
    except BackupError as error:
        fail(str(error))
    signals.backup_restored.send(SYSTEM, path=archive, manifest=manifest)
    db.session.commit()
    click.echo("restored; run `flask --app wsgi db upgrade` if this version is newer than the backup")


commands = (backup, restore)

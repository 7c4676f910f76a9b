from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..security import SYSTEM
from . import services


@click.command("import-courses")
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Only validate: report problems, change nothing.")
@with_appcontext
def import_courses(path: Path | None, check: bool) -> None:
    """Validate and import the course folders under PATH (default: the configured courses folder).

    Every problem is printed as file:line: message. A course with any problem is not imported
    (the others are); the exit status is then 2. Re-importing updates content and keeps
    enrolments, progress and attempts."""
    path = path or Path(current_app.config["OQU_SETTINGS"].courses_dir)
    display = str(path).rstrip("/") or "."
    if check:
        specs, problems = services.validate_courses(path, display)
        report = services.ImportReport(imported=[(spec.slug, "valid") for spec in specs], problems=problems)
    else:
        report = services.import_courses(SYSTEM, path, display)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    for slug, status in report.imported:
        click.echo(f"{slug}: {status}")
    if report.problems:
        click.echo(f"{len(report.problems)} problem(s); courses with problems were not imported", err=True)
        raise SystemExit(2)


commands = (import_courses,)

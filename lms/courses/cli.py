from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from ..security import SYSTEM
from ..utils import fail
from . import services
from .models import Course
from .teaching import add_instructor


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


@click.command("add-instructor")
@click.argument("course")
@click.argument("email")
def add_instructor_command(course: str, email: str) -> None:
    """Make the instructor with EMAIL teach COURSE (a course slug): they then see its cohorts and quiz
    statistics, grade its submissions, see its gradebook and publish its assignments."""
    found = db.session.scalar(select(Course).where(Course.slug == course))
    if found is None:
        fail(f"no course {course!r}")
    person = db.session.scalar(select(User).where(db.func.lower(User.email) == email.strip().lower()))
    if person is None:
        fail(f"no account {email!r}")
    try:
        add_instructor(SYSTEM, found, person)
    except ValueError as error:
        fail(str(error))
    click.echo(f"{person.email} teaches {found.slug}")


@click.command("content-adopt")
@with_appcontext
def content_adopt() -> None:
    """Store what an installation from before the content store has only on disk: each course's folder
    (where it was imported from) as its version 1, and each notebook assignment's folder under
    LMS_ASSIGNMENTS_DIR as a source version. Idempotent; run it once after `flask db upgrade` on a machine
    that has the folders."""
    from .content import adopt_courses

    for line in adopt_courses(SYSTEM):
        click.echo(line)


commands = (import_courses, add_instructor_command, content_adopt)

"""``lms validate-assignment COURSE ASSIGNMENT``."""
from __future__ import annotations

import click
from flask import current_app
from flask_babel import force_locale

from ..grading.authoring.adversaries import describe, verdict
from ..grading.notebooks import AssignmentError
from ..grading.authoring.validation import validate_assignment


@click.command("validate-assignment")
@click.argument("course")
@click.argument("assignment")
@click.option("--language", type=click.Choice(["kk", "ru"]), default=None,
              help="Language of the trick-answer report (default: the LMS's default language).")
def validate_assignment_command(course: str, assignment: str, language: str | None) -> None:
    """Generate the student version of an nbgrader assignment and autograde its own solution: the
    solution must earn full marks and the student version must hold no solution or hidden tests.
    Then grade trick answers (always equal, raising the expected exception, printing the expected
    text) and say which test cells award them points."""
    settings = current_app.config["OQU_SETTINGS"]
    try:
        report = validate_assignment(settings, course, assignment)
    except AssignmentError as exc:
        raise click.ClickException(str(exc)) from None
    for cell in report.cells:
        score = "manual" if not cell["auto"] else f"{cell['score']:g}"
        click.echo(f"{cell['notebook']}  {cell['cell']}  {score} / {cell['max_score']:g} points")
    with force_locale(language or ("ru" if settings.default_language == "ru" else "kk")):
        for trick in report.adversaries:
            click.echo(f"{describe(trick)}. {verdict(trick)}")
            for cell in trick["cells"]:
                click.echo(f"    {cell['notebook']}  {cell['cell']}  {cell['score']:g} / {cell['max_score']:g}")
    if not report.ok:
        for problem in report.problems:
            click.echo(f"error: {problem}", err=True)
        raise SystemExit(1)
    total = sum(cell["max_score"] for cell in report.cells)
    click.echo(f"ok: {course}/{assignment} is valid ({len(report.cells)} graded cells, {total:g} points)")


commands = [validate_assignment_command]

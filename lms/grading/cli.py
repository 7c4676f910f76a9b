"""``lms test-grade COURSE ASSIGNMENT NOTEBOOK...``: grade files as a test submission."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app

from .notebooks import AssignmentError, find_assignment
from .services import GradingError, grade_notebooks


@click.command("test-grade")
@click.argument("course")
@click.argument("assignment")
@click.argument("notebooks", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def test_grade_command(course: str, assignment: str, notebooks: tuple[Path, ...]) -> None:
    """Grade notebook files in the sandbox as a test submission and print per-cell and total scores as
    JSON. No learner's record is touched. Exit 1 when grading failed (timeout, crash)."""
    settings = current_app.config["OQU_SETTINGS"]
    try:
        source = find_assignment(settings, course, assignment)
        result = grade_notebooks(settings, source, {path.name: path.read_bytes() for path in notebooks},
                                 student="test-grade")
    except (AssignmentError, GradingError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    if result.status != "graded":
        click.echo(f"error: grading failed: {result.error}", err=True)
        raise SystemExit(1)


commands = [test_grade_command]

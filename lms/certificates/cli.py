"""``flask --app wsgi lms issue-certificates``: the backfill of earned certificates."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..courses.models import Course
from ..extensions import db
from ..security import SYSTEM
from ..utils import fail
from . import services


@click.command("issue-certificates")
@click.option("--course", "slug", help="Only this course (its slug).")
@with_appcontext
def issue_certificates(slug: str | None) -> None:
    """Issue every certificate earned under the courses' rules and not yet issued (idempotent)."""
    course = None
    if slug:
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        if course is None:
            fail(f"no course {slug!r}")
    issued = services.issue_certificates(SYSTEM, course=course)
    for certificate in issued:
        click.echo(f"{certificate.number}\t{certificate.user.email}\t{certificate.course.slug}")
    click.echo(f"{len(issued)} certificate(s) issued")


commands = (issue_certificates,)

"""``lms add-instructor COURSE EMAIL``: list an instructor as teaching a course (they then grade its
submissions, see its gradebook and publish its assignments)."""
from __future__ import annotations

import click
from sqlalchemy import select

from ..accounts.models import User
from ..courses.models import Course
from ..extensions import db
from ..security import SYSTEM
from ..utils import fail
from .teaching import add_instructor


@click.command("add-instructor")
@click.argument("course")
@click.argument("email")
def add_instructor_command(course: str, email: str) -> None:
    """Make the instructor with EMAIL teach COURSE (a course slug)."""
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


commands = [add_instructor_command]

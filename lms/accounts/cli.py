from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..extensions import db
from ..organisations.services import find_by_code_path
from ..security import SYSTEM
from ..utils import fail
from . import employees, services, tokens
from .models import Role, User


@click.command("import-employees")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--invite", is_flag=True, help="E-mail new people an invitation to set a password.")
@with_appcontext
def import_employees(file: Path, invite: bool) -> None:
    """Create or update people from a CSV or .xlsx file (IIN, names, e-mail, organisation path, position)."""
    try:
        report = employees.import_employees(SYSTEM, file.read_bytes(), filename=file.name, invite=invite)
    except employees.ImportFileError as error:
        fail(str(error))
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for rejected in report.rejected:
        click.echo(f"{file}:{rejected.line}: {rejected.reason}" + (f" ({rejected.person})" if rejected.person else ""),
                   err=True)
    click.echo(f"created: {report.created}, updated: {report.updated}, unchanged: {report.unchanged}, "
               f"rejected: {len(report.rejected)}")
    if report.rejected:
        raise SystemExit(2)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--surname", required=True)
@click.option("--given-name", required=True)
@click.option("--patronymic", default="")
@click.option("--iin", default=None)
@click.option("--organisation", "organisation_path", default=None, help="Organisation code path, e.g. MDAI/AIC.")
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]), default=["learner"],
              show_default=True)
@click.option("--password", default=None, help="Set a password directly (otherwise an invitation link is printed).")
@with_appcontext
def create_user(email, surname, given_name, patronymic, iin, organisation_path, roles, password) -> None:
    """Create an account."""
    organisation = None
    if organisation_path:
        organisation = find_by_code_path(organisation_path)
        if organisation is None:
            fail(f"unknown organisation path: {organisation_path}")
    person = services.PersonData(email=email, surname=surname, given_name=given_name, patronymic=patronymic,
                                 iin=iin, organisation=organisation)
    try:
        user = services.create_user(SYSTEM, person, roles=roles)
        if password:
            services.set_password(SYSTEM, user, password)
            click.echo(f"created {user.email}")
        else:
            click.echo(services.invite_user(SYSTEM, user))
    except services.AccountError as error:
        db.session.rollback()
        fail(str(error))


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="A name to recognise the token by.")
@with_appcontext
def create_token(email: str, name: str) -> None:
    """Print a new personal API token for EMAIL (shown once)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        fail(f"no account with e-mail {email}")
    if not user.active:
        fail(f"the account {email} is deactivated")
    _token, secret = tokens.create_api_token(SYSTEM, user, name)
    click.echo(secret)


commands = (import_employees, create_user, create_token)

import click
from flask.cli import with_appcontext

from ..security import SYSTEM
from ..utils import fail
from . import services


@click.command("create-organisation")
@click.argument("code_path")
@click.option("--name-kk", required=True)
@click.option("--name-ru", required=True)
@with_appcontext
def create_organisation(code_path: str, name_kk: str, name_ru: str) -> None:
    """Create the unit CODE_PATH (e.g. MDAI/AIC/DATA) under its existing parent."""
    *parents, code = code_path.strip("/").split("/")
    parent = services.find_by_code_path("/".join(parents)) if parents else None
    if parents and parent is None:
        fail(f"unknown parent {'/'.join(parents)}")
    try:
        organisation = services.create_organisation(SYSTEM, code=code, name_kk=name_kk, name_ru=name_ru, parent=parent)
    except services.OrganisationError as error:
        fail(str(error))
    click.echo(f"created {services.code_path(organisation)}")


commands = (create_organisation,)

"""``flask --app wsgi lms <command>``: each domain's commands, gathered in one group."""
from flask.cli import AppGroup

lms = AppGroup("lms", help="Oqu administration commands.")


def _add_domain_commands() -> None:
    from .accounts.cli import commands as accounts
    from .demo import seed_demo
    from .organisations.cli import commands as organisations

    for command in (*accounts, *organisations, seed_demo):
        lms.add_command(command)


_add_domain_commands()


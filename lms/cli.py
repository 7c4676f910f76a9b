"""``flask --app wsgi lms <command>``: each domain's commands, gathered in one group."""
from flask.cli import AppGroup

lms = AppGroup("lms", help="Oqu administration commands.")


def _add_domain_commands() -> None:
    from .accounts.cli import commands as accounts
    from .assignments.cli import commands as assignments
    from .courses.cli import commands as courses
    from .demo import seed_demo
    from .grading.cli import commands as grading
    from .hub.cli import commands as hub
    from .worker.cli import commands as worker
    from .organisations.cli import commands as organisations
    from .certificates.cli import commands as certificates
    from .hr.cli import commands as hr
    from .maintenance.cli import commands as maintenance
    from .gpu.cli import commands as gpu

    for command in (*accounts, *organisations, *courses, seed_demo, *hub, *worker, *assignments, *grading,
                    *certificates, *hr, *maintenance, *gpu):
        lms.add_command(command)


_add_domain_commands()


"""``lms gpu-usage`` (the report as CSV) and ``lms gpu-quota`` (monthly GPU-hours of an organisation or
a course)."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..security import SYSTEM


@click.command("gpu-usage")
@click.option("--month", help="YYYY-MM (default: this month, in LMS_TIMEZONE).")
@click.option("--by", type=click.Choice(["organisation", "course", "person"]), default="organisation",
              show_default=True)
@with_appcontext
def gpu_usage(month: str | None, by: str):
    """Print GPU-hours of a month as CSV (UTF-8 with BOM, formulas neutralised)."""
    from ..spreadsheets import to_csv
    from . import services

    rows, _window = services.export_usage(SYSTEM, month, by)
    data = to_csv([by, "organisation", "sessions", "running", "gpu_hours"],
                  [[r.label, r.organisation, r.sessions, r.running, round(r.gpu_hours, 2)] for r in rows])
    sys.stdout.buffer.write(data)


@click.command("gpu-quota")
@click.option("--organisation", "organisation_path", help="Code path, e.g. MDAI/AIC.")
@click.option("--course", "course_slug", help="Course slug.")
@click.option("--learner-hours", type=float, help="GPU-hours per learner per month (omit to clear).")
@click.option("--organisation-hours", type=float, help="GPU-hours of the organisation's subtree per month.")
@with_appcontext
def gpu_quota(organisation_path, course_slug, learner_hours, organisation_hours):
    """Set the monthly GPU-hours of an organisation or a course (values left out are cleared)."""
    from ..courses.models import Course
    from ..extensions import db
    from ..organisations.services import find_by_code_path
    from . import services
    from sqlalchemy import select

    organisation = course = None
    if organisation_path:
        organisation = find_by_code_path(organisation_path)
        if organisation is None:
            raise click.ClickException(f"no organisation {organisation_path}")
    if course_slug:
        course = db.session.scalar(select(Course).where(Course.slug == course_slug))
        if course is None:
            raise click.ClickException(f"no course {course_slug}")
    try:
        row = services.set_quota(SYSTEM, organisation=organisation, course=course, learner_hours=learner_hours,
                                 organisation_hours=organisation_hours)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"learner hours: {row.learner_hours}, organisation hours: {row.organisation_hours}")


@click.command("gpu-reconcile-slurm")
@click.option("--source", help="jobcomp:PATH or sacct (default: LMS_GPU_SLURM_ACCOUNTING).")
@with_appcontext
def gpu_reconcile_slurm(source: str | None):
    """Charge GPU sessions of ended Slurm jobs the elapsed time in the scheduler's record (once each)."""
    from . import slurmacct

    try:
        charged = slurmacct.reconcile_slurm(source)
    except slurmacct.SchedulerRecordError as error:
        raise click.ClickException(str(error)) from None
    for change in charged:
        click.echo(f"{change.hub_username}: job {change.job}, {change.hours_before:.3f} -> {change.hours_now:.3f} "
                   f"GPU-hours")
    click.echo(f"{len(charged)} session(s) reconciled with the scheduler's record")


commands = [gpu_usage, gpu_quota, gpu_reconcile_slurm]

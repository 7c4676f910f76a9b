"""``flask --app wsgi lms hub-env``: the settings the hub shares with the LMS, as an env file."""
from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

HUB_VARIABLES = ("env", "instance_path", "base_url", "hub_url", "hub_api_url", "hub_api_token", "hub_report_token",
                 "hub_client_id", "hub_client_secret", "hub_backend", "hub_local_sandbox")


@click.command("hub-env")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file (mode 0600) "
              "instead of standard output.")
@with_appcontext
def hub_env(output: str | None):
    """Print LMS_* settings the hub reads (jupyterhub_config.py), including generated development secrets."""
    settings = current_app.config["OQU_SETTINGS"]
    lines = [f"LMS_{name.upper()}={getattr(settings, name)}" for name in HUB_VARIABLES]
    text = "\n".join(lines) + "\n"
    if not output:
        click.echo(text, nl=False)
        return
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    click.echo(f"wrote {path}", err=True)


commands = [hub_env]

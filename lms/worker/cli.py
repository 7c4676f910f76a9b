"""``flask --app wsgi lms worker``: the task-queue consumer (Huey)."""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, help="Worker threads.")
@click.option("--max-delay", default=1.0, show_default=True,
              help="Longest pause between polls of an idle SQLite queue, in seconds (Redis blocks instead).")
@with_appcontext
def worker(workers: int, max_delay: float):
    """Run the task-queue worker until SIGINT (graceful) or SIGTERM."""
    from huey.consumer import Consumer

    from . import get_huey

    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    huey = get_huey(current_app._get_current_object())
    consumer = Consumer(huey, workers=workers, periodic=True, worker_type="thread", max_delay=max_delay,
                        check_worker_health=True)
    consumer.run()


commands = [worker]

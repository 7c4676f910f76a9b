"""``flask db upgrade`` builds, from an empty database, exactly the schema the models describe,
on SQLite and on PostgreSQL; ``flask db downgrade base`` takes it all away again.

This test makes its own databases (a file for SQLite, a throwaway database on the PostgreSQL at
127.0.0.1 for PostgreSQL), so it runs the same in the SQLite and the PostgreSQL run of the suite.
"""
from __future__ import annotations

import logging
import uuid

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from lms import create_app
from lms.extensions import db

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def keep_logging():
    """Alembic's env.py runs logging.config.fileConfig, which disables every logger that exists and
    adds a handler to the root logger: put the process's logging back as it was afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    loggers = {name: logger.disabled for name, logger in logging.root.manager.loggerDict.items()
               if isinstance(logger, logging.Logger)}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, disabled in loggers.items():
        logging.getLogger(name).disabled = disabled


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'migrated.db'}"


@pytest.fixture
def postgres_url():
    name = f"oqu_migrations_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as server:
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_SERVER, autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _flask_db(app, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, f"flask db {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "compare_server_default": True})
        return compare_metadata(context, db.metadata)


def _tables(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def _check_migrations(database_url: str, tmp_path) -> None:
    app = create_app({"env": "testing", "instance_path": str(tmp_path / "instance"), "secret_key": "m" * 40,
                      "database_url": database_url})
    try:
        assert _tables(app) == set()

        _flask_db(app, "upgrade")
        differences = _differences(app)
        assert differences == [], "the migrations and the models disagree: write a migration for:\n" + \
            "\n".join(map(repr, differences))
        model_tables = {table.name for table in db.metadata.sorted_tables}
        assert _tables(app) == model_tables | {"alembic_version"}

        _flask_db(app, "downgrade", "base")
        assert _tables(app) <= {"alembic_version"}

        _flask_db(app, "upgrade")  # and back up again, cleanly
        assert _differences(app) == []
    finally:
        with app.app_context():
            db.engine.dispose()


def test_migrations_build_the_models_schema_on_sqlite(sqlite_url, tmp_path, keep_logging):
    _check_migrations(sqlite_url, tmp_path)


def test_migrations_build_the_models_schema_on_postgresql(postgres_url, tmp_path, keep_logging):
    _check_migrations(postgres_url, tmp_path)

"""Flask extensions, created unbound and attached in :func:`lms.create_app`."""
import sqlite3
from pathlib import Path

import click
from flask.cli import ScriptInfo
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations work the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits on guessing (sign-in, password reset, certificate numbers): declared on their routes, counted
# per client address (the real one behind LMS_TRUSTED_PROXIES) unless a route says otherwise. When
# Redis is down, counting goes on in memory rather than letting every attempt through.
limiter = Limiter(get_remote_address, in_memory_fallback_enabled=True)


MIGRATIONS = Path(__file__).parent / "migrations"


def init_migrations(app) -> None:
    """Attach Flask-Migrate to ``app`` (once). Not done in ``create_app``: Flask-Migrate imports Alembic
    and Mako, 11 MB that a web worker or an export never uses. ``flask db …`` attaches it through
    :class:`MigrationCommands`; code that migrates without the CLI (the bench) calls this first."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS), render_as_batch=True)


class MigrationCommands(click.Group):
    """``flask db …``: stands in for Flask-Migrate's command group and becomes it when used."""

    def make_context(self, info_name, args, parent=None, **extra):
        from flask_migrate.cli import db as commands

        init_migrations(parent.ensure_object(ScriptInfo).load_app())

        return commands.make_context(info_name, args, parent=parent, **extra)


@event.listens_for(Engine, "connect")
def _sqlite_unicode_lower(dbapi_connection, _connection_record) -> None:
    """SQLite's built-in ``lower()`` folds ASCII letters only, so searching "Әлихан" for "әлихан"
    found nothing there while it did on PostgreSQL. Use Python's case folding on SQLite too; and the
    Kazakh and Russian alphabetical orders PostgreSQL has from ICU (:mod:`lms.i18n.collation`)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        from .i18n.collation import register

        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        register(dbapi_connection)


def _lower(value):
    return value.lower() if isinstance(value, str) else value

"""Oqu, the learning-management system of Kazakhstan's civil-service AI training programme."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask
from werkzeug.routing import IntegerConverter

from .private_files import private_sqlite_database
from .settings import Settings

ROOT = Path(__file__).resolve().parent.parent


class DatabaseInteger(IntegerConverter):
    """``<int:…>`` in routes: only numbers a database id can be (a larger one is a 404, not an overflow)."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):  # noqa: A002 — werkzeug's names
        super().__init__(map, fixed_digits, min, max, signed)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, domains, CLI. No other I/O happens at import."""
    settings = Settings.load(test_config)
    private_sqlite_database(settings.database_url)
    app = Flask(__name__, template_folder=str(ROOT / "templates"), instance_path=settings.instance_path,
                static_folder="static")
    app.url_map.converters["int"] = DatabaseInteger
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)
    app.config.update(settings.flask_config())
    app.config["OQU_SETTINGS"] = settings
    app.config["OQU_TRANSLATIONS"] = ROOT / "translations"

    from . import hooks, i18n, security, upload_limits
    from .extensions import MigrationCommands, csrf, db, limiter, login_manager

    db.init_app(app)
    app.cli.add_command(MigrationCommands("db", help="Perform database migrations."))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    hooks.init_app(app)
    security.init_app(app, settings)
    upload_limits.init_app(app)

    from .accounts import auth
    auth.init_app(app)

    from .grading import models as _grading_models  # noqa: F401 — submissions' tables in the metadata
    from .grading import sources as _grading_sources  # noqa: F401 — the assignment sources of course packages
    from .assignments import models as _assignment_models  # noqa: F401 — releases' table in the metadata
    from .audit import handlers
    handlers.connect()
    from .certificates import handlers as certificate_handlers
    certificate_handlers.connect()
    from .hub import handlers as hub_handlers
    hub_handlers.connect()

    from .assignments import tasks as _assignment_tasks  # noqa: F401 — each domain's worker tasks
    from .gpu import tasks as _gpu_tasks  # noqa: F401
    from .grading import tasks as _grading_tasks  # noqa: F401
    from .hub import tasks as _hub_tasks  # noqa: F401

    _register_blueprints(app)
    _register_cli(app)

    from . import errors
    errors.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts
    from .assignments.views import bp as assignments
    from .audit.views import bp as audit
    from .certificates.views import bp as certificates
    from .courses.views import bp as courses
    from .dashboard.views import bp as dashboard
    from .gpu.views import bp as gpu
    from .grading.instructor.views import bp as grading_instructor
    from .grading.views import bp as grading
    from .hr.views import bp as hr
    from .hub.views import bp as hub
    from .learning.views import bp as learning
    from .organisations.views import bp as organisations

    for blueprint in (dashboard, accounts, organisations, audit, courses, learning, hub, certificates, hr,
                      grading, gpu, grading_instructor, assignments):
        app.register_blueprint(blueprint)
    from . import api
    api.register(app)


def _register_cli(app: Flask) -> None:
    from .cli import lms

    app.cli.add_command(lms)


# The domains that read parts of a course file register them with lms.courses.parts when imported;
# imported here, so that the course loader reads whole files in every process that imports lms.
from . import certificates as _certificates, grading as _grading, learning as _learning  # noqa: E402,F401

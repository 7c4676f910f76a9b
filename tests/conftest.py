"""Shared fixtures: a fresh app and database per test, a client, factories and sign-in helpers.

The database is SQLite in a temporary folder by default. With ``LMS_TEST_DATABASE_URL`` set
(CI sets it to the PostgreSQL on 127.0.0.1), every test runs against that server instead: the
schema is created once per run and every table is emptied after each test.
"""
from __future__ import annotations

import contextvars
import html
import os
import re
import shutil
import sqlite3
import threading
import time
from datetime import datetime, timedelta

import pytest
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine

from lms import clock as lms_clock
from lms import create_app
from lms.extensions import db

from . import factories

POSTGRES_URL = os.environ.get("LMS_TEST_DATABASE_URL", "")
_schema_ready = False


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own application context, as in production.

    The ``app`` fixture keeps an application context pushed for the test's own database work.
    Flask reuses a pushed context for requests, so without this every request of a test would
    share ``g`` (Flask-Login's cached user, the cached language) and the database session: a
    second browser would be "signed in" as the first. Each request therefore starts from an
    empty ``contextvars`` context; afterwards the test's own session forgets what it had loaded,
    so the test sees what the request changed.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return response


def pytest_configure(config):
    config.addinivalue_line("markers", "settings(**values): extra settings for the test's app "
                            "(e.g. max_upload_mb=1), passed to create_app")
    if "libfaketime" in os.environ.get("LD_PRELOAD", ""):
        time.sleep = _sleep_through_select


def _sleep_through_select(seconds: float) -> None:
    """``time.sleep`` for the faked-clock runs (make test-clock). Python 3.11 sleeps with
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME); libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC
    shifts that deadline by the faked date and the kernel answers EINVAL (wolfcw/libfaketime#426), every
    time: subprocess's wait with a timeout raised it whenever its child had not exited yet. select's
    relative timeout passes through unchanged."""
    import select as select_module
    select_module.select([], [], [], seconds)


# Fixtures that start a real process the test then drives: a test using one is an integration test.
INTEGRATION_FIXTURES = {"hub", "browser", "page", "browser_session", "slurm"}


def pytest_collection_modifyitems(config, items):
    """Tests that start a hub, a browser, Slurm (through their fixtures) or the grading sandbox and
    kernels (marked in their files) carry the ``integration`` marker: ``pytest -m "not integration"``
    runs the fast tests alone.

    The PostgreSQL run (``LMS_TEST_DATABASE_URL``) keeps only the tests whose outcome can depend on
    that database: those using the ``app`` fixture (the test database), less those marked
    ``database_independent``. The others — no ``app``, or a database of their own making (migrations,
    a dropped connection) — are deselected, never skipped: the SQLite run of CI runs them."""
    for item in items:
        if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
    if not POSTGRES_URL:
        return
    chosen = [item for item in items if item.get_closest_marker("database_independent") is None
              and "app" in getattr(item, "fixturenames", ())]
    if len(chosen) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
        items[:] = chosen


_UNMARKED_PROCESSES: dict[str, set[str]] = {}  # test id → programs it started without the integration marker


@pytest.fixture(autouse=True)
def _processes_started(request, monkeypatch):
    """Notes the programs a test starts (``subprocess.Popen``) when it lacks the ``integration``
    marker; the run's summary lists those that took over a second, so the fast selection (``-m "not integration"``) stays fast.
    With ``OQU_TESTS_START_NO_PROGRAMS=1`` such a test fails at once instead (a quick way to find them)."""
    if request.node.get_closest_marker("integration") is not None:
        yield
        return
    import subprocess

    started = _UNMARKED_PROCESSES.setdefault(request.node.nodeid, set())
    original = subprocess.Popen

    class Noted(original):
        def __init__(self, args, *rest, **kwargs):
            program = args if isinstance(args, (str, bytes, os.PathLike)) else (args[0] if args else "")
            started.add(os.path.basename(os.fsdecode(program)).split()[0] if program else "?")
            if os.environ.get("OQU_TESTS_START_NO_PROGRAMS"):  # find unmarked tests without running them
                raise RuntimeError(f"a test without the integration marker starts {program!r}")
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", Noted)
    began = time.perf_counter()
    yield
    if not started or time.perf_counter() - began < 1.0:  # (a quick probe, such as `bwrap --version`, is fine)
        del _UNMARKED_PROCESSES[request.node.nodeid]


def pytest_terminal_summary(terminalreporter):
    if _UNMARKED_PROCESSES:
        terminalreporter.section("tests without the integration marker that started programs and took over a second")
        for nodeid, programs in sorted(_UNMARKED_PROCESSES.items()):
            terminalreporter.line(f"{nodeid}: {', '.join(sorted(programs))}")


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, _record):
    """Test databases are thrown away: SQLite need not wait for the disk at every commit."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous = OFF")
        dbapi_connection.execute("PRAGMA journal_mode = MEMORY")


class _SharedBytecodeCache(BytecodeCache):
    """Every test builds its own app; compiled templates are kept once for the whole run."""

    def __init__(self):
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket):
        self._store[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CACHE = _SharedBytecodeCache()


def _share_url_builders() -> None:
    """Every test builds its own app, and werkzeug compiles two URL-building functions for each of its
    routes (Python source made and compiled: ~80 % of ``create_app``). A route's builders depend only on
    its parsed pattern, so the run compiles each once and every app's rule binds the same function.
    Rules with defaults (their values are folded into the builder) are compiled as usual."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    builders: dict[tuple, object] = {}

    def shared_builder(rule, append_unknown=True):
        if rule.defaults:
            return compile_builder(rule, append_unknown)
        key = (tuple(rule._trace), append_unknown)
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(rule, append_unknown)
        return builder

    Rule._compile_builder = shared_builder


_share_url_builders()
_FAST_HASHER = None


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch):
    """Argon2id with production parameters costs ~0.1 s a hash and the suite signs in hundreds of
    times: tests use the same algorithm with the smallest parameters."""
    global _FAST_HASHER
    from argon2 import PasswordHasher

    from lms.accounts import passwords

    _FAST_HASHER = _FAST_HASHER or PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", _FAST_HASHER)


class FrozenClock:
    """Oqu's clock (:mod:`lms.clock`) stopped at one instant; ``set`` and ``advance`` move it."""

    def set(self, instant: datetime) -> datetime:
        """Stop the clock at ``instant`` (naive means UTC); returns it as naive UTC."""
        lms_clock.freeze(instant)
        return lms_clock.utcnow()

    def advance(self, **delta) -> datetime:
        return self.set(lms_clock.now() + timedelta(**delta))

    now = staticmethod(lms_clock.now)
    utcnow = staticmethod(lms_clock.utcnow)
    today = staticmethod(lms_clock.today)


@pytest.fixture
def clock():
    """The app's clock, frozen where the test says (``clock.set(datetime(2026, 12, 1, 21, 0))``): the
    app and the test then agree on "now" and on Kazakhstan's "today", whatever the machine's clock."""
    frozen = FrozenClock()
    frozen.set(lms_clock.now())
    yield frozen
    lms_clock.freeze(None)


@pytest.fixture
def app_overrides():
    """Settings every test app gets (a conftest deeper down may override this fixture): no hub
    answers (a closed loopback port), and queued tasks run at once."""
    return {"hub_url": "http://127.0.0.1:9", "hub_api_url": "http://127.0.0.1:9/hub/api", "queue_url": "memory://"}


# The tables of a fresh SQLite test database, made once per run (``db.create_all`` costs ~0.1 s, and
# most tests want a database): each test gets a copy of this file. Keyed by the tables the models
# declare, should an app ever declare others.
_SQLITE_TEMPLATES: dict[tuple[str, ...], str] = {}


def _fresh_sqlite_database(path, templates) -> None:
    """The empty schema in the app's SQLite file at ``path``: a copy of the run's template, made once
    (in the folder ``templates``) by ``db.create_all``."""
    tables = tuple(sorted(db.metadata.tables))
    template = _SQLITE_TEMPLATES.get(tables)
    db.engine.dispose()  # no connection open on the file while it is replaced
    if template is not None:
        shutil.copyfile(template, path)
        return
    db.create_all()
    db.engine.dispose()  # every connection closed: the file is complete
    template = str(templates / f"schema-{len(_SQLITE_TEMPLATES)}.db")
    shutil.copyfile(path, template)
    _SQLITE_TEMPLATES[tables] = template


@pytest.fixture
def app(tmp_path, tmp_path_factory, request, app_overrides):
    global _schema_ready
    database_url = POSTGRES_URL or f"sqlite:///{tmp_path / 'test.db'}"
    overrides = dict(app_overrides)
    for marker in reversed(list(request.node.iter_markers("settings"))):
        overrides.update(marker.kwargs)
    app = create_app({"env": "testing", "instance_path": str(tmp_path / "instance"),
                      "database_url": database_url, "secret_key": "t" * 40, **overrides})
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = _TEMPLATE_CACHE
    with app.app_context():
        if not POSTGRES_URL:
            _fresh_sqlite_database(tmp_path / "test.db", tmp_path_factory.getbasetemp())
        elif not _schema_ready:
            with db.engine.begin() as connection:  # whatever an earlier run of another version left
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.create_all()
            _schema_ready = True
        yield app
        db.session.remove()
        if POSTGRES_URL:
            _empty_postgres_tables()
        db.engine.dispose()


def _empty_postgres_tables() -> None:
    """Empty every table and restart the id sequences. DELETE on the few rows a test leaves is far
    quicker than TRUNCATE, which rebuilds every table's and index's files (~0.2 s a test)."""
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        sequences = connection.execute(text(
            "SELECT quote_ident(sequence_schema) || '.' || quote_ident(sequence_name) "
            "FROM information_schema.sequences WHERE sequence_schema = current_schema()")).scalars().all()
        for sequence in sequences:
            connection.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app):
    """Factories bound to the test's database: ``make.user(...)``, ``make.organisation(...)``."""
    return factories


@pytest.fixture
def world(app):
    """Two ministries: A with a sub-unit A1, and B; one person of each role, and people to look at.

    - ``learner`` works in A1, ``instructor`` in A, ``hr`` is the HR officer of A (their own
      organisation, so A and A1), ``admin`` belongs to no organisation;
    - ``colleague`` works in A1 (in ``hr``'s subtree), ``outsider`` in B, ``hr_b`` is HR of B.
    """
    from types import SimpleNamespace

    a = factories.organisation("MA", name_kk="А министрлігі", name_ru="Министерство А")
    a1 = factories.organisation("DEP1", parent=a, name_kk="А1 департаменті", name_ru="Департамент А1")
    b = factories.organisation("MB", name_kk="Б министрлігі", name_ru="Министерство Б")
    return SimpleNamespace(
        a=a, a1=a1, b=b,
        learner=factories.user("learner", organisation=a1, surname="Оқушыұлы"),
        instructor=factories.user("instructor", organisation=a, surname="Оқытушыұлы"),
        hr=factories.user("hr", organisation=a, surname="Кадровикова"),
        admin=factories.user("admin", surname="Әкімшіұлы"),
        colleague=factories.user("learner", organisation=a1, surname="Әріптесова", given_name="Гүлнар"),
        outsider=factories.user("learner", organisation=b, surname="Бөгдеұлы", given_name="Ерлан"),
        hr_b=factories.user("hr", organisation=b, surname="Басқаұлы"),
    )


CSRF_PATTERN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client, page: str = "/login") -> str:
    response = client.get(page)
    match = CSRF_PATTERN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def post_form(client, url: str, data: dict | None = None, page: str = "/login", **kwargs):
    """POST a form the way a browser would: with the CSRF token of the session."""
    return client.post(url, data={"csrf_token": csrf_token(client, page), **(data or {})}, **kwargs)


def sign_in(client, user, password: str = factories.PASSWORD):
    response = post_form(client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def signed_in_client(app, user):
    """A new browser (its own cookie jar) signed in as ``user``."""
    browser = app.test_client()
    sign_in(browser, user)
    return browser


def translated(app, message: str, language: str = "kk", **variables) -> str:
    """``message`` as the catalogs of ``language`` render it now (the msgid itself while a catalog
    lacks it), so assertions hold before and after the translators' work."""
    from flask_babel import gettext

    def render():
        with app.app_context(), app.test_request_context("/", headers={"Cookie": f"oqu_lang={language}"}):
            return gettext(message, **variables)

    return contextvars.Context().run(render)


def fresh(obj):
    """``obj`` reloaded from the database (requests run in their own sessions)."""
    return db.session.get(type(obj), obj.id, populate_existing=True)


def sign_in_page(page, live_server: str, user, password: str = factories.PASSWORD) -> None:
    """Sign ``user`` in through the Kazakh sign-in form in the browser ``page``."""
    page.goto(f"{live_server}/login")
    page.get_by_label("Электрондық пошта").fill(user.email)
    page.get_by_label("Құпиясөз", exact=True).fill(password)
    page.get_by_role("button", name="Кіру", exact=True).click()
    page.wait_for_url(f"{live_server}/")


def page_text(response) -> str:
    """The response body with HTML entities decoded (what a reader sees, tags aside)."""
    return html.unescape(response.get_data(as_text=True))


def audit_events(action: str | None = None):
    """Audit events (oldest first), optionally of one action, read fresh from the database."""
    from lms.audit.models import AuditEvent

    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


# --------------------------------------------------------------------------- live servers and the browser
# Shared by tests/browser and tests/hub: a real Oqu server on a loopback port, and Debian's Chromium
# driven through Playwright (``/usr/bin/chromium``; Playwright's own browser download is not used).

CHROMIUM = os.environ.get("OQU_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


@pytest.fixture
def live_server_port():
    """The port of :func:`live_server`: 0 picks a free one (tests/hub fixes it for the whole session)."""
    return 0


@pytest.fixture
def live_server(app, live_server_port):
    """Serve the test's app on 127.0.0.1; yields the base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", live_server_port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser-deps`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale=getattr(request, "param", None) or "kk-KZ")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()

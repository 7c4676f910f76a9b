"""Faults a ministry's server will meet, each with what the person in front of it notices:

- the disk fills while a learner hands in an assignment: a clear, translated message, nothing stored
  half-way, the same hand-in works once there is room again;
- PostgreSQL drops the connection in the middle of a request: an error page saying nothing was
  saved, and the next request works (always against a real PostgreSQL, created for the test);
- the LMS is killed while it builds an XLSX export: the download fails visibly (no truncated file
  that looks complete), and after a restart the export is whole.

These tests run the application as it runs in production (``env=development``: the error handlers
are on, exceptions do not propagate to the test)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
import requests
from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url

from lms import create_app
from lms.extensions import db
from tests.hubs import free_port, wait_for
from lms.clock import today as local_today

from .. import factories
from ..conftest import POSTGRES_URL, IsolatedClient, csrf_token, sign_in, translated
from ..courses.files import import_course
from ..grading.files import DEMO, learner_version

ROOT = Path(__file__).resolve().parents[2]
PG_URL = POSTGRES_URL or "postgresql+psycopg://postgres@127.0.0.1:5432/test"

ASSIGNMENT_COURSE = """\
title: {kk: "Деректер", ru: "Данные"}
description: {kk: "Курс", ru: "Курс"}
hours: 2
level: beginner
self_enrolment: true
modules:
  - id: m1
    title: {kk: "Негіздер", ru: "Основы"}
    items:
      - notebook: mean-and-median
        title: {kk: "Тапсырма", ru: "Задание"}
        file: mean-and-median/mean-and-median.ipynb
"""


def _production_like_app(tmp_path, database_url: str, **settings):
    app = create_app({"env": "development", "instance_path": str(tmp_path / "instance"), "database_url": database_url,
                      "secret_key": "f" * 40, "queue_url": "memory://", "hub_url": "http://127.0.0.1:9",
                      "hub_api_url": "http://127.0.0.1:9/hub/api", **settings})
    app.test_client_class = IsolatedClient
    return app


# --------------------------------------------------------------------------- disk full

@pytest.mark.integration  # slow: a small full file system through bwrap (~6 s)
def test_a_full_disk_while_submitting_stores_nothing_and_says_so(tmp_path, monkeypatch):
    from lms.grading.models import Submission
    from lms.hub import services as hub
    from lms.learning.services import enrol_learner
    from lms.security import SYSTEM

    from ..grading.files import publish_version
    from ..grading.test_submission_api import FakeServer

    assignments = tmp_path / "assignments"
    shutil.copytree(DEMO, assignments / "data" / "mean-and-median")
    database = tmp_path / "oqu.db"
    app = _production_like_app(tmp_path, f"sqlite:///{database}", assignments_dir=str(assignments))
    notebook = learner_version(DEMO / "mean-and-median.ipynb")
    monkeypatch.setattr(hub, "hub_client", lambda: FakeServer(files={"mean-and-median.ipynb": notebook}))

    with app.app_context():
        db.create_all()
        learner = factories.user("learner")
        course = import_course(tmp_path / "courses", "data", course_yaml=ASSIGNMENT_COURSE)
        publish_version(course, "mean-and-median")
        enrol_learner(SYSTEM, course, learner=learner)
        hub.hub_account(learner)
        browser = app.test_client()
        sign_in(browser, learner)
        token = csrf_token(browser, "/courses/data")
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM"))  # no free pages left inside the file
            pages = connection.execute(text("PRAGMA page_count")).scalar()

        room = {"pages": pages}  # the disk: the file cannot grow by a single page

        @event.listens_for(db.engine, "connect")
        def _small_disk(connection, _record):
            connection.execute(f"PRAGMA max_page_count = {room['pages']}")

        db.engine.dispose()
        full = browser.post("/courses/data/assignments/mean-and-median/submit", data={"csrf_token": token})
        assert full.status_code == 507
        page = full.get_data(as_text=True)
        assert translated(app, "Storage is full") in page
        assert translated(app, "The server has no room left to store this. Nothing was saved; please try again "
                               "later. The administrators can see this in the log.") in page
        assert db.session.execute(db.select(db.func.count(Submission.id))).scalar() == 0

        room["pages"] = 1_000_000  # room again
        db.engine.dispose()
        stored = browser.post("/courses/data/assignments/mean-and-median/submit", data={"csrf_token": token})
        assert stored.status_code == 302 and stored.headers["Location"].startswith("/submissions/")
        assert db.session.execute(db.select(db.func.count(Submission.id))).scalar() == 1
        db.session.remove()


# --------------------------------------------------------------------------- PostgreSQL drops the connection

@pytest.fixture
def own_postgres():
    """A database of its own on the real PostgreSQL (this test always needs one)."""
    url = make_url(PG_URL)
    name = f"oqu_fault_{uuid.uuid4().hex[:8]}"
    admin = dict(host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database,
                 autocommit=True)
    with psycopg.connect(**admin) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False), admin
    with psycopg.connect(**admin) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_dropped_database_connection_fails_one_request_cleanly_and_the_next_works(tmp_path, own_postgres):
    from lms.learning.models import Enrolment

    url, admin = own_postgres
    app = _production_like_app(tmp_path, url)
    with app.app_context():
        db.create_all()
        learner = factories.user("learner")
        import_course(tmp_path / "courses", "data", course_yaml=ASSIGNMENT_COURSE)
        browser = app.test_client()
        sign_in(browser, learner)
        token = csrf_token(browser, "/courses/data")
        db.session.remove()

        armed = {"on": None}

        @event.listens_for(db.engine, "before_cursor_execute")
        def _drop(connection, cursor, statement, parameters, context, executemany):
            """The server ends this very connection just before the statement the test picked."""
            if armed["on"] and armed["on"] in statement:
                armed["on"] = None
                pid = connection.connection.dbapi_connection.info.backend_pid
                with psycopg.connect(**admin) as other:
                    other.execute("SELECT pg_terminate_backend(%s)", (pid,))

        armed["on"] = "INSERT INTO enrolments"
        dropped = browser.post("/courses/data/enrol", data={"csrf_token": token})
        assert dropped.status_code == 503
        assert translated(app, "The connection to the database was interrupted. Nothing was saved; please try "
                               "again.") in dropped.get_data(as_text=True)
        assert db.session.execute(db.select(db.func.count(Enrolment.id))).scalar() == 0

        again = browser.post("/courses/data/enrol", data={"csrf_token": token})
        assert again.status_code == 302
        assert db.session.execute(db.select(db.func.count(Enrolment.id))).scalar() == 1

        armed["on"] = "FROM courses"  # a page that only reads
        assert browser.get("/courses/data").status_code == 503
        assert browser.get("/courses/data").status_code == 200
        db.session.remove()
        db.engine.dispose()


# --------------------------------------------------------------------------- the LMS killed during an export

ROWS = 20_000


def _seed_certificates(database_url: str, instance: Path) -> str:
    """An admin and ROWS certificates, written straight into the tables (fast)."""
    from lms.accounts.models import User
    from lms.certificates.models import Certificate

    app = create_app({"env": "development", "instance_path": str(instance), "database_url": database_url,
                      "secret_key": "f" * 40})
    with app.app_context():
        db.create_all()
        admin = factories.user("admin", email="admin@oqu.test")
        course = import_course(instance.parent / "courses", "data", course_yaml=ASSIGNMENT_COURSE)
        organisation = factories.organisation("ORG")
        holders = [{"email": f"h{i}@oqu.test", "given_name": "Әсел", "surname": f"Holder{i}",
                    "password_hash": "x", "organisation_id": organisation.id} for i in range(ROWS)]
        columns = {c.name for c in User.__table__.columns}
        defaults = {c.name: c.default.arg for c in User.__table__.columns
                    if c.default is not None and not callable(c.default.arg)}
        db.session.execute(insert(User), [{**defaults, **{k: v for k, v in h.items() if k in columns}}
                                          for h in holders])
        ids = db.session.execute(text("SELECT id FROM users WHERE email LIKE 'h%@oqu.test' ORDER BY id")).scalars()
        today = local_today()
        db.session.execute(insert(Certificate), [
            {"number": f"OQU-2026-{i:06d}", "user_id": user_id, "course_id": course.id,
             "organisation_id": organisation.id, "renewal": 0, "holder_name": f"Holder {i}", "hours": 2,
             "issued_on": today, "course_version": ""} for i, user_id in enumerate(ids)])
        db.session.commit()
        email = admin.email
        db.session.remove()
    return email


class Gunicorn:
    def __init__(self, environment: dict, port: int, log: Path):
        self.environment, self.port, self.log = environment, port, log
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", "1", "--timeout", "120",
             "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
            cwd=ROOT, env=self.environment, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT,
            start_new_session=True)
        wait_for(f"http://127.0.0.1:{self.port}/api/v1/health", timeout=60, process=self.process)

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def _admin_browser(base: str, email: str) -> requests.Session:
    from ..hub.conftest import Browser

    browser = Browser()
    browser.sign_in(base, SimpleNamespace(email=email))
    return browser


@pytest.mark.integration  # starts the LMS under gunicorn and kills it
def test_an_export_interrupted_by_a_restart_is_never_a_whole_looking_file(tmp_path):
    database = f"sqlite:///{tmp_path / 'oqu.db'}"
    instance = tmp_path / "instance"
    email = _seed_certificates(database, instance)
    port = free_port()
    environment = {**{k: v for k, v in os.environ.items() if not k.startswith("LMS_")},
                   "LMS_ENV": "development", "LMS_DATABASE_URL": database, "LMS_INSTANCE_PATH": str(instance),
                   "LMS_SECRET_KEY": "f" * 40, "LMS_QUEUE_URL": "memory://"}
    server = Gunicorn(environment, port, tmp_path / "gunicorn.log")
    base = f"http://127.0.0.1:{port}"
    server.start()
    try:
        browser = _admin_browser(base, email)
        received = bytearray()
        outcome = {}

        def download():
            try:
                with browser.get(f"{base}/hr/certificates/export.xlsx", stream=True, timeout=120) as response:
                    outcome["status"] = response.status_code
                    outcome["length"] = response.headers.get("Content-Length")
                    for chunk in response.iter_content(64 * 1024):
                        received.extend(chunk)
                outcome["finished"] = True
            except requests.RequestException as error:
                outcome["error"] = error

        thread = threading.Thread(target=download)
        thread.start()
        time.sleep(0.5)  # the export is under way (20,000 rows take seconds)
        server.kill()
        thread.join(timeout=60)
        # Either the download failed visibly, or what arrived is the whole workbook: never a cut-off file
        # that a client would take for complete.
        if outcome.get("finished"):
            assert outcome["status"] == 200 and _rows(bytes(received)) == ROWS + 1, \
                "a killed export was delivered as if complete"
        else:
            assert isinstance(outcome.get("error"), requests.RequestException)

        server.start()
        browser = _admin_browser(base, email)
        whole = browser.get(f"{base}/hr/certificates/export.xlsx", timeout=120)
        assert whole.status_code == 200
        assert _rows(whole.content) == ROWS + 1
    finally:
        if server.process and server.process.poll() is None:
            server.kill()


def _rows(data: bytes) -> int:
    """Rows of the workbook's first sheet (header included); -1 if it is not a readable workbook."""
    import io

    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        return sum(1 for _ in sheet.iter_rows())
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return -1

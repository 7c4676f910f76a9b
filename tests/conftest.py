"""Shared fixtures: a fresh app and database per test, a client, factories and sign-in helpers.

The database is SQLite in a temporary folder by default. With ``LMS_TEST_DATABASE_URL`` set
(CI sets it to the PostgreSQL on 127.0.0.1), every test runs against that server instead: the
schema is created once per run and every table is emptied after each test.
"""
from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import text

from lms import create_app
from lms.extensions import db

from . import factories

POSTGRES_URL = os.environ.get("LMS_TEST_DATABASE_URL", "")
_schema_ready = False


@pytest.fixture
def app(tmp_path):
    global _schema_ready
    database_url = POSTGRES_URL or f"sqlite:///{tmp_path / 'test.db'}"
    app = create_app({"env": "testing", "instance_path": str(tmp_path / "instance"),
                      "database_url": database_url, "secret_key": "t" * 40})
    with app.app_context():
        if not POSTGRES_URL or not _schema_ready:
            if POSTGRES_URL:
                db.drop_all()
            db.create_all()
            _schema_ready = bool(POSTGRES_URL)
        yield app
        db.session.remove()
        if POSTGRES_URL:
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app):
    """Factories bound to the test's database: ``make.user(...)``, ``make.organisation(...)``."""
    return factories


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

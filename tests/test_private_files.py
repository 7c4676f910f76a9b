"""Secrets and personal data on disk are the LMS's own: instance/ 0700, the SQLite database and the
mail outbox (live password-reset links) 0600, whatever the umask."""
from __future__ import annotations

import email
import email.policy
import os
import stat
from pathlib import Path

import pytest

from lms import create_app
from lms.accounts import services
from lms.extensions import db

from . import factories


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def development_app(instance: Path):
    """An app with the defaults a fresh checkout gets: SQLite under instance/, mail into the outbox."""
    return create_app({"env": "development", "instance_path": str(instance), "queue_url": "memory://"})


def test_a_fresh_instance_folder_database_and_outbox_are_private(tmp_path, permissive_umask):
    instance = tmp_path / "instance"
    app = development_app(instance)
    with app.app_context():
        db.create_all()
        person = factories.user("learner")
        with app.test_request_context("/"):
            services.request_password_reset(person.email)
        db.session.remove()
        db.engine.dispose()
    assert mode(instance) == 0o700
    assert mode(instance / "oqu.db") == 0o600
    assert mode(instance / "secret_key") == 0o600
    outbox = instance / "outbox"
    [message] = list(outbox.iterdir())
    assert mode(outbox) == 0o700 and mode(message) == 0o600
    body = email.message_from_bytes(message.read_bytes(), policy=email.policy.default).get_content()
    assert "/password/reset/" in body  # a live credential: which is why no one else may read it


def test_an_instance_made_by_an_older_version_is_tightened_at_start(tmp_path, permissive_umask):
    instance = tmp_path / "instance"
    (instance / "outbox").mkdir(parents=True)
    instance.chmod(0o755)
    database = instance / "oqu.db"
    database.write_bytes(b"")
    database.chmod(0o644)
    app = development_app(instance)
    assert mode(instance) == 0o700 and mode(database) == 0o600
    with app.app_context(), app.test_request_context("/"):
        db.create_all()
        services.request_password_reset(factories.user("learner").email)
        db.session.remove()
        db.engine.dispose()
    assert mode(instance / "outbox") == 0o700

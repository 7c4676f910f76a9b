"""``lms backup`` and ``lms restore``: a round trip onto an empty installation keeps people, courses,
submissions, certificates and the keys that make issued credentials verify; a damaged archive or a
database that already holds data is refused without changing anything.

On PostgreSQL (``LMS_TEST_DATABASE_URL``) the round trip goes through pg_dump/pg_restore into a
database the test creates."""
from __future__ import annotations

import gzip
import os
import tarfile
import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url

from lms import create_app
from lms.extensions import db

from ..conftest import POSTGRES_URL, audit_events, sign_in
from ..courses.files import import_course


@pytest.fixture
def target_database(tmp_path):
    """An empty database for the restored installation (same kind as the test's)."""
    if not POSTGRES_URL:
        (tmp_path / "restored").mkdir()
        yield f"sqlite:///{tmp_path / 'restored' / 'oqu.db'}"
        return
    url = make_url(POSTGRES_URL)
    name = f"oqu_restore_{uuid.uuid4().hex[:8]}"
    admin = dict(host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database,
                 autocommit=True)
    with psycopg.connect(**admin) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    db.session.remove()
    with psycopg.connect(**admin) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def installation(app, world, tmp_path, make):
    """Something worth keeping: a course, a submission, a certificate with a signed credential."""
    from lms.certificates import credential
    from lms.grading.models import Submission, SubmissionStatus

    course = import_course(tmp_path / "courses")
    certificate = make.certificate(world.learner, course)
    db.session.add(Submission(user_id=world.learner.id, course_id=course.id, assignment="a1", attempt=1,
                              content={"a1.ipynb": '{"cells": []}'}, content_hash="0" * 64, size_bytes=13,
                              status=SubmissionStatus.graded, total=3.0, max_total=4.0, flags=[]))
    db.session.commit()
    signed = credential.signed_credential(certificate)
    return {"number": certificate.number, "credential": signed, "learner": world.learner.email}


def _cli(app, *args, **kwargs):
    """Run ``flask lms …`` against ``app`` (the CLI uses whichever app context is active)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["lms", *args], **kwargs)
        db.session.remove()
    return result


def test_backup_and_restore_onto_an_empty_installation(app, installation, tmp_path, target_database):
    from lms.certificates import credential

    result = _cli(app, "backup", str(tmp_path / "backups"))
    assert result.exit_code == 0, result.output
    archive = next((tmp_path / "backups").glob("oqu-backup-*.tar.gz"))
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # it holds keys
    assert not list((tmp_path / "backups").glob("*.partial"))
    assert [e.details["counts"]["certificates"] for e in audit_events("backup_created")] == [1]

    restored = create_app({"env": "testing", "instance_path": str(tmp_path / "restored-instance"),
                           "database_url": target_database, "secret_key": "r" * 40, "queue_url": "memory://"})
    result = _cli(restored, "restore", str(archive), "--yes")
    assert result.exit_code == 0, result.output

    with restored.app_context():
        from lms.certificates.models import Certificate
        from lms.grading.models import Submission

        cert = db.session.execute(db.select(Certificate)).scalar_one()
        assert cert.number == installation["number"]
        submission = db.session.execute(db.select(Submission)).scalar_one()
        assert (submission.total, submission.content) == (3.0, {"a1.ipynb": '{"cells": []}'})
        # the signing key came back: the credential issued before the backup verifies, and a new one
        # is signed by the same key
        assert credential.verify(installation["credential"])
        assert credential.signed_credential(cert)["issuer"] == installation["credential"]["issuer"]
        assert [e.action for e in audit_events("backup_restored")] == ["backup_restored"]
        db.session.remove()

    browser = restored.test_client()
    assert browser.get(f"/verify/{installation['number']}").status_code == 200
    from lms.accounts.models import User

    with restored.app_context():
        learner = db.session.execute(db.select(User).filter_by(email=installation["learner"])).scalar_one()
        sign_in(browser, learner)
        db.session.remove()


def test_restore_refuses_a_database_that_holds_data(app, installation, tmp_path):
    assert _cli(app, "backup", str(tmp_path / "b.tar.gz")).exit_code == 0
    result = _cli(app, "restore", str(tmp_path / "b.tar.gz"), "--yes")
    assert result.exit_code == 1
    assert "not empty" in result.output and "--force" in result.output


def test_a_damaged_archive_is_refused_and_nothing_changes(app, installation, tmp_path, target_database):
    assert _cli(app, "backup", str(tmp_path / "b.tar.gz")).exit_code == 0
    # flip bytes inside the database member, keeping the manifest
    unpacked = tmp_path / "unpacked"
    with tarfile.open(tmp_path / "b.tar.gz") as archive:
        archive.extractall(unpacked, filter="data")
    database = next(p for p in unpacked.iterdir() if p.name.startswith("database."))
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0xFF
    database.write_bytes(bytes(data))
    with tarfile.open(tmp_path / "damaged.tar.gz", "w:gz") as archive:
        for path in sorted(unpacked.rglob("*")):
            if path.is_file():
                archive.add(path, arcname=path.relative_to(unpacked).as_posix())

    instance = tmp_path / "restored-instance"
    restored = create_app({"env": "testing", "instance_path": str(instance), "database_url": target_database,
                           "secret_key": "r" * 40, "queue_url": "memory://"})
    before = sorted(p.name for p in instance.iterdir())
    result = _cli(restored, "restore", str(tmp_path / "damaged.tar.gz"), "--yes")
    assert result.exit_code == 1 and "damaged" in result.output
    assert sorted(p.name for p in instance.iterdir()) == before
    with restored.app_context():
        assert not db.inspect(db.engine).get_table_names()
        db.session.remove()


@pytest.mark.parametrize("content", [b"", b"not an archive", gzip.compress(b"plain text, gzipped", mtime=0)],
                         ids=["empty", "not an archive", "gzipped text"])
def test_something_that_is_not_a_backup_is_named_as_such(app, tmp_path, content):
    path = tmp_path / "x.tar.gz"
    path.write_bytes(content)
    result = _cli(app, "restore", str(path), "--yes")
    assert result.exit_code == 1 and "not an Oqu backup" in result.output


def test_restore_asks_before_replacing(app, installation, tmp_path):
    assert _cli(app, "backup", str(tmp_path / "b.tar.gz")).exit_code == 0
    result = _cli(app, "restore", str(tmp_path / "b.tar.gz"), "--force", input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert os.path.exists(tmp_path / "b.tar.gz")

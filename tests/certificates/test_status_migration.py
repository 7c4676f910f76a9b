"""Migration 0010_creds: every certificate issued before it gets its own place in the revocation
status list, and keeps everything else (its number, holder, dates, revocation)."""
import pytest
from sqlalchemy import select

from lms import create_app
from lms.certificates.statuslist import place_of
from lms.extensions import db

from .. import factories
from ..courses.files import import_course
from ..test_migrations import _flask_db, keep_logging, postgres_url, sqlite_url  # noqa: F401 — fixtures


@pytest.mark.integration  # slow: runs the migrations on a fresh database (~3 s)
@pytest.mark.parametrize("database", ["sqlite_url", "postgres_url"])
def test_upgrade_gives_every_certificate_issued_before_a_place(database, request, tmp_path, keep_logging):  # noqa: F811
    from lms.certificates.models import Certificate

    app = create_app({"env": "testing", "instance_path": str(tmp_path / "instance"), "secret_key": "m" * 40,
                      "database_url": request.getfixturevalue(database)})
    try:
        with app.app_context():
            _flask_db(app, "upgrade")
            course = import_course(tmp_path / "courses")
            for n in range(5):
                factories.certificate(factories.user(), course, revoked=n == 0)
            before = {c.number: (c.holder_name, c.issued_on, c.revoked_at)
                      for c in db.session.scalars(select(Certificate))}
            db.session.remove()
            _flask_db(app, "downgrade", "0009")  # as the database was before this change: no places
            _flask_db(app, "upgrade")
            rows = db.session.scalars(select(Certificate)).all()
            assert {c.number: (c.holder_name, c.issued_on, c.revoked_at) for c in rows} == before
            places = [c.status_index for c in rows]
            assert places == [place_of(c.id) for c in rows] and len(set(places)) == 5
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()

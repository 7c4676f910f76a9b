"""Uploads kept for their uploader's confirmation (lms/staging.py): bound to the person, kept in the
database (any LMS machine can confirm), taken once, forgotten after their time."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms import create_app
from lms.accounts.models import User
from lms.extensions import db
from lms.staging import StagedUpload, StagedUploadGone, Staging

from .accounts.test_employee_import_preview import confirm, preview, staged_token, xlsx_bytes
from .conftest import signed_in_client
from . import factories


def test_an_upload_is_taken_once_by_its_uploader_only(app, world):
    staging = Staging("kept", 60)
    token = staging.stage(world.instructor, b"data", {"filename": "a.zip"})
    with pytest.raises(StagedUploadGone):
        staging.claim(world.admin, token)
    with pytest.raises(StagedUploadGone):
        Staging("other-kind", 60).claim(world.instructor, token)
    meta, data = staging.claim(world.instructor, token)
    assert (meta["filename"], data) == ("a.zip", b"data")
    assert staging.outcome(world.instructor, token) == (meta, None)  # being processed
    with pytest.raises(StagedUploadGone):
        staging.claim(world.instructor, token)  # a double click
    staging.finish(token, {"done": True})
    assert staging.outcome(world.instructor, token)[1] == {"done": True}
    assert staging.outcome(world.admin, token) is None
    assert db.session.get(StagedUpload, token, populate_existing=True).data is None  # the bytes let go


def test_a_failed_confirmation_keeps_nothing(app, world):
    staging = Staging("kept", 60)
    token = staging.stage(world.instructor, b"data", {})
    staging.claim(world.instructor, token)
    staging.finish(token, None)
    assert staging.outcome(world.instructor, token) is None
    assert db.session.scalar(select(StagedUpload).where(StagedUpload.token == token)) is None


def test_an_upload_expires(app, world, clock):
    staging = Staging("kept", 60)
    token = staging.stage(world.instructor, b"data", {})
    clock.set(clock.now() + timedelta(seconds=61))
    with pytest.raises(StagedUploadGone):
        staging.claim(world.instructor, token)
    staging.forget_old()
    assert db.session.scalars(select(StagedUpload)).all() == []


@pytest.mark.parametrize("token", ["", "../x", "a" * 80, "x/y"])
def test_a_malformed_token_is_unknown(app, world, token):
    with pytest.raises(StagedUploadGone):
        Staging("kept", 60).claim(world.instructor, token)


def test_a_preview_made_on_one_lms_machine_is_confirmed_on_another(app, world, tmp_path):
    """The officer's "Import" reaches another machine behind the load balancer: the same database and
    secret, an instance folder of its own."""
    settings = app.config["OQU_SETTINGS"]
    other = create_app({"env": "testing", "instance_path": str(tmp_path / "machine-b"),
                        "database_url": settings.database_url, "secret_key": "t" * 40,
                        "hub_url": settings.hub_url, "hub_api_url": settings.hub_api_url, "queue_url": "memory://"})
    other.test_client_class = type(app.test_client())
    browser = signed_in_client(app, world.hr)
    token = staged_token(preview(browser, xlsx_bytes([[factories.valid_iin("m1"), "Машинова", "Әсел", "",
                                                       "asel@example.kz", "MA", "Маман"]])))
    moved = other.test_client()
    for name in ("oqu_session", "oqu_lang"):
        moved.set_cookie(name, browser.get_cookie(name).value)
    try:
        assert confirm(moved, token).status_code == 303
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
    assert db.session.scalar(select(User).where(User.email == "asel@example.kz")) is not None
    assert not (tmp_path / "machine-b" / "employee-imports").exists()

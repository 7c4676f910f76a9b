"""Uploads kept for their uploader's confirmation (lms/staging.py): bound to the person, private,
taken once, forgotten after their time."""
from __future__ import annotations

import stat
from datetime import timedelta

import pytest

from lms.staging import StagedUploadGone, Staging


def test_an_upload_is_taken_once_by_its_uploader_only(app, world, tmp_path):
    staging = Staging(str(tmp_path), "kept", 60)
    token = staging.stage(world.instructor, b"data", {"filename": "a.zip"})
    assert stat.S_IMODE((tmp_path / "kept" / f"{token}.data").stat().st_mode) == 0o600
    with pytest.raises(StagedUploadGone):
        staging.claim(world.admin, token)
    meta, data = staging.claim(world.instructor, token)
    assert (meta["filename"], data) == ("a.zip", b"data")
    assert staging.outcome(world.instructor, token) == (meta, None)  # being processed
    with pytest.raises(StagedUploadGone):
        staging.claim(world.instructor, token)  # a double click
    staging.finish(token, {"done": True})
    assert staging.outcome(world.instructor, token)[1] == {"done": True}
    assert staging.outcome(world.admin, token) is None


def test_an_upload_expires(app, world, tmp_path, clock):
    staging = Staging(str(tmp_path), "kept", 60)
    token = staging.stage(world.instructor, b"data", {})
    clock.set(clock.now() + timedelta(seconds=61))
    with pytest.raises(StagedUploadGone):
        staging.claim(world.instructor, token)
    staging.forget_old()
    assert not list((tmp_path / "kept").iterdir())


@pytest.mark.parametrize("token", ["", "../x", "a" * 80, "x/y"])
def test_a_malformed_token_is_unknown(app, world, tmp_path, token):
    with pytest.raises(StagedUploadGone):
        Staging(str(tmp_path), "kept", 60).claim(world.instructor, token)

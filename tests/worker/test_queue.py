"""The task queue: Huey on SQLite under instance/ by default, a real consumer process, a heartbeat the
health check reads, signed messages."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hubs import ROOT
from lms.settings import Settings
from lms.worker import HEARTBEAT_KEY, create_huey, get_huey, queue_health, registered_tasks

pytestmark = pytest.mark.integration  # a real worker process (huey consumer)


@pytest.fixture
def app_overrides(tmp_path):
    return {"hub_url": "http://127.0.0.1:9", "queue_url": f"sqlite:///{tmp_path / 'queue.db'}"}


def test_queue_backend_follows_the_setting(tmp_path):
    from huey import MemoryHuey, RedisHuey, SqliteHuey

    base = {"instance_path": str(tmp_path), "secret_key": "s" * 40}
    default = create_huey(Settings.load(base, environ={}))
    assert isinstance(default, SqliteHuey) and default.storage.filename == str(tmp_path / "queue.db")
    assert isinstance(create_huey(Settings.load({**base, "queue_url": "redis://127.0.0.1:6379/0"}, environ={})),
                      RedisHuey)
    assert isinstance(create_huey(Settings.load({**base, "queue_url": "memory://"}, environ={})), MemoryHuey)


def test_queue_messages_are_signed(app):
    huey = get_huey(app)
    message = huey.serializer.serialize({"task": "x"})
    tampered = message[:-1] + (b"0" if message[-1:] != b"0" else b"1")
    with pytest.raises(Exception):
        huey.serializer.deserialize(tampered)


def test_health_says_the_queue_is_down_without_a_worker(app):
    assert queue_health() == "down"
    get_huey(app).put(HEARTBEAT_KEY, time.time() - 600)
    assert queue_health() == "down"  # a heartbeat older than three minutes


def test_a_real_worker_runs_tasks_and_beats(app, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "FLASK_"))}
    env.update({"LMS_INSTANCE_PATH": str(tmp_path / "instance"), "LMS_SECRET_KEY": app.config["SECRET_KEY"],
                "LMS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "LMS_QUEUE_URL": app.config["OQU_SETTINGS"].queue_url})
    worker = subprocess.Popen([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "lms", "worker"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        result = registered_tasks(app).ping("pong")
        assert result.get(blocking=True, timeout=20) == "pong"
        deadline = time.monotonic() + 10
        while queue_health() != "ok" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert queue_health() == "ok"
        response = app.test_client().get("/api/v1/health")
        assert response.get_json()["queue"] == "ok"
    finally:
        worker.send_signal(signal.SIGINT)  # graceful
        output = worker.communicate(timeout=20)[0].decode(errors="replace")
    assert worker.returncode == 0, output

"""What a process pays to hold the application. ``create_app`` loads no library that only some
commands or requests need (Flask-Migrate with Alembic and Mako; Huey with the Redis and PostgreSQL
clients; Authlib with its JOSE and crypto libraries; requests, for the hub; apispec) and hashes no
password. This keeps an exporting process under the certificates issue's 100 MB (measured by
``python -m bench.export``), and every web worker smaller. Each library still loads where it is used,
which its own tests cover: ``flask db`` in tests/test_migrations.py, the queue in tests/worker, the
OAuth endpoints and the hub client in tests/hub, the API description in tests/api."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.database_independent

LOADED_ON_USE = ("flask_migrate", "alembic", "mako", "huey", "redis", "psycopg", "authlib", "joserfc",
                 "cryptography", "requests", "apispec", "reportlab", "xlsxwriter", "nbgrader", "nbformat")

PROBE = """
import json, sys
from unittest import mock

import argon2

from lms import create_app

with mock.patch.object(argon2.PasswordHasher, "hash", side_effect=AssertionError("hashed at start-up")):
    app = create_app({"env": "testing", "database_url": "sqlite:///" + sys.argv[1] + "/oqu.db",
                      "instance_path": sys.argv[1], "secret_key": "f" * 40})
    with app.test_client() as client:
        status = client.get("/api/v1/ping").status_code
print(json.dumps({"status": status, "modules": sorted({name.split(".")[0] for name in sys.modules})}))
"""


@pytest.mark.integration  # a Python process of its own (~2 s), so that nothing is loaded already
def test_the_application_loads_only_what_every_request_needs(tmp_path):
    result = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.splitlines()[-1])
    assert probe["status"] == 200
    assert sorted(set(LOADED_ON_USE) & set(probe["modules"])) == []

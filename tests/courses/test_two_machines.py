"""Two LMS processes with separate working directories (their own instance folders, a current folder
without courses/ or notebooks/, no assignments folder) serve the same uploaded course and assignment:
the content lives in the database, not on either machine's disk."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lms.courses import content, services
from lms.grading import sources
from lms.security import SYSTEM

from .files import COURSE, write_course
from .test_content_store import NOTEBOOK, NOTEBOOK_ITEM, folder_files

ROOT = Path(__file__).resolve().parents[2]

# The second machine: a new process, started in an empty folder, that reads the course and the
# assignment, and serves the lesson page and the assignment's file to a signed-in learner.
SECOND_MACHINE = """
import hashlib, json, sys
from lms import create_app
from lms.courses import content, services
from lms.grading.notebooks import find_assignment
from lms.security import SYSTEM

app = create_app({"env": "testing", "database_url": sys.argv[1], "instance_path": sys.argv[2],
                  "assignments_dir": sys.argv[3], "courses_dir": sys.argv[3], "secret_key": "t" * 40,
                  "hub_url": "http://127.0.0.1:9", "hub_api_url": "http://127.0.0.1:9/hub/api",
                  "queue_url": "memory://"})
with app.app_context():
    course = services.get_course("demo")
    source = find_assignment(app.config["OQU_SETTINGS"], "demo", "lab1")
    package = content.package_files(course)
    lesson = services.get_item(course, "l1")
    print(json.dumps({
        "folder": str(source.folder),
        "notebooks": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in source.notebooks},
        "package": {path: hashlib.sha256(data).hexdigest() for path, data in sorted(package.items())},
        "lesson": lesson.html_ru,
        "versions": [v.number for v in content.course_versions(SYSTEM, course)],
    }))
"""


@pytest.mark.integration  # starts a second LMS process
def test_two_processes_with_their_own_folders_serve_the_same_stored_course_and_assignment(app, tmp_path):
    import hashlib

    settings = app.config["OQU_SETTINGS"]
    nowhere = tmp_path / "nothing-here"
    nowhere.mkdir()
    settings.assignments_dir = str(nowhere)
    files = folder_files(write_course(tmp_path / "upload", course_yaml=COURSE.format(slug="demo").replace(
        "      - quiz: q1\n", NOTEBOOK_ITEM + "      - quiz: q1\n")))
    files["assignments/lab1/lab1.ipynb"] = NOTEBOOK
    files["assignments/lab1/data.csv"] = b"a\n1\n"
    report = content.store_package(SYSTEM, files, origin="upload", display="demo.zip", name="demo")
    assert report.ok, [str(p) for p in report.problems]
    course = services.get_course("demo")
    here = sources.source_folder("demo", "lab1")
    mine = content.package_files(course)

    workdir = tmp_path / "machine-b"
    workdir.mkdir()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    environment["PYTHONPATH"] = str(ROOT)
    result = subprocess.run([sys.executable, "-c", SECOND_MACHINE, settings.database_url,
                             str(tmp_path / "instance-b"), str(workdir / "none")],
                            cwd=workdir, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    other = json.loads(result.stdout.strip().splitlines()[-1])

    assert not (workdir / "courses").exists() and not (workdir / "notebooks").exists()
    assert Path(other["folder"]).is_relative_to(tmp_path / "instance-b")  # its own cache, not ours
    assert Path(other["folder"]).name == here.name  # the same content hash
    assert other["notebooks"] == {"lab1.ipynb": hashlib.sha256(NOTEBOOK).hexdigest()}
    assert other["package"] == {path: hashlib.sha256(data).hexdigest() for path, data in sorted(mine.items())}
    assert "Первый урок" in other["lesson"] and other["versions"] == [1]

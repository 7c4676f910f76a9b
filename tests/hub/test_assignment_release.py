"""Releasing an assignment to a learner's server through the Jupyter contents API, with a real hub:
the first launch places the student version; a new version of the source never overwrites the
learner's work (it arrives beside it, and the course page says so); untouched files are updated in
place; a failed release leaves the launch ready and tells the learner."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from lms.assignments.models import AssignmentRelease
from lms.extensions import db
from lms.hub.models import HubAccount

from .. import factories
from ..conftest import page_text, signed_in_client, translated
from ..grading.files import DEMO, publish_version
from .fakes import LearnerServerFake
from .conftest import LearnerApi, LearnerServer, cell_text, enrol, course_with_assignment, set_cell

FOLDER = "ai-basics/mean-and-median"
NOTEBOOK = f"{FOLDER}/mean-and-median.ipynb"
DATA = f"{FOLDER}/requests.csv"
MY_ANSWER = "def mean_requests(counts):\n    return sum(counts) / len(counts)  # my own work\n"


@pytest.fixture
def source(tmp_path) -> Path:
    """An editable copy of the demo assignment, with a data file the notebook could read."""
    folder = tmp_path / "assignments" / "ai-basics" / "mean-and-median"
    shutil.copytree(DEMO, folder)
    (folder / "requests.csv").write_text("day,requests\nmon,1200\n", encoding="utf-8")
    return folder


@pytest.fixture
def app_overrides(app_overrides, source):
    return {**app_overrides, "assignments_dir": str(source.parents[1])}


def _new_version(source: Path) -> None:
    """The instructor changes the instructions and the data file."""
    path = source / "mean-and-median.ipynb"
    notebook = json.loads(path.read_text())
    notebook["cells"][0]["source"] = "".join(notebook["cells"][0]["source"]) + "\n\nVersion 2: use the new data."
    path.write_text(json.dumps(notebook, ensure_ascii=False, indent=1))
    (source / "requests.csv").write_text("day,requests\nmon,1200\ntue,1350\n", encoding="utf-8")


def test_release_places_the_student_version_and_never_overwrites_the_learners_work(
        hub, app, live_server, hub_secrets, source, no_leftover_servers):
    course = course_with_assignment()
    learner = factories.user("learner")
    enrol(learner, course)
    api = LearnerApi(live_server, learner)
    try:
        assert api.launch(course.slug)["status"] == "ready"
        username = db.session.scalar(select(HubAccount.username).where(HubAccount.user_id == learner.id))
        server = LearnerServer(hub, username)

        # First launch: the student version (no solution, no hidden tests) and the data file are there.
        assert server.listing(FOLDER) == ["mean-and-median.ipynb", "requests.csv"]
        released = server.notebook(NOTEBOOK)
        text = json.dumps(released)
        assert "YOUR CODE HERE" in text and "NotImplementedError" in text
        assert "BEGIN SOLUTION" not in text and "sum(counts) / len(counts)" not in text
        assert "HIDDEN TESTS" not in text and "an empty list must raise ValueError" not in text
        assert "assert median_requests([3, 1, 2]) == 2" in cell_text(released, "test_median")
        assert server.text(DATA) == "day,requests\nmon,1200\n"

        # The learner works on the notebook (and leaves the data file alone).
        server.save_notebook(NOTEBOOK, set_cell(released, "mean", MY_ANSWER))

        # A second launch with nothing new changes nothing.
        assert api.launch(course.slug)["status"] == "ready"
        assert server.listing(FOLDER) == ["mean-and-median.ipynb", "requests.csv"]

        # The instructor changes the assignment and publishes version 2; the learner's next launch
        # ("Open notebook") gets it.
        _new_version(source)
        publish_version(course, "mean-and-median")
        assert api.launch(course.slug)["status"] == "ready"
        assert server.listing(FOLDER) == ["mean-and-median (v2).ipynb", "mean-and-median.ipynb", "requests.csv"]
        mine = server.notebook(NOTEBOOK)
        assert cell_text(mine, "mean") == MY_ANSWER                       # untouched
        assert "Version 2" not in json.dumps(mine)
        new = server.notebook(f"{FOLDER}/mean-and-median (v2).ipynb")
        assert "Version 2: use the new data." in json.dumps(new)
        assert "NotImplementedError" in cell_text(new, "mean")
        assert server.text(DATA) == "day,requests\nmon,1200\ntue,1350\n"  # not changed by the learner: updated

        # The course page tells the learner where the new version is.
        browser = signed_in_client(app, learner)
        page = page_text(browser.get(f"/courses/{course.slug}"))
        title = "Тапсырма: орташа мән және медиана"
        assert translated(app, "A new version of the assignment “%(title)s” is in your notebook folder: "
                               "%(paths)s. Your own work was kept as it was.",
                          title=title, paths=f"{FOLDER}/mean-and-median (v2).ipynb") in page

        # Launching again does not pile up copies.
        assert api.launch(course.slug)["status"] == "ready"
        assert server.listing(FOLDER) == ["mean-and-median (v2).ipynb", "mean-and-median.ipynb", "requests.csv"]
        row = db.session.scalar(select(AssignmentRelease).where(AssignmentRelease.user_id == learner.id))
        assert (row.number, row.error) == (2, None)
        assert row.files["mean-and-median.ipynb"]["path"] == f"{FOLDER}/mean-and-median (v2).ipynb"
    finally:
        api.delete(f"{api.base}/courses/{course.slug}/notebook", timeout=60)
        api.close()


def test_a_release_that_fails_leaves_the_notebook_ready_and_tells_the_learner(
        hub, app, live_server, source, no_leftover_servers):
    (source / "mean-and-median.ipynb").write_text("{ this is not a notebook")  # nbgrader cannot generate it
    course = course_with_assignment()
    learner = factories.user("learner")
    enrol(learner, course)
    api = LearnerApi(live_server, learner)
    try:
        state = api.launch(course.slug)
        assert state["status"] == "ready" and state["url"]
        browser = signed_in_client(app, learner)
        page = page_text(browser.get(f"/courses/{course.slug}"))
        assert translated(app, "The assignment “%(title)s” could not be copied into your notebook. Open the "
                               "notebook again to retry; if it keeps failing, tell your instructor.",
                          title="Тапсырма: орташа мән және медиана") in page
        row = db.session.scalar(select(AssignmentRelease).where(AssignmentRelease.user_id == learner.id))
        assert "student version" in row.error
    finally:
        api.delete(f"{api.base}/courses/{course.slug}/notebook", timeout=60)
        api.close()


# --------------------------------------------------------------------------- the rules, on a server in memory


class ServerInMemory(LearnerServerFake):
    """The part of the Jupyter contents API a release uses, keeping files in a dict (the rules of
    what to overwrite, checked quickly; the real server is used above)."""

    def __init__(self, fail_puts: bool = False):
        self.files: dict[str, object] = {}
        self.fail_puts = fail_puts

    def server_api(self, username, method, path, params=None, json=None, **kwargs):
        import base64
        from types import SimpleNamespace
        from urllib.parse import unquote

        from lms.hub.client import HubError, HubUnavailable

        path = unquote(path.removeprefix("contents/"))
        if method == "PUT":
            if self.fail_puts:
                raise HubUnavailable("the server went away")
            if json["type"] != "directory":
                self.files[path] = json["content"] if json["type"] == "notebook" else base64.b64decode(json["content"])
            return SimpleNamespace(json=lambda: {})
        if path not in self.files:
            raise HubError(404, "not found")
        content = self.files[path]
        if path.endswith(".ipynb"):
            return SimpleNamespace(json=lambda: {"content": content})
        return SimpleNamespace(json=lambda: {"format": "base64", "content": base64.b64encode(content).decode()})


SOURCE = SimpleNamespace(course="ai-basics", name="mean-and-median")


def _student(version: str, mean_text: str, data: bytes = b"a,b\n"):
    from lms.assignments.release import StudentVersion

    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": mean_text, "metadata": {"nbgrader": {"grade_id": "mean"}},
         "outputs": [], "execution_count": None}]}
    return StudentVersion("ai-basics", "mean-and-median", version,
                          {"mean-and-median.ipynb": json.dumps(notebook).encode(), "data.csv": data})


def test_release_rules_in_place_beside_and_restored(app, monkeypatch):
    from lms.assignments import release

    course = course_with_assignment()
    learner = factories.user("learner")
    server = ServerInMemory()
    versions = iter([_student("v1" * 32, "# YOUR CODE HERE"), _student("v2" * 32, "# YOUR CODE HERE v2"),
                     _student("v3" * 32, "# YOUR CODE HERE v3", b"a,b\n1,2\n")])
    current = {}
    monkeypatch.setattr(release, "releasable_version", lambda settings, course, source: current["version"])
    monkeypatch.setattr(release, "course_assignments", lambda settings, course: [SOURCE])

    def launch():
        return release.release_course(learner, course, server, "u1")

    current["version"] = next(versions)
    report = launch()
    assert sorted(report.placed["mean-and-median"]) == [f"{FOLDER}/data.csv", NOTEBOOK]
    # The learner only ran the cells (outputs, counts): not their work, so v2 replaces it in place.
    server.files[NOTEBOOK]["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi"}]
    current["version"] = next(versions)
    report = launch()
    assert report.placed == {"mean-and-median": [NOTEBOOK]} and not report.beside
    assert server.files[NOTEBOOK]["cells"][0]["source"] == "# YOUR CODE HERE v2"
    # Now the learner writes code; v3 goes beside it, the untouched data file is updated in place.
    server.files[NOTEBOOK]["cells"][0]["source"] = "def mean_requests(c): return 1"
    current["version"] = next(versions)
    report = launch()
    assert report.beside == {"mean-and-median": [f"{FOLDER}/mean-and-median (v3).ipynb"]}
    assert report.placed == {"mean-and-median": [f"{FOLDER}/data.csv"]}
    assert server.files[NOTEBOOK]["cells"][0]["source"] == "def mean_requests(c): return 1"
    assert server.files[f"{FOLDER}/data.csv"] == b"a,b\n1,2\n"
    # A deleted copy comes back at the next launch; nothing else changes.
    del server.files[f"{FOLDER}/mean-and-median (v3).ipynb"]
    report = launch()
    assert f"{FOLDER}/mean-and-median (v3).ipynb" in server.files
    assert server.files[NOTEBOOK]["cells"][0]["source"] == "def mean_requests(c): return 1"
    assert launch() == release.ReleaseReport()


def test_a_server_that_fails_mid_release_is_recorded_and_the_launch_goes_on(app, monkeypatch):
    from lms.assignments import release, tasks
    from lms.assignments.models import CourseRelease
    from lms.hub import services as hub_services

    course = course_with_assignment()
    learner = factories.user("learner")
    monkeypatch.setattr(release, "releasable_version", lambda settings, course, source: _student("v1" * 32, "x"))
    monkeypatch.setattr(release, "course_assignments", lambda settings, course: [SOURCE])
    monkeypatch.setattr(hub_services, "hub_client", lambda: ServerInMemory(fail_puts=True))
    assert tasks.release_into_server(learner.id, course.id, "u1") == "failed"  # the worker's task; does not raise
    row = db.session.scalar(select(AssignmentRelease).where(AssignmentRelease.user_id == learner.id))
    assert "HubUnavailable" in row.error and row.files == {}
    [notice] = release.release_notices(learner, course)
    assert notice.kind == "failed"
    assert db.session.scalar(select(CourseRelease.state).where(CourseRelease.user_id == learner.id)) == "failed"


def test_once_published_only_the_published_version_is_released(app, source):
    """Nothing is released before an instructor has published the assignment; after that, learners
    get the published version only, never unpublished edits."""
    from lms.assignments import release
    from lms.grading.notebooks import find_assignment
    from lms.grading.models import AssignmentVersion

    settings = app.config["OQU_SETTINGS"]
    course = course_with_assignment(published=False)
    assignment = find_assignment(settings, "ai-basics", "mean-and-median")
    published_hash = release.source_version(assignment)
    caches = Path(settings.instance_path) / "student-versions" / "ai-basics" / "mean-and-median"
    (caches / published_hash / "release").mkdir(parents=True)
    (caches / published_hash / "release" / "mean-and-median.ipynb").write_text('{"cells": [], "published": 1}')
    (caches / published_hash / "done").touch()
    assert release.releasable_version(settings, course, assignment) is None  # never published: nothing

    db.session.add(AssignmentVersion(course_id=course.id, assignment="mean-and-median", version=1,
                                     content_hash=published_hash, cells=[], max_total=5))
    db.session.commit()
    _new_version(source)  # edited after publishing, not published again
    assignment = find_assignment(settings, "ai-basics", "mean-and-median")  # the folder as it is now
    assert release.source_version(assignment) != published_hash
    kept = release.releasable_version(settings, course, assignment)
    assert kept.version == published_hash and b'"published": 1' in kept.files["mean-and-median.ipynb"]
    # the published version's copy is gone (another machine, a cleared cache): made again from the stored
    # source of the published version, never from the unpublished edit
    shutil.rmtree(caches / published_hash)
    again = release.releasable_version(settings, course, assignment)
    assert again.version == published_hash and b"Version 2" not in again.files["mean-and-median.ipynb"]
    assert again.files["requests.csv"] == b"day,requests\nmon,1200\n"

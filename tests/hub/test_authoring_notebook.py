"""An instructor authors an assignment in their own JupyterLab, with a real hub, the grading sandbox and the
LMS's pages (issue #18, item 3): "Open my authoring notebook" starts their named server ``authoring``
(nbgrader's Create Assignment toolbar on, while learners' labs keep nbgrader off), seeded with the
assignment's source; they edit its nbgrader-marked cells, import it, see a trick answer flagged, make the
test stricter, import again and publish. A learner finds the assignment in their notebook only then."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.courses.teaching import add_instructor
from lms.extensions import db
from lms.grading import sources
from lms.grading.models import AssignmentVersion
from lms.hub.models import HubAccount
from lms.security import SYSTEM

from .. import factories
from ..conftest import translated
from ..grading.files import DEMO
from .conftest import LearnerApi, LearnerServer, cell_text, course_with_assignment, enrol, learner_token, set_cell

FOLDER = "ai-basics/mean-and-median"
NOTEBOOK = f"{FOLDER}/mean-and-median.ipynb"
PAGE = "/teaching/grading/ai-basics/assignments"
STRICT_MEDIAN = ("assert median_requests([3, 1, 2]) == 2\nassert isinstance(median_requests([3, 1, 2]), (int, float))\n"
                 "### BEGIN HIDDEN TESTS\nassert median_requests([4, 1, 3, 2]) == 2.5\n### END HIDDEN TESTS")


@pytest.fixture
def source(tmp_path) -> Path:
    folder = tmp_path / "assignments" / "ai-basics" / "mean-and-median"
    shutil.copytree(DEMO, folder)
    return folder


@pytest.fixture
def app_overrides(app_overrides, source):
    return {**app_overrides, "assignments_dir": str(source.parents[1])}


class AuthoringServer(LearnerServer):
    """The instructor's authoring server's contents API (what its JupyterLab does when they save)."""

    def __init__(self, hub, username: str):
        super(LearnerServer, self).__init__()
        self.trust_env = False
        self.headers["Authorization"] = f"token {learner_token(hub, username, [f'access:servers!server={username}/authoring'])}"
        self.root = f"{hub.url}/user/{username}/authoring/api/contents/"
        self.lab = f"{hub.url}/user/{username}/authoring/lab"


def page_config(session, url: str) -> dict:
    """JupyterLab's page configuration (its enabled and disabled extensions) from the lab page."""
    response = session.get(url, timeout=30)
    assert response.status_code == 200, response.text[:300]
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', response.text, re.S)
    assert found, response.text[:500]
    return json.loads(found.group(1))


def page_text(response) -> str:
    import html

    return html.unescape(response.text)


def _hub_name(user) -> str:
    return db.session.scalar(select(HubAccount.username).where(HubAccount.user_id == user.id))


def test_an_instructor_authors_imports_fixes_and_publishes_and_only_then_the_learner_finds_it(
        hub, app, live_server, source, browser_session, no_leftover_servers):
    course = course_with_assignment(published=False)
    instructor = factories.user("instructor", preferred_language="ru")
    add_instructor(SYSTEM, course, instructor)
    learner = factories.user("learner")
    enrol(learner, course)
    api = LearnerApi(live_server, learner)
    lms = browser_session
    lms.sign_in(live_server, instructor)
    author = None
    try:
        # Before publishing: the learner's notebook has the course folder, not the assignment.
        assert api.launch(course.slug)["status"] == "ready"
        learner_server = LearnerServer(hub, _hub_name(learner))
        assert not learner_server.exists(FOLDER)
        learner_lab = page_config(learner_server, f"{hub.url}/user/{_hub_name(learner)}/lab")
        assert "@jupyter/nbgrader" in learner_lab["disabledExtensions"]  # learners: no nbgrader at all

        # "Open my authoring notebook": the LMS starts the named server and sends the instructor into the folder.
        opened = lms.post(f"{live_server}{PAGE}/mean-and-median/authoring-notebook", allow_redirects=False,
                          data={"csrf_token": lms.form_token(f"{live_server}{PAGE}")}, timeout=90)
        assert opened.status_code == 302, page_text(opened)[-1500:]
        name = _hub_name(instructor)
        assert opened.headers["Location"] == f"{hub.url}/user/{name}/authoring/lab/tree/{FOLDER}"
        author = AuthoringServer(hub, name)
        config = page_config(author, author.lab)
        disabled = config["disabledExtensions"]
        assert "@jupyter/nbgrader" not in disabled and "@jupyter/nbgrader:create-assignment" not in disabled
        assert "@jupyter/nbgrader:validate-assignment" not in disabled and "@jupyter/nbgrader:formgrader" in disabled
        assert "@oqu/lab" in disabled  # no learner's submit button
        assert "@jupyter/nbgrader" in {ext["name"] for ext in config["federated_extensions"]}
        seeded = author.notebook(NOTEBOOK)  # the source, solutions and hidden tests included
        assert "### BEGIN SOLUTION" in cell_text(seeded, "mean")
        assert not learner_server.exists(FOLDER)  # the authoring files are the instructor's, under ~/authoring

        # A notebook without nbgrader marks is refused, with the reason in the instructor's language.
        plain = {"cells": [{"cell_type": "code", "metadata": {}, "source": "print(1)", "outputs": [],
                            "execution_count": None}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        author.put(author._url("scratch"), json={"type": "directory"}, timeout=10)
        author.save_notebook("scratch/plain.ipynb", plain)
        refused = lms.post(f"{live_server}/api/v1/courses/ai-basics/assignments/mean-and-median/versions",
                           json={"from_server": "scratch"}, timeout=60, headers=_api_headers(instructor))
        assert refused.status_code == 422 and refused.json()["error"] == "import_refused"
        assert refused.json()["message"] == translated(
            app, "No notebook in %(folder)s has a cell marked with nbgrader's Create Assignment toolbar (a solution, "
                 "a test or a graded answer), so nothing was imported. Mark the cells in your authoring notebook, "
                 "save it and import again.", "ru", folder="scratch")

        # Symbolic links (made on the server's disk: JupyterLab cannot make them) are neither listed nor served
        # by the authoring server: what they point at never reaches the LMS.
        home = hub.state_dir / "home" / name / "authoring" / FOLDER
        os.symlink("/etc/passwd", home / "secret.txt")
        os.symlink("../../../..", home / "home")  # the home folder, above the authoring server's root
        os.symlink("../../..", home / "loop")  # the root itself: a loop
        assert author.listing(FOLDER) == ["mean-and-median.ipynb"]
        assert author.get(author._url(f"{FOLDER}/secret.txt"), timeout=10).status_code == 404

        # The instructor saves the notebook (its cells as nbgrader's toolbar marked them) and imports.
        author.save_notebook(NOTEBOOK, seeded)
        imported = _import(lms, live_server)
        assert imported.status_code == 200, _problems(imported)
        stored = sources.latest(course.id, "mean-and-median")  # the import, stored as a source version
        assert (stored.origin, list(sources.files_of(stored))) == ("notebook server", ["mean-and-median.ipynb"])
        html = imported.text
        assert 'data-testid="validation-ok"' in html
        assert 'data-testid="tricks-earn-points"' in html  # median_requests returning "equal to everything"
        assert "test_median" in page_text(imported)
        assert 'data-testid="student-version"' in html and "YOUR CODE HERE" in html
        assert "sum(counts) / len(counts)" not in html.split('data-testid="student-version"')[1]
        assert db.session.scalar(select(db.func.count(AssignmentVersion.id))) == 0  # nothing published yet

        # The instructor makes the test stricter, saves, imports again: no trick answer earns points.
        author.save_notebook(NOTEBOOK, set_cell(author.notebook(NOTEBOOK), "test_median", STRICT_MEDIAN))
        imported = _import(lms, live_server)
        assert imported.status_code == 200, _problems(imported)
        assert 'data-testid="tricks-resisted"' in imported.text
        number = int(re.search(r'name="number" value="(\d+)"', imported.text).group(1))
        assert not learner_server.exists(FOLDER)  # still nothing for learners

        # Published through the API this time (the Chromium journey presses the page's button): imported
        # again (the same folder, so the same source version), then published by its number.
        api_base = f"{live_server}/api/v1/courses/ai-basics/assignments/mean-and-median/versions"
        imported = lms.post(api_base, json={"from_server": FOLDER}, timeout=300, headers=_api_headers(instructor))
        assert imported.status_code == 201, imported.text[:2000]
        body = imported.json()
        assert body["number"] == number  # the same folder: the same source version
        assert body["report"]["ok"] and not [t for t in body["report"]["adversaries"] if t["cells"]]
        assert db.session.scalar(select(db.func.count(AssignmentVersion.id))) == 0
        published = lms.post(f"{api_base}/{number}/publish", timeout=300, headers=_api_headers(instructor))
        assert published.status_code == 200, published.text[:2000]
        version = db.session.scalar(select(AssignmentVersion))
        db.session.expire_all()
        stored = sources.get_version(course, "mean-and-median", number)
        assert version.version == 1 and version.content_hash == stored.content_hash
        assert "isinstance(median_requests" in sources.files_of(stored)["mean-and-median.ipynb"].decode()

        # The learner opens their notebook and finds the student version.
        assert api.launch(course.slug)["status"] == "ready"
        released = learner_server.notebook(NOTEBOOK)
        assert "NotImplementedError" in cell_text(released, "median")
        assert "isinstance(median_requests" in cell_text(released, "test_median")
        assert "HIDDEN TESTS" not in json.dumps(released)
    finally:
        api.delete(f"{api.base}/courses/{course.slug}/notebook", timeout=60)
        api.close()
        hub.api("DELETE", f"/users/{_hub_name(instructor)}/servers/authoring") if _hub_name(instructor) else None
        if author is not None:
            author.close()


def _api_headers(user) -> dict:
    from lms.accounts.services import create_api_token

    return {"Authorization": f"Bearer {create_api_token(user, user, 'tests')[1]}", "Accept-Language": "ru"}


def _import(lms, live_server):
    return lms.post(f"{live_server}{PAGE}/mean-and-median/import", timeout=300,
                    data={"csrf_token": lms.form_token(f"{live_server}{PAGE}")})


def _problems(response) -> str:
    text = page_text(response)
    flashes = re.findall(r'class="flash flash-error"[^>]*>([^<]*)', text)
    return str(flashes) + text[text.find('data-testid="validation-report"'):][:3000]

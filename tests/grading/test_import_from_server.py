"""Importing an assignment from the instructor's authoring notebook: what is refused before anything runs
(a folder with no nbgrader-marked notebook, paths outside the folder, learners), with the reason in the
instructor's language and nothing stored; and the authoring notebook opened, seeded with the current
source. The hub is faked here; tests/hub/test_authoring_notebook.py runs the real one."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from lms.accounts.services import create_api_token
from lms.hub import authoring as hub_authoring
from lms.hub.client import HubError, ServerState
from tests.conftest import audit_events, csrf_token, page_text, signed_in_client, translated
from tests.grading.files import DEMO, assignment_course
from tests.grading.instructor_setup import teacher

PAGE = "/teaching/grading/ai-basics/assignments"
IMPORT = PAGE + "/mean-and-median/import"
OPEN = PAGE + "/mean-and-median/authoring-notebook"
API = "/api/v1/courses/ai-basics/assignments/mean-and-median/versions"
NOT_MARKED = ("No notebook in %(folder)s has a cell marked with nbgrader's Create Assignment toolbar (a solution, a "
              "test or a graded answer), so nothing was imported. Mark the cells in your authoring notebook, save it "
              "and import again.")


class _Response:
    def __init__(self, status: int, body: dict | None = None):
        self.status_code = status
        self._body = json.dumps(body or {}).encode()

    def iter_content(self, chunk_size=None):
        yield self._body

    def json(self):
        return json.loads(self._body)

    def close(self):
        pass


class FakeAuthoringHub:
    """An authoring server that answers the contents API from ``files`` (path → model), or ``listing``."""

    def __init__(self, files: dict[str, dict] | None = None, running: bool = True):
        self.files = files or {}
        self.running = running
        self.calls: list[tuple] = []
        self.api_url = "fake"

    def server_state(self, username, name=""):
        if name == "authoring" and self.running:
            return ServerState(exists=True, running=True, ready=True, url=f"/user/{username}/authoring/")
        return ServerState(exists=True)

    def ensure_user(self, username):
        self.calls.append(("ensure_user",))

    def start_server(self, username, options, name=""):
        self.calls.append(("start", name, options))
        self.running = True
        return "ready", ""

    def spawn_events(self, username, wait, name=""):
        return []

    def learner_server(self, username, name=""):
        assert name == "authoring"
        return _Bound(self)


class _Bound:
    def __init__(self, fake):
        self.fake = fake

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def api(self, method, path, **kwargs):
        from urllib.parse import unquote

        path = unquote(path.removeprefix("contents/"))
        self.fake.calls.append((method, path))
        ok = kwargs.get("ok", (200, 201))
        if method == "PUT":
            self.fake.files[path] = kwargs["json"]
            return _Response(201)
        model = self.fake.files.get(path)
        if model is None:
            if 404 in ok:
                return _Response(404)
            raise HubError(404, "not found")
        if model.get("type") == "directory" and "content" not in model:
            prefix = path + "/"
            entries = [{"name": p[len(prefix):], "path": p, "type": m.get("type")}
                       for p, m in self.fake.files.items() if p.startswith(prefix) and "/" not in p[len(prefix):]]
            model = {**model, "content": entries}
        return _Response(200, {"path": path, **model})


def _notebook(marked: bool) -> dict:
    notebook = json.loads((DEMO / "mean-and-median.ipynb").read_text())
    if not marked:
        for cell in notebook["cells"]:
            cell.get("metadata", {}).pop("nbgrader", None)
    return notebook


@pytest.fixture
def course(app, tmp_path):
    return assignment_course(tmp_path, published=False)


@pytest.fixture
def instructor(make, course):
    from lms.hub.services import hub_account

    person = teacher(make, course, preferred_language="ru")
    hub_account(person)  # they have used the hub before
    return person


def _hub(monkeypatch, fake):
    from lms.hub import services

    monkeypatch.setattr(services, "hub_client", lambda: fake)
    return fake


def _source(app) -> Path:
    return Path(app.config["OQU_SETTINGS"].assignments_dir) / "ai-basics" / "mean-and-median"


def _imported() -> int:
    """Source versions stored from an authoring notebook."""
    from lms.extensions import db
    from lms.grading.models import SourceVersion

    return db.session.scalar(db.select(db.func.count(SourceVersion.id)).filter_by(origin="notebook server"))


def test_a_folder_without_nbgrader_marks_is_refused_with_a_translated_reason_and_nothing_stored(
        app, monkeypatch, course, instructor):
    _hub(monkeypatch, FakeAuthoringHub({
        "ai-basics/mean-and-median": {"type": "directory"},
        "ai-basics/mean-and-median/mean-and-median.ipynb": {"type": "notebook", "content": _notebook(False)},
    }))
    before = (_source(app) / "mean-and-median.ipynb").read_bytes()
    client = signed_in_client(app, instructor)
    response = client.post(IMPORT, data={"csrf_token": csrf_token(client, PAGE)}, headers={"Accept-Language": "ru"})
    assert response.status_code == 422
    assert translated(app, NOT_MARKED, "ru", folder="ai-basics/mean-and-median") in page_text(response)
    assert (_source(app) / "mean-and-median.ipynb").read_bytes() == before
    assert _imported() == 0
    [event] = audit_events("assignment_imported")
    assert event.details["outcome"] == "not_marked" and event.actor_id == instructor.id


@pytest.mark.parametrize("folder", ["../ai-basics/mean-and-median", "/etc", "ai-basics/../../x", ".ssh",
                                    "ai-basics\\mean-and-median", "a/b/c/d/e"])
def test_paths_outside_the_authoring_folder_are_refused_through_the_api(app, monkeypatch, course, instructor, folder):
    fake = _hub(monkeypatch, FakeAuthoringHub())
    token = create_api_token(instructor, instructor, "t")[1]
    response = app.test_client().post(API, json={"from_server": folder}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and response.json["error"] == "import_refused", response.json
    assert not [call for call in fake.calls if call[0] == "GET"]  # nothing was asked of the server
    assert _imported() == 0
    assert [event.details["outcome"] for event in audit_events("assignment_imported")] == ["refused"]


def test_an_entry_that_leads_outside_the_folder_a_link_is_refused(app, monkeypatch, course, instructor):
    fake = FakeAuthoringHub({
        "ai-basics/mean-and-median": {"type": "directory", "content": [
            {"name": "mean-and-median.ipynb", "path": "ai-basics/mean-and-median/mean-and-median.ipynb",
             "type": "notebook"},
            {"name": "secrets", "path": "ai-basics/other/secrets", "type": "file"}]},  # what a link resolves to
        "ai-basics/mean-and-median/mean-and-median.ipynb": {"type": "notebook", "content": _notebook(True)},
        "ai-basics/other/secrets": {"type": "file", "content": base64.b64encode(b"x").decode()},
    })
    _hub(monkeypatch, fake)
    token = create_api_token(instructor, instructor, "t")[1]
    response = app.test_client().post(API, json={"from_server": "ai-basics/mean-and-median"},
                                      headers={"Authorization": f"Bearer {token}", "Accept-Language": "ru"})
    assert response.status_code == 422 and response.json["error"] == "import_refused"
    assert response.json["message"] == translated(
        app, "The folder %(folder)s holds an entry that leads outside it (a link or “..”), so nothing was imported.",
        "ru", folder="ai-basics/mean-and-median")
    assert ("GET", "ai-basics/other/secrets") not in fake.calls
    assert _imported() == 0


def test_learners_may_neither_open_an_authoring_notebook_nor_import(app, monkeypatch, course, world):
    from lms.learning.services import enrol_learner
    from lms.security import SYSTEM

    fake = _hub(monkeypatch, FakeAuthoringHub())
    enrol_learner(SYSTEM, course, learner=world.learner)
    client = signed_in_client(app, world.learner)
    token = csrf_token(client, "/")
    assert client.post(OPEN, data={"csrf_token": token}).status_code == 403
    assert client.post(IMPORT, data={"csrf_token": token}).status_code == 403
    api_token = create_api_token(world.learner, world.learner, "t")[1]
    assert app.test_client().post(API, json={"from_server": "ai-basics/mean-and-median"},
                                  headers={"Authorization": f"Bearer {api_token}"}).status_code == 403
    assert fake.calls == []


def test_an_instructor_of_another_course_may_not_import(app, monkeypatch, course, make):
    fake = _hub(monkeypatch, FakeAuthoringHub())
    other = make.user("instructor")
    api_token = create_api_token(other, other, "t")[1]
    assert app.test_client().post(API, json={"from_server": "ai-basics/mean-and-median"},
                                  headers={"Authorization": f"Bearer {api_token}"}).status_code == 403
    assert fake.calls == []


def test_opening_the_authoring_notebook_seeds_the_current_source_once_and_goes_there(
        app, monkeypatch, course, instructor):
    fake = _hub(monkeypatch, FakeAuthoringHub(running=False))
    client = signed_in_client(app, instructor)
    response = client.post(OPEN, data={"csrf_token": csrf_token(client, PAGE)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/authoring/lab/tree/ai-basics/mean-and-median")
    [start] = [call for call in fake.calls if call[0] == "start"]
    assert start[1] == "authoring" and start[2]["profile"] == "cpu" and start[2]["lab"]["language"] == "ru"
    seeded = fake.files["ai-basics/mean-and-median/mean-and-median.ipynb"]
    assert seeded["type"] == "notebook" and seeded["content"] == json.loads((DEMO / "mean-and-median.ipynb").read_text())
    # the instructor's own copy is never overwritten
    fake.files["ai-basics/mean-and-median/mean-and-median.ipynb"] = {"type": "notebook", "content": {"mine": 1}}
    client.post(OPEN, data={"csrf_token": csrf_token(client, PAGE)})
    assert fake.files["ai-basics/mean-and-median/mean-and-median.ipynb"]["content"] == {"mine": 1}
    assert [event.details["status"] for event in audit_events("authoring_notebook_opened")] == ["ready", "ready"]


def test_check_folder_keeps_clean_relative_paths():
    assert hub_authoring.check_folder("ai-basics/mean-and-median/") == "ai-basics/mean-and-median"
    for bad in ("", "..", "a/./b", "a//b", "~/.jupyter", "a\0b"):
        with pytest.raises(hub_authoring.AuthoringRefused):
            hub_authoring.check_folder(bad)


def test_the_course_page_of_an_instructor_opens_the_authoring_notebook_per_assignment(app, course, instructor):
    page = page_text(signed_in_client(app, instructor).get("/courses/ai-basics"))
    links = page.split('data-testid="teaching-links"', 1)[1].split("</section>", 1)[0]
    assert f'action="{OPEN}"' in links
    assert translated(app, "Open my authoring notebook: %(title)s", "ru", title="Задание") in links

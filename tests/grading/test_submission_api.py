"""Submitting from the learner's server through the API, and who sees the result."""
import json
from types import SimpleNamespace

import pytest

from lms.accounts.services import create_api_token
from lms.extensions import db
from lms.grading import submissions
from lms.grading.models import Submission
from lms.courses.teaching import add_instructor
from lms.hub import services as hub
from lms.hub.client import HubError, HubUnavailable
from lms.learning.services import enrol_learner
from lms.security import SYSTEM
from tests.grading.files import DEMO, assignment_course, learner_version
from tests.hub.fakes import LearnerServerFake

URL = "/api/v1/assignments/ai-basics/mean-and-median/submissions"


class FakeServer(LearnerServerFake):
    """The learner's Jupyter server as the hub client reaches it (contents API)."""

    api_url = "http://127.0.0.1:9/hub/api"

    def ping(self, timeout=2.0):
        return False

    def server_state(self, username):
        raise HubUnavailable("fake")

    def __init__(self, files=None, error=None):
        self.files, self.error, self.calls = files or {}, error, []

    def server_api(self, username, method, path, **kwargs):
        self.calls.append((username, method, path))
        if self.error:
            raise self.error
        name = path.rsplit("/", 1)[-1]
        if not name.endswith(".ipynb"):  # the folder's listing
            listing = {"type": "directory", "content": [{"name": n, "type": "notebook"} for n in self.files]}
            return SimpleNamespace(json=lambda: listing)
        if name not in self.files:
            raise HubError(404, "No such file")
        body = self.body(name)
        return SimpleNamespace(headers={}, json=lambda: json.loads(body), close=lambda: None,
                               iter_content=lambda chunk_size: (body[i:i + chunk_size]
                                                                for i in range(0, len(body), chunk_size)))

    def body(self, name) -> bytes:
        return json.dumps({"type": "notebook", "content": self.files[name]}).encode()


@pytest.fixture
def course(app, tmp_path):
    return assignment_course(tmp_path)


@pytest.fixture
def learner(world, course):
    enrol_learner(SYSTEM, course, learner=world.learner)
    hub.hub_account(world.learner)  # the learner has used notebooks before
    return world.learner


def _headers(user):
    return {"Authorization": f"Bearer {create_api_token(user, user, 'tests')[1]}", "Accept-Language": "en"}


def _server(monkeypatch, **kwargs):
    server = FakeServer(**kwargs)
    monkeypatch.setattr(hub, "hub_client", lambda: server)
    return server


@pytest.mark.integration  # grades in the sandbox
def test_a_learner_submits_from_their_server_and_sees_the_scores(app, client, world, learner, course, make,
                                                                 monkeypatch):
    _server(monkeypatch, files={"mean-and-median.ipynb": learner_version(DEMO / "mean-and-median.ipynb")})

    response = client.post(URL, headers=_headers(learner))

    assert response.status_code == 202, response.json
    submission_id = response.json["id"]
    mine = client.get(f"/api/v1/submissions/{submission_id}", headers=_headers(learner)).json
    assert mine["status"] == "graded" and mine["total"] == 5.0  # the test queue grades at once
    assert {s["cell"]: s["score"] for s in mine["scores"]} == {"test_mean": 2.0, "test_median": 3.0}
    # HR of the learner's organisation: totals only; an instructor of the course: everything; others
    # (an instructor of other courses included): nothing
    hr = client.get(f"/api/v1/submissions/{submission_id}", headers=_headers(world.hr)).json
    assert hr["total"] == 5.0 and "scores" not in hr and "content_hash" not in hr
    other_instructor = make.user("instructor")
    add_instructor(SYSTEM, course, world.instructor)
    assert "scores" in client.get(f"/api/v1/submissions/{submission_id}", headers=_headers(world.instructor)).json
    for outsider in (world.colleague, world.outsider, world.hr_b, other_instructor):
        assert client.get(f"/api/v1/submissions/{submission_id}", headers=_headers(outsider)).status_code == 404


def test_a_double_click_stores_one_submission(app, client, learner, monkeypatch):
    monkeypatch.setattr(submissions, "_enqueue", lambda _id: None)  # still queued when the second click comes
    _server(monkeypatch, files={"mean-and-median.ipynb": learner_version(DEMO / "mean-and-median.ipynb")})
    first = client.post(URL, headers=_headers(learner)).json
    second = client.post(URL, headers=_headers(learner)).json
    assert first["id"] == second["id"] and first["status"] == "queued"
    assert db.session.execute(db.select(db.func.count(Submission.id))).scalar() == 1


@pytest.mark.settings(submission_max_mb=1)
def test_a_submission_over_the_size_limit_is_refused_with_the_limit_named(app, client, learner, monkeypatch):
    notebook = learner_version(DEMO / "mean-and-median.ipynb")
    notebook["cells"][0]["source"] += "x" * (1024 * 1024 + 1)
    _server(monkeypatch, files={"mean-and-median.ipynb": notebook})

    response = client.post(URL, headers=_headers(learner))

    assert response.status_code == 409 and response.json["error"] == "submission_refused"
    assert response.json["message"] == "Тапсырылатын жұмыс 1 МБ шегінен үлкен."  # Kazakh by default
    assert db.session.execute(db.select(db.func.count(Submission.id))).scalar() == 0


@pytest.mark.parametrize("error", [HubUnavailable("down"), HubError(502, "bad gateway")])
def test_a_submission_while_the_hub_is_down_stores_nothing(app, client, learner, monkeypatch, error):
    _server(monkeypatch, error=error)

    response = client.post(URL, headers={**_headers(learner), "Accept-Language": "ru"})

    assert response.status_code == 409 and response.json["error"] == "submission_refused"
    assert response.json["message"]
    assert db.session.execute(db.select(db.func.count(Submission.id))).scalar() == 0


def test_a_missing_notebook_is_named(app, client, learner, monkeypatch):
    _server(monkeypatch, files={})
    response = client.post(URL, headers=_headers(learner))
    assert response.status_code == 409
    assert "mean-and-median.ipynb" in response.json["message"] and "ai-basics/mean-and-median" in response.json["message"]


def test_only_enrolled_learners_submit(app, client, world, course, monkeypatch):
    server = _server(monkeypatch, files={})
    response = client.post(URL, headers=_headers(world.outsider))
    assert response.status_code == 403 and server.calls == []

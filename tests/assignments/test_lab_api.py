"""``/api/v1/lab/…``: the learner's JupyterLab calls the LMS with the learner's own hub token, which the
LMS verifies with the hub (here a small HTTP server answering ``GET /hub/api/user`` as the hub does)."""
from __future__ import annotations

import json
import threading
from datetime import datetime

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from lms.accounts.services import create_api_token
from lms.hub import labauth, services as hub
from lms.extensions import db
from lms.hub.client import HubClient
from lms.learning.services import enrol_learner
from lms.security import SYSTEM
from tests.grading.files import DEMO, assignment_course, learner_version
from tests.grading.test_submission_api import FakeServer

POLICY = "due: 2026-12-01 18:00\nmax_attempts: 2\nlate: {penalty_per_day: 10, floor: 50, cutoff_days: 3}"
NOTEBOOK = "ai-basics/mean-and-median/mean-and-median.ipynb"


class HubIdentity:
    """The hub's ``/hub/api/user``: token → the hub's model of its owner; a real HTTP server."""

    def __init__(self):
        self.tokens: dict[str, dict] = {}
        self.calls = 0
        self.server = make_server("127.0.0.1", 0, self._app)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.api_url = f"http://127.0.0.1:{self.server.server_port}/hub/api"

    def _app(self, environ, start_response):
        request = Request(environ)
        self.calls += 1
        scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
        model = self.tokens.get(secret) if scheme == "token" and request.path == "/hub/api/user" else None
        response = (Response(json.dumps(model), content_type="application/json") if model
                    else Response('{"status": 403, "message": "Missing or invalid credentials."}', status=403))
        return response(environ, start_response)

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def identity():
    labauth.forget_verified_tokens()
    stub = HubIdentity()
    yield stub
    stub.stop()
    labauth.forget_verified_tokens()


@pytest.fixture
def app_overrides(app_overrides, identity):
    return {**app_overrides, "hub_api_url": identity.api_url, "hub_api_token": "lms-service-token"}


class LearnerHub(FakeServer):
    """The hub as the LMS reaches it: identities from the HTTP stub, learners' files from memory."""

    def __init__(self, identity, **kwargs):
        super().__init__(**kwargs)
        self.real = HubClient(identity.api_url, "http://127.0.0.1:9", "lms-service-token")

    def identify(self, token):
        return self.real.identify(token)


@pytest.fixture
def course(app, tmp_path):
    return assignment_course(tmp_path, policy=POLICY)


def _hub_token(identity, person) -> str:
    """The learner's server token: the hub knows it as the person's hub user's."""
    name = hub.hub_account(person).username
    token = f"server-token-of-{name}"
    identity.tokens[token] = {"kind": "user", "name": name, "admin": False}
    return token


@pytest.fixture
def learner(world, course, identity):
    enrol_learner(SYSTEM, course, learner=world.learner)
    world.learner.preferred_language = "ru"
    db.session.commit()
    return world.learner


def _get(client, url, token, headers=None):
    return client.get(url, headers=headers or ({"Authorization": f"token {token}"} if token else {}))


def test_the_notebook_of_an_assignment_tells_attempts_due_date_and_the_penalty_now(client, learner, course,
                                                                                   identity, clock, make):
    token = _hub_token(identity, learner)
    make.submission(learner, course, "mean-and-median", total=6.0)
    clock.set(datetime(2026, 12, 2, 19, 0))  # one started day late, twice: 2 days → 20 %
    answer = _get(client, f"/api/v1/lab/notebook?path={NOTEBOOK}", token).get_json()["assignment"]
    assert (answer["course"], answer["assignment"]) == ("ai-basics", "mean-and-median")
    assert (answer["max_attempts"], answer["attempts_used"], answer["attempts_left"]) == (2, 1, 1)
    assert answer["due"] == "2026-12-01T13:00:00Z"  # 18:00 in Astana
    assert answer["late_now"] is True and answer["late_penalty_now"] == 20.0 and answer["refusal"] is None
    assert answer["latest"]["status"] == "graded" and answer["latest"]["total"] == 6.0
    assert answer["latest"]["status_text"] == "Оценено"
    assert answer["new_version"] is False
    # a notebook outside any assignment, or of a course one is not enrolled in, is none
    for path in ("notes.ipynb", "ai-basics/other/x.ipynb", "ai-basics/mean-and-median/../x.ipynb"):
        assert _get(client, f"/api/v1/lab/notebook?path={path}", token).get_json() == {"assignment": None}


def test_past_the_cut_off_and_out_of_attempts_the_refusal_is_in_the_learners_language(client, learner, course,
                                                                                      identity, clock, make, world,
                                                                                      monkeypatch):
    token = _hub_token(identity, learner)
    clock.set(datetime(2026, 12, 6, 12, 0))  # past due + 3 days
    answer = _get(client, f"/api/v1/lab/notebook?path={NOTEBOOK}", token).get_json()["assignment"]
    assert "больше не принимаются" in answer["refusal"]
    refused = client.post("/api/v1/lab/courses/ai-basics/assignments/mean-and-median/submissions",
                          headers={"Authorization": f"token {token}"})
    assert refused.status_code == 409 and refused.get_json()["error"] == "submission_refused"
    assert "больше не принимаются" in refused.get_json()["message"]
    clock.set(datetime(2026, 11, 30, 12, 0))
    make.submission(learner, course, "mean-and-median")
    make.submission(learner, course, "mean-and-median")
    learner.preferred_language = "kk"
    db.session.commit()
    server = LearnerHub(identity, files={"mean-and-median.ipynb": learner_version(DEMO / "mean-and-median.ipynb")})
    monkeypatch.setattr(hub, "hub_client", lambda: server)
    refused = client.post("/api/v1/lab/courses/ai-basics/assignments/mean-and-median/submissions",
                          headers={"Authorization": f"token {token}", "Accept-Language": "ru"})
    assert refused.status_code == 409
    assert refused.get_json()["message"] == "Бұл тапсырмаға 2 рет тапсыруға болады, сіз барлығын пайдаланып қойдыңыз."
    assert refused.headers["Content-Language"] == "kk"


def test_no_token_a_bad_token_the_lms_token_or_a_personal_api_token_are_refused(client, learner, identity, world):
    identity.tokens["lms-service-token"] = {"kind": "service", "name": "oqu-lms"}
    identity.tokens["admin-of-the-hub"] = {"kind": "user", "name": "admin", "admin": True}
    personal = create_api_token(learner, learner, "t")[1]
    url = f"/api/v1/lab/notebook?path={NOTEBOOK}"
    for token in (None, "guessed", "lms-service-token", "admin-of-the-hub", personal):
        response = _get(client, url, token)
        assert response.status_code == 401, token
        assert response.get_json()["error"] == "unauthorized"
    assert identity.calls == 3  # the LMS's own token is refused without asking the hub
    assert client.get(url, headers={"Authorization": f"Bearer {personal}"}).status_code == 401
    assert identity.calls == 3
    _hub_token(identity, learner)
    learner.active = False  # a deactivated person's server token opens nothing either
    db.session.commit()
    assert _get(client, url, f"server-token-of-{hub.hub_account(learner).username}").status_code == 401


def test_a_learners_token_sees_only_their_own_submissions_and_courses(client, learner, course, identity, world, make,
                                                                      tmp_path):
    token = _hub_token(identity, learner)
    theirs = make.submission(world.colleague, course, "mean-and-median")
    own = make.submission(learner, course, "mean-and-median")
    assert _get(client, f"/api/v1/lab/submissions/{own.id}", token).status_code == 200
    response = _get(client, f"/api/v1/lab/submissions/{theirs.id}", token)
    assert response.status_code == 404 and response.get_json()["message"] == "Не найдено."
    other = assignment_course(tmp_path / "other", slug="other-course")
    assert other.slug == "other-course"
    for call in (lambda: _get(client, "/api/v1/lab/courses/other-course/assignments", token),
                 lambda: client.post("/api/v1/lab/courses/other-course/assignments/mean-and-median/submissions",
                                     headers={"Authorization": f"token {token}"})):
        response = call()
        assert response.status_code == 403
        assert response.get_json()["message"] == "Запишитесь на курс, чтобы сдавать его задания."
    # an instructor's hub token is still only that person's: a learner's submission is not theirs here
    enrol_learner(SYSTEM, course, learner=world.instructor)
    from lms.courses.teaching import add_instructor
    add_instructor(SYSTEM, course, world.instructor)
    assert _get(client, f"/api/v1/lab/submissions/{own.id}", _hub_token(identity, world.instructor)).status_code == 404


def test_the_course_list_shows_each_assignments_state_and_a_new_version(client, learner, course, identity, make):
    from lms.assignments.models import AssignmentRelease
    from lms.extensions import db

    token = _hub_token(identity, learner)
    db.session.add(AssignmentRelease(user_id=learner.id, course_id=course.id, assignment="mean-and-median",
                                     version="v2", number=2, files={},
                                     beside=["ai-basics/mean-and-median/mean-and-median (2).ipynb"]))
    db.session.commit()
    make.submission(learner, course, "mean-and-median", status="grading")
    answer = _get(client, "/api/v1/lab/courses/ai-basics/assignments", token).get_json()["assignments"]
    assert [a["assignment"] for a in answer] == ["mean-and-median"]
    assert answer[0]["new_version"] is True
    assert answer[0]["new_version_paths"] == ["ai-basics/mean-and-median/mean-and-median (2).ipynb"]
    assert answer[0]["latest"]["status_text"] == "Получено, идёт проверка…"


def test_progress_and_feedback_of_a_graded_submission_in_the_learners_words(client, learner, course, identity, make):
    from lms.extensions import db
    from lms.grading.models import SubmissionScore

    token = _hub_token(identity, learner)
    pending = make.submission(learner, course, "mean-and-median", status="queued")
    answer = _get(client, f"/api/v1/lab/submissions/{pending.id}", token).get_json()
    assert answer["finished"] is False and answer["feedback"] == [] and answer["total"] is None
    graded = make.submission(learner, course, "mean-and-median", total=5.0, max_total=10.0)
    db.session.add_all([
        SubmissionScore(submission_id=graded.id, notebook="mean-and-median.ipynb", cell="test_mean", score=5,
                        max_score=5, needs_manual_grade=False, outcome="passed"),
        SubmissionScore(submission_id=graded.id, notebook="mean-and-median.ipynb", cell="test_median", score=0,
                        max_score=5, needs_manual_grade=False, outcome="hidden", learner_error="leak: secret")])
    db.session.commit()
    answer = _get(client, f"/api/v1/lab/submissions/{graded.id}", token).get_json()
    assert answer["finished"] is True and (answer["total"], answer["max_total"]) == (5.0, 10.0)
    assert [cell["text"].split(" ")[0] for cell in answer["feedback"]] == ["Пройден", "Не"]
    # the cells by their instructor's labels (the source notebook's metadata.oqu), the grade id beside them
    assert [(cell["cell"], cell["label"]) for cell in answer["feedback"]] == [
        ("test_mean", "Проверка среднего"), ("test_median", "Проверка медианы")]
    assert "«Проверка медианы»" in answer["feedback"][1]["text"]
    assert "secret" not in json.dumps(answer)  # what the learner's code wrote never reaches them


def test_the_token_is_verified_with_the_hub_once_for_a_while_and_hub_down_is_said(client, learner, identity,
                                                                                 monkeypatch):
    token = _hub_token(identity, learner)
    url = f"/api/v1/lab/notebook?path={NOTEBOOK}"
    for _ in range(3):
        assert _get(client, url, token).status_code == 200
    assert identity.calls == 1
    labauth.forget_verified_tokens()
    identity.stop()
    # who is calling is unknown while the hub is down: the language is the one JupyterLab sends
    response = _get(client, url, token, headers={"Authorization": f"token {token}", "Accept-Language": "ru"})
    assert response.status_code == 503 and response.get_json()["error"] == "hub_unavailable"
    assert response.get_json()["message"].startswith("Блокноты Jupyter временно недоступны")


@pytest.mark.integration  # grades in the sandbox
def test_a_learner_submits_from_jupyterlab_with_the_submit_pages_service(client, learner, course, identity, clock,
                                                                         monkeypatch):
    clock.set(datetime(2026, 11, 30, 12, 0))
    token = _hub_token(identity, learner)
    server = LearnerHub(identity, files={"mean-and-median.ipynb": learner_version(DEMO / "mean-and-median.ipynb")})
    monkeypatch.setattr(hub, "hub_client", lambda: server)
    response = client.post("/api/v1/lab/courses/ai-basics/assignments/mean-and-median/submissions",
                           headers={"Authorization": f"token {token}"})
    assert response.status_code == 202, response.get_data(as_text=True)
    assert [path for _user, _method, path in server.calls] == ["contents/ai-basics/mean-and-median/mean-and-median.ipynb"]
    progress = _get(client, f"/api/v1/lab/submissions/{response.get_json()['id']}", token).get_json()
    assert progress["attempt"] == 1 and progress["finished"] is True and progress["status"] in ("graded", "flagged")
    assert progress["feedback"] and all(cell["text"] for cell in progress["feedback"])

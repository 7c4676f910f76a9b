"""Bad hand-ins: huge outputs, renamed or broken notebooks, two clicks at once. Nothing is stored
half-way and the learner is told what to do, in their language."""
import json
import threading
import tracemalloc
from types import SimpleNamespace

import pytest

from lms.extensions import db
from lms.grading import submissions
from lms.grading.models import Submission, SubmissionStatus
from lms.hub.client import HubError
from tests.conftest import translated
from tests.grading.files import DEMO, learner_version
from tests.grading.test_submission_api import URL, FakeServer, _headers, _server, course, learner  # noqa: F401

NAME = "mean-and-median.ipynb"
MB = 1024 * 1024


class HugeOutputServer(FakeServer):
    """A learner's server whose notebook carries 100 MB of printed output, streamed in 1 MB pieces
    (the test itself never holds it whole)."""

    def __init__(self, declared_length: bool):
        super().__init__(files={NAME: learner_version(DEMO / NAME)})
        self.declared_length, self.chunks_read = declared_length, 0

    def server_api(self, username, method, path, **kwargs):
        self.calls.append((username, method, path))
        head = json.dumps({"type": "notebook", "content": self.files[NAME]})[:-1].encode()
        head += b', "outputs": [{"output_type": "stream", "name": "stdout", "text": "'

        def pieces(chunk_size):
            yield head
            line = b"x" * (chunk_size - 2) + b"\\n"
            for _ in range(100):
                self.chunks_read += 1
                yield line
            yield b'"}]}'

        headers = {"Content-Length": str(100 * MB + 200)} if self.declared_length else {}
        return SimpleNamespace(headers=headers, iter_content=pieces, close=lambda: None)


def _count():
    return db.session.execute(db.select(db.func.count(Submission.id))).scalar()


def test_a_notebook_with_100_mb_of_outputs_is_refused_with_the_limit_named(app, client, learner, monkeypatch):  # noqa: F811
    refusal = translated(app, "The submission is larger than the limit of %(limit)s MB.", limit=20)
    for declared in (False, True):
        server = HugeOutputServer(declared)
        monkeypatch.setattr("lms.hub.services.hub_client", lambda: server)
        tracemalloc.start()
        try:
            response = client.post(URL, headers=_headers(learner))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

        assert response.status_code == 409 and response.json["message"] == refusal
        assert _count() == 0
        assert peak < 40 * MB  # read in pieces and abandoned past the limit, never held whole
        assert server.chunks_read == (0 if declared else 20)  # a declared size is refused before reading


def test_a_renamed_notebook_is_named_with_what_the_folder_holds(app, client, learner, monkeypatch):  # noqa: F811
    _server(monkeypatch, files={"mean-and-median (copy).ipynb": learner_version(DEMO / NAME)})

    response = client.post(URL, headers={**_headers(learner), "Accept-Language": "ru"})

    assert response.status_code == 409 and _count() == 0
    assert response.json["message"] == translated(
        app, "The notebook %(name)s was not found in your folder %(folder)s; it holds %(others)s. Rename your "
             "notebook back to %(name)s and submit again.", "ru", name=NAME, folder="ai-basics/mean-and-median",
        others="mean-and-median (copy).ipynb")


@pytest.mark.integration  # grades in the sandbox
def test_a_broken_notebook_is_refused_and_the_earlier_submission_stays_as_it_was(app, client, learner, monkeypatch):  # noqa: F811
    _server(monkeypatch, files={NAME: learner_version(DEMO / NAME)})
    first = client.post(URL, headers=_headers(learner)).json
    before = client.get(f"/api/v1/submissions/{first['id']}", headers=_headers(learner)).json
    assert before["status"] == "graded" and before["total"] == 5.0
    message = translated(app, "The notebook %(name)s in your folder %(folder)s is not a valid notebook file, so "
                              "nothing was submitted and your earlier submissions stay as they were. Open it in "
                              "JupyterLab, save it and submit again.", name=NAME, folder="ai-basics/mean-and-median")

    # Jupyter cannot read the file (not JSON) / it reads as JSON but is no notebook
    broken = [FakeServer(error=HubError(400, "Unreadable Notebook: Notebook does not appear to be JSON")),
              FakeServer(files={NAME: {"cells": "not a list", "metadata": {}, "nbformat": 4, "nbformat_minor": 5}})]
    for server in broken:
        monkeypatch.setattr("lms.hub.services.hub_client", lambda: server)
        response = client.post(URL, headers=_headers(learner))
        assert response.status_code == 409 and response.json["message"] == message

    assert _count() == 1
    assert client.get(f"/api/v1/submissions/{first['id']}", headers=_headers(learner)).json == before


def test_two_submit_clicks_at_once_store_one_submission(app, client, learner, monkeypatch):  # noqa: F811
    monkeypatch.setattr(submissions, "_enqueue", lambda _id: None)
    server = _server(monkeypatch, files={NAME: learner_version(DEMO / NAME)})
    both_fetching = threading.Barrier(2, timeout=20)
    fetch = server.server_api

    def in_step(*args, **kwargs):
        response = fetch(*args, **kwargs)
        both_fetching.wait()  # both requests have read the learner's folder; now they race to store
        return response

    server.server_api = in_step
    headers = _headers(learner)
    answers = []

    def click():  # a browser tab of its own: its own thread, context and database connection
        with app.app_context():
            answers.append(app.test_client().post(URL, headers=headers))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [r.status_code for r in answers] == [202, 202], [r.json for r in answers]
    assert answers[0].json["id"] == answers[1].json["id"]
    rows = db.session.execute(db.select(Submission)).scalars().all()
    assert len(rows) == 1 and rows[0].attempt == 1 and rows[0].status == SubmissionStatus.queued

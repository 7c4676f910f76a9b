"""Due dates, late penalties and attempt limits from course.yaml: checked at import, applied when a
learner submits, shown on the submission page."""
from datetime import datetime

import pytest

from lms.courses.loader import load_course
from lms.extensions import db
from lms.grading import submissions
from lms.grading.models import Submission
from lms.grading.policy import PolicyRefusal, lateness, policy_of
from tests.conftest import page_text, signed_in_client, translated
from tests.courses.files import write_course
from tests.grading.files import COURSE, DEMO, ITEM, assignment_course, learner_version
from tests.grading.test_submission_api import URL, _headers, _server, course, learner  # noqa: F401 — fixtures

ANSWER = {"mean-and-median.ipynb": learner_version(DEMO / "mean-and-median.ipynb")}


def _problems(tmp_path, policy="", head=""):
    policy = "".join(f"        {line}\n" for line in policy.splitlines())
    folder = write_course(tmp_path, "c", course_yaml=COURSE.format(head=head, items=ITEM.format(key="lab") + policy))
    spec, problems = load_course(folder)
    return spec, [f"{p.line}: {p.message}" for p in problems]


def test_policies_are_read_and_checked_at_import(tmp_path):
    spec, problems = _problems(tmp_path, "due: 2026-12-01\nmax_attempts: 3\nlate: {penalty_per_day: 10, floor: 50}")
    assert problems == []
    item = spec.modules[0].items[1]
    # the end of 1 December in Kazakhstan (UTC+5), stored in UTC
    assert item.content == {"file": "lab/lab.ipynb", "due": "2026-12-01T18:59:59", "max_attempts": 3,
                            "late": {"penalty_per_day": 10, "floor": 50}}

    spec, problems = _problems(tmp_path / "d", "due: 2026-12-01 18:00", head="assignment_defaults:\n"
                               "  max_attempts: 2\n  late: refuse\n")
    assert problems == []
    assert spec.modules[0].items[1].content["late"] == {"refuse": True}
    assert spec.modules[0].items[1].content["max_attempts"] == 2  # from the course's defaults
    assert spec.modules[0].items[1].content["due"] == "2026-12-01T13:00:00"

    _spec, problems = _problems(tmp_path / "e", "due: someday\nmax_attempts: 0\nlate: {penalty_per_day: 120, "
                                                "grace: 1}")
    assert any("'due' must be a date" in p for p in problems)
    assert any("'max_attempts' must be a whole number 1–1000" in p for p in problems)
    assert any("'penalty_per_day' must be a percentage" in p for p in problems)
    assert any("unknown key 'grace'" in p for p in problems)
    _spec, problems = _problems(tmp_path / "f", "late: {cutoff_days: 3}")
    assert any("'late' needs a 'due' date" in p for p in problems)


def test_lateness_penalty_per_started_day_with_a_floor_and_a_cutoff(app):
    policy = {"due": "2026-12-01T18:59:59", "late": {"penalty_per_day": 10, "floor": 65, "cutoff_days": 5}}
    assert lateness(policy, datetime(2026, 12, 1, 18, 0)).late is False
    assert lateness(policy, datetime(2026, 12, 1, 19, 30)).penalty == 10.0    # first started day
    assert lateness(policy, datetime(2026, 12, 3, 20, 0)).penalty == 30.0     # third
    assert lateness(policy, datetime(2026, 12, 5, 20, 0)).penalty == 35.0     # never below 65 % kept
    with pytest.raises(PolicyRefusal):
        lateness(policy, datetime(2026, 12, 6, 19, 0))                       # past the cut-off
    assert lateness({"due": "2026-12-01T18:59:59"}, datetime(2027, 1, 1)).penalty == 0.0  # late, no penalty


@pytest.fixture
def late_course(app, tmp_path):
    return assignment_course(tmp_path, "due: 2020-01-01\nlate: {penalty_per_day: 10, floor: 50}")


@pytest.mark.integration  # grades in the sandbox
def test_a_late_submission_is_marked_and_its_points_reduced(app, client, learner, late_course, monkeypatch):  # noqa: F811
    _server(monkeypatch, files=ANSWER)

    response = client.post(URL, headers=_headers(learner))

    assert response.status_code == 202, response.json
    body = client.get(f"/api/v1/submissions/{response.json['id']}", headers=_headers(learner)).json
    assert body["status"] == "graded", body
    assert body["late"] is True and body["late_penalty"] == 50.0
    assert (body["total"], body["raw_total"], body["max_total"]) == (2.5, 5.0, 5.0)
    page = page_text(signed_in_client(app, learner).get(f"/submissions/{response.json['id']}"))
    assert translated(app, "late, −%(penalty)s %%", penalty="50") in page
    assert "2.5 / 5" in page


@pytest.mark.parametrize("policy", ["due: 2020-01-01\nlate: refuse", "due: 2020-01-01\nlate: {cutoff_days: 3}"])
def test_a_submission_after_the_deadline_is_refused_and_nothing_is_stored(app, client, tmp_path, learner,  # noqa: F811
                                                                          monkeypatch, policy):
    assignment_course(tmp_path, policy)
    server = _server(monkeypatch, files=ANSWER)

    response = client.post(URL, headers={**_headers(learner), "Accept-Language": "ru"})

    assert response.status_code == 409 and response.json["error"] == "submission_refused"
    assert "2020" in response.json["message"]
    assert response.json["message"].startswith(translated(app, "The deadline for this assignment (%(due)s) has passed: "
                                                               "submissions are no longer accepted.", "ru",
                                                          due="@").split("@")[0])
    assert server.calls == []  # refused before fetching anything
    assert db.session.execute(db.select(db.func.count(Submission.id))).scalar() == 0


@pytest.mark.integration  # grades in the sandbox
def test_the_attempt_limit_is_refused_naming_the_limit(app, client, tmp_path, learner, monkeypatch):  # noqa: F811
    course = assignment_course(tmp_path, "max_attempts: 2")
    assert policy_of(course, "mean-and-median") == {"max_attempts": 2}
    server = _server(monkeypatch, files={"mean-and-median.ipynb": learner_version(DEMO / "mean-and-median.ipynb")})
    for number in range(2):
        server.files["mean-and-median.ipynb"]["cells"][0]["source"] += f" {number}"
        assert client.post(URL, headers=_headers(learner)).status_code == 202
    server.files["mean-and-median.ipynb"]["cells"][0]["source"] += " "  # a changed notebook: a third attempt

    response = client.post(URL, headers=_headers(learner))

    assert response.status_code == 409
    from flask_babel import ngettext

    with app.test_request_context("/", headers={"Cookie": "oqu_lang=kk"}):
        expected = ngettext("This assignment allows %(num)d attempt, and you have used it.",
                            "This assignment allows %(num)d attempts, and you have used them all.", 2)
    assert response.json["message"] == expected and "2" in expected
    assert [s.attempt for s in db.session.execute(db.select(Submission)).scalars()] == [1, 2]
    with pytest.raises(PolicyRefusal):
        submissions.store_submission(learner, course, "mean-and-median", {"mean-and-median.ipynb": "{}"})

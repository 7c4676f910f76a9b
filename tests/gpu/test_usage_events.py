"""The hub reports every server's start and stop; the LMS keeps them durably and is the truth."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.gpu.models import GpuUsageSession
from lms.gpu.reporter import UsageReporter
from lms.hub.models import LaunchStatus, NotebookLaunch
from lms.profiles import gpu_count
from lms.utils import utcnow

from .. import factories
from .conftest import hub_name

URL = "/api/v1/hub/usage-events"


@pytest.fixture
def hub_token(app):
    """The hub's own credential on the LMS."""
    return app.config["OQU_SETTINGS"].hub_report_token


def post(client, token, **event):
    return client.post(URL, json=event, headers={"Authorization": f"token {token}"})


def sessions():
    return db.session.scalars(select(GpuUsageSession).order_by(GpuUsageSession.id)).all()


def test_start_and_stop_make_one_session_with_person_course_and_organisation(client, hub_token, department,
                                                                             gpu_course):
    learner = factories.user("learner", organisation=department)
    name = hub_name(learner)
    db.session.add(NotebookLaunch(user_id=learner.id, course_id=gpu_course.id, profile="gpu-1",
                                  status=LaunchStatus.pending))
    db.session.commit()
    started = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    answer = post(client, hub_token, id="a1", event="start", user=name, server="", profile="gpu-1",
                  course=gpu_course.slug, at=started.isoformat() + "+00:00")
    assert answer.status_code == 200 and answer.json == {"result": "started"}
    answer = post(client, hub_token, id="a2", event="stop", user=name, server="", profile="gpu-1",
                  at=(started + timedelta(minutes=30)).isoformat() + "Z")
    assert answer.json == {"result": "stopped"}
    [row] = sessions()
    assert (row.user_id, row.organisation_id, row.course_id, row.gpus) == (learner.id, department.id, gpu_course.id, 1)
    assert row.started_at == started and row.stopped_at == started + timedelta(minutes=30)


def test_the_course_of_a_session_is_the_one_its_start_names_not_the_latest_launch(client, hub_token, gpu_course):
    """Opening course B just after course A's server started does not move A's GPU time to B."""
    from .conftest import make_course

    learner = factories.user("learner")
    other = make_course("other-course", "gpu-1")
    db.session.add(NotebookLaunch(user_id=learner.id, course_id=other.id, profile="gpu-1",
                                  status=LaunchStatus.pending))
    db.session.commit()
    answer = post(client, hub_token, id="b1", event="start", user=hub_name(learner), server="", profile="gpu-1",
                  course=gpu_course.slug, at=utcnow().isoformat() + "Z")
    assert answer.json == {"result": "started"}
    [row] = sessions()
    assert row.course_id == gpu_course.id


def test_a_stop_without_a_start_is_ignored(client, hub_token):
    name = hub_name(factories.user("learner"))
    answer = post(client, hub_token, id="s1", event="stop", user=name, server="", at=utcnow().isoformat())
    assert answer.status_code == 200 and answer.json == {"result": "ignored"}
    assert sessions() == []


def test_replayed_events_change_nothing(client, hub_token):
    name = hub_name(factories.user("learner"))
    start = {"id": "r1", "event": "start", "user": name, "server": "", "profile": "gpu-1",
             "at": (utcnow() - timedelta(hours=1)).isoformat()}
    stop = {"id": "r2", "event": "stop", "user": name, "server": "", "at": utcnow().isoformat()}
    assert [post(client, hub_token, **e).json["result"] for e in (start, start, stop, stop)] == [
        "started", "duplicate", "stopped", "ignored"]
    [row] = sessions()
    assert row.stop_event == "r2"


def test_a_start_after_a_lost_stop_closes_the_old_session(client, hub_token):
    name = hub_name(factories.user("learner"))
    first = utcnow() - timedelta(hours=2)
    post(client, hub_token, id="l1", event="start", user=name, server="", profile="gpu-1", at=first.isoformat())
    post(client, hub_token, id="l2", event="start", user=name, server="", profile="gpu-1",
         at=(first + timedelta(hours=1)).isoformat())
    old, new = sessions()
    assert old.stopped_at == first + timedelta(hours=1) and old.closed_by == "next-start"
    assert new.stopped_at is None


def test_only_the_hub_token_may_report(app, client, hub_token):
    name = hub_name(factories.user("learner"))
    event = {"id": "x1", "event": "start", "user": name, "server": "", "at": utcnow().isoformat()}
    assert client.post(URL, json=event).status_code == 401
    assert post(client, "not-the-token-" + "x" * 30, **event).status_code == 401
    # The LMS's service token on the hub, which a learner's server once saw, forges nothing either.
    service_token = app.config["OQU_SETTINGS"].hub_api_token
    assert service_token != hub_token
    for scheme in ("token", "Bearer"):
        answer = client.post(URL, json=event, headers={"Authorization": f"{scheme} {service_token}"})
        assert answer.status_code == 401 and answer.json["error"] == "unauthorized"
    learner_token = factories.user("learner")
    from lms.accounts.services import create_api_token

    _, secret = create_api_token(learner_token, learner_token, "mine")
    assert client.post(URL, json=event, headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert sessions() == []


@pytest.mark.parametrize("event", [{}, {"event": "start"}, {"id": "b", "event": "pause", "user": "u", "at": "now"},
                                   {"id": "b", "event": "start", "user": "u", "at": "yesterday"}])
def test_unreadable_events_are_refused(client, hub_token, event):
    assert post(client, hub_token, **event).status_code == 400


# --------------------------------------------------------------------------- the hub's side


def spawner(name: str, profile: str):
    return SimpleNamespace(user=SimpleNamespace(name=name), name="", user_options={"profile": profile})


def test_reports_survive_an_lms_outage_and_a_hub_restart(app, live_server, hub_token, tmp_path):
    """The hub spools each event before sending: with the LMS down nothing is lost, and a restarted hub
    (a new reporter on the same folder) delivers what is left, in order."""
    name = hub_name(factories.user("learner"))
    spool = tmp_path / "spool"
    down = UsageReporter("http://127.0.0.1:9", hub_token, spool, gpus_of=gpu_count, timeout=1, background=False)
    down.record("start", spawner(name, "gpu-1"))
    down.record("stop", spawner(name, "gpu-1"))
    assert down.flush() == 2 and len(down.pending()) == 2  # the LMS did not answer: kept
    assert sessions() == []

    restarted = UsageReporter(live_server, hub_token, spool, gpus_of=gpu_count, background=False)  # hub restarted
    assert restarted.flush() == 0 and restarted.pending() == []
    db.session.expire_all()
    [row] = sessions()
    assert row.gpus == 1 and row.stopped_at is not None and row.closed_by == "hub"


def test_the_hub_keeps_events_the_lms_refuses_to_authenticate(app, live_server, tmp_path):
    name = hub_name(factories.user("learner"))
    reporter = UsageReporter(live_server, "wrong-token-" + "x" * 30, tmp_path / "spool", gpus_of=gpu_count,
                             background=False)
    pre_spawn_hook, _post_stop_hook = reporter.hooks()
    pre_spawn_hook(spawner(name, "gpu-1"))
    assert reporter.flush() == 1  # 401: kept until the token is fixed
    assert sessions() == []


def test_the_hub_reports_the_course_its_server_was_launched_for(tmp_path):
    reporter = UsageReporter("http://127.0.0.1:9", "t" * 40, tmp_path / "spool", gpus_of=gpu_count, timeout=1,
                             background=False)
    spawner = SimpleNamespace(user=SimpleNamespace(name="u1"), name="",
                              user_options={"profile": "gpu-1", "course": "deep-learning"})
    event = reporter.record("start", spawner)
    assert (event["course"], event["gpus"]) == ("deep-learning", 1)
    assert "course" not in reporter.record("start", SimpleNamespace(user=spawner.user, name="",
                                                                    user_options={"profile": "cpu"}))


TIME_LIMIT_MESSAGE = ("Your notebook reached its time limit and the cluster stopped it. Your saved files are kept; "
                      "open it again to go on.")


def test_a_stop_that_says_the_time_limit_ended_it_is_told_on_the_course_page(app, client, hub_token, cpu_course):
    from ..conftest import audit_events, page_text, signed_in_client, translated

    learner, other = factories.user("learner", preferred_language="ru"), factories.user("learner")
    for person in (learner, other):
        factories.enrolment(person, cpu_course)
        db.session.add(NotebookLaunch(user_id=person.id, course_id=cpu_course.id, profile="cpu",
                                      status=LaunchStatus.ready))
    db.session.commit()
    name, at = hub_name(learner), utcnow().replace(microsecond=0)
    post(client, hub_token, id="t1", event="start", user=name, server="", profile="cpu", at=at.isoformat())
    answer = post(client, hub_token, id="t2", event="stop", user=name, server="", profile="cpu", reason="time_limit",
                  at=(at + timedelta(hours=8)).isoformat())
    assert answer.json == {"result": "stopped"}
    # An unknown reason, or a stop without one, changes nobody's launch.
    post(client, hub_token, id="t3", event="stop", user=hub_name(other), server="", reason="whatever", at=at.isoformat())
    launches = {row.user_id: row for row in db.session.scalars(select(NotebookLaunch))}
    assert (launches[learner.id].status, launches[learner.id].message) == (LaunchStatus.stopped, "time_limit")
    assert (launches[other.id].status, launches[other.id].message) == (LaunchStatus.ready, "")
    [event] = audit_events("notebook_stopped")
    assert event.details["reason"] == "time_limit"

    page = page_text(signed_in_client(app, learner).get(f"/courses/{cpu_course.slug}"))
    assert 'data-testid="time-limit"' in page and translated(app, TIME_LIMIT_MESSAGE, "ru") in page
    assert 'data-testid="time-limit"' not in page_text(signed_in_client(app, other).get(f"/courses/{cpu_course.slug}"))
    # Delivered twice (the hub's spool retries): nothing more happens.
    post(client, hub_token, id="t2", event="stop", user=name, server="", profile="cpu", reason="time_limit",
         at=(at + timedelta(hours=8)).isoformat())
    assert len(audit_events("notebook_stopped")) == 1


def test_the_hubs_stop_report_carries_the_reason_the_spawner_knows(tmp_path):
    reporter = UsageReporter("http://127.0.0.1:9", "t", tmp_path, background=False)
    spawner = SimpleNamespace(user_options={"profile": "cpu"}, user=SimpleNamespace(name="u1"), name="",
                              end_reason="time_limit")
    assert reporter.record("stop", spawner)["reason"] == "time_limit"
    assert "reason" not in reporter.record("start", spawner)
    spawner.end_reason = ""
    assert "reason" not in reporter.record("stop", spawner)

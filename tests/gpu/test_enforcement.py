"""GPU time is enforced while servers run, not only at launch: the worker stops the GPU servers of
people whose own GPU time, or whose organisation's, has run out, and their course page says why."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lms.extensions import db
from lms.gpu import services
from lms.gpu.services import enforce_gpu_time, set_quota
from lms.hub import ended as hub_ended, services as hub_services
from lms.hub.client import HubUnavailable, ServerState
from lms.hub.models import LaunchStatus, NotebookLaunch
from lms.security import SYSTEM

from .. import factories
from ..hub.fakes import FakeHub
from ..conftest import audit_events, page_text, signed_in_client, translated
from .conftest import NOW, enrol, hub_name, used


class StoppingHub:
    """The hub client, as far as stopping servers goes; ``down`` makes it unreachable."""

    api_url = "fake"

    def __init__(self):
        self.stopped: list[str] = []
        self.down = False

    def ping(self, timeout):
        return not self.down

    def stop_server(self, username):
        if self.down:
            raise HubUnavailable("connection refused")
        self.stopped.append(username)
        return True


@pytest.fixture
def hub(monkeypatch):
    fake = StoppingHub()
    monkeypatch.setattr(hub_services, "hub_client", lambda: fake)
    return fake


def working(user, course, hours: float):
    """A learner whose GPU server, opened from ``course``, has run for ``hours``."""
    enrol(user, course)
    hub_name(user)
    db.session.add(NotebookLaunch(user_id=user.id, course_id=course.id, profile=course.notebook_profile,
                                  status=LaunchStatus.ready, progress=100))
    db.session.commit()
    return used(user, hours, course=course, running=True, gpus=1 if course.notebook_profile != "cpu" else 0)


def test_servers_whose_gpu_time_ran_out_are_stopped_and_the_course_page_says_why(
        app, hub, ministry, department, gpu_course, cpu_course):
    over = factories.user("learner", organisation=department, preferred_language="ru")
    used(over, 9, course=gpu_course, started=NOW - timedelta(hours=12))
    over_session = working(over, gpu_course, 1.5)  # 10.5 of 10 hours
    within = factories.user("learner", organisation=department)
    within_session = working(within, gpu_course, 1)
    on_cpu = factories.user("learner", organisation=department)
    working(on_cpu, cpu_course, 50)  # CPU time is not GPU time

    assert enforce_gpu_time() == [over.id]
    assert hub.stopped == [over_session.hub_username]
    launch = hub_services.latest_launch(over)
    assert (launch.status, launch.message) == (LaunchStatus.stopped, hub_ended.GPU_TIME_UP)
    [event] = audit_events("notebook_stopped")
    assert (event.actor_id, event.details["reason"]) == (None, "gpu_time_up")  # the system did it, and why
    page = page_text(signed_in_client(app, over).get(f"/courses/{gpu_course.slug}"))
    assert translated(app, "Your notebook was stopped because the GPU time for this month ran out. Your files are "
                           "kept.", "ru") in page
    assert 'data-testid="gpu-time-up"' not in page_text(signed_in_client(app, within).get(f"/courses/{gpu_course.slug}"))

    # The hub reports the stop; then the organisation's budget runs out: its other GPU servers stop too.
    over_session.stopped_at = NOW
    db.session.commit()
    set_quota(SYSTEM, organisation=ministry, organisation_hours=11)
    assert enforce_gpu_time() == [within.id]
    assert hub.stopped == [over_session.hub_username, within_session.hub_username]


def test_a_hub_that_does_not_answer_is_tried_again_at_the_next_run(app, hub, department, gpu_course):
    learner = factories.user("learner", organisation=department)
    working(learner, gpu_course, 11)
    hub.down = True
    assert enforce_gpu_time() == []
    assert hub_services.latest_launch(learner).status == LaunchStatus.ready
    hub.down = False
    assert enforce_gpu_time() == [learner.id]
    assert services.time_is_up(learner, gpu_course)


def test_no_restart_for_a_gpu_course_without_gpu_time_the_running_server_is_kept(app, monkeypatch, department,
                                                                                 gpu_course):
    learner = factories.user("learner", organisation=department)
    enrol(learner, gpu_course)
    hub_name(learner)
    used(learner, 10, course=gpu_course)
    running = FakeHub(ServerState(exists=True, running=True, ready=True, url="/user/x/",
                                  user_options={"profile": "cpu"}))
    monkeypatch.setattr(hub_services, "hub_client", lambda: running)
    with pytest.raises(hub_services.NotebookNotAllowed):
        hub_services.launch_notebook(learner, gpu_course, restart=True)
    assert "stop" not in running.calls and running.state.running

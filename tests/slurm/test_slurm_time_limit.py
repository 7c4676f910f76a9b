"""A learner's job that the real Slurm kills at its time limit: the hub notices (its poll), asks the
scheduler why the job ended (TIMEOUT), and its stop report says so; the course page and the notebook API
then tell the learner, in their language, that the time limit stopped it — not a server that hangs."""
from __future__ import annotations

from lms.extensions import db
from lms.hub import services as hub_services
from lms.hub.models import LaunchStatus

from .. import factories
from ..conftest import page_text, signed_in_client, translated
from ..hub.conftest import LearnerApi, enrol, make_course
from .conftest import job_of, until
from .test_slurm_jobs import hub_name

MESSAGE = ("Your notebook reached its time limit and the cluster stopped it. Your saved files are kept; open it "
           "again to go on.")


def test_a_job_killed_at_its_time_limit_tells_the_learner(hub, app, live_server, slurm):
    course = make_course("ai-basics", profile="cpu")
    learner = factories.user("learner", preferred_language="kk")
    enrol(learner, course)
    api = LearnerApi(live_server, learner)
    assert api.launch(course.slug)["status"] == "ready"
    username = hub_name(learner)
    job = job_of(slurm, username)
    # Slurm's shortest time limit is a minute: the running job gets one, and the controller kills it then.
    slurm.scontrol("update", f"JobId={job['JobId']}", "TimeLimit=1")

    def told():
        db.session.expire_all()
        launch = hub_services.latest_launch(learner)
        return launch.status == LaunchStatus.stopped and launch.message == "time_limit"
    assert until(told, 180), hub.log()[-3000:]
    assert slurm.job(job["JobId"])["JobState"] == "TIMEOUT" and not job_of(slurm, username)

    page = page_text(signed_in_client(app, learner).get(f"/courses/{course.slug}"))
    assert 'data-testid="time-limit"' in page and translated(app, MESSAGE, "kk") in page
    assert translated(app, MESSAGE, "kk") != MESSAGE
    status = api.get(f"{api.base}/courses/{course.slug}/notebook", timeout=30).json()
    assert status["status"] == "stopped" and status["message"] == translated(app, MESSAGE, "kk")  # their language

    # Opening it again works, and the message is gone with the new launch.
    assert api.launch(course.slug)["status"] == "ready"
    assert 'data-testid="time-limit"' not in page_text(signed_in_client(app, learner).get(f"/courses/{course.slug}"))
    assert api.delete(f"{api.base}/courses/{course.slug}/notebook", timeout=60).json()["status"] == "stopped"
    assert until(lambda: not job_of(slurm, username)), slurm.jobs()

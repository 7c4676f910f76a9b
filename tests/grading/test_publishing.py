"""Publishing means what it says: learners are only ever given published versions. An assignment never
published is not released, not listed (course page, item page, API) and cannot be submitted; the
first version is not announced as "a new version"; publishing asks for confirmation on a page that
says who receives the version and what happens to work in progress."""
import pytest

from lms.accounts.services import create_api_token
from lms.assignments import release
from lms.extensions import db
from lms.grading.authoring import new_version_notices
from lms.grading.models import AssignmentVersion, Submission
from lms.hub import services as hub
from lms.hub.client import HubUnavailable
from lms.learning.services import enrol_learner
from lms.security import SYSTEM
from tests import factories
from tests.conftest import csrf_token, page_text, signed_in_client, translated
from tests.grading.files import assignment_course, publish_version
from tests.grading.instructor_setup import teacher
from tests.grading.test_submission_api import FakeServer

ITEM = "/courses/ai-basics/items/mean-and-median"  # the syllabus links the item
SUBMIT = "/courses/ai-basics/assignments/mean-and-median/submit"
API_SUBMIT = "/api/v1/assignments/ai-basics/mean-and-median/submissions"
CONFIRM = "/teaching/grading/ai-basics/assignments/mean-and-median/publish"
REFUSAL = "This assignment has not been published yet, so it cannot be submitted."


@pytest.fixture
def course(app, tmp_path):
    return assignment_course(tmp_path, published=False)


@pytest.fixture
def learner(world, course):
    enrol_learner(SYSTEM, course, learner=world.learner)
    hub.hub_account(world.learner)  # the learner has used notebooks before
    return world.learner


@pytest.fixture
def server(monkeypatch):
    fake = FakeServer(error=HubUnavailable("down"))
    monkeypatch.setattr(hub, "hub_client", lambda: fake)
    return fake


def _submissions() -> int:
    return db.session.scalar(db.select(db.func.count(Submission.id)))


def _api(user, language="kk"):
    return {"Authorization": f"Bearer {create_api_token(user, user, 'tests')[1]}", "Accept-Language": language}


def _listed_in_api(client, user) -> list[str]:
    body = client.get("/api/v1/courses/ai-basics", headers=_api(user)).get_json()
    return [item["id"] for module in body["modules"] for item in module["items"]]


def test_before_publishing_the_learner_does_not_find_the_assignment_and_after_it_they_do(app, client, learner,
                                                                                         course, server):
    browser = signed_in_client(app, learner)
    page = browser.get("/courses/ai-basics").get_data(as_text=True)
    assert ITEM not in page and SUBMIT not in page
    assert browser.get("/courses/ai-basics/items/mean-and-median").status_code == 404
    assert "mean-and-median" not in _listed_in_api(client, learner)

    publish_version(course, "mean-and-median")

    page = browser.get("/courses/ai-basics").get_data(as_text=True)
    assert ITEM in page and SUBMIT in page
    assert browser.get("/courses/ai-basics/items/mean-and-median").status_code == 200
    assert "mean-and-median" in _listed_in_api(client, learner)


def test_a_never_published_assignment_cannot_be_submitted_from_the_page(app, learner, server):
    browser = signed_in_client(app, learner)

    response = browser.post(SUBMIT, data={"csrf_token": csrf_token(browser, "/courses/ai-basics")})

    assert response.status_code == 302 and response.headers["Location"] == "/courses/ai-basics"
    assert translated(app, REFUSAL) in page_text(browser.get("/courses/ai-basics"))
    assert _submissions() == 0 and server.calls == []  # refused before the learner's server was asked


def test_a_never_published_assignment_cannot_be_submitted_through_the_api(app, client, learner, course, server):
    for language in ("kk", "ru"):
        refused = client.post(API_SUBMIT, headers=_api(learner, language))
        assert refused.status_code == 409
        assert refused.get_json()["error"] == "not_published"
        assert refused.get_json()["message"] == translated(app, REFUSAL, language)
    assert _submissions() == 0 and server.calls == []

    publish_version(course, "mean-and-median")
    reached = client.post(API_SUBMIT, headers=_api(learner, "en"))  # now the server is asked (it is down)
    assert reached.status_code == 409 and reached.get_json()["error"] == "submission_refused"
    assert server.calls and _submissions() == 0


@pytest.mark.integration  # publishing makes the student version in the grading sandbox (bubblewrap, nbgrader)
def test_a_never_published_assignment_is_not_released_and_a_published_one_is(app, course):
    settings = app.config["OQU_SETTINGS"]
    [source] = release.course_assignments(settings, course)
    assert release.releasable_version(settings, course, source) is None
    version = publish_version(course, "mean-and-median")
    cache = settings.instance_path + "/releases/ai-basics/mean-and-median/" + version.content_hash
    import os

    os.makedirs(cache)
    with open(cache + "/mean-and-median.ipynb", "w") as handle:  # the student version, as generated
        handle.write('{"cells": [], "student": 1}')
    released = release.releasable_version(settings, course, source)
    assert released is not None and released.version == version.content_hash


def test_instructors_and_admins_still_see_an_unpublished_assignment_on_the_course_page(app, world, course, make):
    for person in (teacher(make, course), world.admin):
        assert ITEM in signed_in_client(app, person).get("/courses/ai-basics").get_data(as_text=True)


def test_the_first_version_is_not_announced_as_new_and_the_second_is(app, learner, course):
    # a hand-in from before publishing meant anything (no version)
    db.session.add(Submission(user_id=learner.id, course_id=course.id, assignment="mean-and-median", attempt=1,
                              content={}, content_hash="0" * 64, size_bytes=0))
    db.session.commit()
    assert db.session.scalar(db.select(Submission.version_id)) is None
    publish_version(course, "mean-and-median")
    assert new_version_notices(learner, course) == {}
    newcomer = factories.user("learner")
    enrol_learner(SYSTEM, course, learner=newcomer)
    assert new_version_notices(newcomer, course) == {}

    second = publish_version(course, "mean-and-median")
    assert new_version_notices(learner, course) == {"mean-and-median": second}


def test_publishing_asks_for_confirmation_and_says_who_receives_it(app, world, course, make):
    enrol_learner(SYSTEM, course, learner=make.user("learner"))  # before the course had a cohort
    spring = factories.cohort(course, name="Көктем-2026")
    for person in (make.user("learner"), make.user("learner")):
        enrol_learner(SYSTEM, course, learner=person, cohort=spring)
    browser = signed_in_client(app, teacher(make, course))

    page = browser.get(CONFIRM)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = page_text(page)
    assert 'data-testid="publish-plan"' in html and 'name="confirmed" value="yes"' in html
    assert "Көктем-2026: 2" in text and translated(app, "Not in a cohort") + ": 1" in text
    assert "3" in text.split(translated(app, "Who receives it"), 1)[1].split(translated(app, "Work in progress"))[0]
    assert translated(app, "This is the first version: until now learners have not seen this assignment. After "
                           "publishing it is listed on the course page, placed in their notebook servers and can "
                           "be submitted.") in text
    # posting without the confirmation publishes nothing: it leads to the confirmation page
    unconfirmed = browser.post(CONFIRM, data={"csrf_token": csrf_token(browser, CONFIRM)})
    assert unconfirmed.status_code == 302 and unconfirmed.headers["Location"] == CONFIRM
    assert db.session.scalar(db.select(db.func.count(AssignmentVersion.id))) == 0


def test_the_confirmation_page_of_a_republication_says_what_happens_to_work_in_progress(app, course, make):
    publish_version(course, "mean-and-median")
    browser = signed_in_client(app, teacher(make, course))
    assert 'data-testid="publish-unchanged"' in browser.get(CONFIRM).get_data(as_text=True)

    db.session.execute(db.update(AssignmentVersion).values(content_hash="1" * 64))  # the source changed since
    db.session.commit()
    text = page_text(browser.get(CONFIRM))
    assert translated(app, "A notebook a learner has changed is kept as it is; the new version is placed beside "
                           "it with the version number in its name.") in text
    assert translated(app, "Version %(version)s", version=2) in text


def test_only_the_courses_instructors_and_admins_reach_the_confirmation_page(app, world, course, make, tmp_path):
    other = teacher(make, assignment_course(tmp_path / "other", slug="other", published=False))
    for person in (world.learner, world.hr, world.instructor, other):
        assert signed_in_client(app, person).get(CONFIRM).status_code == 403
    assert signed_in_client(app, world.admin).get(CONFIRM).status_code == 200

"""The instructor's pages of a course's content versions: the list, a rollback behind a confirmation page
(what changes, learners affected), audited; and the API's list of versions."""
from __future__ import annotations

from lms.accounts.services import create_api_token
from lms.courses import services
from lms.courses.teaching import add_instructor
from lms.learning import services as learning
from lms.security import SYSTEM

from ..conftest import audit_events, post_form, signed_in_client
from .files import COURSE, import_course, write_course


def two_versions(tmp_path, make):
    course = import_course(tmp_path)
    learning.enrol_learner(make.user("learner"), course)
    write_course(tmp_path, course_yaml=COURSE.format(slug="demo").replace(
        '      - lesson: l2\n        title: {kk: "Екінші сабақ", ru: "Второй урок"}\n', ""))
    assert services.import_courses(SYSTEM, tmp_path / "demo").ok
    instructor = make.user("instructor")
    add_instructor(SYSTEM, course, instructor)
    return course, instructor


def test_the_instructor_sees_the_versions_and_rolls_back_after_confirming(app, tmp_path, make):
    course, instructor = two_versions(tmp_path, make)
    browser = signed_in_client(app, instructor)
    assert 'href="/teaching/courses/demo/versions"' in browser.get("/courses/demo").get_data(as_text=True)

    page = browser.get("/teaching/courses/demo/versions").get_data(as_text=True)
    assert page.count('data-testid="course-version"') == 2
    assert "l2" in page and 'href="/teaching/courses/demo/versions/1/rollback"' in page
    assert 'href="/teaching/courses/demo/versions/2/rollback"' not in page  # the current one

    confirm = browser.get("/teaching/courses/demo/versions/1/rollback").get_data(as_text=True)
    assert 'data-testid="rollback-plan"' in confirm and "<code>l2</code>" in confirm
    assert 'data-testid="rollback-learners">Курстың 1 тыңдаушысы' in confirm
    assert [i.key for i in services.get_course("demo").active_items()] == ["l1", "q1"]  # nothing happened yet

    assert browser.post("/teaching/courses/demo/versions/1/rollback").status_code == 400  # no CSRF token
    response = post_form(browser, "/teaching/courses/demo/versions/1/rollback", page="/teaching/courses/demo/versions")
    assert response.status_code == 302 and response.headers["Location"].endswith("/teaching/courses/demo/versions")
    assert [i.key for i in services.get_course("demo").active_items()] == ["l1", "l2", "q1"]
    assert browser.get("/teaching/courses/demo/versions").get_data(as_text=True).count('data-testid="course-version"') == 3
    assert [(e.actor_id, e.details["restored"]) for e in audit_events("course_rolled_back")] == [(instructor.id, 1)]


def test_an_instructor_of_another_course_and_a_learner_cannot_see_or_roll_back(app, tmp_path, make):
    two_versions(tmp_path, make)
    for person, status in ((make.user("instructor"), 403), (make.user("learner"), 403)):
        browser = signed_in_client(app, person)
        assert browser.get("/teaching/courses/demo/versions").status_code == status
        assert browser.get("/teaching/courses/demo/versions/1/rollback").status_code == status
        assert post_form(browser, "/teaching/courses/demo/versions/1/rollback", page="/").status_code == status
    assert not audit_events("course_rolled_back")
    admin = signed_in_client(app, make.user("admin"))
    assert admin.get("/teaching/courses/demo/versions/9/rollback").status_code == 404


def test_the_pages_speak_kazakh_and_russian(app, tmp_path, make):
    course, instructor = two_versions(tmp_path, make)
    browser = signed_in_client(app, instructor)
    kazakh = browser.get("/teaching/courses/demo/versions").get_data(as_text=True)
    assert "Курс мазмұнының нұсқалары" in kazakh
    post_form(browser, "/language", {"language": "ru"}, page="/")
    russian = browser.get("/teaching/courses/demo/versions/1/rollback").get_data(as_text=True)
    assert "Откатить к версии 1" in russian


def test_the_api_lists_the_versions_to_those_who_teach_the_course(app, tmp_path, make):
    course, instructor = two_versions(tmp_path, make)
    token = create_api_token(instructor, instructor, "t")[1]
    response = app.test_client().get("/api/v1/courses/demo/versions", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    versions = response.get_json()["versions"]
    assert [(v["number"], v["version"], v["origin"]) for v in versions] == [(2, 2, "import"), (1, 1, "import")]
    assert versions[0]["diff"]["items_retired"] == ["l2"]
    assert [e.details["slug"] for e in audit_events("course_versions_listed")] == ["demo"]
    other = make.user("instructor")
    token = create_api_token(other, other, "t")[1]
    response = app.test_client().get("/api/v1/courses/demo/versions", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"

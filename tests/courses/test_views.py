"""The catalogue, the course page and the courses API."""
from lms.api.openapi import build_spec
from lms.accounts import services as accounts
from lms.learning import services as learning

from ..conftest import page_text, sign_in
from .files import COURSE, import_course


def other_course(tmp_path):
    text = COURSE.format(slug="data-lab").replace("level: beginner", "level: advanced").replace(
        "tags: [ai, testing]", "tags: [data]").replace(
        '      - quiz: q1\n        title: {kk: "Тест", ru: "Тест"}\n',
        '      - notebook: lab1\n        title: {kk: "Зертхана", ru: "Лаборатория"}\n')
    return import_course(tmp_path, "data-lab", course_yaml=text)


def test_catalogue_lists_and_filters_courses(app, client, make, tmp_path):
    import_course(tmp_path)
    other_course(tmp_path)
    sign_in(client, make.user("learner"))
    text = page_text(client.get("/courses"))
    assert "Сынақ курсы demo" in text and "Сынақ курсы data-lab" in text
    assert "data-lab" not in page_text(client.get("/courses?tag=testing")).split("Сынақ курсы")[-1]
    filtered = page_text(client.get("/courses?level=advanced"))
    assert "Сынақ курсы data-lab" in filtered and "Сынақ курсы demo" not in filtered
    with_notebooks = page_text(client.get("/courses?notebooks=yes"))
    assert "Сынақ курсы data-lab" in with_notebooks and "Сынақ курсы demo" not in with_notebooks
    searched = page_text(client.get("/courses?q=ТЕСТОВЫЙ курс DEMO"))
    assert "Сынақ курсы demo" in searched and "data-lab" not in searched
    assert "Сынақ курсы" not in page_text(client.get("/courses?q=nothing-like-this"))


def test_course_page_shows_syllabus_hours_certification_and_status(app, client, make, tmp_path):
    course = import_course(tmp_path)
    learner = make.user("learner", preferred_language="ru")
    sign_in(client, learner)
    text = page_text(client.get("/courses/demo"))
    assert "Тестовый курс demo" in text and "Первый урок" in text
    assert "Средний результат по обязательным тестам" in text and "не ниже 70%" in text and "min_score" not in text
    assert 'data-testid="syllabus"' in text and "6" in text
    learning.enrol_learner(learner, course)
    text = page_text(client.get("/courses/demo"))
    assert "<progress" in text and 'data-testid="my-status"' in text
    assert client.get("/courses/nope").status_code == 404


def test_self_enrol_through_the_page(app, client, make, tmp_path):
    from ..conftest import post_form

    import_course(tmp_path)
    learner = make.user("learner")
    sign_in(client, learner)
    response = post_form(client, "/courses/demo/enrol", page="/courses/demo")
    assert response.status_code == 302
    from lms.courses.services import get_course
    assert learning.enrolment_for(learner, get_course("demo")).status.value == "enrolled"
    assert "/courses/demo/items/l1" in page_text(client.get("/courses/demo"))


def api_headers(make, role="learner"):
    user = make.user(role)
    _token, secret = accounts.create_api_token(user, user, "test")
    return user, {"Authorization": f"Bearer {secret}"}


def test_api_lists_and_shows_courses(app, client, make, tmp_path):
    import_course(tmp_path)
    other_course(tmp_path)
    _user, headers = api_headers(make)
    body = client.get("/api/v1/courses?tag=data", headers=headers).get_json()
    assert body["total"] == 1 and body["items"][0]["slug"] == "data-lab"
    assert body["items"][0]["has_notebooks"] is True
    detail = client.get("/api/v1/courses/demo", headers=headers).get_json()
    assert detail["title"] == {"kk": "Сынақ курсы demo", "ru": "Тестовый курс demo"}
    assert [m["id"] for m in detail["modules"]] == ["m1", "m2"]
    assert detail["modules"][1]["items"] == [{"id": "q1", "kind": "quiz", "title": {"kk": "Тест", "ru": "Тест"}}]
    assert detail["enrolment"] is None and detail["certification"] == {"min_score": 70}
    missing = client.get("/api/v1/courses/nope", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    assert client.get("/api/v1/courses").status_code == 401


def test_openapi_lists_the_course_and_learning_schemas(app):
    with app.test_request_context():
        spec = build_spec()
    for name in ("CourseSummary", "CourseDetail", "CourseList", "Enrolment", "EnrolmentRequest", "MyProgress"):
        assert name in spec["components"]["schemas"]
    for path in ("/api/v1/courses", "/api/v1/courses/{slug}", "/api/v1/courses/{slug}/enrolments",
                 "/api/v1/me/progress"):
        assert path in spec["paths"], sorted(spec["paths"])

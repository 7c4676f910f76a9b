"""Lessons, progress bars, resume, deadlines; the learner's and the instructor's dashboards."""
from datetime import date, timedelta

from lms.accounts import services as accounts
from lms.courses import services as courses
from lms.courses.teaching import add_instructor
from lms.learning import services
from lms.security import SYSTEM
from lms.clock import today as local_today

from ..conftest import audit_events, page_text, post_form, sign_in, translated
from ..courses.files import CORRECT


def test_completing_a_lesson_updates_module_and_course_progress(course, make):
    learner = make.user("learner")
    enrolment = services.enrol_learner(learner, course)
    l1 = course.active_items()[0]
    assert services.complete_lesson(learner, enrolment, l1) is True
    assert services.complete_lesson(learner, enrolment, l1) is False  # once only
    progress = services.course_progress(learner, course)
    assert (progress.done, progress.total, progress.percent) == (1, 3, 33)
    assert [(m.done, m.total) for m in progress.modules] == [(1, 2), (0, 1)]
    assert progress.next_item.key == "l2"


def test_resume_goes_to_the_last_unfinished_item(client, course, make):
    learner = make.user("learner")
    services.enrol_learner(learner, course)
    sign_in(client, learner)
    assert client.get("/courses/demo/items/l2").status_code == 200
    response = client.get("/courses/demo/continue")
    assert response.headers["Location"].endswith("/courses/demo/items/l2")
    post_form(client, "/courses/demo/items/l2/complete", page="/courses/demo/items/l2")
    assert client.get("/courses/demo/continue").headers["Location"].endswith("/courses/demo/items/l1")


def test_lesson_page_renders_and_marks_completion(client, course, make):
    learner = make.user("learner", preferred_language="ru")
    services.enrol_learner(learner, course)
    sign_in(client, learner)
    text = page_text(client.get("/courses/demo/items/l2"))
    assert "Второй урок" in text and '<span class="nb">print</span>' in text
    response = post_form(client, "/courses/demo/items/l2/complete", page="/courses/demo/items/l2")
    assert response.headers["Location"].endswith("/courses/demo/items/q1")
    assert "<progress" in page_text(client.get("/courses/demo/items/l1"))


def test_lessons_are_closed_to_people_not_enrolled_but_open_to_instructors(client, course, make):
    sign_in(client, make.user("learner"))
    assert client.get("/courses/demo/items/l1").status_code == 302
    instructor_client = client.application.test_client()
    sign_in(instructor_client, make.user("instructor"))
    assert instructor_client.get("/courses/demo/items/l1").status_code == 200


def test_overdue_enrolment_is_marked(course, world, cohort_factory):
    cohort = cohort_factory(due_on=local_today() - timedelta(days=1))
    services.enrol_learner(world.learner, course, cohort=cohort)
    entry = services.learner_courses(world.learner)[0]
    assert entry.overdue and entry.due == cohort.due_on
    services.assign_course(world.hr, course, people=[world.colleague], due_on=local_today() + timedelta(days=3),
                           cohort=cohort)
    assert not services.learner_courses(world.colleague)[0].overdue


def test_learner_dashboard_shows_progress_next_step_deadline_and_results(client, course, make, cohort_factory):
    cohort = cohort_factory(due_on=local_today() - timedelta(days=2))
    learner = make.user("learner", preferred_language="ru")
    enrolment = services.enrol_learner(learner, course, cohort=cohort)
    services.complete_lesson(learner, enrolment, course.active_items()[0])
    attempt = services.start_attempt(learner, enrolment, courses.get_item(course, "q1"))
    services.submit_attempt(learner, attempt, {"capital": "astana"})
    sign_in(client, learner)
    text = page_text(client.get("/"))
    assert "Тестовый курс demo" in text
    assert '<progress max="3" value="1">' in text
    assert "/courses/demo/items/q1" in text  # next step: resume the unfinished quiz it was on
    assert 'class="due overdue"' in text
    assert "Тест: 20%" in text


def test_learner_dashboard_empty_state(client, make):
    sign_in(client, make.user("learner"))
    assert 'data-testid="my-course"' not in client.get("/").get_data(as_text=True)


def test_instructor_sees_roster_stats_and_downloads_csv(client, course, make, cohort_factory):
    cohort = cohort_factory(capacity=10)
    good, weak = make.user("learner", surname="=Ахметов"), make.user("learner", surname="Бекова")
    for learner, answers in ((good, CORRECT), (weak, {"capital": "almaty", "risks": ["err", "bias"]})):
        enrolment = services.enrol_learner(learner, course, cohort=cohort)
        attempt = services.start_attempt(learner, enrolment, courses.get_item(course, "q1"))
        services.submit_attempt(learner, attempt, answers)
    quizzes, rows = services.cohort_roster(SYSTEM, cohort)
    assert [row.quiz_scores[quizzes[0].id] for row in rows] == [100, 40]
    attempts, stats = services.quiz_statistics(SYSTEM, courses.get_item(course, "q1"))
    assert attempts == 2
    assert {s.id: s.share_correct for s in stats} == {"capital": 0.5, "risks": 1.0, "sum": 0.5, "word": 0.5}

    sign_in(client, _teacher(make, course))
    assert "=Ахметов" in page_text(client.get(f"/teaching/cohorts/{cohort.id}"))
    csv_response = client.get(f"/teaching/cohorts/{cohort.id}/roster.csv")
    data = csv_response.get_data()
    assert data.startswith("\ufeff".encode()) and "attachment" in csv_response.headers["Content-Disposition"]
    assert "'=Ахметов" in data.decode("utf-8")  # a formula would run in Excel: neutralised
    stats_page = page_text(client.get("/teaching/courses/demo/quizzes/q1"))
    assert "<meter" in stats_page and "50%" in stats_page
    assert b"capital" in client.get("/teaching/courses/demo/quizzes/q1/stats.csv").get_data()
    assert 'href="/teaching/courses/demo"' in page_text(client.get("/teaching"))
    # both downloads carry people's data or results: audited like every other export
    [roster] = audit_events("roster_exported")
    assert roster.object_id == str(cohort.id) and roster.details == {"course": "demo", "rows": 2}
    [stats] = audit_events("quiz_statistics_exported")
    assert stats.details == {"quiz": "q1", "rows": 4}


def _teacher(make, course):
    """An instructor listed as teaching ``course``."""
    instructor = make.user("instructor")
    add_instructor(SYSTEM, course, instructor)
    return instructor


def test_instructor_opens_a_cohort(client, course, make):
    sign_in(client, _teacher(make, course))
    response = post_form(client, "/teaching/courses/demo", {"name": "Көктем 2027", "starts_on": "2027-03-01",
                                                            "ends_on": "2027-05-31", "capacity": "25",
                                                            "self_enrolment": "y"}, page="/teaching/courses/demo")
    assert response.status_code == 302
    cohort = services.course_cohorts(course)[0]
    assert (cohort.name, cohort.capacity, cohort.starts_on) == ("Көктем 2027", 25, date(2027, 3, 1))
    bad = post_form(client, "/teaching/courses/demo", {"name": "x", "starts_on": "2027-03-01",
                                                       "ends_on": "2027-01-01"}, page="/teaching/courses/demo")
    assert bad.status_code == 200 and len(services.course_cohorts(course)) == 1


def test_learners_and_hr_cannot_see_rosters(client, course, world, cohort_factory):
    cohort = cohort_factory()
    for person in (world.learner, world.hr):
        browser = client.application.test_client()
        sign_in(browser, person)
        assert browser.get(f"/teaching/cohorts/{cohort.id}").status_code == 403
        assert browser.get(f"/teaching/cohorts/{cohort.id}/roster.csv").status_code == 403
        assert browser.get("/teaching/courses/demo/quizzes/q1").status_code == 403


def test_my_progress_api(client, course, make):
    learner = make.user("learner")
    enrolment = services.enrol_learner(learner, course)
    services.complete_lesson(learner, enrolment, course.active_items()[0])
    _t, secret = accounts.create_api_token(learner, learner, "t")
    body = client.get("/api/v1/me/progress", headers={"Authorization": f"Bearer {secret}"}).get_json()
    [entry] = body["courses"]
    assert entry["course"] == "demo" and entry["status"] == "enrolled"
    assert (entry["done"], entry["total"], entry["percent"], entry["next_item"]) == (1, 3, 33, "l2")
    assert [m["id"] for m in entry["modules"]] == ["m1", "m2"]


def test_an_instructor_sees_and_opens_cohorts_of_the_courses_they_teach_only(client, course, make, cohort_factory):
    cohort = cohort_factory()
    services.enrol_learner(make.user("learner", surname="Жанұзақова"), course, cohort=cohort)
    sign_in(client, make.user("instructor"))  # teaches no course
    overview = page_text(client.get("/teaching"))
    assert 'href="/teaching/courses/demo"' not in overview
    assert translated(client.application, "You do not teach any course yet. An administrator adds instructors "
                                           "to courses.") in overview
    for page in (f"/teaching/cohorts/{cohort.id}", f"/teaching/cohorts/{cohort.id}/roster.csv",
                 "/teaching/courses/demo", "/teaching/courses/demo/quizzes/q1",
                 "/teaching/courses/demo/quizzes/q1/stats.csv"):
        response = client.get(page)
        assert response.status_code == 403, page
        assert "Жанұзақова" not in response.get_data(as_text=True)
    refused = post_form(client, "/teaching/courses/demo", {"name": "Бөтен", "starts_on": "2027-03-01",
                                                           "ends_on": "2027-05-31"}, page="/teaching")
    assert refused.status_code == 403
    assert [c.name for c in services.course_cohorts(course)] == [cohort.name]

    admin = client.application.test_client()
    sign_in(admin, make.user("admin"))
    assert 'href="/teaching/courses/demo"' in page_text(admin.get("/teaching"))
    assert "Жанұзақова" in page_text(admin.get(f"/teaching/cohorts/{cohort.id}"))


def test_roster_and_quiz_csv_are_safe_in_excel_splitting_on_semicolons_or_commas(client, course, make,
                                                                                 cohort_factory):
    from ..spreadsheets import HOSTILE_TITLE, assert_excel_safe, make_hostile

    cohort = cohort_factory(capacity=10)
    learner = make_hostile(make.user("learner"), position=HOSTILE_TITLE)
    enrolment = services.enrol_learner(learner, course, cohort=cohort)
    attempt = services.start_attempt(learner, enrolment, courses.get_item(course, "q1"))
    services.submit_attempt(learner, attempt, CORRECT)
    sign_in(client, _teacher(make, course))
    roster = client.get(f"/teaching/cohorts/{cohort.id}/roster.csv")
    assert roster.status_code == 200
    assert_excel_safe(roster.get_data(), "HYPERLINK", "=1+1")
    stats = client.get("/teaching/courses/demo/quizzes/q1/stats.csv")
    assert stats.status_code == 200
    assert_excel_safe(stats.get_data(), "capital")


def test_dashboard_api_and_course_page_agree_on_a_learners_progress(client, course, make):
    """One computation of a learner's courses: the dashboard card, /api/v1/me/progress and the
    course's own progress (which decides completion) show the same figures and the same next step."""
    learner = make.user("learner")
    enrolment = services.enrol_learner(learner, course)
    services.complete_lesson(learner, enrolment, course.active_items()[0])
    attempt = services.start_attempt(learner, enrolment, courses.get_item(course, "q1"))
    services.submit_attempt(learner, attempt, CORRECT)
    own = services.course_progress(learner, course)
    _t, secret = accounts.create_api_token(learner, learner, "t")
    [api] = client.get("/api/v1/me/progress", headers={"Authorization": f"Bearer {secret}"}).get_json()["courses"]
    assert (api["done"], api["total"], api["percent"]) == (own.done, own.total, own.percent) == (2, 3, 67)
    assert [(m["done"], m["total"]) for m in api["modules"]] == [(m.done, m.total) for m in own.modules]
    assert [q["id"] for q in api["quizzes"]] == ["q1"] and api["quizzes"][0]["passed"]
    sign_in(client, learner)
    card = page_text(client.get("/"))
    assert f'<progress max="{own.total}" value="{own.done}">' in card
    assert f"/courses/demo/items/{api['next_item']}" in card

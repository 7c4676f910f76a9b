"""The gradebook: learners × assignments, the score that counts, statuses, filters, CSV export."""
import csv
import io

import pytest

from lms.extensions import db
from lms.grading.models import SubmissionStatus
from lms.learning import services as learning
from lms.security import SYSTEM
from lms.clock import today as local_today
from tests.conftest import audit_events, page_text, signed_in_client, translated
from tests.grading.instructor_setup import enrolled, submission, teach_course, teacher

BOOK = "/teaching/grading/teach/gradebook"


@pytest.fixture
def course(app, tmp_path):
    return teach_course(app, tmp_path)


def _cells(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-status="')[1:]]


def test_each_learner_shows_the_latest_graded_attempt_and_the_latest_status(app, make, course):
    graded = enrolled(course, make.user("learner", surname="А-Бағаланған"))
    submission(graded, course, "mean-and-median", attempt=1, scores=[("t", 5.0, 5.0, False)])
    second = submission(graded, course, "mean-and-median", attempt=2, scores=[("t", 3.0, 5.0, False)])
    retrying = enrolled(course, make.user("learner", surname="Б-Қайталаушы"))
    first = submission(retrying, course, "mean-and-median", attempt=1, scores=[("t", 4.0, 5.0, False)])
    submission(retrying, course, "mean-and-median", attempt=2, status=SubmissionStatus.queued)
    late = enrolled(course, make.user("learner", surname="В-Кешіккен"))
    submission(late, course, "mean-and-median", late=True, scores=[("t", 2.0, 5.0, False)])
    failed = enrolled(course, make.user("learner", surname="Г-Сәтсіз"))
    submission(failed, course, "mean-and-median", status=SubmissionStatus.failed)
    waiting = enrolled(course, make.user("learner", surname="Д-Күтуде"))
    submission(waiting, course, "manual", scores=[("essay", None, 2.0, True)], answers={"essay": ("markdown", "x")})
    enrolled(course, make.user("learner", surname="Е-Тапсырмаған"))
    withdrawn = enrolled(course, make.user("learner", surname="Ж-Шыққан"))
    learning.withdraw(SYSTEM, learning.enrolment_for(withdrawn, course))

    page = signed_in_client(app, teacher(make, course)).get(BOOK)

    html, text = page.get_data(as_text=True), page_text(page)
    assert page.status_code == 200
    assert "Ж-Шыққан" not in text  # withdrawn learners are not in the gradebook
    # rows by surname; columns: mean-and-median, manual
    assert _cells(html) == ["graded", "not_submitted",      # latest graded attempt: 3 of 5, not the better 5
                            "queued", "not_submitted",      # latest queued; the earlier graded 4 counts
                            "late", "not_submitted",
                            "failed", "not_submitted",
                            "not_submitted", "needs_grading",
                            "not_submitted", "not_submitted"]
    assert f'/teaching/grading/submissions/{second.id}">3 / 5' in html
    assert f'/teaching/grading/submissions/{first.id}">4 / 5' in html
    for label in ("not submitted", "queued", "needs grading", "late", "failed"):
        assert translated(app, label) in text


def test_a_course_can_count_the_best_attempt(app, make, course):
    item = next(i for i in course.active_items() if i.key == "mean-and-median")
    item.content = {**item.content, "counts": "best"}
    db.session.commit()
    learner = enrolled(course, make.user("learner"))
    best = submission(learner, course, "mean-and-median", attempt=1, scores=[("t", 5.0, 5.0, False)])
    submission(learner, course, "mean-and-median", attempt=2, scores=[("t", 3.0, 5.0, False)])
    html = signed_in_client(app, teacher(make, course)).get(BOOK).get_data(as_text=True)
    assert f'/teaching/grading/submissions/{best.id}">5 / 5' in html


def test_the_gradebook_filters_by_cohort_and_organisation_and_paginates(app, make, world, course):
    enrolled(course, make.user("learner", organisation=world.b, surname="Бөгде"))  # self-paced, no cohort
    cohort = learning.create_cohort(SYSTEM, course, name="Көктем", starts_on=local_today(), ends_on=local_today())
    in_cohort = make.user("learner", organisation=world.a1, surname="Топтағы")
    learning.enrol_learner(SYSTEM, course, learner=in_cohort, cohort=cohort)
    browser = signed_in_client(app, teacher(make, course))
    assert "Бөгде" not in page_text(browser.get(f"{BOOK}?cohort={cohort.id}"))
    assert "Топтағы" in page_text(browser.get(f"{BOOK}?cohort={cohort.id}"))
    by_ministry_a = page_text(browser.get(f"{BOOK}?organisation={world.a.id}"))  # A's subtree holds A1
    assert "Топтағы" in by_ministry_a and "Бөгде" not in by_ministry_a

    for n in range(50):
        enrolled(course, make.user("learner", surname=f"Я{n:02d}"))
    assert "Я49" not in page_text(browser.get(BOOK)) and "Я49" in page_text(browser.get(f"{BOOK}?page=2"))


def test_csv_export_is_excel_safe_translated_and_audited(app, make, course):
    learner = enrolled(course, make.user("learner", surname="=HYPERLINK(\"http://x\")", given_name="Әлия"))
    submission(learner, course, "mean-and-median", scores=[("t", 4.5, 5.0, False)])
    instructor = teacher(make, course)

    response = signed_in_client(app, instructor).get(f"{BOOK}.csv")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == [translated(app, "Surname"), translated(app, "Given name"), translated(app, "E-mail")]
    assert rows[0][4] == translated(app, "%(assignment)s: score", assignment="Орта мән")
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")" and rows[1][1] == "Әлия"
    assert rows[1][4:7] == ["4.5", "5.0", translated(app, "graded")]
    [event] = audit_events("gradebook_exported")
    assert event.actor_id == instructor.id and event.details == {"slug": "teach", "rows": 1}


def test_only_the_courses_instructors_and_admins_see_the_gradebook(app, make, world, course, tmp_path):
    enrolled(course, world.learner)
    other = teacher(make, teach_course(app, tmp_path, slug="other"))
    for person in (other, world.instructor, world.learner, world.hr):
        browser = signed_in_client(app, person)
        assert browser.get(BOOK).status_code == 403
        assert browser.get(f"{BOOK}.csv").status_code == 403
    assert audit_events("gradebook_exported") == []
    admin = signed_in_client(app, world.admin)
    assert admin.get(BOOK).status_code == 200 and admin.get(f"{BOOK}.csv").status_code == 200


def test_gradebook_csv_is_safe_in_excel_splitting_on_semicolons_or_commas(app, make, course):
    from tests.spreadsheets import assert_excel_safe, make_hostile

    learner = enrolled(course, make_hostile(make.user("learner")))
    submission(learner, course, "mean-and-median", scores=[("t", 4.5, 5.0, False)])
    response = signed_in_client(app, teacher(make, course)).get(f"{BOOK}.csv")
    assert response.status_code == 200
    assert_excel_safe(response.get_data(), "HYPERLINK", "=1+1")

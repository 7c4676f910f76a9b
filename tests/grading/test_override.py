"""Overriding an automatic score (with a reason) and clearing a flagged submission."""
import pytest

from lms.grading.models import SubmissionStatus
from tests.conftest import audit_events, csrf_token, fresh, page_text, signed_in_client, translated
from tests.grading.instructor_setup import enrolled, submission, teach_course, teacher


@pytest.fixture
def course(app, tmp_path):
    return teach_course(app, tmp_path)


def _override(browser, cell, **data):
    url = f"/teaching/grading/scores/{cell.id}/override"
    return browser.post(url, data={"csrf_token": csrf_token(browser, url), **data})


def test_an_override_needs_a_reason_and_is_audited_and_shown_as_adjusted(app, make, world, course):
    learner = enrolled(course, make.user("learner", preferred_language="ru"))
    row = submission(learner, course, "mean-and-median", scores=[("test_mean", 0.0, 2.0, False),
                                                                 ("test_median", 3.0, 3.0, False)])
    cell = row.scores[0]
    instructor = teacher(make, course)
    browser = signed_in_client(app, instructor)
    form = browser.get(f"/teaching/grading/scores/{cell.id}/override")
    assert form.status_code == 200 and 'value="0.0"' in form.get_data(as_text=True)

    refused = _override(browser, cell, score="2", reason="  ")
    assert refused.status_code == 200 and translated(app, "Give a reason.") in page_text(refused)
    too_high = _override(browser, cell, score="2.5", reason="typo in the test")
    assert translated(app, "The score must be between 0 and %(max)s.", max="2") in page_text(too_high)
    assert fresh(cell).score == 0.0 and audit_events("score_overridden") == []

    done = _override(browser, cell, score="2", reason="the test had a typo", comment="Жауабыңыз дұрыс")

    assert done.status_code == 302 and done.headers["Location"] == f"/teaching/grading/submissions/{row.id}"
    cell, row = fresh(cell), fresh(row)
    assert (cell.score, cell.auto_score, cell.adjustment, cell.reason) == (2.0, 0.0, "override", "the test had a typo")
    assert row.total == 5.0
    [event] = audit_events("score_overridden")
    assert event.actor_id == instructor.id and event.details["reason"] == "the test had a typo"
    assert (event.details["old"], event.details["new"]) == (0.0, 2.0)
    # a second override keeps the autograder's score
    _override(browser, cell, score="1", reason="partly right after all", comment="Жауабыңыз дұрыс")
    assert (fresh(cell).score, fresh(cell).auto_score, fresh(row).total) == (1.0, 0.0, 4.0)
    # the learner sees it, in their language, as adjusted by the instructor
    mine = page_text(signed_in_client(app, learner).get(f"/submissions/{row.id}"))
    assert translated(app, "adjusted by the instructor", "ru") in mine and "Жауабыңыз дұрыс" in mine
    # the gradebook too
    book = page_text(browser.get("/teaching/grading/teach/gradebook"))
    assert translated(app, "adjusted by the instructor") in book and "4 / 5" in book


def test_a_flagged_submission_counts_once_an_instructor_clears_it_with_a_reason(app, make, course):
    learner = enrolled(course, make.user("learner"))
    row = submission(learner, course, "mean-and-median", status=SubmissionStatus.flagged,
                     scores=[("test_mean", 2.0, 2.0, False)], flags=["p1.ipynb: code patches builtins: 'x'"])
    instructor = teacher(make, course)
    browser = signed_in_client(app, instructor)
    page = browser.get(f"/teaching/grading/submissions/{row.id}")
    assert "patches builtins" in page_text(page)
    book = browser.get("/teaching/grading/teach/gradebook").get_data(as_text=True)
    assert 'data-status="flagged"' in book and "2 / 2" not in book  # held: it does not count yet

    url = f"/teaching/grading/submissions/{row.id}/clear-flag"
    without = browser.post(url, data={"csrf_token": csrf_token(browser, f"/teaching/grading/submissions/{row.id}")})
    assert without.status_code == 302 and fresh(row).status == SubmissionStatus.flagged
    assert translated(app, "Give a reason.") in page_text(browser.get(f"/teaching/grading/submissions/{row.id}"))

    browser.post(url, data={"csrf_token": csrf_token(browser, f"/teaching/grading/submissions/{row.id}"),
                            "reason": "the word builtins is in a comment"})

    row = fresh(row)
    assert row.status == SubmissionStatus.graded and row.reviewed_by_id == instructor.id
    [event] = audit_events("submission_flag_cleared")
    assert event.details["reason"] == "the word builtins is in a comment" and event.actor_id == instructor.id
    assert 'data-status="graded"' in browser.get("/teaching/grading/teach/gradebook").get_data(as_text=True)
    assert translated(app, "An instructor reviewed this submission; it counts.") in row.feedback_html


def test_only_the_courses_instructors_and_admins_override_or_clear(app, make, world, course, tmp_path):
    learner = enrolled(course, world.learner)
    row = submission(learner, course, "mean-and-median", status=SubmissionStatus.flagged,
                     scores=[("test_mean", 0.0, 2.0, False)], flags=["x"])
    cell = row.scores[0]
    other = teacher(make, teach_course(app, tmp_path, slug="other"))
    for person in (other, world.instructor, world.learner, world.hr):
        browser = signed_in_client(app, person)
        assert browser.get(f"/teaching/grading/submissions/{row.id}").status_code == 403
        assert browser.get(f"/teaching/grading/scores/{cell.id}/override").status_code == 403
        token = csrf_token(browser, "/")
        assert browser.post(f"/teaching/grading/scores/{cell.id}/override",
                            data={"csrf_token": token, "score": "2", "reason": "r"}).status_code == 403
        assert browser.post(f"/teaching/grading/submissions/{row.id}/clear-flag",
                            data={"csrf_token": token, "reason": "r"}).status_code == 403
    assert fresh(cell).score == 0.0 and fresh(row).status == SubmissionStatus.flagged
    admin = signed_in_client(app, world.admin)
    assert _override(admin, cell, score="2", reason="admin fix").status_code == 302
    assert fresh(cell).score == 2.0

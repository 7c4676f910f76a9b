"""The manual-grading queue: answers waiting for an instructor, saving a grade, who may do it."""
import json

import pytest

from lms import signals
from lms.extensions import db
from lms.grading import submissions
from lms.grading.models import SubmissionStatus
from tests.conftest import audit_events, csrf_token, fresh, page_text, signed_in_client, translated
from tests.grading.files import learner_version
from tests.grading.instructor_setup import enrolled, submission, teach_course, teacher


@pytest.fixture
def course(app, tmp_path):
    return teach_course(app, tmp_path)


@pytest.fixture
def graded_events():
    events = []

    def listen(sender, submission):
        events.append((getattr(sender, "id", None), submission.id, submission.total))

    signals.submission_graded.connect(listen)
    yield events
    signals.submission_graded.disconnect(listen)


def _grade(browser, cell, page, **data):
    token = csrf_token(browser, page)
    return browser.post(f"/teaching/grading/scores/{cell.id}",
                        data={"csrf_token": token, **{f"s{cell.id}-{k}": v for k, v in data.items()}})


@pytest.mark.integration  # grades in the sandbox
def test_manual_cells_of_a_real_submission_wait_in_the_queue_and_a_grade_updates_total_and_feedback(
        app, make, course, graded_events):
    learner = enrolled(course, make.user("learner", surname="Жауапова"))
    from pathlib import Path
    notebook = learner_version(Path(app.config["OQU_SETTINGS"].assignments_dir) / "teach" / "manual" / "p1.ipynb")
    for cell in notebook["cells"]:  # the learner's own words in the manually graded markdown cell
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "sum_of_squares_equation":
            cell["source"] = "The sum is **n(n+1)(2n+1)/6**<script>alert(1)</script>"
    stored = submissions.store_submission(learner, course, "manual", {"p1.ipynb": json.dumps(notebook)})
    db.session.refresh(stored)
    assert stored.status == SubmissionStatus.graded, stored.error
    manual_cells = {s.cell: s for s in stored.scores if s.needs_manual_grade}
    assert set(manual_cells) == {"sum_of_squares_equation"}
    total_before = stored.total
    instructor = teacher(make, course)
    browser = signed_in_client(app, instructor)

    queue = browser.get("/teaching/grading/teach/queue")
    text = page_text(queue)
    assert queue.status_code == 200 and text.count('data-testid="queue-entry"') == 1
    html = queue.get_data(as_text=True)
    assert "<strong>n(n+1)(2n+1)/6</strong>" in html and "<script>alert(1)" not in html  # rendered, sanitised
    assert "Жауапова" in text and translated(app, "Rubric: up to %(points)s points.", points="1") in text

    equation = manual_cells["sum_of_squares_equation"]
    response = _grade(browser, equation, "/teaching/grading/teach/queue", score="0,5", comment="Нақтырақ жазыңыз")

    assert response.status_code == 302 and response.headers["Location"] == "/teaching/grading/teach/queue"
    equation, stored = fresh(equation), fresh(stored)
    assert (equation.score, equation.needs_manual_grade, equation.adjustment) == (0.5, False, "manual")
    assert equation.graded_by_id == instructor.id and equation.graded_at is not None
    assert equation.comment == "Нақтырақ жазыңыз"
    assert stored.total == pytest.approx(total_before + 0.5)
    assert "Нақтырақ жазыңыз" in stored.feedback_html
    assert graded_events[-1] == (instructor.id, stored.id, stored.total)
    assert [e.details["new"] for e in audit_events("manual_grade_recorded")] == [0.5]
    after = browser.get("/teaching/grading/teach/queue")
    assert translated(app, "Nothing waits for a manual grade.") in page_text(after)
    assert translated(app, "The grade has been saved; the learner's feedback is updated.") in page_text(after)
    # the learner sees the comment with their feedback and the new total
    mine = page_text(signed_in_client(app, learner).get(f"/submissions/{stored.id}"))
    assert "Нақтырақ жазыңыз" in mine and translated(app, "graded by the instructor") in mine


@pytest.mark.parametrize("value, message", [("3", "The score must be between 0 and %(max)s."),
                                            ("-1", "The score must be between 0 and %(max)s."),
                                            ("abc", "Enter a number."), ("", "Enter a score.")])
def test_a_score_outside_the_rubric_is_refused_with_a_translated_message(app, make, course, value, message):
    learner = enrolled(course, make.user("learner"))
    row = submission(learner, course, scores=[("essay", None, 2.0, True)], answers={"essay": ("markdown", "x")})
    score = row.scores[0]
    browser = signed_in_client(app, teacher(make, course))

    response = _grade(browser, score, "/teaching/grading/teach/queue", score=value)

    assert response.status_code == 302
    text = page_text(browser.get("/teaching/grading/teach/queue"))
    assert translated(app, message, max="2") in text
    assert fresh(score).score is None and fresh(score).needs_manual_grade and fresh(row).total == 0


def test_code_answers_are_shown_escaped(app, make, course):
    learner = enrolled(course, make.user("learner"))
    submission(learner, course, scores=[("code", None, 2.0, True)],
               answers={"code": ("code", "print('<b>bold</b>')")})
    html = signed_in_client(app, teacher(make, course)).get("/teaching/grading/teach/queue").get_data(as_text=True)
    assert "print(&#39;&lt;b&gt;bold&lt;/b&gt;&#39;)" in html and "<b>bold</b>" not in html


def test_the_queue_is_empty_then_paginated(app, make, course):
    browser = signed_in_client(app, teacher(make, course))
    empty = browser.get("/teaching/grading/teach/queue")
    assert translated(app, "Nothing waits for a manual grade.") in page_text(empty)

    for n in range(23):
        learner = enrolled(course, make.user("learner", surname=f"Оқушы{n:02d}"))
        submission(learner, course, scores=[("essay", None, 1.0, True)], answers={"essay": ("markdown", "жауап")})
    first, second = browser.get("/teaching/grading/teach/queue"), browser.get("/teaching/grading/teach/queue?page=2")
    assert page_text(first).count('data-testid="queue-entry"') == 20
    assert page_text(second).count('data-testid="queue-entry"') == 3
    assert "Оқушы00" in page_text(first) and "Оқушы22" in page_text(second)


def test_only_the_courses_instructors_and_admins_grade(app, make, world, course, tmp_path):
    learner = enrolled(course, world.learner)
    row = submission(learner, course, scores=[("essay", None, 2.0, True)], answers={"essay": ("markdown", "x")})
    score = row.scores[0]
    other_course = teach_course(app, tmp_path, slug="other")
    other_instructor = teacher(make, other_course)
    for person in (other_instructor, world.instructor, world.learner, world.hr):  # world.instructor teaches nothing
        browser = signed_in_client(app, person)
        assert browser.get("/teaching/grading/teach/queue").status_code == 403
        token = csrf_token(browser, "/")
        response = browser.post(f"/teaching/grading/scores/{score.id}",
                                data={"csrf_token": token, f"s{score.id}-score": "1"})
        assert response.status_code == 403
    assert fresh(score).score is None
    admin = signed_in_client(app, world.admin)
    assert admin.get("/teaching/grading/teach/queue").status_code == 200
    assert _grade(admin, score, "/teaching/grading/teach/queue", score="2").status_code == 302
    assert fresh(score).score == 2.0
    # the other course's instructor lists only their course
    listing = page_text(signed_in_client(app, other_instructor).get("/teaching/grading/"))
    assert "/teaching/grading/other/queue" in listing and "/teaching/grading/teach/queue" not in listing


def test_add_instructor_command_lets_an_instructor_grade_the_course(app, make, course):
    instructor = make.user("instructor", email="teacher@example.kz")
    learner = make.user("learner", email="pupil@example.kz")
    runner = app.test_cli_runner()
    assert signed_in_client(app, instructor).get("/teaching/grading/teach/queue").status_code == 403

    result = runner.invoke(args=["lms", "add-instructor", "teach", "Teacher@example.kz"])

    assert result.exit_code == 0, result.output
    assert signed_in_client(app, instructor).get("/teaching/grading/teach/queue").status_code == 200
    assert [e.details for e in audit_events("instructor_added")] == [{"course": "teach", "email": "teacher@example.kz"}]
    refused = runner.invoke(args=["lms", "add-instructor", "teach", "pupil@example.kz"])
    assert refused.exit_code != 0 and "instructor role" in refused.output
    assert signed_in_client(app, learner).get("/teaching/grading/teach/queue").status_code == 403
    assert runner.invoke(args=["lms", "add-instructor", "nope", "teacher@example.kz"]).exit_code != 0

"""The learner's feedback: per graded cell the outcome, the points and the instructor's own words —
which visible check failed, its message, how to reproduce it — in the reader's language; never the
hidden tests."""
import json

import pytest

from lms.accounts.services import create_api_token
from lms.courses.teaching import add_instructor
from lms.extensions import db
from lms.grading import submissions
from lms.grading.feedback import visible_check
from lms.grading.models import SubmissionStatus
from lms.learning.services import enrol_learner
from lms.security import SYSTEM
from tests.conftest import page_text, signed_in_client, translated
from tests.grading.files import DEMO, assignment_course, learner_version

HIDDEN_CODE = ["mean_requests([])", "median_requests([4, 1, 3, 2])", "median_requests([7])", "HIDDEN TESTS"]

# the demo's cells by their labels (metadata.oqu of notebooks/ai-basics/mean-and-median), quoted as the page does
LABEL = {"kk": {"test_mean": "«Орташа мәнді тексеру»", "test_median": "«Медиананы тексеру»"},
         "ru": {"test_mean": "«Проверка среднего»", "test_median": "«Проверка медианы»"}}


@pytest.fixture
def course(app, tmp_path):
    return assignment_course(tmp_path)


def _answer(mean: str, median: str | None = None) -> dict:
    notebook = learner_version(DEMO / "mean-and-median.ipynb")
    for cell in notebook["cells"]:
        if cell["source"].startswith("def mean_requests"):
            cell["source"] = mean
        if median and cell["source"].startswith("def median_requests"):
            cell["source"] = median
    return notebook


def _submit(world, course, notebook):
    enrol_learner(SYSTEM, course, learner=world.learner)
    submission = submissions.store_submission(world.learner, course, "mean-and-median",
                                              {"mean-and-median.ipynb": json.dumps(notebook)})
    db.session.refresh(submission)
    return submission


@pytest.mark.integration  # grades in the sandbox
def test_the_learner_sees_which_visible_check_failed_and_that_a_hidden_one_did(app, world, course):
    # the mean is off for a single value (a visible check); the median forgets even counts (hidden checks)
    submission = _submit(world, course, _answer(
        "def mean_requests(counts):\n    if not counts:\n        raise ValueError('empty')\n"
        "    return sum(counts) / len(counts) + (len(counts) == 1)",
        "def median_requests(counts):\n    return sorted(counts)[len(counts) // 2]"))
    assert submission.status == SubmissionStatus.graded, submission.error
    assert submission.total == 0.0
    outcomes = {s.cell: (s.outcome, s.failed_check) for s in submission.scores}
    assert outcomes == {"test_mean": ("failed", "assert mean_requests([5]) == 5"), "test_median": ("hidden", None)}

    for language in ("kk", "ru"):
        browser = signed_in_client(app, world.learner)
        browser.set_cookie("oqu_lang", language)
        page = browser.get(f"/submissions/{submission.id}")
        assert page.status_code == 200
        text = page_text(page)
        assert "assert mean_requests([5]) == 5" in text
        assert translated(app, "Failed. Run your answer cells, then the test cell %(cell)s in your notebook: "
                               "this check fails there.", language, cell=LABEL[language]["test_mean"]) in text
        assert translated(app, "Failed on a hidden check: the checks you see in %(cell)s may pass, but the same "
                               "cell has more checks you do not see. Try your answer on other inputs, including "
                               "unusual ones.", language, cell=LABEL[language]["test_median"]) in text
        for code in HIDDEN_CODE:
            assert code not in page.get_data(as_text=True)
    # HR of the learner's organisation sees the total, not the feedback
    hr_page = signed_in_client(app, world.hr).get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "assert mean_requests([5]) == 5" not in hr_page

    api = app.test_client().get(f"/api/v1/submissions/{submission.id}", headers={
        "Authorization": f"Bearer {create_api_token(world.learner, world.learner, 'tests')[1]}"}).get_json()
    by_cell = {s["cell"]: s for s in api["scores"]}
    assert by_cell["test_mean"]["outcome"] == "failed"
    assert by_cell["test_mean"]["failed_check"] == "assert mean_requests([5]) == 5"
    assert by_cell["test_median"]["outcome"] == "hidden" and by_cell["test_median"]["failed_check"] is None
    assert "learner_error" not in by_cell["test_mean"]


@pytest.mark.integration  # grades in the sandbox
def test_a_passing_answer_is_told_it_passed(app, world, course):
    submission = _submit(world, course, learner_version(DEMO / "mean-and-median.ipynb"))
    assert {s.outcome for s in submission.scores} == {"passed"}
    browser = signed_in_client(app, world.learner)
    browser.set_cookie("oqu_lang", "ru")
    assert page_text(browser.get(f"/submissions/{submission.id}")).count(translated(app, "Passed", "ru")) >= 2


@pytest.mark.integration  # grades in the sandbox
def test_the_instructor_sees_the_learners_error_marked_as_written_by_learner_code(app, world, course):
    submission = _submit(world, course, _answer("def mean_requests(counts):\n    raise KeyError('my own words')"))
    add_instructor(SYSTEM, course, world.instructor)
    page = signed_in_client(app, world.instructor).get(f"/teaching/grading/submissions/{submission.id}")
    text = page_text(page)
    assert "KeyError: 'my own words'" in text
    assert translated(app, "Written by the learner's code (never shown to the learner):") in text
    learner_page = page_text(signed_in_client(app, world.learner).get(f"/submissions/{submission.id}"))
    assert "my own words" not in learner_page and "KeyError" not in learner_page


def test_a_check_is_the_instructors_statement_and_its_literal_message():
    source = ("x = make()\n"
              "assert f(x) == 1, 'f of one'\n"
              "for case in [1, 2]:\n"
              "    assert g(case) > 0, f'g({case})'\n"
              "### BEGIN HIDDEN TESTS\n"
              "assert f(2) == 4\n"
              "### END HIDDEN TESTS\n")
    assert visible_check(source, 2) == ("assert f(x) == 1, 'f of one'", "f of one")
    # a loop is shown whole (the case it fails on is the learner's to find); a computed message is not shown
    assert visible_check(source, 4) == ("for case in [1, 2]:\n    assert g(case) > 0, f'g({case})'", None)
    assert visible_check(source, 6) == ("hidden", None)
    assert visible_check(source, 99) is None


def test_a_check_that_would_quote_a_hidden_test_is_not_shown():
    """The last line of defence: instructor text holding a line of a hidden test is dropped."""
    from lms.grading.feedback import cell_feedback

    test = ("assert f(1) == 1, 'like assert median_requests([4, 1, 3, 2]) == 2.5'\n"
            "### BEGIN HIDDEN TESTS\nassert median_requests([4, 1, 3, 2]) == 2.5\n### END HIDDEN TESTS\n")
    meta = {"grade": True, "grade_id": "t", "solution": False, "points": 1, "schema_version": 3}
    source = {"cells": [{"cell_type": "code", "source": test, "metadata": {"nbgrader": meta}}]}
    graded = {"cells": [{"cell_type": "code", "source": test, "metadata": {"nbgrader": meta}, "execution_count": 3,
                         "outputs": [{"output_type": "error", "ename": "AssertionError", "evalue": "",
                                      "traceback": ["Cell In[3], line 1\n----> 1 assert f(1) == 1"]}]}]}
    cells = [{"cell": "t", "auto": True, "score": 0.0, "max_score": 1.0}]
    cell_feedback(source, graded, cells)
    assert cells[0]["outcome"] == "failed" and cells[0]["failed_check"] is None and cells[0]["check_message"] is None


def test_feedback_html_stored_by_the_old_pipeline_is_not_shown_but_the_instructors_grading_is(app, world, course):
    """nbgrader's generate_feedback HTML stored before this version carried learner output; the
    instructor's block (manual grades, a cleared flag) stays."""
    from lms.grading.instructor.manual import FEEDBACK_END, FEEDBACK_START
    from lms.grading.models import Submission

    enrol_learner(SYSTEM, course, learner=world.learner)
    old = Submission(user_id=world.learner.id, course_id=course.id, assignment="mean-and-median", attempt=1,
                     content={}, content_hash="0" * 64, size_bytes=0, status=SubmissionStatus.graded, total=1.0,
                     max_total=5.0, flags=[], graded_at=world.learner.created_at,
                     feedback_html='<div class="feedback-notebook"><pre>ValueError: OQULEAK c2VjcmV0</pre></div>'
                                   f'{FEEDBACK_START}<section><p>Жарайсыз</p></section>{FEEDBACK_END}')
    db.session.add(old)
    db.session.commit()
    page = page_text(signed_in_client(app, world.learner).get(f"/submissions/{old.id}"))
    assert "OQULEAK" not in page and "Жарайсыз" in page


ENDLESS_MEDIAN = "def median_requests(counts):\n    while True:\n        pass"


@pytest.mark.integration  # an endless cell in the sandbox
@pytest.mark.settings(grading_cell_timeout=3)
def test_an_endless_check_is_stopped_alone_and_the_rest_is_graded(app, world, course):
    # the learner's median never returns: its test cell is interrupted at the cell limit (the interrupt
    # crosses the kernel's sandbox), the mean's test still counts, and the learner is told why
    submission = _submit(world, course, _answer(
        "def mean_requests(counts):\n    if not counts:\n        raise ValueError('empty')\n"
        "    return sum(counts) / len(counts)", ENDLESS_MEDIAN))
    assert submission.status == SubmissionStatus.graded, submission.error
    assert submission.total == 2.0
    assert {s.cell: (s.outcome, s.score) for s in submission.scores} == {
        "test_mean": ("passed", 2.0), "test_median": ("timeout", 0.0)}
    for language in ("kk", "ru"):
        browser = signed_in_client(app, world.learner)
        browser.set_cookie("oqu_lang", language)
        text = page_text(browser.get(f"/submissions/{submission.id}"))
        assert translated(app, "Ran out of time: the test cell %(cell)s ran too long at grading and was stopped. "
                               "Look for a loop that never ends, or work that takes much longer than it needs.",
                          language, cell=LABEL[language]["test_median"]) in text
    add_instructor(SYSTEM, course, world.instructor)
    teaching = page_text(signed_in_client(app, world.instructor).get(f"/teaching/grading/submissions/{submission.id}"))
    assert translated(app, "Ran out of time (stopped at the cell time limit)") in teaching


@pytest.mark.integration  # an endless cell in the sandbox
@pytest.mark.settings(grading_cell_timeout=2, grading_timeout=60)
def test_an_endless_cell_that_swallows_the_interrupt_does_not_earn_points(app, world, course):
    # learner code that catches KeyboardInterrupt keeps the kernel busy: every later cell runs out of
    # time too, the closing check never comes, and the submission is flagged, never passed
    submission = _submit(world, course, _answer(
        "def mean_requests(counts):\n    return sum(counts) / len(counts)",
        "def median_requests(counts):\n    while True:\n        try:\n            while True:\n                pass\n"
        "        except KeyboardInterrupt:\n            pass"))
    assert submission.status in (SubmissionStatus.flagged, SubmissionStatus.failed), submission.status
    assert not submission.total


def test_the_cell_time_limit_must_be_positive():
    from lms.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="LMS_GRADING_CELL_TIMEOUT"):
        Settings.load({"grading_cell_timeout": 0})

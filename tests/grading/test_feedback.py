"""The learner's feedback: nbgrader's generate_feedback in the sandbox, hidden tests cut out, the
HTML sanitised, its labels in the reader's language."""
import json

import pytest

from lms.extensions import db
from lms.grading import submissions
from lms.grading.feedback import clean_feedback, hidden_lines
from lms.grading.models import SubmissionStatus
from lms.learning.services import enrol_learner
from lms.security import SYSTEM
from tests.conftest import page_text, signed_in_client, translated
from tests.grading.files import DEMO, assignment_course, learner_version

HIDDEN_CODE = ["mean_requests([])", "median_requests([4, 1, 3, 2])", "median_requests([7])", "HIDDEN TESTS"]


@pytest.fixture
def course(app, tmp_path):
    return assignment_course(tmp_path)


def _wrong_answer() -> dict:
    """Means right except for the empty list (a hidden test expects ValueError); medians right."""
    notebook = learner_version(DEMO / "mean-and-median.ipynb")
    for cell in notebook["cells"]:
        if cell["source"].startswith("def mean_requests"):
            cell["source"] = "def mean_requests(counts):\n    if not counts:\n        return 0\n    return sum(counts) / len(counts)"
    return notebook


def test_a_wrong_answer_gets_the_failing_tests_message_but_never_the_hidden_test_code(app, world, course):
    enrol_learner(SYSTEM, course, learner=world.learner)
    submission = submissions.store_submission(world.learner, course, "mean-and-median",
                                              {"mean-and-median.ipynb": json.dumps(_wrong_answer())})
    db.session.refresh(submission)
    assert submission.status == SubmissionStatus.graded, submission.error
    assert submission.total == 3.0  # test_mean lost its 2 points on the hidden test

    stored = submission.feedback_html
    assert "AssertionError: an empty list must raise ValueError" in stored
    for code in HIDDEN_CODE:
        assert code not in stored
    assert "<script" not in stored and "<style" not in stored and "Traceback" not in stored

    for language in ("kk", "ru"):
        browser = signed_in_client(app, world.learner)
        browser.set_cookie("oqu_lang", language)
        page = browser.get(f"/submissions/{submission.id}")
        assert page.status_code == 200
        text = page_text(page)
        assert "AssertionError: an empty list must raise ValueError" in text
        assert translated(app, "Your answer", language) in text and translated(app, "Feedback", language) in text
        assert "Score:" not in text and "Student's answer" not in text  # none of nbgrader's English labels
        for code in HIDDEN_CODE:
            assert code not in page.get_data(as_text=True)
    # HR of the learner's organisation sees the total, not the feedback
    hr_page = signed_in_client(app, world.hr).get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "an empty list must raise ValueError" not in hr_page


def test_feedback_html_is_sanitised_and_withheld_when_it_would_show_hidden_tests():
    source = json.loads((DEMO / "mean-and-median.ipynb").read_text())
    secret = hidden_lines(source)
    assert "assert median_requests([4, 1, 3, 2]) == 2.5" in secret and "pass" not in secret
    raw = ('<html><head><style>body{}</style><script>alert(1)</script></head><body><div class="cell">'
           '<img src="x" onerror="alert(2)"><a href="javascript:alert(3)">x</a>'
           '<span class="feedback-label" data-label="score"></span> 1 / 2</div></body></html>')
    cleaned = clean_feedback(raw, secret)
    assert "alert" not in cleaned and "onerror" not in cleaned and "<style" not in cleaned
    assert '<span class="feedback-label" data-label="score"></span> 1 / 2' in cleaned
    leaking = raw.replace("1 / 2", "<pre>assert median_requests([4, 1, 3, 2]) == 2.5</pre>")
    assert clean_feedback(leaking, secret) == ""

"""A learner who captures the hidden tests at run time cannot get them back through the feedback.

nbgrader runs the hidden tests in the learner's kernel: a function the test cell calls can read the
cell's source (``linecache`` keeps every executed cell) and send it back encoded — base64, reversed,
rot13, hex in an exception's type name — in an exception message or in the output of a cell of its
own further down. Graded through the real pipeline (store → queue → sandbox → record), the learner's
feedback page and the API show none of it; the instructor's page shows the learner's words, marked.
"""
import base64
import codecs
import json

import pytest

from lms.accounts.services import create_api_token
from lms.courses.teaching import add_instructor
from lms.extensions import db
from lms.grading import submissions
from lms.learning.services import enrol_learner
from lms.security import SYSTEM
from tests.conftest import page_text, signed_in_client
from tests.grading.files import DEMO, assignment_course, learner_version

pytestmark = pytest.mark.integration  # grades hostile notebooks in the sandbox

STEAL = '''\
import base64, codecs, inspect, linecache

stolen = []


def steal():
    """The source of the test cell that called the answer (two frames up)."""
    text = "".join(linecache.getlines(inspect.stack()[2].filename))
    stolen.append(text)
    return text
'''
ANSWERS = {
    "exception message": '''
def mean_requests(counts):
    raise ValueError("OQULEAK " + base64.b64encode(steal().encode()).decode())
''',
    "exception type name": '''
def mean_requests(counts):
    raise type("OQULEAK_" + steal().encode().hex()[:3000], (Exception,), {})()
''',
    "a later cell's output": '''
def mean_requests(counts):
    steal()
    if not counts:
        raise ValueError("empty")
    return sum(counts) / len(counts)
''',
}
LATER_CELL = '''\
for text in stolen:
    print("OQULEAK", base64.b64encode(text.encode()).decode())
    print("OQULEAK", text[::-1])
    print("OQULEAK", codecs.encode(text, "rot13"))
'''
HIDDEN = "median_requests([4, 1, 3, 2])"


def _test_cell_source(grade_id: str) -> str:
    notebook = json.loads((DEMO / "mean-and-median.ipynb").read_text())
    return next("".join(c["source"]) for c in notebook["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def _encodings() -> list[str]:
    """What the page must not hold: the hidden test and the test cells' source in each encoding."""
    found = [HIDDEN, HIDDEN[::-1], codecs.encode(HIDDEN, "rot13"), HIDDEN.encode().hex()]
    for grade_id in ("test_mean", "test_median"):
        text = _test_cell_source(grade_id)
        for whole in (text, text + "\n"):
            found += [base64.b64encode(whole.encode()).decode()[:60], whole[::-1][:60],
                      codecs.encode(whole, "rot13")[:60], whole.encode().hex()[:60]]
    return found


@pytest.fixture
def course(app, tmp_path):
    return assignment_course(tmp_path)


@pytest.mark.parametrize("channel", sorted(ANSWERS))
def test_hidden_tests_captured_at_run_time_never_reach_the_learners_feedback(app, world, course, channel):
    notebook = learner_version(DEMO / "mean-and-median.ipynb")
    for cell in notebook["cells"]:
        if cell["source"].startswith("def mean_requests"):
            cell["source"] = STEAL + ANSWERS[channel]
        if cell["source"].startswith("def median_requests"):
            cell["source"] = cell["source"].replace("def median_requests(counts):\n",
                                                    "def median_requests(counts):\n    steal()\n")
    if channel == "a later cell's output":
        notebook["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                                  "id": "mine", "source": LATER_CELL})
    enrol_learner(SYSTEM, course, learner=world.learner)
    submission = submissions.store_submission(world.learner, course, "mean-and-median",
                                              {"mean-and-median.ipynb": json.dumps(notebook)})
    db.session.refresh(submission)
    assert submission.graded_at is not None, submission.error
    learner_page = page_text(signed_in_client(app, world.learner).get(f"/submissions/{submission.id}"))
    api = app.test_client().get(f"/api/v1/submissions/{submission.id}", headers={
        "Authorization": f"Bearer {create_api_token(world.learner, world.learner, 'tests')[1]}"})
    assert api.status_code == 200
    api_text = api.get_data(as_text=True)
    for shown in (learner_page, api_text, json.dumps(api.get_json(), ensure_ascii=False)):
        for secret in _encodings():
            assert secret not in shown, (channel, secret)
    # the theft worked: the learner's kernel did hold the hidden tests (the instructor sees its words)
    add_instructor(SYSTEM, course, world.instructor)
    if channel != "a later cell's output":
        instructor_page = page_text(signed_in_client(app, world.instructor)
                                    .get(f"/teaching/grading/submissions/{submission.id}"))
        assert "OQULEAK" in instructor_page


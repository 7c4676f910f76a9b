"""nbgrader's own tricky notebooks (shipped in its wheel, nbgrader/tests/apps/files/) through the
submission pipeline: store → queue → sandbox → record. Cheats and changed protected cells are
flagged and do not count towards a certificate until an instructor clears them; an endless loop
ends as a failure, never a score."""
import json
import os

import pytest

from lms.certificates.services import evaluate_learner
from lms.extensions import db
from lms.grading import sandbox, submissions
from lms.grading.models import SubmissionScore, SubmissionStatus
from lms.grading.services import suspicious_code
from lms.learning.services import enrol_learner
from lms.security import SYSTEM
from tests.grading.files import NBGRADER_FILES, assignment_course, nbgrader_assignment

pytestmark = pytest.mark.integration  # grades nbgrader's tricky notebooks in the sandbox

CHEATS = ["submitted-cheat-attempt.ipynb", "submitted-cheat-attempt-alternative.ipynb"]


@pytest.fixture
def course(app, tmp_path):
    folder = tmp_path / "assignments"
    folder.mkdir()
    app.config["OQU_SETTINGS"].assignments_dir = str(folder)
    nbgrader_assignment(folder, "ps1", "submitted-unchanged.ipynb")
    nbgrader_assignment(folder, "loop", "infinite-loop.ipynb")
    return assignment_course(tmp_path, slug="tricky", assignments=("ps1", "loop"),
                             head="certification:\n  requires: [ps1]\n")


def _submit(learner, course, assignment, file_name):
    submission = submissions.store_submission(learner, course, assignment,
                                              {"p1.ipynb": (NBGRADER_FILES / file_name).read_text()})
    db.session.refresh(submission)
    return submission


def _scores(submission):
    return {s.cell: s.score for s in db.session.execute(
        db.select(SubmissionScore).filter_by(submission_id=submission.id)).scalars()}


def test_a_cheat_is_flagged_and_counts_only_after_an_honest_submission(app, world, course):
    enrol_learner(SYSTEM, course, learner=world.learner)

    cheat = _submit(world.learner, course, "ps1", "submitted-cheat-attempt.ipynb")

    assert cheat.status == SubmissionStatus.flagged, cheat.error
    assert any("patches the kernel's machinery" in flag for flag in cheat.flags)
    assert cheat.total is not None and _scores(cheat)  # scored as nbgrader scores it, held for review
    assert evaluate_learner(world.learner, course).met is False  # a flagged grade does not count

    honest = _submit(world.learner, course, "ps1", "submitted-unchanged.ipynb")

    assert honest.status == SubmissionStatus.graded and honest.flags == []
    assert evaluate_learner(world.learner, course).met is True


@pytest.mark.parametrize("file_name, flag", [
    ("submitted-grade-cell-changed.ipynb", "p1.ipynb: protected cell 'bar' was changed"),
    ("submitted-locked-cell-changed.ipynb", "p1.ipynb: protected cell 'ro1' was changed"),
])
def test_changed_protected_cells_are_flagged_and_scored_by_nbgraders_checksums(app, world, course, file_name, flag):
    submission = _submit(world.learner, course, "ps1", file_name)

    assert submission.status == SubmissionStatus.flagged, submission.error
    assert flag in submission.flags
    if "grade-cell" in file_name:
        # nbgrader put the test cell back from the gradebook: the learner's edit earned nothing
        assert _scores(submission)["bar"] == 0.0
    assert evaluate_learner(world.learner, course).met is False


@pytest.mark.settings(grading_timeout=6)
def test_an_infinite_loop_fails_as_timed_out_and_leaves_nothing_running(app, world, course, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_GRADING_ATTEMPTS", 1)
    markers = []
    clean_env = sandbox._clean_env
    monkeypatch.setattr(sandbox, "_clean_env", lambda job_dir, marker: markers.append(marker) or clean_env(job_dir, marker))

    submission = _submit(world.learner, course, "loop", "infinite-loop.ipynb")

    assert submission.status == SubmissionStatus.failed
    assert submission.total is None and "timed out after 6 s" in submission.error and _scores(submission) == {}
    needles = [f"{sandbox.JOB_MARKER}={marker}".encode() for marker in markers]
    assert markers and not [pid for pid in os.listdir("/proc") if pid.isdigit() and _carries(pid, needles)]


def _carries(pid, needles):
    try:
        environ = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
    except OSError:
        return False
    return any(needle in environ for needle in needles)


def test_every_cheat_in_nbgraders_files_is_flagged_and_honest_mentions_are_not():
    source = json.loads((NBGRADER_FILES / "submitted-unchanged.ipynb").read_text())
    for name in CHEATS:
        assert suspicious_code(json.loads((NBGRADER_FILES / name).read_text()), source), name
    env_check = json.loads((NBGRADER_FILES / "validating-environment-variable.ipynb").read_text())
    assert suspicious_code(env_check, {"cells": []})  # behaving differently under the grader
    honest_files = [p for p in NBGRADER_FILES.glob("*.ipynb") if p.name not in CHEATS
                    and p.name != "validating-environment-variable.ipynb"]
    for path in honest_files:
        try:
            notebook = json.loads(path.read_text())
        except ValueError:
            continue
        assert suspicious_code(notebook, {"cells": []}) == [], path.name

    honest = {"cells": [
        {"cell_type": "markdown", "source": "I checked my answers with nbgrader's validate button."},
        {"cell_type": "code", "source": "# nbgrader grades this cell; the gradebook keeps the points\n"
                                        "print('graded by nbgrader, see the gradebook')\nx = 1  # gradebook"}]}
    assert suspicious_code(honest, source) == []
    for cheat in ["import nbgrader", "from nbgrader.api import Gradebook", "open('../gradebook.db').read()",
                  "import os\nos.environ.get('NBGRADER_EXECUTION')", "get_ipython().kernel.do_execute = None",
                  "__import__('IPython').core.interactiveshell"]:
        assert suspicious_code({"cells": [{"cell_type": "code", "source": cheat}]}, source), cheat

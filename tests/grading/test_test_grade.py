"""``lms test-grade``: grading in the sandboxed child, printed as JSON, no learner record touched."""
import json
import os

import pytest

from lms.grading.sandbox import JOB_MARKER
from tests.grading.files import NBGRADER_FILES, copy_demo, learner_version, nbgrader_assignment

pytestmark = pytest.mark.integration  # grades notebooks in the sandbox


@pytest.fixture
def assignments_dir(app, tmp_path):
    folder = tmp_path / "assignments"
    folder.mkdir()
    app.config["OQU_SETTINGS"].assignments_dir = str(folder)
    return folder


def _grade(app, course, assignment, *paths):
    result = app.test_cli_runner().invoke(args=["lms", "test-grade", course, assignment, *map(str, paths)])
    start = result.stdout.find("{")
    return result, (json.loads(result.stdout[start:]) if start >= 0 else None)


def test_a_learner_submission_gets_per_cell_and_total_scores(app, assignments_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_SECRET_KEY", "do-not-leak-" + "x" * 30)
    source = copy_demo(assignments_dir)
    notebook = learner_version(source)
    # the learner's code looks at its own process: no LMS variable, limits in force, its own session
    notebook["cells"].append({"cell_type": "code", "id": "probe", "metadata": {}, "execution_count": None,
                              "outputs": [], "source": (
        "import os, resource\n"
        "open('probe.json', 'w').write(str(sorted(k for k in os.environ if k.startswith('LMS_'))))\n"
        "assert not [k for k in os.environ if k.startswith('LMS_')]\n"
        "assert resource.getrlimit(resource.RLIMIT_DATA)[0] == 1024 * 1024 * 1024\n"
        "assert os.getsid(0) != os.getsid(%d)\n" % os.getpid())})
    notebook["cells"][-1]["source"] += "assert 'do-not-leak' not in str(os.environ)\n"
    submitted = tmp_path / "mean-and-median.ipynb"
    submitted.write_text(json.dumps(notebook))

    from lms.extensions import db

    def rows():
        return {t.name: db.session.execute(t.select()).all() for t in db.metadata.sorted_tables}

    before = rows()
    result, scores = _grade(app, "ai-basics", "mean-and-median", submitted)

    assert result.exit_code == 0, result.output
    assert rows() == before  # a test grade touches no record
    assert scores["status"] == "graded" and scores["flags"] == []
    assert {(c["cell"], c["score"], c["max_score"]) for c in scores["cells"]} == {("test_mean", 2.0, 2.0),
                                                                                    ("test_median", 3.0, 3.0)}
    assert scores["total"] == 5.0 and scores["max_total"] == 5.0


def test_an_unsolved_notebook_scores_zero_per_cell(app, assignments_dir, tmp_path):
    source = copy_demo(assignments_dir)
    submitted = tmp_path / "mine.ipynb"  # one notebook each side: the file name does not matter
    submitted.write_text(json.dumps(learner_version(source, solve=False)))

    result, scores = _grade(app, "ai-basics", "mean-and-median", submitted)

    assert result.exit_code == 0, result.output
    assert scores["status"] == "graded" and scores["total"] == 0.0 and scores["max_total"] == 5.0


@pytest.mark.settings(grading_timeout=6)
def test_an_infinite_loop_times_out_and_the_caller_lives_on(app, assignments_dir, monkeypatch):
    from lms.grading import sandbox

    nbgrader_assignment(assignments_dir, "loop", "infinite-loop.ipynb")
    markers = []
    clean_env = sandbox._clean_env

    def recording(job_dir, marker):
        markers.append(marker)
        return clean_env(job_dir, marker)

    monkeypatch.setattr(sandbox, "_clean_env", recording)

    result, scores = _grade(app, "tricky", "loop", NBGRADER_FILES / "infinite-loop.ipynb")

    assert result.exit_code == 1
    assert scores["status"] == "failed" and scores["total"] is None and scores["cells"] == []
    assert "timed out after 6 s" in scores["error"] and "grading failed: timed out" in result.stderr
    # nothing of the job is left running (the kernel included)
    assert markers and not [pid for pid in os.listdir("/proc") if pid.isdigit() and _has_marker(pid, markers[0])]


def _has_marker(pid, marker):
    try:
        return f"{JOB_MARKER}={marker}".encode() in open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
    except OSError:
        return False


def test_changed_test_and_locked_cells_are_flagged(app, assignments_dir):
    nbgrader_assignment(assignments_dir, "ps1", "submitted-unchanged.ipynb")

    result, scores = _grade(app, "tricky", "ps1", NBGRADER_FILES / "submitted-grade-cell-changed.ipynb")
    assert result.exit_code == 0, result.output
    assert scores["status"] == "graded"
    assert scores["flags"] == ["p1.ipynb: protected cell 'bar' was changed"]
    # nbgrader restored the test cell from the gradebook, so the learner's edit earned nothing
    assert {c["cell"]: c["score"] for c in scores["cells"]}["bar"] == 0.0


def test_changed_locked_cells_are_flagged_without_grading():
    from lms.grading.services import protected_changes

    source = json.loads((NBGRADER_FILES / "submitted-unchanged.ipynb").read_text())
    changed = json.loads((NBGRADER_FILES / "submitted-locked-cell-changed.ipynb").read_text())
    assert protected_changes(source, changed) == ["protected cell 'ro1' was changed",
                                                  "protected cell 'ro2' was changed"]
    assert protected_changes(source, source) == []


def test_an_invalid_json_notebook_gets_a_clear_message(app, assignments_dir, tmp_path):
    nbgrader_assignment(assignments_dir, "ps1", "submitted-unchanged.ipynb")
    broken = tmp_path / "p1.ipynb"
    broken.write_bytes((NBGRADER_FILES / "submitted-unchanged.ipynb").read_bytes()[:300])

    result, scores = _grade(app, "tricky", "ps1", broken)

    assert result.exit_code == 1 and scores is None
    assert "p1.ipynb: not a valid notebook file (NotJSONError: Notebook does not appear to be JSON" in result.stderr


def test_nbgrader_metadata_from_an_old_version_gets_a_clear_message(app, assignments_dir):
    nbgrader_assignment(assignments_dir, "ps1", "submitted-unchanged.ipynb")

    result, _ = _grade(app, "tricky", "ps1", NBGRADER_FILES / "test-v0-invalid.ipynb")

    assert result.exit_code == 1
    assert "p1.ipynb: cell 1 has incomplete nbgrader metadata" in result.stderr


def test_cheating_code_is_flagged(app):
    from lms.grading.services import suspicious_code

    source = json.loads((NBGRADER_FILES / "submitted-unchanged.ipynb").read_text())
    cheat = json.loads((NBGRADER_FILES / "submitted-cheat-attempt.ipynb").read_text())
    assert suspicious_code(cheat, source)
    assert suspicious_code(source, source) == []


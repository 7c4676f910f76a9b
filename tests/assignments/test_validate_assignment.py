"""``lms validate-assignment``: generate the student version, then the solution must earn full marks."""
import json

import pytest

from lms.grading.notebooks import leaks
from tests.grading.files import copy_demo

pytestmark = pytest.mark.integration  # nbgrader and the sandbox validate assignments


def test_demo_assignment_validates_with_full_marks(app):
    result = app.test_cli_runner().invoke(args=["lms", "validate-assignment", "ai-basics", "mean-and-median"])
    assert result.exit_code == 0, result.output
    assert "mean-and-median.ipynb  test_mean  2 / 2 points" in result.output
    assert "mean-and-median.ipynb  test_median  3 / 3 points" in result.output
    assert "ok: ai-basics/mean-and-median is valid (2 graded cells, 5 points)" in result.output


@pytest.fixture
def assignments_dir(tmp_path):
    return tmp_path / "assignments"


@pytest.mark.settings(grading_timeout=120)
def test_a_solution_that_fails_its_own_tests_is_refused(app, assignments_dir):
    app.config["OQU_SETTINGS"].assignments_dir = str(assignments_dir)
    source = copy_demo(assignments_dir, "broken")
    notebook = json.loads(source.read_text())
    median = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "median")
    median["source"] = "".join(median["source"]).replace("return (ordered[middle - 1] + ordered[middle]) / 2",
                                                         "return ordered[middle]")
    source.write_text(json.dumps(notebook))

    result = app.test_cli_runner().invoke(args=["lms", "validate-assignment", "ai-basics", "broken"])

    assert result.exit_code == 1
    assert "test_median  0 / 3 points" in result.output
    assert "test_median: the solution earns 0.0 of 3.0 points" in result.stderr


def test_hidden_tests_outside_a_test_cell_are_refused(app, assignments_dir):
    app.config["OQU_SETTINGS"].assignments_dir = str(assignments_dir)
    source = copy_demo(assignments_dir, "leaky")
    notebook = json.loads(source.read_text())
    notebook["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                              "id": "extra", "source": "### BEGIN HIDDEN TESTS\nassert secret_check_value == 42\n"
                                                       "### END HIDDEN TESTS"})
    source.write_text(json.dumps(notebook))

    result = app.test_cli_runner().invoke(args=["lms", "validate-assignment", "ai-basics", "leaky"])

    assert result.exit_code == 1
    assert "Hidden test region detected in a non-grade cell" in result.stderr


def test_an_unknown_assignment_is_a_clear_error(app):
    result = app.test_cli_runner().invoke(args=["lms", "validate-assignment", "ai-basics", "nope"])
    assert result.exit_code != 0
    assert "no assignment folder" in result.stderr


def test_leak_check_finds_solution_lines_left_in_the_student_version():
    source = {"cells": [{"cell_type": "code", "source": "def f():\n    ### BEGIN SOLUTION\n    return 41 + 1\n"
                                                        "    ### END SOLUTION"}]}
    clean = {"cells": [{"cell_type": "code", "source": "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()"}]}
    leaky = {"cells": [{"cell_type": "code", "source": "def f():\n    return 41 + 1"}]}
    assert leaks(source, clean) == []
    assert leaks(source, leaky) == ["line 'return 41 + 1'"]

"""Validation grades trick answers and tells the instructor, in their language, which test cells give
them points: an answer equal to everything, one raising the exception a test expects, one printing
the text a test compares with (and the student version handed in unchanged)."""
import json
import re

import pytest

from lms.grading.authoring.adversaries import adversaries
from tests.conftest import csrf_token, page_text, signed_in_client, translated
from tests.grading.files import assignment_course
from tests.grading.instructor_setup import teacher

pytestmark = pytest.mark.integration  # the sandbox grades trick answers

ANSWER = '''\
def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION


def parse_age(text):
    ### BEGIN SOLUTION
    value = int(text)
    if value < 0:
        raise ValueError("negative")
    return value
    ### END SOLUTION


def greet(name):
    ### BEGIN SOLUTION
    print(f"Сәлем, {name}!", end="")
    ### END SOLUTION
'''
TESTS = {
    "test_double": "assert double(2) == 4",  # equal-to-everything passes it
    "test_negative": 'try:\n    parse_age("-1")\nexcept ValueError:\n    pass\n'
                     'else:\n    raise AssertionError("a negative age must raise ValueError")',
    "test_greet": 'import contextlib, io\nout = io.StringIO()\nwith contextlib.redirect_stdout(out):\n'
                  '    greet("Aigerim")\nassert out.getvalue() == "Сәлем, Aigerim!"',
    "test_strict": 'assert type(double(3)) is int and double(3) == 6\nassert parse_age("7") + 1 == 8\n'
                   'out = __import__("io").StringIO()\nwith __import__("contextlib").redirect_stdout(out):\n'
                   '    greet("Dana")\nassert out.getvalue() == "Сәлем, Dana!"',
}
EXPECTED = {"unchanged": [], "always-equal": ["test_double"], "raises": ["test_negative"], "prints": ["test_greet"]}


def _cell(kind, grade_id, source, **meta):
    nbgrader = {"grade": False, "solution": False, "locked": False, "grade_id": grade_id, "schema_version": 3, **meta}
    cell = {"cell_type": kind, "metadata": {"nbgrader": nbgrader}, "id": grade_id, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _gameable(folder):
    cells = [_cell("markdown", "task", "Write `double`, `parse_age` and `greet`.", locked=True),
             _cell("code", "answer", ANSWER, solution=True)]
    cells += [_cell("code", grade_id, source, grade=True, points=1) for grade_id, source in TESTS.items()]
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    folder.mkdir(parents=True)
    (folder / "gameable.ipynb").write_text(json.dumps(notebook))
    return notebook


@pytest.fixture
def course(app, tmp_path):
    """A course "teach" whose notebook item ``gameable`` has tests that trick answers pass."""
    app.config["OQU_SETTINGS"].assignments_dir = str(tmp_path / "assignments")
    _gameable(tmp_path / "assignments" / "teach" / "gameable")
    return assignment_course(tmp_path, slug="teach", assignments=("gameable",))


def _awarded(report_adversaries):
    return {trick["kind"]: sorted(c["cell"] for c in trick["cells"]) for trick in report_adversaries}


def test_the_cli_names_the_test_cells_that_give_trick_answers_points_in_russian(app, course):
    result = app.test_cli_runner().invoke(args=["lms", "validate-assignment", "teach", "gameable", "--language", "ru"])
    assert result.exit_code == 0, result.output  # a warning for the instructor, not a refusal
    sections, heading = {}, None
    for line in result.output.splitlines():
        if line.startswith("    "):  # a cell that gives the trick above it points
            sections[heading].append(" ".join(line.split()))
        else:
            heading = line
            sections[heading] = []

    def cells(description):
        [(heading, found)] = [(h, c) for h, c in sections.items() if h.startswith(description + ". ")]
        return heading[len(description) + 2:], found

    earns = translated(app, "It earns points in %(num)d test cell:", "ru", num=1)
    resisted = translated(app, "It earns no points: the tests resist it.", "ru")
    assert cells(translated(app, "The student version handed in unchanged", "ru")) == (resisted, [])
    assert cells(translated(app, "An answer whose functions return an object equal to everything "
                                 "(__eq__ always true)", "ru")) == (earns, ["gameable.ipynb test_double 1 / 1"])
    assert cells(translated(app, "An answer whose functions raise %(exception)s for every input", "ru",
                            exception="ValueError")) == (earns, ["gameable.ipynb test_negative 1 / 1"])
    prints = "An answer whose functions print “%(text)s” instead of returning a result"
    assert cells(translated(app, prints, "ru", text="Сәлем, Aigerim!")) == (earns, ["gameable.ipynb test_greet 1 / 1"])
    assert cells(translated(app, prints, "ru", text="Сәлем, Dana!")) == (resisted, [])
    assert "ok: teach/gameable is valid (4 graded cells, 4 points)" in result.output


def test_the_validate_page_reports_each_trick_and_its_cells_in_kazakh(app, make, course):
    instructor = teacher(make, course)
    browser = signed_in_client(app, instructor)
    page = "/teaching/grading/teach/assignments"
    response = browser.post(f"{page}/gameable/validate", data={"csrf_token": csrf_token(browser, page)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert 'data-testid="validation-ok"' in html and 'data-testid="tricks-earn-points"' in html
    assert translated(app, "Some test cells award points to answers that do not solve the task. Make those tests "
                           "stricter (check the type and exact values, add hidden checks) before publishing.") in text
    for kind, cells in EXPECTED.items():
        item = html.split(f'data-kind="{kind}"')[1].split("</li>\n")[0]  # the first trick of that kind
        assert sorted(c.split("/")[1] for c in re.findall(r"<code>([^<]+)</code>", item)) == cells
    assert translated(app, "An answer whose functions raise %(exception)s for every input",
                      exception="ValueError") in text


def test_the_demo_assignment_is_told_that_an_always_equal_answer_passes_test_median(app):
    from lms.grading.authoring.validation import validate_assignment

    report = validate_assignment(app.config["OQU_SETTINGS"], "ai-basics", "mean-and-median")
    assert report.ok, report.problems
    assert _awarded(report.adversaries) == {"unchanged": [], "always-equal": ["test_median"], "raises": []}


def test_tricks_are_built_from_the_instructors_answer_on_the_student_version(tmp_path):
    source = _gameable(tmp_path / "g")
    student = json.loads(json.dumps(source))
    student["cells"][1]["source"] = "def double(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    made = {(a.kind, a.detail): a for a in adversaries({"g.ipynb": source}, {"g.ipynb": student})}
    assert set(made) == {("unchanged", ""), ("always-equal", ""), ("raises", "ValueError"),
                         ("prints", "Сәлем, Aigerim!"), ("prints", "Сәлем, Dana!")}
    assert made[("unchanged", "")].notebooks["g.ipynb"] == student
    equal = made[("always-equal", "")].notebooks["g.ipynb"]["cells"][1]["source"]
    assert "def parse_age(text):\n    return EqualToEverything()" in equal and "int(text)" not in equal
    assert "def greet(name):\n    raise ValueError()" in made[("raises", "ValueError")].notebooks["g.ipynb"]["cells"][1]["source"]
    # test cells are the student version's, untouched
    assert made[("prints", "Сәлем, Aigerim!")].notebooks["g.ipynb"]["cells"][2:] == student["cells"][2:]

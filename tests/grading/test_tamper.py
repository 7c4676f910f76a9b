"""Learner code that tampers with the kernel during grading, written to slip past the regular
expressions of lms.grading.services.suspicious_code (names built at run time): the kernel's watch
(lms/grading/_kernel.py) reports it from outside the learner's reach and the submission is flagged
for an instructor before it counts. Graded by the engine that ``lms test-grade`` and the worker call."""
import json

import pytest

from lms.certificates.services import evaluate_learner
from lms.extensions import db
from lms.grading import submissions
from lms.grading.models import SubmissionStatus
from lms.grading.services import grade_notebooks, suspicious_code
from lms.learning.services import enrol_learner
from lms.security import SYSTEM
from tests.grading.files import DEMO, assignment_course, demo_assignment, learner_version

pytestmark = pytest.mark.integration  # runs tampering kernels in the sandbox

SHELL = 'shell = get_ipython()\n'
BUILTINS = 'b = (lambda: 0).__globals__["__buil" + "tins__"]\n'
TAMPERING = {
    "event hook": (SHELL + 'getattr(shell, "eve" + "nts").register("pre_run_cell", lambda info: None)',
                   "registered an IPython event callback"),
    "custom exception handler": (SHELL + 'getattr(shell, "set_custom" + "_exc")((Exception,), lambda *a, **k: None)',
                                 "installed a custom exception handler"),
    "patched builtin": (BUILTINS + 'setattr(b, "ro" + "und", lambda x, n=0: x)', "patched builtins.round"),
    "sys.modules entry": ('import sys, types\ngetattr(sys, "mod" + "ules")["ma" + "th"] = types.ModuleType("math")',
                          "replaced sys.modules['math']"),
    "replaced AssertionError": (BUILTINS + 'setattr(b, "Assertion" + "Error", KeyError)',
                                "patched builtins.AssertionError"),
    "shadowed AssertionError": ('globals()["Assertion" + "Error"] = KeyError',
                                "shadowed AssertionError in the notebook's namespace"),
    "patched shell method": (SHELL + 'setattr(shell, "show" + "traceback", lambda *a, **k: None)',
                             "replaced shell.showtraceback"),
    "AST transformer": (SHELL + 'import ast\ngetattr(shell, "ast_" + "transformers").append(ast.NodeTransformer())',
                        "added an input or AST transformer"),
}


@pytest.fixture
def assignment(app, tmp_path):
    return demo_assignment(app, tmp_path)


def _with_cell(text: str, solve: bool = True) -> dict:
    notebook = learner_version(DEMO / "mean-and-median.ipynb", solve=solve)
    notebook["cells"].insert(1, {"cell_type": "code", "id": "mine", "metadata": {}, "execution_count": None,
                                 "outputs": [], "source": text})
    return notebook


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_kernel_tampering_is_flagged_although_the_code_hides_its_names(app, assignment, kind):
    code, flag = TAMPERING[kind]
    notebook = _with_cell(code)
    assert suspicious_code(notebook, learner_version(DEMO / "mean-and-median.ipynb")) == []  # the regexes miss it

    result = grade_notebooks(app.config["OQU_SETTINGS"], assignment,
                             {"mean-and-median.ipynb": json.dumps(notebook).encode()})

    assert result.status == "graded", result.error
    assert any(f.startswith("kernel tampering: ") and flag in f for f in result.flags), result.flags


def test_honest_work_is_not_flagged(app, assignment):
    honest = ("import math, statistics, collections, json, re\n"
              "import numpy as np\n"
              "from dataclasses import dataclass\n"
              "@dataclass\nclass Point:\n    x: float\n"
              "values = np.array([1.0, 2.0, 3.0])\nprint(statistics.mean(values), math.sqrt(4), Point(1.0))\n"
              "len_of = len\nsum_ = sum\n")
    result = grade_notebooks(app.config["OQU_SETTINGS"], assignment,
                             {"mean-and-median.ipynb": json.dumps(_with_cell(honest)).encode()})

    assert (result.status, result.total, result.flags) == ("graded", 5.0, [])


def test_a_learner_who_fakes_passes_with_an_exception_handler_is_held_for_review(app, world, tmp_path):
    """The whole pipeline: an unsolved notebook whose handler swallows every failing test's error."""
    course = assignment_course(tmp_path, head="certification:\n  requires: [mean-and-median]\n")
    enrol_learner(SYSTEM, course, learner=world.learner)
    code = TAMPERING["custom exception handler"][0]

    cheat = submissions.store_submission(world.learner, course, "mean-and-median",
                                         {"mean-and-median.ipynb": json.dumps(_with_cell(code, solve=False))})
    db.session.refresh(cheat)

    assert cheat.status == SubmissionStatus.flagged, cheat.error
    assert any("installed a custom exception handler" in flag for flag in cheat.flags)
    assert evaluate_learner(world.learner, course).met is False

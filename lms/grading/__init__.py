"""Grading, in three parts:

* the submission pipeline (fetch → store → autograde in the sandbox → record scores → feedback →
  signal): :mod:`.submissions`, :mod:`.access` (fetching from the learner's server, who may see a
  submission), :mod:`.services` (the nbgrader engine), :mod:`.sandbox` with :mod:`._runner` and
  :mod:`._kernel`, :mod:`.policy` (late work), :mod:`.feedback`, :mod:`.scores` (the score that
  counts), :mod:`.notebooks` (facts about nbgrader notebooks) and :mod:`.tasks` (the worker's part);
* instructor grading: :mod:`.instructor` (manual grades and overrides, the gradebook, their pages);
* authoring: :mod:`.authoring` (published versions, test grading), with its validation of an
  assignment and the trick answers it grades.
"""

from . import assignment_policy as _assignment_policy  # noqa: E402,F401 — the course loader reads notebook items with it

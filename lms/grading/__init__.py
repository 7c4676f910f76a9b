"""Grading: the sandboxed nbgrader runner and the scoring of notebook files."""

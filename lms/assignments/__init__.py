"""nbgrader assignments: authoring (source notebooks under ``notebooks/<course>/<assignment>/``) and
validation before publishing. See docs/assignments.md."""

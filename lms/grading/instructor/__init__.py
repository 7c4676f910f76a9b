"""Instructor grading: the manual-grading queue, manual scores, overrides and cleared flags
(:mod:`.manual`), the gradebook of a course (:mod:`.gradebook`) and their pages (:mod:`.views`)."""

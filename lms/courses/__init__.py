"""Courses: course files, their import, the catalogue and lesson rendering."""

import pytest

from ..courses.files import COURSE, import_course


def course_yaml(certification: str, slug: str = "demo") -> str:
    """The standard test course with another ``certification`` block (YAML, indented by two)."""
    head, _sep, rest = COURSE.format(slug=slug).partition("certification:\n  min_score: 70\n")
    return head + "certification:\n" + certification + rest


@pytest.fixture
def course(app, tmp_path):
    return import_course(tmp_path / "courses", course_yaml=course_yaml("  min_score: 70\n  valid_months: 12\n"))

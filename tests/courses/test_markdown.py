"""Lesson Markdown is rendered safely."""
from lms.courses.markdown import render_lesson


def test_script_tags_and_event_handlers_are_stripped():
    html = render_lesson("Hello <script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
                         "<p style=\"color:red\" onclick=\"steal()\">hi</p>", slug="c").html
    assert "<script" not in html and "alert('x')" not in html
    assert "onerror" not in html and "onclick" not in html and "style=" not in html


def test_javascript_links_are_stripped():
    html = render_lesson("[click](javascript:alert(1)) <a href=\"JaVaScRiPt:alert(2)\">x</a> "
                         "[ok](https://egov.kz)", slug="c").html
    assert "href=\"javascript" not in html.lower().replace("'", '"')
    assert "<a>" in html.replace(' rel="noopener noreferrer"', "")  # the raw link kept its text, lost its href
    assert 'href="https://egov.kz"' in html


def test_code_blocks_are_highlighted_with_classes_not_styles():
    html = render_lesson("```python\ndef f():\n    return 1\n```\n", slug="c").html
    assert '<span class="k">def</span>' in html
    assert "style=" not in html


def test_relative_images_point_at_the_course_files():
    rendered = render_lesson("![a](img/x.png)", slug="ai", lesson_dir="lessons")
    assert 'src="/courses/ai/assets/lessons/img/x.png"' in rendered.html
    assert rendered.images == ["lessons/img/x.png"]
    outside = render_lesson("![a](../../etc/passwd.png)", slug="ai", lesson_dir="lessons")
    assert outside.problems and outside.images == []

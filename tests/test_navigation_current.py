"""The main menu marks where the reader is: the current page (aria-current="page") and, on a page
inside a section such as a course under the catalogue, that section (aria-current="true")."""
import re

import pytest

from tests.conftest import signed_in_client


def _marked(html: str) -> dict[str, str]:
    menu = html.split('id="site-menu"', 1)[1].split("</nav>", 1)[0]
    return {href: value for href, value in re.findall(r'<a href="([^"]+)" aria-current="(\w+)"', menu)}


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_menu_marks_the_current_page_and_its_section(app, world, make, language):
    course = make.course()
    browser = signed_in_client(app, world.learner)
    browser.set_cookie("oqu_lang", language)

    assert _marked(browser.get("/").get_data(as_text=True)) == {"/": "page"}
    assert _marked(browser.get("/courses").get_data(as_text=True)) == {"/courses": "page"}
    assert _marked(browser.get(f"/courses/{course.slug}").get_data(as_text=True)) == {"/courses": "true"}
    assert _marked(browser.get("/certificates").get_data(as_text=True)) == {"/certificates": "page"}

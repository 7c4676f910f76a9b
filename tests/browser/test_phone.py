"""At phone width (390 × 844), in Kazakh and Russian: the header's menu folds behind a button, the
lesson comes before the outline, and no page scrolls sideways (dashboard, lesson, My certificates,
a submission)."""

import pytest

from lms.extensions import db
from lms.grading.models import Submission, SubmissionStatus
from lms.learning import services as learning

from ..courses.files import import_course, open_cohort
from .test_learner_journey import COURSE, QUIZ, _sign_in

pytestmark = pytest.mark.browser

WIDTH = 390
MENU = {"kk": "Мәзір", "ru": "Меню"}
CATALOGUE = {"kk": "Каталог", "ru": "Каталог курсов"}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def learner(make, tmp_path):
    course = import_course(tmp_path, "data-literacy", course_yaml=COURSE, quiz=QUIZ)
    open_cohort(course)

    def make_learner(language):
        person = make.user("learner", preferred_language=language)
        learning.enrol_learner(person, course)
        make.certificate(person, course)
        submission = Submission(user_id=person.id, course_id=course.id, assignment="a-rather-long-assignment-name",
                                attempt=1, content={}, content_hash="0" * 64, size_bytes=0,
                                status=SubmissionStatus.graded, total=4.0, max_total=5.0)
        db.session.add(submission)
        db.session.commit()
        return person, submission
    return make_learner


def _scroll_width(page) -> int:
    return page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_phone_pages_fit_the_screen_and_the_menu_folds(phone, live_server, learner, language):
    person, submission = learner(language)
    _sign_in(phone, live_server, person)
    toggle = phone.get_by_role("button", name=MENU[language])
    catalogue = phone.locator(".site-header nav").get_by_role("link", name=CATALOGUE[language], exact=True)
    assert toggle.is_visible() and not catalogue.is_visible()
    assert phone.locator(".site-header").bounding_box()["height"] < 120
    toggle.click()
    assert catalogue.is_visible() and toggle.get_attribute("aria-expanded") == "true"

    too_wide = {}
    for path in ["/", "/courses/data-literacy/items/l1", "/certificates", f"/submissions/{submission.id}"]:
        phone.goto(f"{live_server}{path}")
        width = _scroll_width(phone)
        if width > WIDTH:
            too_wide[path] = width
    assert not too_wide, too_wide

    phone.goto(f"{live_server}/courses/data-literacy/items/l1")
    lesson = phone.get_by_test_id("lesson").bounding_box()
    outline = phone.locator(".learning-layout > nav").bounding_box()
    assert lesson["y"] < outline["y"] and lesson["y"] < 844  # the lesson is on the first screen

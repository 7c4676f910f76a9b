"""An instructor in a real browser: uploads a course package with a deliberate error (the dry run names
the file and line; nothing changes), fixes and stores it, edits a Kazakh lesson with its preview, saves it
(the learner then reads the new text), and previews the course's quiz."""
from __future__ import annotations

import pytest

from lms.courses.teaching import add_instructor
from lms.learning import services as learning
from lms.security import SYSTEM

from ..conftest import sign_in_page
from ..courses.files import COURSE, import_course
from ..courses.packages import course_zip

pytestmark = pytest.mark.browser

FIXED_LESSON = "# Бірінші сабақ\n\nЖүктелген жаңа мәтін.\n"


def choose_zip(page, data: bytes, name: str = "demo.zip") -> None:
    """Choose a zip on the upload page (in Kazakh) and wait for the dry run or the refusal."""
    page.get_by_label("Курс пакеті (.zip)").set_input_files(
        files=[{"name": name, "mimeType": "application/zip", "buffer": data}])
    page.get_by_role("button", name="Пакетті тексеру").click()
    page.get_by_test_id("package-preview").or_(page.get_by_test_id("upload-refused")).wait_for()


def test_instructor_uploads_fixes_edits_and_previews(page, live_server, make, world, tmp_path, browser):
    course = import_course(tmp_path / "live", "demo")
    add_instructor(SYSTEM, course, world.instructor)
    learning.enrol_learner(world.learner, course)
    sign_in_page(page, live_server, world.instructor)

    # 1. a package with a deliberate error: the dry run names file and line, and there is nothing to store
    page.goto(f"{live_server}/teaching")
    page.get_by_test_id("upload-package").click()
    broken = COURSE.format(slug="demo").replace("hours: 6", "hours: six")
    line = broken.splitlines().index("hours: six") + 1
    choose_zip(page, course_zip(tmp_path / "broken", course_yaml=broken, lessons={"l1.kk.md": FIXED_LESSON}))
    assert f"demo/course.yaml:{line}" in page.get_by_test_id("package-problems").inner_text()
    assert page.get_by_test_id("confirm-package").count() == 0
    page.goto(f"{live_server}/teaching/courses/demo/lessons/l1/preview")
    assert "Жүктелген жаңа мәтін" not in page.get_by_test_id("lesson-kk").inner_text()

    # 2. fixed: what would change, then stored (one click is enough; the button is not needed twice)
    page.goto(f"{live_server}/teaching/course-packages")
    choose_zip(page, course_zip(tmp_path / "fixed", lessons={"l1.kk.md": FIXED_LESSON}))
    assert page.get_by_test_id("items-changed").inner_text() == "l1"
    assert page.get_by_test_id("learners-affected").inner_text() == "1"
    page.get_by_test_id("confirm-package").get_by_role("button").click()
    page.get_by_test_id("stored-course").click()
    page.wait_for_url(f"{live_server}/courses/demo")

    # 3. edit the Kazakh lesson, preview it as learners will see it, save it
    page.get_by_test_id("edit-lesson").first.click()
    editor = page.get_by_label("Қазақша мәтін (Markdown)")
    assert "Жүктелген жаңа мәтін" in editor.input_value()
    editor.fill("# Бірінші сабақ\n\nӨңделген **маңызды** мәтін.\n")
    page.get_by_role("button", name="Алдын ала қарау").click()
    preview = page.get_by_test_id("preview-kk")
    assert preview.locator("strong").inner_text() == "маңызды"
    assert "Өңделген" in page.get_by_label("Қазақша мәтін (Markdown)").input_value()  # kept after the preview
    page.get_by_role("button", name="Жаңа нұсқа ретінде сақтау").click()
    page.locator(".flash-success").wait_for()

    # 4. the learner reads the new text
    learner_context = browser.new_context(locale="kk-KZ")
    learner_page = learner_context.new_page()
    try:
        sign_in_page(learner_page, live_server, world.learner)
        learner_page.goto(f"{live_server}/courses/demo/items/l1")
        assert "Өңделген маңызды мәтін" in learner_page.locator("article.lesson").inner_text()
    finally:
        learner_context.close()

    # 5. preview the course's quiz, with its answers marked
    page.goto(f"{live_server}/courses/demo")
    page.get_by_test_id("preview-quiz").first.click()
    assert page.get_by_test_id("preview-question").count() == 4
    assert page.get_by_test_id("correct-option").count() >= 1


def test_a_course_folder_chosen_in_the_browser_is_checked_like_a_zip(page, live_server, world, tmp_path):
    from ..courses.files import write_course

    course = import_course(tmp_path / "live", "demo")
    add_instructor(SYSTEM, course, world.instructor)
    folder = write_course(tmp_path / "chosen", "demo", lessons={"l2.ru.md": "# Второй урок\n\nИз папки.\n"})
    sign_in_page(page, live_server, world.instructor)
    page.goto(f"{live_server}/teaching/course-packages")
    page.get_by_label("…немесе курс қалтасы").set_input_files(folder)
    page.get_by_role("button", name="Пакетті тексеру").click()
    assert page.get_by_test_id("items-changed").inner_text() == "l2"
    assert page.get_by_test_id("confirm-package").count() == 1

"""Issue #18's journey, in one go, in Chromium on a real hub, with nothing on the LMS's disk: an instructor
uploads a new course package with a deliberate error (the dry run names the file and line; nothing is
stored), fixes and stores it, edits a Kazakh lesson with its preview (the learner then reads the new
text), previews the quiz with its answers; opens their authoring notebook, marks the median test with
nbgrader's Create Assignment toolbar, imports the assignment into the LMS and sees a trick answer
flagged, makes the test stricter, imports again and publishes. The learner did not find the assignment
in their notebook before, and finds it after (tests/hub/test_authoring_notebook.py: the same over HTTP;
tests/browser/test_course_upload.py: a folder chosen in the browser)."""
from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.courses.models import Course
from lms.extensions import db
from lms.grading.models import AssignmentVersion

from .. import factories
from ..browser.test_course_upload import choose_zip
from ..conftest import sign_in_page
from ..courses.files import write_course
from ..courses.packages import zip_folder
from ..grading.files import DEMO
from .conftest import LearnerApi, LearnerServer, cell_text, enrol, set_cell
from .test_authoring_notebook import FOLDER, NOTEBOOK, PAGE, STRICT_MEDIAN, AuthoringServer, _hub_name

pytestmark = pytest.mark.browser

COURSE_YAML = """\
title: {kk: "ЖИ негіздері", ru: "Основы ИИ"}
description: {kk: "Деректермен жұмыс", ru: "Работа с данными"}
hours: 6
level: beginner
notebook_profile: cpu
modules:
  - id: m1
    title: {kk: "Бірінші модуль", ru: "Первый модуль"}
    items:
      - lesson: l1
        title: {kk: "Бірінші сабақ", ru: "Первый урок"}
      - lesson: l2
        title: {kk: "Екінші сабақ", ru: "Второй урок"}
      - quiz: q1
        title: {kk: "Тест", ru: "Тест"}
      - notebook: mean-and-median
        title: {kk: "Тапсырма: орташа мән және медиана", ru: "Задание: среднее и медиана"}
"""
EDITED = "# Бірінші сабақ\n\nӨңделген **маңызды** мәтін.\n"


@pytest.fixture
def app_overrides(app_overrides, tmp_path):
    """No assignment folder on this machine: the course and its assignment come only from the upload."""
    (tmp_path / "no-assignments").mkdir()
    return {**app_overrides, "assignments_dir": str(tmp_path / "no-assignments")}


def _package(root: Path, course_yaml: str) -> bytes:
    """The course folder with the demo assignment, its median test not marked for nbgrader yet."""
    folder = write_course(root, "ai-basics", course_yaml=course_yaml)
    source = folder / "assignments" / "mean-and-median"
    shutil.copytree(DEMO, source)
    path = source / "mean-and-median.ipynb"
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_median":
            del cell["metadata"]["nbgrader"]
    path.write_text(json.dumps(notebook, ensure_ascii=False, indent=1))
    return zip_folder(folder)


def _median_test_index(notebook: dict) -> int:
    return next(i for i, cell in enumerate(notebook["cells"]) if "median_requests([3, 1, 2]) == 2" in
                "".join(cell["source"]) and cell["cell_type"] == "code")


def _saved(author: AuthoringServer, index: int, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            notebook = author.notebook(NOTEBOOK)
        except AssertionError:  # read while JupyterLab was writing it (an empty file for a moment)
            if time.monotonic() > deadline:
                raise
        else:
            meta = notebook["cells"][index].get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") or time.monotonic() > deadline:
                return notebook
        time.sleep(0.5)


def test_an_instructor_uploads_edits_authors_in_jupyterlab_and_publishes_and_the_learner_finds_it(
        page, browser, hub, app, live_server, tmp_path, no_leftover_servers):
    instructor = factories.user("instructor")
    learner = factories.user("learner")
    api = None
    page.set_default_timeout(60_000)
    sign_in_page(page, live_server, instructor)
    try:
        # 1. a package with a deliberate error: the dry run names file and line; nothing is stored
        page.goto(f"{live_server}/teaching")
        page.get_by_test_id("upload-package").click()
        broken = COURSE_YAML.replace("hours: 6", "hours: six")
        choose_zip(page, _package(tmp_path / "broken", broken), "ai-basics.zip")
        line = broken.splitlines().index("hours: six") + 1
        assert f"ai-basics/course.yaml:{line}" in page.get_by_test_id("package-problems").inner_text()
        assert page.get_by_test_id("confirm-package").count() == 0
        assert db.session.scalar(select(Course).where(Course.slug == "ai-basics")) is None

        # 2. fixed and stored: a new course, which its uploader now teaches
        page.goto(f"{live_server}/teaching/course-packages")
        choose_zip(page, _package(tmp_path / "fixed", COURSE_YAML), "ai-basics.zip")
        page.get_by_test_id("confirm-package").get_by_role("button").click()
        page.get_by_test_id("stored-course").click()
        page.wait_for_url(f"{live_server}/courses/ai-basics")
        course = db.session.scalar(select(Course).where(Course.slug == "ai-basics"))
        enrol(learner, course)

        # 3. the Kazakh lesson edited, previewed as learners see it, saved; the learner reads it
        page.get_by_test_id("edit-lesson").first.click()
        page.get_by_label("Қазақша мәтін (Markdown)").fill(EDITED)
        page.get_by_role("button", name="Алдын ала қарау").click()
        assert page.get_by_test_id("preview-kk").locator("strong").inner_text() == "маңызды"
        page.get_by_role("button", name="Жаңа нұсқа ретінде сақтау").click()
        page.locator(".flash-success").wait_for()
        learner_context = browser.new_context(locale="kk-KZ")
        try:
            learner_page = learner_context.new_page()
            sign_in_page(learner_page, live_server, learner)
            learner_page.goto(f"{live_server}/courses/ai-basics/items/l1")
            assert "Өңделген маңызды мәтін" in learner_page.locator("article.lesson").inner_text()
        finally:
            learner_context.close()

        # 4. the quiz previewed as the learner sees it, with its answers marked for the instructor
        page.goto(f"{live_server}/courses/ai-basics")
        page.get_by_test_id("preview-quiz").first.click()
        assert page.get_by_test_id("preview-question").count() == 4
        assert page.get_by_test_id("correct-option").count() >= 1

        # 5. nothing published yet: the learner's notebook has no assignment
        api = LearnerApi(live_server, learner)
        assert api.launch("ai-basics")["status"] == "ready"
        learner_server = LearnerServer(hub, _hub_name(learner))
        assert not learner_server.exists(FOLDER)

        # 6. the authoring notebook holds the uploaded source; the median test is marked with the toolbar
        page.goto(f"{live_server}{PAGE}")
        page.get_by_test_id("open-authoring").first.click()
        page.wait_for_url(re.compile(rf"{re.escape(hub.url)}/user/[a-z0-9]+/authoring/lab"), timeout=120_000)
        name = _hub_name(instructor)
        author = AuthoringServer(hub, name)
        index = _median_test_index(author.notebook(NOTEBOOK))
        page.goto(f"{hub.url}/user/{name}/authoring/lab/tree/{NOTEBOOK}")
        page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
        page.locator(".jp-SideBar.jp-mod-right [title*='Create Assignment'], "
                     ".jp-SideBar.jp-mod-right [data-id='nbgrader-create_assignemnt']").first.click()
        widget = page.locator(".nbgrader-CellWidget").nth(index)
        widget.wait_for()
        widget.locator(".nbgrader-CellType select").select_option("tests")
        widget.locator(".nbgrader-CellId input").fill("test_median")
        widget.locator(".nbgrader-CellId input").press("Tab")
        widget.locator(".nbgrader-CellPoints input").fill("3")
        widget.locator(".nbgrader-CellPoints input").press("Tab")
        page.locator(".jp-Notebook .jp-CodeCell").first.click()
        page.keyboard.press("Control+s")
        meta = _saved(author, index)["cells"][index]["metadata"]["nbgrader"]
        assert (meta.get("grade"), meta.get("solution"), meta.get("grade_id"), meta.get("points")) == \
            (True, False, "test_median", 3)

        # 7. imported: the median test gives points to "equal to everything"; still nothing published
        page.goto(f"{live_server}{PAGE}")
        page.get_by_test_id("import-from-server").first.click()
        page.get_by_test_id("validation-report").wait_for(timeout=300_000)
        assert page.get_by_test_id("tricks-earn-points").count() == 1
        assert "YOUR CODE HERE" in page.get_by_test_id("student-version").inner_text()
        assert db.session.scalar(select(db.func.count(AssignmentVersion.id))) == 0

        # 8. the test made stricter (saved in JupyterLab as any edit), imported again, published
        author.save_notebook(NOTEBOOK, set_cell(author.notebook(NOTEBOOK), "test_median", STRICT_MEDIAN))
        page.goto(f"{live_server}{PAGE}")
        page.get_by_test_id("import-from-server").first.click()
        page.get_by_test_id("tricks-resisted").wait_for(timeout=300_000)
        page.get_by_test_id("confirm-publish").click()
        page.wait_for_url(f"{live_server}{PAGE}", timeout=300_000)
        version = db.session.scalar(select(AssignmentVersion))
        assert version is not None and version.version == 1

        # 9. the learner opens their notebook and finds the published assignment
        assert api.launch("ai-basics")["status"] == "ready"
        assert "isinstance(median_requests" in cell_text(learner_server.notebook(NOTEBOOK), "test_median")
    finally:
        if api is not None:
            api.delete(f"{api.base}/courses/ai-basics/notebook", timeout=60)
            api.close()
        if _hub_name(instructor):
            hub.api("DELETE", f"/users/{_hub_name(instructor)}/servers/authoring")

"""Test grading in the UI: upload notebooks, see per-cell and total scores; nothing is stored."""
import json

import pytest

from lms.extensions import db
from tests.conftest import csrf_token, page_text, signed_in_client, translated
from tests.grading.files import DEMO, learner_version
from tests.grading.instructor_setup import teach_course, teacher

pytestmark = pytest.mark.integration  # grades uploads in the sandbox

PAGE = "/teaching/grading/teach/test-grade"


@pytest.fixture
def course(app, tmp_path):
    return teach_course(app, tmp_path)


def _upload(browser, files, assignment="mean-and-median"):
    from io import BytesIO

    return browser.post(PAGE, content_type="multipart/form-data", data={
        "csrf_token": csrf_token(browser, PAGE), "assignment": assignment,
        "notebooks": [(BytesIO(content), name) for name, content in files]})


def _rows():
    return {t.name: db.session.execute(t.select()).all() for t in db.metadata.sorted_tables}


def test_an_uploaded_notebook_is_graded_per_cell_and_nothing_is_stored(app, make, course):
    browser = signed_in_client(app, teacher(make, course))
    page = browser.get(PAGE)
    assert page.status_code == 200 and 'data-busy="' in page.get_data(as_text=True)  # "grading…" while it runs
    solved = json.dumps(learner_version(DEMO / "mean-and-median.ipynb")).encode()
    before = _rows()

    response = _upload(browser, [("my-try.ipynb", solved)])

    assert response.status_code == 200
    text = page_text(response)
    assert "5 / 5" in text and "test_mean" in text and "test_median" in text
    assert _rows() == before  # no submission, no score, no audit event: no learner's record touched


def test_files_that_cannot_be_graded_get_a_translated_message(app, make, course):
    browser = signed_in_client(app, teacher(make, course))

    not_a_notebook = _upload(browser, [("answers.txt", b"print(1)")])
    assert not_a_notebook.status_code == 422
    assert translated(app, "%(name)s is not a notebook file (.ipynb).", name="answers.txt") in page_text(not_a_notebook)

    broken = _upload(browser, [("broken.ipynb", b"{not json")])
    assert broken.status_code == 422
    assert translated(app, "The files could not be graded: %(reason)s", reason="")[:20] in page_text(broken)
    assert "not a valid notebook file" in page_text(broken)

    nothing = _upload(browser, [])
    assert translated(app, "Choose one or more notebook files (.ipynb).") in page_text(nothing)


@pytest.mark.settings(submission_max_mb=1)
def test_files_over_the_size_limit_are_refused_naming_the_limit(app, make, course):
    browser = signed_in_client(app, teacher(make, course))
    response = _upload(browser, [("big.ipynb", b"{" + b" " * (1024 * 1024 + 10) + b"}")])
    assert response.status_code == 422
    assert translated(app, "The files are larger than the limit of %(limit)s MB.", limit=1) in page_text(response)


def test_only_the_courses_instructors_and_admins_test_grade(app, make, world, course, tmp_path):
    other = teacher(make, teach_course(app, tmp_path, slug="other"))
    for person in (other, world.instructor, world.learner, world.hr):
        browser = signed_in_client(app, person)
        assert browser.get(PAGE).status_code == 403
        token = csrf_token(browser, "/")
        assert browser.post(PAGE, data={"csrf_token": token, "assignment": "mean-and-median"}).status_code == 403
    assert signed_in_client(app, world.admin).get(PAGE).status_code == 200

"""Validating and (re)publishing an assignment: numbered versions, earlier grades kept, learners told."""
import json
from pathlib import Path

import pytest

from lms.extensions import db
from lms.grading.models import AssignmentVersion
from tests.conftest import audit_events, csrf_token, fresh, page_text, signed_in_client, translated
from tests.grading.instructor_setup import enrolled, submission, teach_course, teacher

PAGE = "/teaching/grading/teach/assignments"


@pytest.fixture
def course(app, tmp_path):
    return teach_course(app, tmp_path)


def _source(app) -> Path:
    return Path(app.config["OQU_SETTINGS"].assignments_dir) / "teach" / "mean-and-median" / "mean-and-median.ipynb"


def _post(browser, action, assignment="mean-and-median"):
    confirmed = {"confirmed": "yes"} if action == "publish" else {}  # as the confirmation page sends it
    return browser.post(f"{PAGE}/{assignment}/{action}", data={"csrf_token": csrf_token(browser, PAGE), **confirmed})


def _versions():
    return list(db.session.scalars(db.select(AssignmentVersion).order_by(AssignmentVersion.version)))


@pytest.mark.integration  # validates and grades in the sandbox
def test_validate_publish_and_republish_keep_earlier_grades_and_tell_learners(app, make, course):
    instructor = teacher(make, course)
    browser = signed_in_client(app, instructor)
    assert translated(app, "Not published") in page_text(browser.get(PAGE))

    report = _post(browser, "validate")
    assert report.status_code == 200 and 'data-testid="validation-ok"' in report.get_data(as_text=True)
    text = page_text(report)
    assert "test_mean" in text and "2 / 2" in text and "test_median" in text and "3 / 3" in text

    published = _post(browser, "publish")
    assert published.status_code == 302 and published.headers["Location"] == PAGE
    [first] = _versions()
    assert (first.version, first.published_by_id, first.max_total) == (1, instructor.id, 5.0)
    assert {c["cell"]: c["max_score"] for c in first.cells} == {"test_mean": 2.0, "test_median": 3.0}

    early = enrolled(course, make.user("learner"))
    graded = submission(early, course, "mean-and-median", scores=[("test_mean", 2.0, 2.0, False)])
    assert graded.version_id == first.id  # a submission references the version it was made against

    unchanged = _post(browser, "publish")  # nothing changed: no new version
    assert unchanged.status_code == 302 and len(_versions()) == 1

    notebook = json.loads(_source(app).read_text())
    notebook["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "id": "intro", "source": "Жаңа кіріспе."})
    _source(app).write_text(json.dumps(notebook))
    assert translated(app, "The source has changed since.") in page_text(browser.get(PAGE))
    assert _post(browser, "publish").status_code == 302

    first, second = _versions()
    assert second.version == 2 and second.content_hash != first.content_hash
    graded = fresh(graded)
    assert (graded.version_id, graded.total) == (first.id, 2.0)  # the earlier grade stays as it was
    assert [e.details["version"] for e in audit_events("assignment_published")] == [1, 2]
    assert [e.details["learners"] for e in audit_events("assignment_published")] == [0, 1]  # who received it
    notice = translated(app, "A new version of this assignment (version %(version)s) was published on "
                             "%(when)s. Open your notebook to get it; your earlier submissions and grades are "
                             "kept.", version=2, when="\x00").split("\x00")[0]  # the text before the date
    assert notice in page_text(signed_in_client(app, early).get("/courses/teach"))
    late_comer = enrolled(course, make.user("learner"))
    submission(late_comer, course, "mean-and-median", scores=[("test_mean", 2.0, 2.0, False)])
    assert notice not in page_text(signed_in_client(app, late_comer).get("/courses/teach"))


@pytest.mark.integration  # validates and grades in the sandbox
def test_publishing_is_refused_while_the_solution_fails_its_tests(app, make, course):
    notebook = json.loads(_source(app).read_text())
    for cell in notebook["cells"]:
        if "### BEGIN SOLUTION" in "".join(cell["source"]):
            cell["source"] = "".join(cell["source"]).replace("### BEGIN SOLUTION", "### BEGIN SOLUTION\n    return -1")
    _source(app).write_text(json.dumps(notebook))
    browser = signed_in_client(app, teacher(make, course))

    refused = _post(browser, "publish")

    assert refused.status_code == 422
    text = page_text(refused)
    assert translated(app, "Not published: the validation failed. Correct the assignment and try again.") in text
    assert 'data-testid="validation-failed"' in refused.get_data(as_text=True) and "the solution earns" in text
    assert _versions() == [] and audit_events("assignment_published") == []


def test_only_the_courses_instructors_and_admins_validate_and_publish(app, make, world, course, tmp_path):
    other = teacher(make, teach_course(app, tmp_path, slug="other"))
    for person in (other, world.instructor, world.learner, world.hr):
        browser = signed_in_client(app, person)
        assert browser.get(PAGE).status_code == 403
        token = csrf_token(browser, "/")
        for action in ("validate", "publish"):
            assert browser.post(f"{PAGE}/mean-and-median/{action}", data={"csrf_token": token}).status_code == 403
    assert _versions() == []
    assert signed_in_client(app, world.admin).get(PAGE).status_code == 200

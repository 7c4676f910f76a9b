"""A course rule may require nbgrader assignments (notebook items) with a minimum score: grades feed
it through the ``submission_graded`` signal, and only ``graded`` submissions count."""
import pytest
from sqlalchemy import select

from lms import signals
from lms.certificates import services
from lms.certificates.models import Certificate
from lms.courses.loader import load_course
from lms.extensions import db
from lms.grading.models import Submission, SubmissionStatus
from lms.learning import services as learning

from ..courses.files import CORRECT, import_course, write_course
from .conftest import course_yaml

NOTEBOOK_ITEM = ("      - notebook: lab1\n"
                 "        title: {kk: \"Зертханалық жұмыс\", ru: \"Лабораторная работа\"}\n"
                 "        file: lab1/lab1.ipynb\n")


def with_notebook(certification: str) -> str:
    return course_yaml(certification) + NOTEBOOK_ITEM


@pytest.fixture
def course(app, tmp_path):
    return import_course(tmp_path / "courses", course_yaml=with_notebook("  min_score: 70\n  min_scores: {lab1: 60}\n"))


def _finish_lessons_and_quiz(learner, course):
    enrolment = learning.enrol_learner(learner, course)
    items = {item.key: item for item in course.active_items()}
    learning.complete_lesson(learner, enrolment, items["l1"])
    learning.complete_lesson(learner, enrolment, items["l2"])
    attempt = learning.start_attempt(learner, enrolment, items["q1"])
    learning.submit_attempt(learner, attempt, CORRECT)


def _graded(learner, course, total, status=SubmissionStatus.graded, attempt=1, max_total=10.0):
    """What the grading pipeline does when a run finishes: scores stored and committed, then the signal,
    then a commit of what the listeners added."""
    submission = Submission(user_id=learner.id, course_id=course.id, assignment="lab1", attempt=attempt,
                            content={"lab1.ipynb": "{}"}, content_hash=f"h{attempt}", size_bytes=2,
                            status=status, total=total, max_total=max_total, flags=[])
    db.session.add(submission)
    db.session.commit()
    signals.submission_graded.send(None, submission=submission)
    db.session.commit()
    return submission


def _certificates(learner):
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == learner.id)))


def test_graded_submission_meeting_the_rule_issues_the_certificate_without_anyone_acting(world, course):
    _finish_lessons_and_quiz(world.learner, course)
    assert _certificates(world.learner) == []  # the notebook assignment is still missing
    assert services.evaluate_learner(world.learner, course).missing == ("lab1",)
    _graded(world.learner, course, total=5.0)  # 50 %: below the rule's 60 for lab1
    assert _certificates(world.learner) == []
    _graded(world.learner, course, total=8.0, attempt=2)  # 80 %
    [certificate] = _certificates(world.learner)
    # overall: mean of the quiz (100 %) and the notebook's best (80 %)
    assert certificate.score == 90.0 and certificate.organisation_id == world.a1.id


@pytest.mark.parametrize("status", [SubmissionStatus.flagged, SubmissionStatus.failed, SubmissionStatus.queued])
def test_flagged_failed_or_unfinished_grading_does_not_count(world, course, status):
    _finish_lessons_and_quiz(world.learner, course)
    _graded(world.learner, course, total=10.0, status=status)
    assert _certificates(world.learner) == []
    assert services.notebook_scores(world.learner, course) == {}
    assert services.issue_certificates(world.admin) == []  # nor does the backfill count it


def test_another_learners_grade_does_not_count(world, course):
    _finish_lessons_and_quiz(world.learner, course)
    _graded(world.colleague, course, total=10.0)
    assert _certificates(world.learner) == [] and _certificates(world.colleague) == []


def test_notebook_in_requires_without_minimum_needs_a_graded_submission(world, app, tmp_path):
    course = import_course(tmp_path / "c2", course_yaml=with_notebook("  requires: [l1, lab1]\n"))
    enrolment = learning.enrol_learner(world.learner, course)
    learning.complete_lesson(world.learner, enrolment, {i.key: i for i in course.active_items()}["l1"])
    assert _certificates(world.learner) == []
    _graded(world.learner, course, total=1.0)  # any graded score satisfies a plain requirement
    [certificate] = _certificates(world.learner)
    assert certificate.score == 10.0


def test_rule_naming_a_notebook_is_valid_and_a_missing_one_is_refused(tmp_path):
    def problems(certification):
        folder = write_course(tmp_path, course_yaml=with_notebook(certification))
        return [str(p) for p in load_course(folder, "demo")[1]]

    assert problems("  requires: [l1, q1, lab1]\n  min_scores: {lab1: 75, q1: 50}\n") == []
    assert problems("  min_scores: {lab1: 75}\n") == []
    text = "\n".join(problems("  requires: [l1, lab9]\n  min_scores: {lab8: 50}\n"))
    assert "certification requires 'lab9', but the course has no such item" in text
    assert "min_scores names 'lab8', but the course has no such quiz or notebook assignment" in text


@pytest.mark.parametrize("counts, score_that_counts, certified", [(None, 50.0, False), ("best", 80.0, True)])
def test_certification_counts_the_score_the_gradebook_counts(world, tmp_path, counts, score_that_counts, certified):
    """``counts: latest`` (the default) means a later, lower graded attempt is the score for the
    certificate as for the gradebook; ``counts: best`` keeps the best for both."""
    from lms.grading.instructor.gradebook import learner_grades

    item = NOTEBOOK_ITEM + (f"        counts: {counts}\n" if counts else "")
    course = import_course(tmp_path / "courses", course_yaml=course_yaml("  min_scores: {lab1: 60}\n") + item)
    enrolment = learning.enrol_learner(world.learner, course)
    _graded(world.learner, course, total=8.0, attempt=1)  # 80 %, before the lessons are done
    _graded(world.learner, course, total=5.0, attempt=2)  # 50 %
    assert services.notebook_scores(world.learner, course) == {"lab1": score_that_counts}
    [(_title, cell)] = learner_grades(enrolment)
    assert cell.counting.total * 10 == score_that_counts  # the gradebook shows the same attempt
    _finish_lessons_and_quiz(world.learner, course)
    assert bool(_certificates(world.learner)) is certified

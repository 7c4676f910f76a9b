"""The course page of those who teach it: teaching links instead of Enrol/Submit, and a preview of a
quiz as learners see it with the answers shown to the instructor only (learners never reach it)."""
import pytest

from lms.courses.teaching import add_instructor
from lms.learning.services import enrol_learner
from lms.security import SYSTEM
from tests.conftest import page_text, signed_in_client, translated
from tests.courses.files import QUIZ, import_course

PREVIEW = "/teaching/courses/demo/quizzes/q1/preview"


@pytest.fixture
def course(app, tmp_path):
    return import_course(tmp_path / "courses", "demo", quiz=QUIZ)


def _teacher(make, course):
    person = make.user("instructor")
    add_instructor(SYSTEM, course, person)
    return person


def test_an_instructor_who_teaches_the_course_gets_teaching_links_instead_of_enrol(app, make, course):
    page = signed_in_client(app, _teacher(make, course)).get("/courses/demo").get_data(as_text=True)
    links = page.split('data-testid="teaching-links"', 1)[1].split("</section>", 1)[0]
    for href in ("/teaching/courses/demo", "/teaching/grading/demo/gradebook", "/teaching/grading/demo/queue",
                 "/teaching/grading/demo/assignments", "/courses/demo/items/", PREVIEW):
        assert f'href="{href}' in links, href
    assert 'action="/courses/demo/enrol"' not in page and 'data-testid="my-status"' not in page


def test_an_admin_gets_teaching_links_and_a_learner_or_another_instructor_the_learner_view(app, make, world,
                                                                                           course):
    assert 'data-testid="teaching-links"' in signed_in_client(app, world.admin).get("/courses/demo").get_data(
        as_text=True)
    for person in (world.learner, world.instructor):  # world.instructor does not teach "demo"
        page = signed_in_client(app, person).get("/courses/demo").get_data(as_text=True)
        assert 'data-testid="teaching-links"' not in page and 'data-testid="my-status"' in page


def test_an_instructor_enrolled_in_their_own_course_sees_it_as_a_learner(app, make, course):
    person = _teacher(make, course)
    enrol_learner(SYSTEM, course, learner=person)
    page = signed_in_client(app, person).get("/courses/demo").get_data(as_text=True)
    assert 'data-testid="my-status"' in page and 'data-testid="teaching-links"' not in page


def test_the_quiz_preview_shows_the_questions_with_the_answers_to_the_instructor(app, make, course):
    response = signed_in_client(app, _teacher(make, course)).get(PREVIEW)
    assert response.status_code == 200
    text = page_text(response)
    assert text.count('data-testid="preview-question"') == 4
    assert "Елорда қай қала?" in text and "Тәуекелдер?" in text  # the learner's language: Kazakh
    assert text.count('data-testid="correct-option"') == 3  # astana; err and bias
    correct = translated(app, "Correct answer")
    assert f"{correct}: 7919 ± 0.5" in text and "Жауапсөз" in text and "Ответслово" in text
    assert "ТҮСІНДІРМЕ-СЕКРЕТ" in text
    assert text.index("Елорда қай қала?") < text.index("Тәуекелдер?")  # the file's order, not shuffled


def test_learners_never_reach_the_quiz_preview(app, make, world, course):
    enrol_learner(SYSTEM, course, learner=world.learner)
    for person in (world.learner, world.hr, world.instructor):
        response = signed_in_client(app, person).get(PREVIEW)
        assert response.status_code == 403
        assert "ТҮСІНДІРМЕ-СЕКРЕТ" not in page_text(response) and "7919" not in page_text(response)
    assert signed_in_client(app, world.admin).get(PREVIEW).status_code == 200


def test_the_lesson_preview_shows_kazakh_and_russian_side_by_side_to_those_who_teach(app, make, world, course):
    url = "/teaching/courses/demo/lessons/l1/preview"
    response = signed_in_client(app, _teacher(make, course)).get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    kk = html.split('data-testid="lesson-kk"', 1)[1].split("</section>", 1)[0]
    ru = html.split('data-testid="lesson-ru"', 1)[1].split("</section>", 1)[0]
    assert "Мәтін." in kk and "Текст." not in kk and 'lang="kk"' in kk
    assert "Текст." in ru and "Мәтін." not in ru and 'lang="ru"' in ru
    assert signed_in_client(app, world.admin).get(url).status_code == 200
    enrol_learner(SYSTEM, course, learner=world.learner)
    for person in (world.learner, world.hr, world.instructor):
        assert signed_in_client(app, person).get(url).status_code == 403
    assert signed_in_client(app, world.admin).get("/teaching/courses/demo/lessons/q1/preview").status_code == 404

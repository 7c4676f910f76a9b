"""The learner dashboard follows a course update at once (it keeps each imported course's outline
per process, keyed by the course's content hash and import time)."""
import re

from lms.learning import services
from lms.security import SYSTEM

from ..conftest import sign_in
from ..courses.files import import_course
from .test_dashboard_plurals import SIX_LESSONS


def _cards(client) -> tuple[list[str], list[str]]:
    html = client.get("/").get_data(as_text=True)
    return (re.findall(r'data-testid="steps-left">([^<]+)<', html),
            re.findall(r'<progress max="(\d+)" value="(\d+)">', html))


def test_dashboard_counts_the_items_of_the_updated_course(client, make, tmp_path):
    learner = make.user("learner")
    course = import_course(tmp_path, "short")  # two lessons and a quiz
    enrolment = services.enrol_learner(SYSTEM, course, learner=learner)
    services.complete_lesson(learner, enrolment, course.active_items()[0])
    sign_in(client, learner)
    assert _cards(client) == (["2 қадам қалды"], [("3", "1")])

    # The update keeps l1 (done) and l2, drops the quiz and adds four lessons.
    lessons = {f"l{n}.{lang}.md": f"# {n}\n" for n in range(1, 7) for lang in ("kk", "ru")}
    import_course(tmp_path, "short", course_yaml=SIX_LESSONS, lessons=lessons)
    assert _cards(client) == (["5 қадам қалды"], [("6", "1")])


def test_dashboard_follows_an_update_another_process_made(client, make, tmp_path):
    """The outline kept in this process is never told of an update: each request reads the course's
    content hash and import time from the database, so an import by another LMS process (here: its
    writes, on a connection of its own) is seen at the next page."""
    from sqlalchemy import create_engine, text

    from lms.clock import utcnow
    from lms.extensions import db

    learner = make.user("learner")
    course = import_course(tmp_path, "short")  # two lessons and a quiz
    services.enrol_learner(SYSTEM, course, learner=learner)
    sign_in(client, learner)
    assert _cards(client) == (["3 қадам қалды"], [("3", "0")])

    other_process = create_engine(db.engine.url)
    with other_process.begin() as connection:  # what its import does: retire the quiz, stamp the course
        connection.execute(text("UPDATE course_items SET retired_at = :now WHERE kind = 'quiz' AND course_id = :course"),
                           {"now": utcnow(), "course": course.id})
        connection.execute(text("UPDATE courses SET content_hash = 'updated', imported_at = :now WHERE id = :course"),
                           {"now": utcnow(), "course": course.id})
    other_process.dispose()
    assert _cards(client) == (["2 қадам қалды"], [("2", "0")])

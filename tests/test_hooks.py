"""Pages composed from other domains' panels (lms.hooks): the course page of the courses domain shows
the hub's notebook panel, grading's assignments, the assignments domain's release notices and the
certificate card through its declared slots, with their data built once in the view."""
from lms import hooks
from lms.extensions import db
from tests import factories
from tests.conftest import signed_in_client


def test_slots_render_their_fillers_by_order_and_pages_get_each_part_of_their_data(monkeypatch):
    monkeypatch.setattr(hooks, "_SLOTS", {})
    monkeypatch.setattr(hooks, "_DATA", {})
    built = []

    @hooks.provides("page", "greeting")
    def greeting(who):
        built.append(who)
        return f"hello {who}"

    @hooks.fills("slot", order=20)
    def second(data, **context):
        return "<b>2</b>"

    @hooks.fills("slot", order=10)
    def first(data, **context):
        return f"<i>{data['greeting']}</i>"

    hooks.fills("slot", order=10)(first)  # registered twice: rendered once
    data = hooks.page_data("page", who="Айгүл")
    assert data == {"greeting": "hello Айгүл"} and built == ["Айгүл"]
    assert str(hooks.template_hook("slot", data=data)) == "<i>hello Айгүл</i><b>2</b>"
    assert str(hooks.template_hook("nobody-fills-this")) == ""


def test_the_course_page_shows_the_other_domains_panels_in_their_places(app):
    learner = factories.user("learner")
    course = factories.course(items=("lesson", "quiz"))
    factories.enrolment(learner, course)
    client, slug = signed_in_client(app, learner), course.slug
    db.session.remove()
    html = client.get(f"/courses/{slug}").get_data(as_text=True)
    status, certificate, syllabus = (html.index(f'data-testid="{name}"')
                                     for name in ("my-status", "certification", "syllabus"))
    assert status < certificate < syllabus
    assert html.count('data-testid="certification"') == 1

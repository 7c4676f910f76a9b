"""Kazakh and Russian learner pages name things in words: course tags by their translated names,
the notebook profile as CPU/GPU, assignments by their titles — never a slug, a tag code or a
profile slug in the text a reader sees (URLs and attributes may hold them)."""
import re
from html.parser import HTMLParser

import pytest

from lms.learning.services import enrol_learner
from lms.security import SYSTEM
from tests import factories
from tests.conftest import signed_in_client
from lms.extensions import db
from lms.grading.models import AssignmentVersion
from tests.grading.files import assignment_course

SLUG = "data-work-2026"
IDENTIFIERS = [SLUG, "machine-learning", "data-protection", "internal-only", "gpu-1", "mean-and-median"]


class _Text(HTMLParser):
    """The text nodes of a page, outside <script>, <style> and <code> (code is the learner's own)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_learner_pages_show_no_slug_tag_code_or_profile_slug(app, world, tmp_path, language):
    course = assignment_course(tmp_path, slug=SLUG,
                               head="tags: [machine-learning, data-protection, internal-only]\n"
                                    "notebook_profile: gpu-1\n")
    # published (its source folder is elsewhere: the version is recorded as publishing would)
    db.session.add(AssignmentVersion(course_id=course.id, assignment="mean-and-median", version=1,
                                     content_hash="0" * 64, cells=[], max_total=5.0))
    db.session.commit()
    enrol_learner(SYSTEM, course, learner=world.learner)
    submission = factories.submission(world.learner, course, "mean-and-median", total=4.0, max_total=5.0)
    browser = signed_in_client(app, world.learner)
    browser.set_cookie("oqu_lang", language)

    pages = ["/", "/courses", f"/courses/{SLUG}", f"/courses/{SLUG}/items/mean-and-median",
             f"/submissions/{submission.id}"]
    for path in pages:
        response = browser.get(path)
        assert response.status_code == 200, path
        text = visible_text(response.get_data(as_text=True))
        shown = [name for name in IDENTIFIERS if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)]
        assert not shown, f"{path} ({language}) shows {shown}: …{text[:400]}"
    course_page = visible_text(browser.get(f"/courses/{SLUG}").get_data(as_text=True))
    assert ("Машинное обучение" if language == "ru" else "Машиналық оқыту") in course_page  # the tag in words
    assert "CPU" in course_page or "GPU" in course_page  # the profile in words

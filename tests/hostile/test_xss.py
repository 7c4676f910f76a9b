"""XSS probes: markup typed into every free-text field that Oqu shows back (names, organisation names,
position, token names, revocation reasons, search boxes, course titles from files) is shown as text on
every page that renders it, never as markup."""
from __future__ import annotations

import pytest
from markupsafe import escape

from lms.accounts.services import create_api_token
from lms.certificates.services import revoke_certificate
from lms.extensions import db

from ..conftest import signed_in_client
from ..courses.files import COURSE, import_course

PROBES = ['<script>document.title="pwned"</script>', '"><img src=x onerror=alert(1)>',
          "javascript:alert(1)//<svg/onload=alert(1)>"]
RAW = ["<script>document.title", "<img src=x onerror", "<svg/onload"]


def _assert_inert(response, where: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 200, f"{where}: {response.status_code}"
    for raw in RAW:
        assert raw not in body, f"{where}: {raw!r} came back as markup"


@pytest.mark.parametrize("probe", PROBES)
def test_free_text_is_shown_as_text_everywhere(app, world, make, tmp_path, probe):
    world.colleague.given_name = probe
    world.colleague.surname = probe
    world.colleague.position = probe
    world.a1.name_kk = world.a1.name_ru = probe
    db.session.commit()
    course = import_course(tmp_path / "courses", "probe", course_yaml=COURSE.format(slug="probe").replace(
        'kk: "Сынақ курсы probe"', f"kk: '{probe.replace(chr(39), chr(39) * 2)}'"))
    certificate = make.certificate(world.colleague, course)
    revoke_certificate(world.admin, certificate, probe)
    create_api_token(world.learner, world.learner, probe)
    db.session.commit()

    pages = {
        world.admin: ["/admin/users", f"/admin/users/{world.colleague.id}", "/admin/organisations",
                      f"/admin/users?q={probe}", "/admin/audit", f"/verify/{certificate.number}"],
        world.hr: ["/staff", f"/staff/{world.colleague.id}", "/hr/certificates", f"/hr/certificates?q={probe}"],
        world.learner: ["/account/tokens", f"/courses?q={probe}", "/courses", f"/courses/{course.slug}"],
    }
    shown = 0
    for person, paths in pages.items():
        browser = signed_in_client(app, person)
        for path in paths:
            response = browser.get(path)
            _assert_inert(response, f"{person.email} {path}")
            shown += str(escape(probe)) in response.get_data(as_text=True)
    assert shown >= 8, "the probe is shown (as text) on the pages that render these fields"


@pytest.mark.parametrize("page", ["99999999999999999999999", "-5", "abc", "0"])
def test_any_page_number_gets_a_page_not_an_error(app, world, page):
    lists = {world.admin: ["/admin/users", "/admin/organisations", "/admin/audit"],
             world.hr: ["/staff", "/hr/certificates", "/hr/dashboard"],
             world.learner: ["/courses"]}
    for person, paths in lists.items():
        browser = signed_in_client(app, person)
        for path in paths:
            assert browser.get(f"{path}?page={page}").status_code == 200, path

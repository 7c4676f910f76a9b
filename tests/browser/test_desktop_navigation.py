"""At 1366 px, in Kazakh and Russian, the header of an administrator and of an HR officer is one line:
every item of the main menu in one row, and the header no taller than one row of controls. The
sections beyond a learner's own fold into menus (``<details>``: no script needed) that open with the
keyboard and mark the section of the current page."""
import pytest

from .test_learner_journey import _sign_in

pytestmark = pytest.mark.browser

WIDTH = 1366
ONE_ROW = 64  # px: one row of controls with the header's padding; a second row makes it ~110
SECTIONS = {"kk": {"admin": "Әкімшілендіру", "hr": "Кадрлар"}, "ru": {"admin": "Управление", "hr": "Кадры"}}
PEOPLE = {"kk": "Пайдаланушылар", "ru": "Пользователи"}


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _rows(page) -> dict:
    return page.evaluate("""() => {
        const top = e => Math.round(e.getBoundingClientRect().top);
        const items = [...document.querySelectorAll('.site-header nav > ul > li')];
        const header = document.querySelector('.site-header');
        const parts = [...document.querySelectorAll('.site-header .brand, .site-header nav, .site-header .language-switch, .site-header .account')];
        return {items: items.map(e => [e.innerText.trim(), top(e)]), height: header.getBoundingClientRect().height,
                parts: parts.map(e => [e.className || e.tagName, Math.round(e.getBoundingClientRect().top),
                                       Math.round(e.getBoundingClientRect().bottom)]),
                scroll: document.documentElement.scrollWidth};
    }""")


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("role", ["admin", "hr"])
def test_the_header_of_admins_and_hr_fits_one_line_at_1366(desktop, live_server, world, role, language):
    person = getattr(world, role)
    person.preferred_language = language
    from lms.extensions import db
    db.session.commit()
    _sign_in(desktop, live_server, person)
    for path in ["/", "/hr/certificates" if role == "hr" else "/admin/users"]:
        desktop.goto(f"{live_server}{path}")
        rows = _rows(desktop)
        tops = {top for _text, top in rows["items"]}
        assert len(rows["items"]) >= 4 and len(tops) == 1, rows
        assert rows["height"] <= ONE_ROW, rows
        parts = rows["parts"]
        assert len(parts) == 4 and max(top for _n, top, _b in parts) < min(bottom for _n, _t, bottom in parts), \
            rows  # brand, menu, language and account side by side, not stacked
        assert rows["scroll"] <= WIDTH, rows


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_folded_section_opens_with_the_keyboard_and_marks_the_current_page(desktop, live_server, world, language):
    world.admin.preferred_language = language
    from lms.extensions import db
    db.session.commit()
    _sign_in(desktop, live_server, world.admin)
    desktop.goto(f"{live_server}/admin/users")
    section = desktop.locator(".site-header nav summary", has_text=SECTIONS[language]["admin"])
    people = desktop.locator(".site-header nav").get_by_role("link", name=PEOPLE[language], exact=True)
    assert section.get_attribute("aria-current") == "true"  # the section holding the current page
    assert not people.is_visible()
    section.focus()
    desktop.keyboard.press("Enter")
    assert people.is_visible() and people.get_attribute("aria-current") == "page"
    desktop.keyboard.press("Escape")  # oqu.js: Escape folds it again, the focus back on its summary
    assert not people.is_visible()
    assert desktop.evaluate("() => document.activeElement.tagName") == "SUMMARY"

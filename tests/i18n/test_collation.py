"""Names in Kazakh alphabetical order on Kazakh pages and in Russian order on Russian ones, sorted by
the database (ICU on PostgreSQL, a registered collation on SQLite), so pages cut the list right."""
from __future__ import annotations

import pytest

from lms.accounts import services as accounts

from .. import factories
from ..conftest import page_text, signed_in_client

SURNAMES = ["Лебедев", "Ілиясов", "Серікбаева", "Ысқақов", "Қасымов", "ёлкин", "Сәрсенова", "Кенжебаев", "Ершов",
            "Иванов", "Усов", "Ұлықбек", "Үсенов"]
KAZAKH = ["Ершов", "ёлкин", "Иванов", "Кенжебаев", "Қасымов", "Лебедев", "Сәрсенова", "Серікбаева", "Усов",
          "Ұлықбек", "Үсенов", "Ысқақов", "Ілиясов"]
RUSSIAN = ["ёлкин", "Ершов", "Иванов", "Ілиясов", "Кенжебаев", "Қасымов", "Лебедев", "Сәрсенова", "Серікбаева",
           "Усов", "Үсенов", "Ұлықбек", "Ысқақов"]


@pytest.fixture
def unit(world):
    unit = factories.organisation("SORT", parent=world.a, name_kk="Сұрыптау бөлімі", name_ru="Отдел сортировки")
    for surname in SURNAMES:
        factories.user("learner", organisation=unit, surname=surname, given_name="Айгерим")
    return unit


def _staff_pages(app, hr, unit, language: str) -> list[str]:
    browser = signed_in_client(app, hr)
    browser.set_cookie("oqu_lang", language)
    found = []
    for page in (1, 2, 3, 4, 5):  # four names a page: the order must hold across the cuts
        text = page_text(browser.get("/staff", query_string={"organisation": unit.id, "page": page}))
        found += [name for _at, name in sorted((text.find(f">{name} "), name) for name in SURNAMES)
                  if _at >= 0]
    return found


@pytest.mark.settings(page_size=4)
@pytest.mark.parametrize(("language", "expected"), [("kk", KAZAKH), ("ru", RUSSIAN)])
def test_staff_are_listed_in_the_pages_alphabetical_order_across_page_boundaries(app, world, unit, language,
                                                                                  expected):
    assert _staff_pages(app, world.hr, unit, language) == expected


def _people(app, hr, unit, language: str) -> list[str]:
    names = []
    for page in (1, 2, 3, 4):
        with app.test_request_context("/", headers={"Cookie": f"oqu_lang={language}"}):
            names += [p.surname for p in accounts.list_people(hr, organisation=unit, page=page, per_page=4).items]
    return names


def test_kazakh_order_puts_the_kazakh_letters_where_the_alphabet_has_them(app, world, unit):
    kazakh = _people(app, world.hr, unit, "kk")
    assert kazakh.index("Сәрсенова") < kazakh.index("Серікбаева")
    assert kazakh.index("Кенжебаев") < kazakh.index("Қасымов") < kazakh.index("Лебедев")
    assert kazakh.index("Ысқақов") < kazakh.index("Ілиясов")  # І is near the end of the Kazakh alphabet
    assert _people(app, world.hr, unit, "ru") == RUSSIAN
    assert _people(app, world.hr, unit, "kk-Latn") == KAZAKH  # the Latin page keeps the Kazakh order

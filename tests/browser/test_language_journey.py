import pytest

pytestmark = pytest.mark.browser


def test_sign_in_in_kazakh_switch_to_russian_and_see_dashboard(page, live_server, make):
    learner = make.user("learner", given_name="Айгүл", surname="Ахметова")

    page.goto(f"{live_server}/login")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.locator("h1").inner_text() == "Oqu жүйесіне кіру"

    page.get_by_label("Электрондық пошта").fill(learner.email)
    page.get_by_label("Құпиясөз", exact=True).fill("correct-horse-7")
    page.get_by_role("button", name="Кіру", exact=True).click()
    page.wait_for_url(f"{live_server}/")
    assert page.locator("h1").inner_text() == "Қош келдіңіз, Айгүл"

    # The switch submits itself on change (oqu.js); no inline script is needed.
    page.get_by_label("Тіл").select_option("ru")
    page.wait_for_function("document.documentElement.lang === 'ru'")
    assert page.locator("h1").inner_text() == "Добро пожаловать, Айгүл"
    assert page.get_by_role("link", name="Мой кабинет").is_visible()

    # The choice is kept in the profile: a fresh visit stays in Russian.
    page.goto(f"{live_server}/")
    assert page.locator("html").get_attribute("lang") == "ru"

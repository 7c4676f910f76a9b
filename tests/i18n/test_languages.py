"""Which language a page is in, and how dates, numbers and plurals follow it."""
from datetime import date

from flask_babel import format_decimal, ngettext, refresh

from lms.i18n import written_date
from lms.i18n.latin import to_latin

from ..conftest import post_form, sign_in


def _lang(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_kazakh_is_the_default(client):
    assert _lang(client.get("/login")) == "kk"


def test_accept_language_picks_russian(client):
    response = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert _lang(response) == "ru"
    assert "Вход" in response.get_data(as_text=True)


def test_cookie_beats_accept_language(client):
    client.set_cookie("oqu_lang", "kk")
    assert _lang(client.get("/login", headers={"Accept-Language": "ru"})) == "kk"


def test_profile_preference_beats_cookie_and_header(client, make):
    person = make.user("learner", preferred_language="ru")
    sign_in(client, person)
    client.set_cookie("oqu_lang", "kk")
    assert _lang(client.get("/", headers={"Accept-Language": "kk"})) == "ru"


def test_language_switch_sets_cookie_and_profile(client, make, app):
    person = make.user("learner")
    sign_in(client, person)
    response = post_form(client, "/language", {"language": "kk-Latn", "next": "/account"}, page="/")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "oqu_lang=kk-Latn" in response.headers["Set-Cookie"]
    from lms.accounts.models import User
    from lms.extensions import db
    assert db.session.get(User, person.id).preferred_language == "kk-Latn"


def test_language_switch_refuses_unknown_language_and_offsite_redirect(client):
    assert post_form(client, "/language", {"language": "en"}).status_code == 400
    response = post_form(client, "/language", {"language": "ru", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_latin_view_transliterates_the_kazakh_catalog(client):
    client.set_cookie("oqu_lang", "kk-Latn")
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert _lang(response) == "kk-Latn"
    assert "Oqu jüiesıne kıru" in html
    assert "жүйесіне" not in html


def test_kazakh_latin_alphabet_mapping():
    assert to_latin("Қазақстан Республикасы") == "Qazaqstan Respublikasy"
    assert to_latin("Іле өзені") == "Ile özenı"
    assert to_latin("Ит, иә, ұлы, үй, шың, ғылым") == "İt, iä, ūly, üi, şyñ, ğylym"
    assert to_latin("ЖИ ЗАҢЫ") == "Jİ ZAÑY"
    assert to_latin("ЧАЙ және Чай") == "CHAİ jäne Chai"
    assert to_latin("Oqu 2026 — OK") == "Oqu 2026 — OK"


def test_dates_and_numbers_follow_the_language(app):
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        refresh()
        assert "ноября" in written_date(date(2026, 11, 26))
        assert format_decimal(1234567.5).replace("\xa0", " ") == "1 234 567,5"
    with app.test_request_context("/"):
        refresh()
        assert "қараша" in written_date(date(2026, 11, 26)).lower()
    with app.test_request_context("/", headers={"Cookie": "oqu_lang=kk-Latn"}):
        refresh()
        assert "qaraşa" in written_date(date(2026, 11, 26)).lower()


def test_russian_plurals_use_three_forms(app):
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        refresh()
        forms = {n: ngettext("%(num)s person found", "%(num)s people found", n) for n in (1, 3, 5, 21)}
    assert forms[1].replace("1", "N") == forms[21].replace("21", "N")
    assert len({forms[1].replace("1", "N"), forms[3].replace("3", "N"), forms[5].replace("5", "N")}) == 3

"""A date written in a sentence takes the case the sentence needs in Kazakh («2027 ж. 1 қаңтарда»
кері қайтарылды), and one full stop at the sentence's end in Russian («… 2027 г.»)."""
from datetime import date

import pytest
from flask_babel import force_locale

from lms.i18n import written_date
from tests.conftest import page_text


@pytest.mark.parametrize("day, written", [
    (date(2027, 1, 1), "2027 ж. 1 қаңтарда"), (date(2027, 4, 5), "2027 ж. 5 сәуірде"),
    (date(2027, 7, 9), "2027 ж. 9 шілдеде"), (date(2027, 9, 30), "2027 ж. 30 қыркүйекте"),
    (date(2027, 12, 31), "2027 ж. 31 желтоқсанда")])
def test_kazakh_dates_in_the_locative(app, day, written):
    with app.test_request_context("/"), force_locale("kk"):
        assert written_date(day, "locative").replace("\xa0", " ").replace("\u202f", " ") == written


def test_russian_dates_stay_as_they_are(app):
    with app.test_request_context("/"), force_locale("ru"):
        assert written_date(date(2027, 1, 1), "locative").replace("\xa0", " ").replace("\u202f", " ") == "1 января 2027 г."


@pytest.mark.parametrize("language, sentence", [
    ("kk", "Бұл сертификат 2026 ж. 2 желтоқсанда кері қайтарылды."),
    ("ru", "2 декабря 2026 г."),
])
def test_the_revoked_certificate_says_when_in_the_right_case(app, client, world, make, language, sentence):
    from datetime import date as day

    certificate = make.certificate(world.learner, make.course(), issued_on=day(2026, 12, 2), revoked=True)
    client.set_cookie("oqu_lang", language)
    text = page_text(client.get(f"/verify/{certificate.number}")).replace("\xa0", " ").replace("\u202f", " ")
    assert sentence in text and "г.." not in text, text.split("certificate-status", 1)[-1][:300]

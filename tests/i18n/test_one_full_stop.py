"""A date that ends in the year's abbreviation (ru «2027 г.») at the end of a sentence gets one full
stop, not two."""
from markupsafe import Markup

from lms.i18n import one_stop
from tests.conftest import page_text, signed_in_client


def test_the_abbreviation_and_the_sentence_share_one_full_stop():
    assert one_stop("Сегодня 1 января 2027 г..") == "Сегодня 1 января 2027 г."
    assert one_stop(Markup("2027 ж.. <b>x</b>")) == Markup("2027 ж. <b>x</b>")
    assert one_stop("Подождите...") == "Подождите..."  # an ellipsis stays
    assert one_stop("до 2027 г...") == "до 2027 г..."


def test_the_russian_dashboard_writes_todays_date_with_one_full_stop(app, world):
    browser = signed_in_client(app, world.learner)
    browser.set_cookie("oqu_lang", "ru")
    text = page_text(browser.get("/", follow_redirects=True))
    assert "Сегодня" in text and "г.</p>" in text  # Babel puts a no-break space before «г.»
    assert "г.." not in text

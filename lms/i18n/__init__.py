"""Languages: Kazakh (default), Russian, and Kazakh in the Latin alphabet.

The language of a request comes from the signed-in user's preference, then the ``oqu_lang``
cookie, then ``Accept-Language``, then the configured default (Kazakh). ``kk-Latn`` uses the
Kazakh catalog and transliterates its output (see :mod:`lms.i18n.latin`).
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from babel.support import NullTranslations
from flask import current_app, g, has_request_context, request
from flask_babel import (Domain, format_date, format_datetime, format_decimal, get_locale, get_translations,
                         refresh)
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from .. import clock
from .latin import to_latin

LANGUAGES = {"kk": "Қазақша", "ru": "Русский", "kk-Latn": "Qazaqşa (latyn)"}
LANGUAGE_COOKIE = "oqu_lang"


def current_language() -> str:
    """One of the keys of :data:`LANGUAGES` for the current request (cached per request)."""
    if not has_request_context():
        return current_app.config["OQU_SETTINGS"].default_language
    environ = request.environ
    language = environ.get("oqu.language")
    if language is None:
        language = environ["oqu.language"] = _select_language()
    return language


def _select_language() -> str:
    user_choice = getattr(current_user, "preferred_language", None) if current_user else None
    if user_choice in LANGUAGES:
        return user_choice
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    header = request.accept_languages.best_match(["kk", "ru"])
    if header:
        return header
    return current_app.config["OQU_SETTINGS"].default_language


def use_language_of(person) -> None:
    """Answer the rest of this request in ``person``'s LMS language (a caller known by a credential, not
    by the session: the learner's hub token), when they chose one."""
    from flask_babel import refresh

    choice = getattr(person, "preferred_language", None)
    if has_request_context() and choice in LANGUAGES:
        request.environ["oqu.language"] = choice
        refresh()


def select_locale() -> str:
    """Flask-Babel's locale selector: the catalog behind the current language."""
    return "ru" if current_language() == "ru" else "kk"


def is_latin() -> bool:
    return current_language() == "kk-Latn"


def html_lang() -> str:
    return current_language()


class _LatinTranslations(NullTranslations):
    """Wraps the Kazakh catalog and transliterates every message it returns."""

    def __init__(self, inner):
        super().__init__()
        self._inner = inner
        self.plural = getattr(inner, "plural", lambda n: int(n != 1))

    def gettext(self, message):
        return to_latin(self._inner.gettext(message))

    def ngettext(self, singular, plural, n):
        return to_latin(self._inner.ngettext(singular, plural, n))

    def pgettext(self, context, message):
        return to_latin(self._inner.pgettext(context, message))

    def npgettext(self, context, singular, plural, n):
        return to_latin(self._inner.npgettext(context, singular, plural, n))

    ugettext, ungettext, upgettext, unpgettext = gettext, ngettext, pgettext, npgettext


class OquDomain(Domain):
    """The default message domain, aware of the Latin view of Kazakh."""

    def get_translations(self):
        # A page calls this for every message: keep the answer for the rest of the request in
        # Flask-Babel's own slot, which its ``refresh()`` and ``force_locale()`` reset.
        context = g.get("_flask_babel") if has_request_context() else None
        cached = getattr(context, "babel_translations", None)
        if cached is not None:
            return cached
        translations = super().get_translations()
        if has_request_context() and is_latin():
            translations = _LatinTranslations(translations)
        if context is not None:
            context.babel_translations = translations
        return translations


def _translations():
    """The current request's catalog: Flask-Babel's ``get_translations()`` without its several
    lookups of ``g`` on every message once :class:`OquDomain` has kept the answer for the request
    (``force_locale`` and ``refresh`` reset it, so they still apply)."""
    if has_request_context():
        cached = getattr(g.get("_flask_babel"), "babel_translations", None)
        if cached is not None:
            return cached
    return get_translations()


# a date that ends in the year's abbreviation (ru «2027 г.», kk «2027 ж.») at the end of a sentence
_DOUBLE_STOP = re.compile(r"\b(г|гг|ж|жж|j|jj)\.\.(?!\.)")


def one_stop(text):
    """``text`` without the second full stop of «… 2027 г..» (a date's abbreviation ending a sentence)."""
    if ".." not in text:
        return text
    single = _DOUBLE_STOP.sub(r"\1.", text)
    return Markup(single) if isinstance(text, Markup) else single


@pass_context
def _template_gettext(context, string, **variables):
    text = _translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return one_stop(text % variables)


@pass_context
def _template_ngettext(context, singular, plural, num, **variables):
    variables.setdefault("num", num)
    text = _translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return one_stop(text % variables)


def localized(value_kk: str | None, value_ru: str | None) -> str:
    """Pick the Kazakh or Russian form of a piece of content for the current language."""
    language = current_language()
    if language == "ru":
        return value_ru or value_kk or ""
    text = value_kk or value_ru or ""
    return to_latin(text) if language == "kk-Latn" and value_kk else text


def _latin_if_needed(text: str) -> str:
    return to_latin(text) if is_latin() else text


# One date style per kind of date, in every language (issue #21):
#   written_date — in a sentence: «2027 ж. 1 қаңтар» / «1 января 2027 г.», Kazakh with the case the
#                  sentence needs («2027 ж. 1 қаңтарда»);
#   table_date   — compact, in tables and label–value lists: 01.01.2027;
#   date_time    — a moment: 01.01.2027, 09:30 (Kazakhstan time, ``LMS_TIMEZONE``).
# Templates use these three filters and nothing else (tests/i18n/test_date_styles.py).
TABLE_DATE = "dd.MM.yyyy"
DATE_TIME = "dd.MM.yyyy, HH:mm"


def table_date(value) -> str:
    """A compact date for tables and label–value lists: «01.01.2027» in every language."""
    if not value:
        return ""
    if type(value) is date:  # no time zone involved: the text depends on the locale alone
        return _format_plain_date(value, TABLE_DATE, str(get_locale()), is_latin())
    return _latin_if_needed(format_date(value, TABLE_DATE))


def date_time(value) -> str:
    """A moment, with its time in the configured time zone: «01.01.2027, 09:30»."""
    return _latin_if_needed(format_datetime(value, DATE_TIME)) if value else ""


@lru_cache(maxsize=4096)
def _format_plain_date(value: date, format: str, locale: str, latin: bool) -> str:
    # Babel's formatting is costly and a page shows the same few dates many times (due dates,
    # issue dates): each distinct (date, format, locale) is formatted once per process.
    text = format_date(value, format)
    return to_latin(text) if latin else text


_FRONT_VOWELS, _VOWELS = set("әеіөүиэ"), set("аәеіоөұүыиуэюя")
_VOICELESS = set("кқпстфхцчшщбвгд")  # after these the ending's first consonant is voiceless too
_NASAL = set("мнң")


def _kk_ending(word_end: str, case: str) -> str:
    """The Kazakh case ending after ``word_end`` (a month's name or a year's «ж.»), by vowel harmony
    and the last sound: locative «қаңтарда», «қыркүйекте»; ablative «желтоқсаннан», «қыркүйектен»;
    dative «қаңтарға», «қыркүйекке»; genitive «қаңтардың», «маусымның», «қыркүйектің»."""
    last_vowel = next((letter for letter in reversed(word_end) if letter in _VOWELS), "а")
    front = last_vowel in _FRONT_VOWELS
    last = word_end[-1:]
    voiceless, vowel, nasal = last in _VOICELESS, last in _VOWELS, last in _NASAL
    if case == "locative":
        return ("те" if front else "та") if voiceless else ("де" if front else "да")
    if case == "ablative":
        if voiceless:
            return "тен" if front else "тан"
        return ("нен" if front else "нан") if nasal else ("ден" if front else "дан")
    if case == "dative":
        if voiceless:
            return "ке" if front else "қа"
        return "ге" if front else "ға"
    if case == "genitive":
        if voiceless:
            return "тің" if front else "тың"
        return ("нің" if front else "ның") if vowel or nasal else ("дің" if front else "дың")
    raise ValueError(f"unknown case {case!r}")


CASES = ("locative", "ablative", "dative", "genitive")


def written_date(value, case: str | None = None):
    """A date written out in a sentence (Babel's long format: «2027 ж. 1 қаңтар», «1 января 2027 г.»),
    in Kazakh with the case the sentence needs: ``case="locative"`` gives «2027 ж. 1 қаңтарда» (on
    what day), ``"ablative"`` «1 қаңтардан» (since), ``"dative"`` «1 қаңтарға» (until, with «дейін»),
    ``"genitive"`` «1 қаңтардың». Russian keeps its genitive date as it is («с 1 января 2027 г.»)."""
    if not value:
        return ""
    if case is not None and case not in CASES:
        raise ValueError(f"unknown case {case!r}")
    text = format_date(value, "long")
    if case and str(get_locale()) == "kk":
        text += _kk_ending(text.lower(), case)
    return _latin_if_needed(text)


def date_filter(value, format=None):
    """The old ``|date`` filter, kept so that a template written before the three styles still renders;
    tests/i18n/test_date_styles.py fails on any template that uses it."""
    return written_date(value) if format == "long" else table_date(value)


def datetime_filter(value, format=None):
    """The old ``|datetime`` filter (see :func:`date_filter`)."""
    return date_time(value)


def number_filter(value):
    if type(value) in (int, float):
        return _format_number(value, type(value), str(get_locale()))
    return format_decimal(value)


@lru_cache(maxsize=4096)
def _format_number(value, kind, locale: str) -> str:  # ``kind``: 1 and 1.0 are equal keys otherwise
    return format_decimal(value)


def today():
    """Today's date in the configured time zone (the one clock, ``lms.clock``)."""
    return clock.today()


def init_app(app) -> None:
    from ..extensions import babel

    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(app.config["OQU_TRANSLATIONS"]))
    app.extensions["babel"].instance.domain_instance = OquDomain()
    # The same callables Flask-Babel installs, through the per-request catalog (see _translations).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n))
    # ``_``, ``gettext`` and ``ngettext`` as Jinja's new-style ones (Markup under autoescape, always
    # %-formatted) without their two extra context calls each: a page calls them a hundred times.
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
    app.jinja_env.filters.update(written_date=written_date, table_date=table_date, date_time=date_time,
                                 date=date_filter, datetime=datetime_filter, number=number_filter,
                                 local_date=clock.local_date,
                                 language_name=lambda code: LANGUAGES.get(code, code))
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language,
                                 html_lang=html_lang, localized=localized, now_date=today)

    @app.before_request
    def _forget_previous_locale():
        # Flask-Babel caches the locale in ``g``, which outlives a request when an app context
        # was pushed around several (tests, CLI): decide it afresh for each request.
        refresh()

    @app.after_request
    def _content_language(response):
        response.headers.setdefault("Content-Language", current_language())
        return response


__all__ = ["LANGUAGES", "LANGUAGE_COOKIE", "current_language", "localized", "to_latin", "get_locale"]

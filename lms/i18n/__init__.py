"""Languages: Kazakh (default), Russian, and Kazakh in the Latin alphabet.

The language of a request comes from the signed-in user's preference, then the ``oqu_lang``
cookie, then ``Accept-Language``, then the configured default (Kazakh). ``kk-Latn`` uses the
Kazakh catalog and transliterates its output (see :mod:`lms.i18n.latin`).
"""
from __future__ import annotations

from datetime import datetime, timezone

from babel.support import NullTranslations
from flask import current_app, has_request_context, request
from flask_babel import Domain, format_date, format_datetime, format_decimal, get_locale, refresh, to_user_timezone
from flask_login import current_user

from .latin import to_latin

LANGUAGES = {"kk": "Қазақша", "ru": "Русский", "kk-Latn": "Qazaqşa (latyn)"}
LANGUAGE_COOKIE = "oqu_lang"


def current_language() -> str:
    """One of the keys of :data:`LANGUAGES` for the current request (cached per request)."""
    if not has_request_context():
        return current_app.config["OQU_SETTINGS"].default_language
    if "oqu.language" not in request.environ:
        request.environ["oqu.language"] = _select_language()
    return request.environ["oqu.language"]


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
        translations = super().get_translations()
        if has_request_context() and is_latin():
            return _LatinTranslations(translations)
        return translations


def localized(value_kk: str | None, value_ru: str | None) -> str:
    """Pick the Kazakh or Russian form of a piece of content for the current language."""
    if current_language() == "ru":
        return value_ru or value_kk or ""
    text = value_kk or value_ru or ""
    return to_latin(text) if is_latin() and value_kk else text


def _latin_if_needed(text: str) -> str:
    return to_latin(text) if is_latin() else text


def date_filter(value, format="medium"):
    return _latin_if_needed(format_date(value, format)) if value else ""


def datetime_filter(value, format="medium"):
    return _latin_if_needed(format_datetime(value, format)) if value else ""


def number_filter(value):
    return format_decimal(value)


def today():
    """Today's date in the configured time zone."""
    return to_user_timezone(datetime.now(timezone.utc)).date()


def init_app(app) -> None:
    from ..extensions import babel

    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(app.config["OQU_TRANSLATIONS"]))
    app.extensions["babel"].instance.domain_instance = OquDomain()
    app.jinja_env.filters.update(date=date_filter, datetime=datetime_filter, number=number_filter,
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

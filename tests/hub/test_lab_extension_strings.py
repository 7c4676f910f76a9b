"""Every string the Oqu JupyterLab extension shows a learner (``trans.__(…)`` in lms/hub/oqulab/src) has
a translation in Kazakh, Kazakh Latin and Russian, and the catalogs JupyterLab serves are the ones
lms/hub/oqulab/oqu_lab/messages.py writes (the Latin one transliterated from the Kazakh)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from lms.hub.oqulab.oqu_lab import messages

SRC = Path(messages.__file__).resolve().parents[1] / "src"
CALL = re.compile(r"""trans\.(?:__|_p|_n)\(\s*(['"])((?:\\.|(?!\1).)*)\1""", re.S)


def extension_strings() -> set[str]:
    found = set()
    for path in SRC.glob("*.ts"):
        found.update(match.group(2).replace("\\'", "'") for match in CALL.finditer(path.read_text(encoding="utf-8")))
    return found


def _catalog(locale: str) -> dict:
    return json.loads((messages.LOCALE_DIR / locale / "LC_MESSAGES" / "oqu_lab.json").read_text("utf-8"))


def test_the_extension_shows_strings_and_they_are_found():
    strings = extension_strings()
    assert {"Submit", "Not submitted", "Your submission", "Assignments of the course"} <= strings
    assert len(strings) >= 20


def test_every_learner_visible_string_of_the_extension_is_translated():
    strings = extension_strings()
    for locale in ("kk_KZ", "kk_Latn_KZ", "ru_RU"):
        catalog = _catalog(locale)
        untranslated = sorted(s for s in strings if not any(t.strip() for t in catalog.get(s, [])))
        assert not untranslated, f"{locale}: untranslated strings of the Oqu extension: {untranslated}"
        english = sorted(s for s in strings if catalog[s][0] == s)
        assert not english, f"{locale}: left in English: {english}"
        for message in strings:  # placeholders survive translation
            assert sorted(re.findall(r"%\d", catalog[message][0])) == sorted(re.findall(r"%\d", message)), message


def test_the_catalogs_are_the_ones_messages_py_writes_and_the_button_says_tapsyru():
    for locale, catalog in messages.catalogs().items():
        assert _catalog(locale) == catalog, f"{locale}: run python -m lms.hub.oqulab.oqu_lab.messages"
    assert [messages.catalogs()[locale]["Submit"] for locale in ("kk_KZ", "ru_RU", "kk_Latn_KZ")] == [
        ["Тапсыру"], ["Сдать"], ["Tapsyru"]]


def test_jupyterlab_serves_the_extensions_strings_in_each_language():
    from jupyterlab_server.translation_utils import get_language_pack

    for locale, submit in (("kk_KZ", "Тапсыру"), ("ru_RU", "Сдать"), ("kk_Latn_KZ", "Tapsyru")):
        packs, _message = get_language_pack(locale)
        assert packs["oqu_lab"]["Submit"] == [submit], locale

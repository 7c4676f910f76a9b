"""Kazakh and Russian are complete: every string in the code and templates is in both catalogs,
translated, not fuzzy, with the same placeholders, and Russian uses all three plural forms."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
METHODS = [("lms/**.py", "python"), ("templates/**.html", "jinja2")]


def _extracted() -> set[str]:
    ids = set()
    for message in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS,
                                    options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
        msgid = message[2]
        ids.add(msgid[0] if isinstance(msgid, tuple) else msgid)
    return ids


def _catalog(language: str) -> Catalog:
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.integration  # slow: extracts every string of the code (~3 s a language)
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_string_in_the_code_is_translated(language):
    catalog = _catalog(language)
    extracted = _extracted()
    assert len(extracted) > 100, "string extraction found too little: check the babel mapping"
    missing = sorted(msgid for msgid in extracted if msgid not in catalog)
    assert not missing, f"{len(missing)} strings missing from {language}: {missing[:10]}"
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if not all(forms):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not untranslated, f"untranslated in {language}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy[:10]}"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_translations_keep_placeholders(language):
    problems = [(message.id, [str(e) for e in errors]) for message, errors in _catalog(language).check()]
    assert not problems, problems[:5]


def test_plural_forms_follow_cldr():
    assert _catalog("kk").num_plurals == 2
    russian = _catalog("ru")
    assert russian.num_plurals == 3
    plurals = [m for m in russian if m.id and isinstance(m.id, tuple)]
    assert plurals, "the Russian catalog should contain plural messages"
    for message in plurals:
        assert len(message.string) == 3 and len(set(message.string)) >= 2, message.id


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_msgfmt_reports_no_untranslated_or_fuzzy(language):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "gettext's msgfmt is needed (Debian package gettext)"
    po = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
    result = subprocess.run([msgfmt, "--check", "--statistics", "-o", "/dev/null", str(po)],
                            capture_output=True, text=True, env={"LC_ALL": "C"})
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr

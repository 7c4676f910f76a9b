"""One term per concept on Oqu's pages (docs/glossary.md, «Oqu беттері · Страницы Oqu»): a notebook is
«дәптер» in the kk catalog and «блокнот» in the ru one; revoking a certificate or a token is «кері
қайтару» / «отозвать». A catalog that uses a rejected word, in any declined form, fails."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
SECTION = "## Oqu беттері"


def _catalog(language: str):
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def _texts(catalog) -> list[str]:
    texts = []
    for message in catalog:
        if message.id:
            texts += [text for text in (message.string if isinstance(message.string, tuple) else (message.string,))
                      if text]
    return texts


def interface_terms() -> list[dict]:
    """The rows of the glossary's table of interface terms: the term and the rejected word stems per language."""
    section = GLOSSARY.read_text(encoding="utf-8").split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 5 or set(cells[0]) <= set("-") or cells[0].startswith("Қазақша"):
            continue
        rows.append({"kk": cells[0], "ru": cells[1], "en": cells[2],
                     "avoid": {"kk": [v.strip() for v in cells[3].split(";") if v.strip()],
                               "ru": [v.strip() for v in cells[4].split(";") if v.strip()]}})
    return rows


def _rejected(language: str) -> re.Pattern:
    stems = [stem for row in interface_terms() for stem in row["avoid"][language]]
    return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, stems)) + r")", re.IGNORECASE)


def test_the_glossary_decides_the_notebook_and_revocation_terms():
    terms = {row["en"].split(" ")[0]: row for row in interface_terms()}
    assert terms["notebook"]["kk"] == "дәптер" and terms["notebook"]["ru"] == "блокнот"
    assert terms["revoke"]["kk"] == "кері қайтару"
    assert "ноутбук" in terms["notebook"]["avoid"]["ru"] and "күшін жо" in terms["revoke"]["avoid"]["kk"]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_catalog_uses_one_term_per_concept(language):
    rejected = _rejected(language)
    found = [text for text in _texts(_catalog(language)) if rejected.search(text)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language, term", [("kk", "дәптер"), ("kk", "кері қайтар"),
                                            ("ru", "блокнот"), ("ru", "отозва")])
def test_the_chosen_term_is_the_one_in_use(language, term):
    assert any(term in text.lower() for text in _texts(_catalog(language))), term


@pytest.mark.parametrize("language, text", [("kk", "Оны алу үшін ноутбугыңызды ашыңыз"),
                                            ("kk", "Токеннің күші жойылды."), ("ru", "Открыть ноутбук"),
                                            ("ru", "Сохраните тетрадь")])
def test_the_check_catches_a_rejected_term_in_a_declined_form(language, text):
    assert _rejected(language).search(text)

"""One Kazakh term per concept (docs/glossary.md): a notebook is «дәптер» everywhere in the kk
catalog, never «ноутбук» or «блокнот»."""
import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parents[2] / "translations" / "kk" / "LC_MESSAGES" / "messages.po"
AVOIDED = re.compile(r"ноутбук|блокнот", re.IGNORECASE)


def test_the_kazakh_catalog_calls_a_notebook_daepter():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [text for text in texts if text and AVOIDED.search(text)]
    assert not found, found
    assert any("дәптер" in (m.string if isinstance(m.string, str) else " ".join(m.string)).lower()
               for m in catalog if m.id)

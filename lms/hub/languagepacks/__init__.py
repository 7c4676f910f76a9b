"""JupyterLab language packs shipped with Oqu: Kazakh (``kk_KZ``) and Kazakh Latin (``kk_Latn_KZ``).

Each is a package in JupyterLab's language-pack format, registered under the entry point group
``jupyterlab.languagepack`` (pyproject.toml): catalogs ``locale/<locale>/LC_MESSAGES/<domain>.json``
in the Jed format JupyterLab serves at ``/lab/api/translations/<locale>`` (a header under ``""``,
then each message id, ``context\\x04id`` when it has a context, with its translations).
The Kazakh catalogs are written by hand; the Latin ones are generated from them by Oqu's own
transliteration: ``python -m lms.hub.languagepacks`` after changing a Kazakh catalog.
"""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
KAZAKH, LATIN = "kk_KZ", "kk_Latn_KZ"


def catalog_dir(locale: str) -> Path:
    return HERE / locale / "locale" / locale / "LC_MESSAGES"


def read_catalog(locale: str, domain: str) -> dict:
    return json.loads((catalog_dir(locale) / f"{domain}.json").read_text(encoding="utf-8"))


def latin_catalog(catalog: dict) -> dict:
    """The Kazakh Latin catalog of a Kazakh (Cyrillic) one."""
    from lms.i18n.latin import to_latin

    latin = {key: [to_latin(text) for text in texts] for key, texts in catalog.items() if key}
    return {"": {**catalog[""], "language": "kk-Latn-KZ"}, **latin}


def write_latin() -> list[Path]:
    """(Re)generate every Latin catalog from its Kazakh one."""
    written = []
    for source in sorted(catalog_dir(KAZAKH).glob("*.json")):
        target = catalog_dir(LATIN) / source.name
        catalog = latin_catalog(read_catalog(KAZAKH, source.stem))
        target.write_text(json.dumps(catalog, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(target)
    return written

"""JupyterLab language packs shipped with Oqu: Kazakh (``kk_KZ``) and Kazakh Latin (``kk_Latn_KZ``).

Each is a package in JupyterLab's language-pack format, registered under the entry point group
``jupyterlab.languagepack`` (pyproject.toml): catalogs ``locale/<locale>/LC_MESSAGES/<domain>.json``
in the Jed format JupyterLab serves at ``/lab/api/translations/<locale>`` (a header under ``""``,
then each message id, ``context\\x04id`` when it has a context, with its translations).
The Kazakh catalogs are written by hand; the Latin ones are generated from them by Oqu's own
transliteration: ``python -m lms.hub.languagepacks`` after changing a Kazakh catalog.

What JupyterLab core asks to translate is read from the installed JupyterLab itself
(:func:`jupyterlab_messages`): the ``trans.__``/``_p``/``_n`` calls of its built application and the
titles, descriptions and menu labels of its settings schemas — the sources JupyterLab's own
``jupyterlab-translate`` extracts its template from — and likewise from each extension Oqu leaves
enabled (:data:`ENABLED_EXTENSIONS`, :func:`extension_messages`).
``python -m lms.hub.languagepacks --coverage`` reports how much of it each catalog covers.
"""
from __future__ import annotations

import json
import re
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


# ``trans.__("…")``, ``trans._p("context", "…")``, ``trans._n("one", "many", n)`` in the minified bundle.
_STRING = r"""(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\$]|\\.)*)`)"""
_CALL = re.compile(r"\.(__|_p|_n)\(\s*" + _STRING + r"(?:\s*,\s*" + _STRING + ")?")


def _js_string(body: str) -> str:
    return json.loads('"' + re.sub(r'\\([\'`])|"|\n', lambda m: m.group(1) or {'"': '\\"', "\n": "\\n"}[m.group(0)],
                                   body) + '"')


def bundle_messages(bundles, schemas) -> dict[str, str | None]:
    """The message ids (``context\\x04id`` with a context) of built JavaScript bundles and settings
    schemas, each mapped to the id of its plural form (``None`` when it has none)."""
    messages: dict[str, str | None] = {}
    for bundle in bundles:
        for call in _CALL.finditer(Path(bundle).read_text(encoding="utf-8", errors="replace")):
            kind, first, second = call.group(1), call.group(2, 3, 4), call.group(5, 6, 7)
            try:
                first = _js_string(next(text for text in first if text is not None))
                second = next((_js_string(text) for text in second if text is not None), None)
            except ValueError:  # an escape JSON does not know: not a message a learner reads
                continue
            if kind == "_p":
                if second is not None:
                    messages.setdefault(f"{first}\x04{second}", None)
            elif kind == "_n" and second is not None:
                messages[first] = second
            else:
                messages.setdefault(first, None)

    def walk(node, top: bool, menu: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("title", "description") and isinstance(value, str) and value:
                    messages.setdefault(f"{'schema' if top else 'settings'}\x04{value}", None)
                elif key == "label" and menu and isinstance(value, str) and value:
                    messages.setdefault(f"menu\x04{value}", None)
                else:
                    walk(value, False, menu or key == "jupyter.lab.menus")
        elif isinstance(node, list):
            for value in node:
                walk(value, False, menu)

    for schema in schemas:
        walk(json.loads(Path(schema).read_text(encoding="utf-8")), True, False)
    return messages


def jupyterlab_messages(app_dir: Path | None = None) -> dict[str, str | None]:
    """The installed JupyterLab core's messages (:func:`bundle_messages` of its application)."""
    if app_dir is None:
        from jupyterlab.commands import get_app_dir

        app_dir = Path(get_app_dir())
    return bundle_messages(sorted((app_dir / "static").glob("*.js")),
                           sorted((app_dir / "schemas").glob("@jupyterlab/*/*.json")))


# The prebuilt extensions Oqu leaves enabled in the learner's JupyterLab (learner_jupyter/labconfig
# disables nbgrader's), by the translation domain each loads.
ENABLED_EXTENSIONS = {"notebook": "@jupyter-notebook/lab-extension",
                      "jupyterlab_widgets": "@jupyter-widgets/jupyterlab-manager"}


def extension_messages(domain: str) -> dict[str, str | None]:
    """The messages of the installed extension that loads ``domain`` (empty when it is not installed)."""
    from jupyter_core.paths import jupyter_path

    for root in map(Path, jupyter_path("labextensions")):
        folder = root / ENABLED_EXTENSIONS[domain]
        if (folder / "package.json").exists():
            return bundle_messages(sorted((folder / "static").glob("*.js")),
                                   sorted((folder / "schemas").glob("*/*/*.json")))
    return {}


# What must not change in a translation: %1-style and printf arguments, {named} fields, HTML tags and
# entities, `code`, and the $ that the search panel replaces with a count.
_PLACEHOLDER = re.compile(r"%\d+|%[sd]|\{[A-Za-z_]\w*\}|</?[A-Za-z][^<>]*>|&[a-z]+;|&#\d+;|`[^`]*`|\$(?![\w{])")


def placeholders(text: str) -> list[str]:
    """The placeholders of a message or a translation, sorted, repeated ones as many times as they occur."""
    return sorted(_PLACEHOLDER.findall(text))


def coverage(locale: str = KAZAKH, messages: dict[str, str | None] | None = None) -> tuple[int, int]:
    """(translated, all) of the installed JupyterLab core's messages in a locale's ``jupyterlab`` catalog."""
    messages = jupyterlab_messages() if messages is None else messages
    catalog = read_catalog(locale, "jupyterlab")
    return sum(1 for message in messages if any(text.strip() for text in catalog.get(message, []))), len(messages)

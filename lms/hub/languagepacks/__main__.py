"""Regenerate the Kazakh Latin JupyterLab catalogs from the Kazakh ones; ``--coverage``: report how much
of the installed JupyterLab core, and of each extension Oqu leaves enabled, each catalog translates."""
import sys

from . import (
    ENABLED_EXTENSIONS, KAZAKH, LATIN, coverage, extension_messages, jupyterlab_messages, read_catalog, write_latin,
)

if "--coverage" in sys.argv[1:]:
    messages = jupyterlab_messages()
    for locale in (KAZAKH, LATIN):
        done, total = coverage(locale, messages)
        print(f"{locale}: {done}/{total} = {100 * done / total:.1f} % of JupyterLab core")
        for domain, extension in ENABLED_EXTENSIONS.items():
            installed, catalog = extension_messages(domain), read_catalog(locale, domain)
            done = sum(1 for message in installed if any(text.strip() for text in catalog.get(message, [])))
            print(f"{locale}: {done}/{len(installed)} of {extension} ({domain})")
else:
    for path in write_latin():
        print(path)

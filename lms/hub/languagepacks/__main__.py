"""Regenerate the Kazakh Latin JupyterLab catalogs from the Kazakh ones; ``--coverage``: report how much
of the installed JupyterLab core each catalog translates."""
import sys

from . import KAZAKH, LATIN, coverage, jupyterlab_messages, write_latin

if "--coverage" in sys.argv[1:]:
    messages = jupyterlab_messages()
    for locale in (KAZAKH, LATIN):
        done, total = coverage(locale, messages)
        print(f"{locale}: {done}/{total} = {100 * done / total:.1f} % of JupyterLab core")
else:
    for path in write_latin():
        print(path)

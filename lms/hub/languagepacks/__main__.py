"""Regenerate the Kazakh Latin JupyterLab catalogs from the Kazakh ones."""
from . import write_latin

for path in write_latin():
    print(path)

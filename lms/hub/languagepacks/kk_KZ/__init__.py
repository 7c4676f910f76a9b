"""JupyterLab in Kazakh (Cyrillic): the locale folder next to this file."""

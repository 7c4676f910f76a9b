"""JupyterLab in Kazakh Latin, generated from the Kazakh pack (python -m lms.hub.languagepacks)."""

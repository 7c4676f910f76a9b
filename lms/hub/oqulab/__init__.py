"""Oqu's JupyterLab extension: the frontend (TypeScript, ``src/``, built by ``make labext`` into
``build/labextensions``) and its server part ``oqu_lab`` with the extension's translations."""

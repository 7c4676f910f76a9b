from ..certificates.conftest import course  # noqa: F401 — the standard test course

"""The learner's JupyterLab: Oqu's language, nothing broken or foreign, a way back to Oqu.

Loaded by path from jupyterhub_config.py (it needs no LMS code). The LMS sends, with the profile, the
learner's ``lab`` options when it starts a server; :func:`with_lab_options` keeps only valid ones and
passes them to the server as environment variables, which the server's own configuration
(``learner_jupyter/jupyter_server_config.py``, found through ``JUPYTER_CONFIG_PATH``) turns into
JupyterLab settings. ``learner_jupyter/labconfig/page_config.json`` disables what a learner must not
meet: nbgrader's instructor and exchange extensions, the news prompt, the hub control panel.

An instructor's named server :data:`AUTHORING_SERVER` is their authoring JupyterLab instead
(``authoring_jupyter/``): the same language and link back, nbgrader's *Create Assignment* cell toolbar
and *Validate* button, no learner's submit button, its files under ``~/authoring``. Which one a server
gets follows from its name, never from the options (the LMS's spawn check allows that name only to
instructors and admins).
"""
from __future__ import annotations

import functools
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent / "learner_jupyter"
AUTHORING_CONFIG_DIR = Path(__file__).resolve().parent / "authoring_jupyter"
AUTHORING_SERVER = "authoring"  # the instructor's named server for writing assignments

# The LMS's languages and the JupyterLab locales (language packs) that show them.
LAB_LOCALES = {"kk": "kk_KZ", "ru": "ru_RU", "kk-Latn": "kk_Latn_KZ"}
MAX_LABEL = 60


def lab_options(user_options: dict, lms_url: str) -> dict:
    """The valid part of ``user_options["lab"]``: a known language, a link back that leads to the LMS
    and a short label for it. Anything else is dropped (a learner may call the hub's API too)."""
    given = user_options.get("lab") if isinstance(user_options, dict) else None
    if not isinstance(given, dict):
        return {}
    cleaned = {}
    if given.get("language") in LAB_LOCALES:
        cleaned["language"] = given["language"]
    back_url, label = given.get("back_url"), given.get("back_label")
    if (isinstance(back_url, str) and back_url.startswith(lms_url.rstrip("/") + "/")
            and isinstance(label, str) and 0 < len(label.strip()) <= MAX_LABEL):
        cleaned["back_url"], cleaned["back_label"] = back_url, label.strip()
    return cleaned


def lab_environment(options: dict, lms_url: str = "", server: str = "") -> dict:
    """What the learner's server reads at start (learner_jupyter/jupyter_server_config.py, and Oqu's
    server extension, which calls the LMS at ``OQU_LMS_URL`` with the server's own hub token); the
    named server :data:`AUTHORING_SERVER` reads authoring_jupyter/ instead."""
    env = {"JUPYTER_CONFIG_PATH": str(AUTHORING_CONFIG_DIR if server == AUTHORING_SERVER else CONFIG_DIR)}
    if lms_url:
        env["OQU_LMS_URL"] = lms_url.rstrip("/")
    if "language" in options:
        env["OQU_LAB_LOCALE"] = LAB_LOCALES[options["language"]]
    if "back_url" in options:
        env["OQU_BACK_URL"], env["OQU_BACK_LABEL"] = options["back_url"], options["back_label"]
    return env


def with_lab_options(apply_user_options, lms_url: str):
    """``Spawner.apply_user_options`` that applies the profile (``apply_user_options``, which keeps
    only the profile in the options the hub records), then the lab options to the server's environment."""

    @functools.wraps(apply_user_options)
    def apply(spawner, user_options):
        apply_user_options(spawner, user_options)
        spawner.environment = {**dict(spawner.environment or {}),
                               **lab_environment(lab_options(user_options, lms_url), lms_url,
                                                  getattr(spawner, "name", "") or "")}

    return apply

"""A learner's Jupyter server, as Oqu starts it (JUPYTER_CONFIG_PATH, see lms/hub/lab.py).

nbgrader's server extensions are the instructor's and the exchange's: off. JupyterLab's settings
defaults (its "overrides") come from the LMS: the learner's language, no news, a menu entry back to
Oqu; they are written at each start into the server's runtime folder, read as LabApp.app_settings_dir.
"""
import json
import os
import sys
from pathlib import Path

from jupyter_core.paths import jupyter_runtime_dir

c = get_config()  # noqa: F821 — provided by the Jupyter server when it loads this file

c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.validate_assignment": False,
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.course_list": False,
    "oqu_lab": True,  # Oqu's handlers (lms/hub/oqulab/oqu_lab): submit and feedback from JupyterLab
}
# Oqu's extension, from the repository: its server part by path, its built frontend (make install:
# lms/hub/oqulab/build/labextensions) as a JupyterLab extension folder.
OQULAB = Path(__file__).resolve().parent.parent / "oqulab"
if str(OQULAB) not in sys.path:
    sys.path.insert(0, str(OQULAB))
c.LabApp.extra_labextensions_path = [str(OQULAB / "build" / "labextensions")]

overrides = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
if os.environ.get("OQU_LAB_LOCALE"):
    overrides["@jupyterlab/translation-extension:plugin"] = {"locale": os.environ["OQU_LAB_LOCALE"]}
if os.environ.get("OQU_BACK_URL"):
    back = {"command": "help:open", "rank": 0,
            "args": {"url": os.environ["OQU_BACK_URL"], "text": os.environ.get("OQU_BACK_LABEL", "Oqu"),
                     "newBrowserTab": True}}
    overrides["@jupyterlab/mainmenu-extension:plugin"] = {
        "menus": [{"id": "jp-mainmenu-file", "items": [back, {"type": "separator", "rank": 0}]}]}

settings = Path(jupyter_runtime_dir()) / "oqu-lab-settings"
settings.mkdir(parents=True, exist_ok=True)
(settings / "overrides.json").write_text(json.dumps(overrides, ensure_ascii=False), encoding="utf-8")
c.LabApp.app_settings_dir = str(settings)

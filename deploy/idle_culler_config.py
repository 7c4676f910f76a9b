"""jupyterhub-idle-culler's configuration (the hub starts it as a service, jupyterhub_config.py):
each server is culled after its own profile's idle timeout — GPU servers sooner than CPU ones."""
import importlib.util
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 — provided by traitlets when it loads this file

_path = Path(os.environ.get("OQU_PROFILES_PATH") or Path(__file__).resolve().parent.parent / "lms" / "profiles.py")
_spec = importlib.util.spec_from_file_location("oqu_profiles", _path)
profiles = importlib.util.module_from_spec(_spec)
sys.modules["oqu_profiles"] = profiles
_spec.loader.exec_module(profiles)

c.IdleCuller.cull_arbiter_hook = profiles.cull_arbiter

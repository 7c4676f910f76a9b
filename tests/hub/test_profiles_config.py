"""The hub's configuration around the profile table: one setting picks the back end, the Zero to
JupyterHub values say the same as the table, and the idle culler stops GPU servers sooner."""
from __future__ import annotations

import re
import shutil
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from traitlets.config import Config

from lms import profiles

from .test_hub_settings import load_hub_config

ROOT = Path(__file__).resolve().parents[2]
VALUES = ROOT / "deploy" / "z2jh-values.yaml"


def hub_config(monkeypatch, tmp_path, backend: str | None) -> Config:
    environ = {"LMS_HUB_API_TOKEN": "t" * 40, "LMS_HUB_CLIENT_SECRET": "s" * 40, "LMS_HUB_REPORT_TOKEN": "r" * 40,
               "HUB_STATE_DIR": str(tmp_path / "hub")}
    if backend:
        environ["LMS_HUB_BACKEND"] = backend
    return load_hub_config(monkeypatch, environ)


@pytest.mark.parametrize("backend, spawner", [
    (None, "oqu_isolation.SandboxedLocalSpawner"), ("local", "oqu_isolation.SandboxedLocalSpawner"),
    ("systemd", "systemdspawner.SystemdSpawner"),
    ("docker", "dockerspawner.DockerSpawner"), ("kubernetes", "kubespawner.KubeSpawner"),
    ("slurm", "oqu_slurm.OquSlurmSpawner"),
])
def test_one_setting_chooses_the_backend_with_the_same_profile_check(monkeypatch, tmp_path, backend, spawner):
    c = hub_config(monkeypatch, tmp_path, backend)
    chosen = c.JupyterHub.spawner_class
    assert (chosen if isinstance(chosen, str) else f"{chosen.__module__}.{chosen.__name__}") == spawner
    # the same hooks everywhere: the profile check and the usage reports
    assert c.Spawner.apply_user_options.__name__ == "apply_user_options"
    assert c.Spawner.pre_spawn_hook.__name__ == "pre_spawn_hook"
    assert c.Spawner.post_stop_hook.__name__ == "post_stop_hook"
    # a learner's server never runs as root; only Slurm jobs under the hub's own account need the flag
    assert "--allow-root" not in c.Spawner.args or backend == "slurm"
    if backend == "kubernetes":
        assert c.KubeSpawner.profile_list.__name__ == "kubespawner_profile_list"


def test_an_unknown_backend_stops_the_hub_at_start(monkeypatch, tmp_path):
    with pytest.raises(SystemExit, match="LMS_HUB_BACKEND"):
        hub_config(monkeypatch, tmp_path, "openstack")


def test_idle_culler_runs_as_a_hub_service_and_culls_gpu_sooner(monkeypatch, tmp_path):
    c = hub_config(monkeypatch, tmp_path, None)
    culler = next(s for s in c.JupyterHub.services if s["name"] == "idle-culler")
    assert culler["command"][1:3] == ["-m", "jupyterhub_idle_culler"]
    role = next(r for r in c.JupyterHub.load_roles if r["name"] == "idle-culler")
    assert {"list:users", "read:users:activity", "read:servers", "delete:servers"} <= set(role["scopes"])
    timeout = int(next(a for a in culler["command"] if a.startswith("--timeout=")).split("=")[1])
    config_file = next(a for a in culler["command"] if a.startswith("--config=")).split("=", 1)[1]

    # The culler application itself loads the file named on its command line.
    from jupyterhub_idle_culler import IdleCuller

    culler_app = IdleCuller()
    culler_app.load_config_file(config_file)
    arbiter = culler_app.cull_arbiter_hook
    gpu = {"user_options": {"profile": "gpu-1"}}
    cpu = {"user_options": {"profile": "cpu"}}
    idle = timedelta(minutes=25)
    assert arbiter(inactive=idle, inactive_limit=timeout, server=gpu) is True
    assert arbiter(inactive=idle, inactive_limit=timeout, server=cpu) is False
    assert arbiter(inactive=timedelta(minutes=61), inactive_limit=timeout, server=cpu) is True
    assert arbiter(inactive=timedelta(minutes=19), inactive_limit=timeout, server=gpu) is False
    assert timeout <= profiles.PROFILES["gpu-1"].idle_timeout_minutes * 60 < profiles.PROFILES["cpu"].idle_timeout_minutes * 60
    # a server whose options were tampered with is held to the default profile's timeout
    assert arbiter(inactive=idle, inactive_limit=timeout, server={"user_options": {"profile": "x"}}) is False


# --------------------------------------------------------------------------- Zero to JupyterHub


def test_z2jh_values_agree_with_the_profile_table():
    values = yaml.safe_load(VALUES.read_text())
    assert values["singleuser"]["profileList"] == profiles.kubespawner_profile_list()
    gpu = next(p for p in values["singleuser"]["profileList"] if p["slug"] == "gpu-1")["kubespawner_override"]
    assert gpu["extra_resource_limits"] == {"nvidia.com/gpu": "1"}
    assert values["cull"]["enabled"] is False  # the chart's culler has one timeout; Oqu's runs instead
    assert values["hub"]["loadRoles"]["oqu-lms"]["scopes"] == ["admin:users", "servers", "tokens", "admin:groups"]
    oauth = values["hub"]["config"]["GenericOAuthenticator"]
    assert oauth["basic_auth"] is False and oauth["enable_pkce"] is True
    assert oauth["username_claim"] == "preferred_username"


def test_z2jh_extra_config_installs_the_same_hooks(tmp_path, monkeypatch):
    """Run the chart's extraConfig as the hub would, with the files the hub image carries."""
    image_dir = tmp_path / "oqu"
    image_dir.mkdir()
    for source in ("lms/profiles.py", "lms/hub/spawn_gate.py", "lms/gpu/reporter.py", "deploy/idle_culler_config.py"):
        shutil.copy(ROOT / source, image_dir)
    dockerfile = (ROOT / "deploy" / "hub.Dockerfile").read_text()
    assert re.search(r"COPY lms/profiles.py lms/hub/spawn_gate.py lms/gpu/reporter.py deploy/idle_culler_config.py "
                     r"/usr/local/etc/oqu/",
                     dockerfile)
    values = yaml.safe_load(VALUES.read_text())
    code = values["hub"]["extraConfig"]["oqu"].replace("/usr/local/etc/oqu", str(image_dir))
    code = code.replace("/srv/jupyterhub/usage-spool", str(tmp_path / "spool"))
    monkeypatch.setenv("LMS_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LMS_HUB_REPORT_TOKEN", "r" * 40)
    c = Config()
    c.JupyterHub.services = []
    namespace = {"c": c}
    exec(compile(code, "extraConfig", "exec"), namespace)
    assert [p["slug"] for p in c.KubeSpawner.profile_list(None)] == ["cpu", "gpu-1"]
    assert c.Spawner.apply_user_options.__name__ == "apply_user_options"
    assert c.Spawner.post_stop_hook.reporter.endpoint == "http://127.0.0.1:9/api/v1/hub/usage-events"
    assert c.Spawner.pre_spawn_hook.gate.endpoint == "http://127.0.0.1:9/api/v1/hub/spawn-checks"
    assert c.Spawner.pre_spawn_hook.reporter._token == "r" * 40
    from oauthenticator.generic import GenericOAuthenticator

    assert issubclass(c.JupyterHub.authenticator_class, GenericOAuthenticator)  # with the LMS's access checks
    assert c.JupyterHub.authenticator_class.refresh_user is not GenericOAuthenticator.refresh_user
    assert c.Authenticator.auth_refresh_age == 60
    culler = c.JupyterHub.services[0]
    assert culler["name"] == "idle-culler" and culler["command"][0] == sys.executable
    for name in list(sys.modules):
        if name in ("oqu_profiles", "oqu_usage_reporter", "oqu_spawn_gate"):
            del sys.modules[name]

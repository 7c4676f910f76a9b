"""The hub's settings: one set shared by the LMS and jupyterhub_config.py; secrets generated once in
development, required in production."""
from __future__ import annotations

import runpy

import pytest
from traitlets.config import Config

from tests.hubs import CONFIG
from lms.settings import Settings, SettingsError


@pytest.fixture
def app_overrides():
    return {"hub_url": "http://127.0.0.1:9", "queue_url": "memory://"}


def load_hub_config(monkeypatch, environ: dict) -> Config:
    for name in list(__import__("os").environ):
        if name.startswith(("LMS_", "HUB_")):
            monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    config = Config()
    runpy.run_path(str(CONFIG), init_globals={"get_config": lambda: config})
    return config


def test_development_generates_hub_secrets_once(tmp_path):
    first = Settings.load({"instance_path": str(tmp_path)}, environ={})
    again = Settings.load({"instance_path": str(tmp_path)}, environ={})
    secrets = (first.hub_api_token, first.hub_client_secret, first.hub_report_token)
    assert min(len(secret) for secret in secrets) >= 32 and len(set(secrets)) == 3
    assert (again.hub_api_token, again.hub_client_secret, again.hub_report_token) == secrets
    assert oct((tmp_path / "hub_api_token").stat().st_mode & 0o777) == "0o600"


def test_production_requires_the_hub_secrets(tmp_path):
    base = {"instance_path": str(tmp_path), "env": "production", "secret_key": "k" * 40, "grading_user": "oqu-grader"}
    with pytest.raises(SettingsError, match="LMS_HUB_API_TOKEN"):
        Settings.load(base, environ={})
    with pytest.raises(SettingsError, match="LMS_HUB_CLIENT_SECRET"):
        Settings.load({**base, "hub_api_token": "a" * 40}, environ={})
    with pytest.raises(SettingsError, match="LMS_HUB_REPORT_TOKEN"):
        Settings.load({**base, "hub_api_token": "a" * 40, "hub_client_secret": "b" * 40}, environ={})
    with pytest.raises(SettingsError, match="LMS_HUB_REPORT_TOKEN must differ from LMS_HUB_API_TOKEN"):
        Settings.load({**base, "hub_api_token": "a" * 40, "hub_client_secret": "b" * 40, "hub_report_token": "a" * 40},
                      environ={})
    settings = Settings.load(base, environ={"LMS_HUB_API_TOKEN": "a" * 40, "LMS_HUB_CLIENT_SECRET": "b" * 40,
                                            "LMS_HUB_REPORT_TOKEN": "r" * 40})
    assert not (tmp_path / "hub_api_token").exists()
    assert settings.hub_callback_url == "http://127.0.0.1:8000/hub/oauth_callback"


@pytest.mark.parametrize("values, match", [
    ({"hub_url": "127.0.0.1:8000"}, "LMS_HUB_URL"),
    ({"hub_api_url": "ftp://hub"}, "LMS_HUB_API_URL"),
    ({"queue_url": "amqp://x"}, "LMS_QUEUE_URL"),
    ({"hub_spawn_timeout": 1}, "LMS_HUB_SPAWN_TIMEOUT"),
])
def test_bad_hub_and_queue_settings_are_refused_at_start(tmp_path, values, match):
    with pytest.raises(SettingsError, match=match):
        Settings.load({"instance_path": str(tmp_path), **values}, environ={})


@pytest.mark.integration  # loads the hub's configuration (the sandboxed spawner probes bwrap)
def test_hub_config_reads_the_same_settings_as_the_lms(app, monkeypatch, tmp_path):
    result = app.test_cli_runner().invoke(args=["lms", "hub-env"])
    assert result.exit_code == 0, result.output
    environ = dict(line.split("=", 1) for line in result.output.splitlines())
    environ["HUB_STATE_DIR"] = str(tmp_path / "hub")
    settings = app.config["OQU_SETTINGS"]
    c = load_hub_config(monkeypatch, environ)

    assert c.GenericOAuthenticator.client_id == settings.hub_client_id
    assert c.GenericOAuthenticator.client_secret == settings.hub_client_secret
    assert c.GenericOAuthenticator.oauth_callback_url == settings.hub_callback_url
    assert c.GenericOAuthenticator.authorize_url == settings.base_url + "/oauth/authorize"
    assert c.GenericOAuthenticator.token_url == settings.base_url + "/oauth/token"
    assert c.GenericOAuthenticator.basic_auth is False and c.GenericOAuthenticator.enable_pkce is True
    assert c.JupyterHub.bind_url == settings.hub_url + "/"
    assert settings.hub_api_url == c.JupyterHub.hub_bind_url + "/hub/api"
    assert c.JupyterHub.services[0] == {"name": "oqu-lms", "api_token": settings.hub_api_token, "display": False}
    # No access:servers: the LMS reaches a server only with a token it mints for that server.
    assert c.JupyterHub.load_roles[0]["scopes"] == ["admin:users", "servers", "tokens", "admin:groups"]
    gate = c.Spawner.pre_spawn_hook.gate
    assert gate.endpoint == settings.base_url + "/api/v1/hub/spawn-checks" and gate._token == settings.hub_report_token
    assert c.Spawner.pre_spawn_hook.reporter._token == settings.hub_report_token
    assert c.JupyterHub.spawner_class.__name__ == "SandboxedLocalSpawner"  # lms/hub/isolation.py
    assert not {"LMS_HUB_API_TOKEN", "LMS_HUB_REPORT_TOKEN"} & set(c.Spawner.env_keep)
    assert c.ConfigurableHTTPProxy.command[0].endswith("/configurable-http-proxy")
    assert settings.hub_api_token not in c.ConfigurableHTTPProxy.auth_token


def test_hub_config_falls_back_to_the_development_secret_files(monkeypatch, tmp_path):
    settings = Settings.load({"instance_path": str(tmp_path)}, environ={})
    c = load_hub_config(monkeypatch, {"LMS_INSTANCE_PATH": str(tmp_path)})
    assert c.GenericOAuthenticator.client_secret == settings.hub_client_secret
    assert c.JupyterHub.services[0]["api_token"] == settings.hub_api_token
    assert c.JupyterHub.db_url == f"sqlite:///{tmp_path / 'hub' / 'jupyterhub.sqlite'}"


def test_hub_config_refuses_to_start_in_production_without_secrets(monkeypatch, tmp_path):
    with pytest.raises(SystemExit, match="LMS_HUB_API_TOKEN is required in production"):
        load_hub_config(monkeypatch, {"LMS_INSTANCE_PATH": str(tmp_path), "LMS_ENV": "production"})


def test_hub_env_file_is_private(app, tmp_path):
    target = tmp_path / "hub.env"
    result = app.test_cli_runner().invoke(args=["lms", "hub-env", "-o", str(target)])
    assert result.exit_code == 0
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert f"LMS_HUB_API_TOKEN={app.config['OQU_SETTINGS'].hub_api_token}" in target.read_text()


def test_hub_config_refuses_the_unisolated_local_spawner_in_production(monkeypatch, tmp_path):
    secrets = {"LMS_INSTANCE_PATH": str(tmp_path), "LMS_HUB_API_TOKEN": "a" * 40, "LMS_HUB_CLIENT_SECRET": "b" * 40,
               "LMS_HUB_REPORT_TOKEN": "r" * 40, "LMS_HUB_LOCAL_SANDBOX": "false"}
    with pytest.raises(SystemExit, match="production refuses LMS_HUB_LOCAL_SANDBOX=false"):
        load_hub_config(monkeypatch, {**secrets, "LMS_ENV": "production"})
    c = load_hub_config(monkeypatch, {**secrets, "LMS_ENV": "development"})  # a development machine may
    assert c.JupyterHub.spawner_class == "simple" and "--allow-root" in c.Spawner.args


def test_hub_config_without_bubblewrap_refuses_to_start_and_says_what_to_do(monkeypatch, tmp_path):
    Settings.load({"instance_path": str(tmp_path)}, environ={})  # the development secrets
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on it
    with pytest.raises(SystemExit, match=r"bubblewrap \(bwrap\) is not installed.*LMS_HUB_LOCAL_SANDBOX=false"):
        load_hub_config(monkeypatch, {"LMS_INSTANCE_PATH": str(tmp_path)})

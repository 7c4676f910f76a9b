"""The multi-machine example in deploy/: the files parse, and they name real settings with values the
LMS accepts (PostgreSQL, Redis, several gunicorn workers). There is no Docker engine or systemd here
to run them; what can be checked without one is checked."""
from __future__ import annotations

import configparser
import re
import runpy
from pathlib import Path

import yaml

from lms.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KNOWN = {variable for variable, _default, _help in Settings.fields_help()}


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _sep, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def production_settings(environ: dict[str, str], tmp_path) -> Settings:
    """The example's values with its secrets filled in, as an operator does (placeholders are refused)."""
    environ = {k: (v.replace("${", "").replace("}", "") + "-" + "x" * 32 if "${" in v else v) for k, v in environ.items()}
    environ = {k: re.sub(r"change-me[\w-]*", k.lower() + "-" + "r4nd0m" * 8, v) for k, v in environ.items()}
    environ["LMS_INSTANCE_PATH"] = str(tmp_path)
    return Settings.load(environ=environ)


def test_env_example_names_only_real_settings_and_passes_production_validation(tmp_path):
    environ = read_env_file(DEPLOY / "oqu.env.example")
    unknown = {name for name in environ if name.startswith("LMS_")} - KNOWN
    assert not unknown, f"not LMS settings: {unknown}"
    settings = production_settings(environ, tmp_path)
    assert settings.env == "production" and settings.cookie_secure
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.queue_url.startswith("redis://:")  # password protected
    assert settings.hub_backend == "slurm"


def test_gunicorn_runs_several_threaded_workers(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "5")
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["workers"] == 5 and config["worker_class"] == "gthread" and config["threads"] >= 2
    assert config["preload_app"] is False  # one database pool per worker, made after the fork
    monkeypatch.delenv("GUNICORN_WORKERS")
    assert runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["workers"] >= 3


def test_systemd_units_parse_and_share_one_environment_file():
    units = {}
    for path in sorted((DEPLOY / "systemd").glob("*.service")):
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.optionxform = str
        parser.read(path)
        units[path.stem] = parser
    assert set(units) == {"oqu-web", "oqu-worker", "oqu-hub", "oqu-migrate"}
    for name, unit in units.items():
        assert unit["Service"]["EnvironmentFile"] == "/etc/oqu/oqu.env", name
    assert "gunicorn -c deploy/gunicorn.conf.py wsgi:app" in units["oqu-web"]["Service"]["ExecStart"]
    assert "oqu-migrate.service" in units["oqu-web"]["Unit"]["After"]
    assert units["oqu-worker"]["Service"]["ExecStart"].endswith("lms worker --workers 2")
    assert units["oqu-worker"]["Service"]["KillMode"] == "control-group"
    assert "jupyterhub_config.py" in units["oqu-hub"]["Service"]["ExecStart"]
    assert units["oqu-migrate"]["Service"]["Type"] == "oneshot"


def test_compose_file_runs_several_web_replicas_on_postgres_and_redis(tmp_path):
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "hub"} <= set(services)
    web = services["web"]
    assert web["deploy"]["replicas"] >= 2 and int(web["environment"]["GUNICORN_WORKERS"]) >= 2
    for name in ("web", "worker", "hub", "migrate"):
        environment = services[name]["environment"]
        unknown = {k for k in environment if k.startswith("LMS_")} - KNOWN
        assert not unknown, (name, unknown)
        settings = production_settings(dict(environment), tmp_path)
        assert settings.database_url.startswith("postgresql+psycopg://") and "@postgres:5432/" in settings.database_url
        assert settings.queue_url.startswith("redis://:") and "@redis:6379/" in settings.queue_url
    assert "--requirepass" in services["redis"]["command"]
    # Learners' containers join a network of their own with the hub only: no database, Redis or LMS in reach.
    assert compose["networks"]["learners"] == {"internal": True}
    assert [name for name, service in services.items() if "learners" in service.get("networks", [])] == ["hub"]
    assert services["hub"]["environment"]["HUB_DOCKER_NETWORK"] == f"{compose['name']}_learners"
    assert services["web"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}

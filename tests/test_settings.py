"""Configuration is validated at start-up: unsafe combinations refuse to start."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest

from lms import create_app
from lms.settings import Settings, SettingsError

STRONG = "s" * 48
# What production needs besides the secret key (other parts' secrets, the grading user), so that each
# test below is refused, or not, for the reason it names.
OTHER_PRODUCTION_SECRETS = {"LMS_HUB_API_TOKEN": "h" * 40, "LMS_HUB_CLIENT_SECRET": "c" * 40,
                            "LMS_HUB_REPORT_TOKEN": "r" * 40, "LMS_GRADING_USER": "oqu-grader"}
EXAMPLE = Path(__file__).resolve().parents[1] / "deploy" / "oqu.env.example"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """The developer's own LMS_* variables must not leak into these tests."""
    import os

    for name in list(os.environ):
        if name.startswith("LMS_"):
            monkeypatch.delenv(name)


def test_production_without_a_secret_key_refuses_to_start(tmp_path, monkeypatch):
    for name, value in OTHER_PRODUCTION_SECRETS.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match="LMS_SECRET_KEY"):
        create_app({"env": "production", "instance_path": str(tmp_path)})
    assert not (tmp_path / "secret_key").exists()  # no key was quietly generated


def test_production_refuses_a_short_secret_key(tmp_path):
    with pytest.raises(SettingsError, match="LMS_SECRET_KEY"):
        Settings.load({"env": "production", "instance_path": str(tmp_path), "secret_key": "short"},
                      environ=OTHER_PRODUCTION_SECRETS)


def test_production_reads_the_secret_key_from_the_environment(tmp_path):
    settings = Settings.load({"instance_path": str(tmp_path)},
                             environ={"LMS_ENV": "production", "LMS_SECRET_KEY": STRONG,
                                      **OTHER_PRODUCTION_SECRETS})
    assert settings.secret_key == STRONG
    assert settings.cookie_secure  # on by default in production


def test_production_refuses_insecure_cookies(tmp_path):
    with pytest.raises(SettingsError, match="LMS_COOKIE_SECURE"):
        Settings.load({"instance_path": str(tmp_path)},
                      environ={"LMS_ENV": "production", "LMS_SECRET_KEY": STRONG, "LMS_COOKIE_SECURE": "false",
                               **OTHER_PRODUCTION_SECRETS})


def test_production_app_starts_with_a_secret_key_and_sends_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_SECRET_KEY", STRONG)
    for name, value in OTHER_PRODUCTION_SECRETS.items():
        monkeypatch.setenv(name, value)
    app = create_app({"env": "production", "instance_path": str(tmp_path),
                      "database_url": f"sqlite:///{tmp_path / 'oqu.db'}"})
    assert app.config["SECRET_KEY"] == STRONG
    assert app.config["SESSION_COOKIE_SECURE"] is True and not app.testing


def test_development_generates_a_secret_key_once_and_keeps_it(tmp_path):
    first = Settings.load({"env": "development", "instance_path": str(tmp_path)}, environ={})
    key_file = tmp_path / "secret_key"
    assert key_file.exists()
    assert len(first.secret_key) >= 32
    assert key_file.read_text().strip() == first.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = Settings.load({"env": "development", "instance_path": str(tmp_path)}, environ={})
    assert second.secret_key == first.secret_key  # sessions survive a restart
    elsewhere = Settings.load({"env": "development", "instance_path": str(tmp_path / "other")}, environ={})
    assert elsewhere.secret_key != first.secret_key


def test_development_app_signs_sessions_with_the_kept_key(tmp_path):
    app = create_app({"env": "development", "instance_path": str(tmp_path),
                      "database_url": f"sqlite:///{tmp_path / 'oqu.db'}"})
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()


@pytest.mark.parametrize("name, raw", [
    ("LMS_ENV", "staging"), ("LMS_DEFAULT_LANGUAGE", "en"), ("LMS_MAX_UPLOAD_MB", "0"),
    ("LMS_MAX_UPLOAD_MB", "five"), ("LMS_COOKIE_SECURE", "maybe"), ("LMS_TIMEZONE", "Asia/Nowhere"),
    ("LMS_TIMEZONE", "../etc"),
])
def test_invalid_values_refuse_to_start_and_name_the_variable(tmp_path, name, raw):
    with pytest.raises(SettingsError, match=name):
        Settings.load({"instance_path": str(tmp_path)}, environ={name: raw})


def test_unknown_setting_in_the_test_mapping_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="unknown settings: colour"):
        Settings.load({"instance_path": str(tmp_path), "colour": "blue"}, environ={})


def test_environment_values_are_typed(tmp_path):
    settings = Settings.load({"instance_path": str(tmp_path)},
                             environ={"LMS_MAX_UPLOAD_MB": "12", "LMS_FORCE_HTTPS": "yes",
                                      "LMS_DEFAULT_LANGUAGE": "ru"})
    assert settings.max_upload_mb == 12 and settings.force_https is True and settings.default_language == "ru"
    assert settings.flask_config()["MAX_CONTENT_LENGTH"] == 12 * 1024 * 1024


def test_test_mapping_beats_the_environment(tmp_path):
    settings = Settings.load({"instance_path": str(tmp_path), "page_size": 7}, environ={"LMS_PAGE_SIZE": "50"})
    assert settings.page_size == 7


def test_every_setting_is_documented():
    for variable, _default, help_text in Settings.fields_help():
        assert variable.startswith("LMS_") and help_text.strip(), variable


# --------------------------------------------------------------------------- what production refuses


def production(tmp_path, **values) -> Settings:
    return Settings.load({"env": "production", "instance_path": str(tmp_path), "secret_key": STRONG, **values},
                         environ=OTHER_PRODUCTION_SECRETS)


def test_production_with_safe_settings_starts(tmp_path):
    settings = production(tmp_path, hub_backend="local")
    assert settings.hub_local_sandbox and settings.grading_user == "oqu-grader"


def _example_placeholders() -> dict[str, str]:
    values = dict(line.split("=", 1) for line in EXAMPLE.read_text().splitlines()
                  if line.strip() and not line.startswith("#"))
    return {name: value for name, value in values.items() if "change-me" in value}


@pytest.mark.parametrize("name", sorted(_example_placeholders()))
def test_production_refuses_the_example_files_placeholders(tmp_path, name):
    value = _example_placeholders()[name]
    with pytest.raises(SettingsError, match=f"{name} still holds the example's placeholder"):
        production(tmp_path, **{name.removeprefix("LMS_").lower(): value})


@pytest.mark.parametrize("name", ["secret_key", "hub_api_token", "hub_client_secret", "hub_report_token"])
def test_production_refuses_short_secrets(tmp_path, name):
    with pytest.raises(SettingsError, match=f"LMS_{name.upper()} is required in production \\(at least 32"):
        production(tmp_path, **{name: "x" * 31})


def test_production_refuses_the_unisolated_local_spawner(tmp_path):
    with pytest.raises(SettingsError, match="LMS_HUB_LOCAL_SANDBOX must be true in production"):
        production(tmp_path, hub_backend="local", hub_local_sandbox=False)
    assert production(tmp_path, hub_backend="slurm", hub_local_sandbox=False).hub_backend == "slurm"


def test_production_refuses_grading_without_its_sandbox_or_as_root(tmp_path):
    with pytest.raises(SettingsError, match="LMS_GRADING_SANDBOX=off is refused in production"):
        production(tmp_path, grading_sandbox="off")
    with pytest.raises(SettingsError, match="LMS_GRADING_USER must name an unprivileged Unix user"):
        production(tmp_path, grading_user="root")
    assert production(tmp_path, grading_user="").grading_sandbox == "bwrap"  # `nobody` inside the sandbox


def test_production_sends_session_and_remember_cookies_only_over_https(tmp_path):
    config = production(tmp_path).flask_config()
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True
    with pytest.raises(SettingsError, match="LMS_COOKIE_SECURE must be true in production"):
        production(tmp_path, cookie_secure=False)


def _production_app(tmp_path):
    from lms.extensions import db

    overrides = {"env": "production", "instance_path": str(tmp_path), "secret_key": STRONG,
                 "database_url": f"sqlite:///{tmp_path / 'oqu.db'}", "queue_url": "memory://",
                 "hub_api_token": "h" * 40, "hub_client_secret": "c" * 40, "hub_report_token": "r" * 40,
                 "grading_user": "oqu-grader"}
    app = create_app(overrides)
    with app.app_context():
        db.create_all()
    return app


def test_production_turns_hsts_on_without_another_setting(tmp_path):
    app = _production_app(tmp_path)
    response = app.test_client().get("/login", base_url="https://oqu.example.kz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31556926")  # a year


def test_seed_demo_is_refused_in_production(tmp_path):
    from lms.accounts.models import User
    from lms.extensions import db

    app = _production_app(tmp_path)
    result = app.test_cli_runner().invoke(args=["lms", "seed-demo"])
    assert result.exit_code != 0
    assert "seed-demo is refused in production" in result.output and "Oqu-demo-2026" in result.output
    with app.app_context():
        assert db.session.query(User).count() == 0  # no administrator with the published password

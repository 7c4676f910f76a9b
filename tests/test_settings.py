"""Configuration is validated at start-up: unsafe combinations refuse to start."""
from __future__ import annotations

import stat

import pytest

from lms import create_app
from lms.settings import Settings, SettingsError

STRONG = "s" * 48
# What production needs besides the secret key (other parts' secrets), so that each test below
# is refused, or not, for the reason it names.
OTHER_PRODUCTION_SECRETS = {"LMS_HUB_API_TOKEN": "h" * 40, "LMS_HUB_CLIENT_SECRET": "c" * 40,
                            "LMS_HUB_REPORT_TOKEN": "r" * 40}


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

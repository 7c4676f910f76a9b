"""Oqu's configuration: one typed object, built once in :func:`lms.create_app`.

Values come, in order of precedence, from the test mapping passed to ``create_app``, from
``LMS_*`` environment variables, and from the defaults below. Every setting is documented here
and in the README's configuration table; :meth:`Settings.validate` refuses unsafe combinations
at start-up instead of failing later.
"""
from __future__ import annotations

import dataclasses
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .private_files import private_folder, write_private_file

ENV_PREFIX = "LMS_"
SECRETS = ("secret_key", "hub_api_token", "hub_client_secret", "hub_report_token")  # at least 32 characters in production
PLACEHOLDER = "change-me"  # how deploy/oqu.env.example marks the values to replace


class SettingsError(RuntimeError):
    """Raised at start-up when the configuration is unusable."""


def _doc(text: str, **kwargs: Any) -> Any:
    return field(metadata={"help": text}, **kwargs)


@dataclass
class Settings:
    env: str = _doc("`development`, `production` or `testing`. Production requires an explicit secret key.",
                    default="development")
    instance_path: str = _doc("Folder for local state: SQLite database, generated keys, outbox.", default="")
    database_url: str = _doc("SQLAlchemy URL. Defaults to a SQLite file under the instance folder.", default="")
    secret_key: str = _doc("Signs sessions and one-time links. Generated once and kept under instance/ "
                           "in development; required in production.", default="")
    base_url: str = _doc("Public address of the LMS, used in links sent by e-mail and on certificates.",
                         default="http://127.0.0.1:5000")
    default_language: str = _doc("Language for visitors with no preference: `kk`, `ru` or `kk-Latn`.", default="kk")
    timezone: str = _doc("The zone of every date Oqu shows, stores or compares (due dates, cohort windows, issue "
                         "and revocation dates, GPU months); read through `lms/clock.py` only.", default="Asia/Almaty")
    cookie_secure: bool = _doc("Send cookies only over HTTPS. On by default in production.", default=False)
    force_https: bool = _doc("Redirect plain HTTP to HTTPS.", default=False)
    max_upload_mb: int = _doc("Largest accepted upload, in megabytes.", default=5)
    max_package_mb: int = _doc("Largest accepted course package (a zip or a folder) or set of assignment files, "
                               "in megabytes; what is inside is limited too (docs/course-format.md).", default=50)
    trusted_proxies: int = _doc("Reverse proxies in front of the LMS whose X-Forwarded-For and X-Forwarded-Proto "
                                "headers are believed (werkzeug's ProxyFix), so that the audit log and the sign-in "
                                "limits see the client's own address. 0: none, the headers are ignored.", default=0)
    ratelimit_storage_url: str = _doc("Where the limits on sign-in, password reset and certificate checks count "
                                      "attempts (docs/deployment.md): empty for Redis when LMS_QUEUE_URL is "
                                      "`redis://…`, else this process's memory; or a `redis://…` of its own.",
                                      default="")
    invitation_days: int = _doc("Validity of an invitation link, in days.", default=7)
    password_reset_minutes: int = _doc("Validity of a password-reset link, in minutes.", default=60)
    password_min_length: int = _doc("Shortest accepted password.", default=10)
    smtp_host: str = _doc("SMTP server for e-mail. Empty: messages are written to instance/outbox/.", default="")
    smtp_port: int = _doc("SMTP port.", default=587)
    smtp_user: str = _doc("SMTP user name.", default="")
    smtp_password: str = _doc("SMTP password.", default="")
    mail_from: str = _doc("Sender address of e-mail.", default="noreply@oqu.local")
    page_size: int = _doc("Rows per page in lists.", default=25)
    courses_dir: str = _doc("Folder of course files read by `lms import-courses` when no path is given "
                            "(see docs/course-format.md). Defaults to courses/ in the project.", default="")
    hub_url: str = _doc("Public address of JupyterHub, where browsers open notebooks. The hub reads the same "
                        "variable (jupyterhub_config.py).", default="http://127.0.0.1:8000")
    hub_api_url: str = _doc("JupyterHub's REST API at the hub's own address (not through the proxy, which "
                            "buffers the spawn-progress stream). The hub listens where this says.",
                            default="http://127.0.0.1:8081/hub/api")
    hub_api_token: str = _doc("The LMS's service token on the hub (never sent to browsers). Generated once under "
                              "instance/ in development; required in production (at least 32 characters).",
                              default="")
    hub_report_token: str = _doc("The hub's own credential for its calls to the LMS (usage reports, spawn checks); "
                                 "the only one the LMS's hub endpoints accept, never the same as the service token "
                                 "and never given to learners' servers. Generated once under instance/ in "
                                 "development; required in production (at least 32 characters).", default="")
    hub_client_id: str = _doc("OAuth client id of the hub, which signs people in through the LMS.",
                              default="jupyterhub")
    hub_client_secret: str = _doc("OAuth client secret of the hub. Generated once under instance/ in development; "
                                  "required in production (at least 32 characters).", default="")
    hub_spawn_timeout: int = _doc("Seconds a notebook server may take to start before the learner is told it "
                                  "failed and offered a retry.", default=120)
    queue_url: str = _doc("Task queue: empty for a SQLite file under instance/ (no server needed), "
                          "`redis://host:6379/0` for Redis, `memory://` to run tasks at once (tests).", default="")

    assignments_dir: str = _doc("Folder of nbgrader assignment sources, `<course>/<assignment>/*.ipynb` "
                                "(docs/assignments.md). Defaults to notebooks/ in the project.", default="")
    grading_dir: str = _doc("Where sandboxed grading jobs get their throwaway folders. Empty: the system's "
                            "temporary folder.", default="")
    grading_timeout: int = _doc("Wall-clock seconds one grading run (all of a submission's notebooks) may take "
                                "before it is killed and recorded as failed.", default=120)
    grading_cell_timeout: int = _doc("Seconds one cell of a submission may run at grading. A cell past it is "
                                     "stopped and its test fails as \"ran out of time\"; the other cells are "
                                     "graded as usual.", default=30)
    grading_memory_mb: int = _doc("Memory (RLIMIT_DATA) for the grading process and the learner's kernel, in "
                                  "megabytes.", default=1024)
    grading_user: str = _doc("Unprivileged Unix user that runs grading when the worker runs as root. Empty: "
                             "`nobody` inside the sandbox; without the sandbox, the worker's user, still in its "
                             "own session with limits.", default="")
    grading_sandbox: str = _doc("`bwrap`: grade in a bubblewrap sandbox (no network, a read-only view of the system, "
                                "only the job folder writable, the learner's kernel in a narrower sandbox of its own); "
                                "the worker refuses to grade while it cannot set one up. `off`: only on a development "
                                "machine without bubblewrap — learner code then runs with the worker's view of the "
                                "machine (docs/security.md).", default="bwrap")
    submission_max_mb: int = _doc("Largest accepted submission (all notebooks together), in megabytes.",
                                  default=20)
    hub_backend: str = _doc("Where learners' servers run (jupyterhub_config.py reads the same variable): `local` "
                            "(demo and tests), `systemd` (one shared server), `docker`, `kubernetes` or `slurm` "
                            "(docs/deployment.md).", default="local")
    hub_local_sandbox: bool = _doc("`local` back end: each learner's server in a bubblewrap sandbox with a Unix uid and "
                                   "home of its own, seeing none of the LMS's files (the hub runs as root). `false` runs "
                                   "them as the hub's own user with no isolation at all: only a development machine "
                                   "without bubblewrap; production refuses it. The hub reads the same variable.",
                                   default=True)
    gpu_learner_hours: int = _doc("GPU-hours per learner per month, unless the course or organisation sets its "
                                  "own (`lms gpu-quota`). 0: no limit.", default=10)
    gpu_organisation_hours: int = _doc("GPU-hours per top-level organisation (its whole subtree) per month, unless "
                                       "an organisation sets its own. 0: no limit.", default=500)
    gpu_min_launch_minutes: int = _doc("A GPU notebook starts only when at least this many GPU-minutes of the "
                                       "quota are left.", default=15)
    gpu_slurm_accounting: str = _doc("Where GPU-hours of Slurm jobs are checked against the scheduler's own record "
                                     "(`lms gpu-reconcile-slurm`, and the worker every 10 minutes): `jobcomp:PATH` "
                                     "(the controller's job-completion file, `JobCompType=jobcomp/filetxt`), `sacct` "
                                     "(Slurm's accounting database through slurmdbd) or empty: off. docs/deployment.md.",
                                     default="")
    gpu_slurm_timezone: str = _doc("The time zone of the Slurm controller, in which a `jobcomp:` file writes its "
                                   "times.", default="UTC")
    grading_lease: int = _doc("Seconds a worker holds a submission it is grading; after that (a killed worker) "
                              "the reaper hands it to another worker. 0: twice the grading timeout plus a minute.",
                              default=0)
    credential_issuer_name: str = _doc("The organisation running the programme, named as the issuer of the signed "
                                       "credentials (Open Badges 3.0) next to each certificate.", default="Oqu")
    certificate_signatory_name: str = _doc("Who signs the certificates, printed under the signature line of each "
                                           "PDF (e.g. `А. Бекова`). Empty: no signature block.", default="")
    certificate_signatory_title: str = _doc("The signatory's position, in Kazakh and Russian (e.g. `Бағдарлама "
                                            "директоры / Директор программы`).", default="")
    credential_issuer_url: str = _doc("Web address of that organisation in the credentials. Empty: the LMS's "
                                      "base address.", default="")
    credential_did: str = _doc("How verifiers find the credential-signing key: `key` (did:key, the key itself; "
                               "demo and development) or `web` (did:web of the base address, the LMS serves "
                               "/.well-known/did.json; production). docs/credentials.md.", default="key")
    credential_key_file: str = _doc("Ed25519 credential-signing key (PKCS#8 PEM). Several LMS nodes must share "
                                    "one file (a mounted secret). Empty: instance/credential-signing-key.pem, "
                                    "generated on first use.", default="")
    credential_cryptosuite: str = _doc("Data Integrity cryptosuite of new credentials: `eddsa-rdfc-2022` (Open "
                                       "Badges 3.0 conformance) or `eddsa-jcs-2022`.", default="eddsa-rdfc-2022")

    @classmethod
    def fields_help(cls) -> list[tuple[str, str, str]]:
        """(variable, default, help) for every setting: the README's configuration table."""
        rows = []
        for f in dataclasses.fields(cls):
            rows.append((ENV_PREFIX + f.name.upper(), repr(f.default), f.metadata["help"]))
        return rows

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> "Settings":
        environ = os.environ if environ is None else environ
        overrides = dict(overrides or {})
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in overrides:
                values[f.name] = overrides.pop(f.name)
                continue
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _parse(f.type, raw, f.name)
        if overrides:
            raise SettingsError(f"unknown settings: {', '.join(sorted(overrides))}")
        if values.get("env") == "production":
            values.setdefault("cookie_secure", True)
        settings = cls(**values)
        settings._fill_defaults()
        settings.validate()
        return settings

    def _fill_defaults(self) -> None:
        if not self.instance_path:
            self.instance_path = str(Path(__file__).resolve().parent.parent / "instance")
        private_folder(self.instance_path)
        if not self.courses_dir:
            self.courses_dir = str(Path(__file__).resolve().parent.parent / "courses")
        if not self.assignments_dir:
            self.assignments_dir = str(Path(__file__).resolve().parent.parent / "notebooks")
        if not self.database_url:
            self.database_url = f"sqlite:///{Path(self.instance_path) / 'oqu.db'}"
        if not self.secret_key and self.env != "production":
            self.secret_key = self._development_secret()
        self.hub_url = self.hub_url.rstrip("/")
        self.hub_api_url = self.hub_api_url.rstrip("/")
        if self.env != "production":
            if not self.hub_api_token:
                self.hub_api_token = self._development_secret("hub_api_token")
            if not self.hub_client_secret:
                self.hub_client_secret = self._development_secret("hub_client_secret")
            if not self.hub_report_token:
                self.hub_report_token = self._development_secret("hub_report_token")

    @property
    def hub_callback_url(self) -> str:
        """The hub's OAuth redirect URI: the only one the LMS accepts, compared byte for byte."""
        return self.hub_url + "/hub/oauth_callback"

    def _development_secret(self, name: str = "secret_key") -> str:
        """A key generated once and kept, so that sessions survive restarts in development."""
        path = Path(self.instance_path) / name
        if not path.exists():
            write_private_file(path, secrets.token_urlsafe(48).encode())
        return path.read_text().strip()

    def validate(self) -> None:
        if self.env not in {"development", "production", "testing"}:
            raise SettingsError(f"LMS_ENV must be development, production or testing, not {self.env!r}")
        if self.env == "production":
            self._validate_production()
        if self.default_language not in {"kk", "ru", "kk-Latn"}:
            raise SettingsError("LMS_DEFAULT_LANGUAGE must be kk, ru or kk-Latn")
        if self.max_upload_mb < 1:
            raise SettingsError("LMS_MAX_UPLOAD_MB must be at least 1")
        if self.max_package_mb < 1:
            raise SettingsError("LMS_MAX_PACKAGE_MB must be at least 1")
        if self.trusted_proxies < 0:
            raise SettingsError("LMS_TRUSTED_PROXIES must not be negative")
        if self.ratelimit_storage_url and not self.ratelimit_storage_url.startswith(("redis://", "rediss://",
                                                                                    "memory://")):
            raise SettingsError("LMS_RATELIMIT_STORAGE_URL must be empty, redis://…, rediss://… or memory://")
        for name in ("hub_url", "hub_api_url"):
            value = getattr(self, name)
            if value and not value.startswith(("http://", "https://")):
                raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be an http:// or https:// address")
        if self.hub_report_token and self.hub_report_token == self.hub_api_token:
            raise SettingsError("LMS_HUB_REPORT_TOKEN must differ from LMS_HUB_API_TOKEN")
        if not self.hub_client_id:
            raise SettingsError("LMS_HUB_CLIENT_ID must not be empty")
        if self.hub_spawn_timeout < 5:
            raise SettingsError("LMS_HUB_SPAWN_TIMEOUT must be at least 5 seconds")
        if self.grading_timeout < 5:
            raise SettingsError("LMS_GRADING_TIMEOUT must be at least 5 seconds")
        if self.grading_cell_timeout < 1:
            raise SettingsError("LMS_GRADING_CELL_TIMEOUT must be at least 1 second")
        if self.grading_sandbox not in {"bwrap", "off"}:
            raise SettingsError("LMS_GRADING_SANDBOX must be bwrap or off")
        if self.grading_memory_mb < 256:
            raise SettingsError("LMS_GRADING_MEMORY_MB must be at least 256")
        try:
            ZoneInfo(self.timezone)
        except (ValueError, ZoneInfoNotFoundError):
            raise SettingsError(f"LMS_TIMEZONE is not a known time zone: {self.timezone!r} (e.g. Asia/Almaty)") from None
        if self.hub_backend not in {"local", "systemd", "docker", "kubernetes", "slurm"}:
            raise SettingsError("LMS_HUB_BACKEND must be local, systemd, docker, kubernetes or slurm")
        if min(self.gpu_learner_hours, self.gpu_organisation_hours, self.gpu_min_launch_minutes) < 0:
            raise SettingsError("LMS_GPU_* quotas must not be negative")
        if self.gpu_slurm_accounting and not (self.gpu_slurm_accounting == "sacct"
                                              or (self.gpu_slurm_accounting.startswith("jobcomp:")
                                                  and len(self.gpu_slurm_accounting) > len("jobcomp:"))):
            raise SettingsError("LMS_GPU_SLURM_ACCOUNTING must be empty, sacct or jobcomp:PATH")
        try:
            ZoneInfo(self.gpu_slurm_timezone)
        except (ValueError, ZoneInfoNotFoundError):
            raise SettingsError(f"LMS_GPU_SLURM_TIMEZONE is not a known time zone: {self.gpu_slurm_timezone!r}") from None
        if self.submission_max_mb < 1:
            raise SettingsError("LMS_SUBMISSION_MAX_MB must be at least 1")
        if self.queue_url and not self.queue_url.startswith(("redis://", "rediss://", "unix://", "sqlite:///",
                                                              "memory://")):
            raise SettingsError("LMS_QUEUE_URL must be empty, redis://…, rediss://…, sqlite:///PATH or memory://")
        if self.credential_did not in {"key", "web"}:
            raise SettingsError("LMS_CREDENTIAL_DID must be key or web")
        if self.credential_did == "web" and (not self.base_url.startswith("https://")
                                             or urlsplit(self.base_url).path.strip("/")):
            raise SettingsError("LMS_CREDENTIAL_DID=web needs an https:// LMS_BASE_URL without a path (verifiers "
                                "fetch https://HOST/.well-known/did.json)")
        if self.credential_cryptosuite not in {"eddsa-rdfc-2022", "eddsa-jcs-2022"}:
            raise SettingsError("LMS_CREDENTIAL_CRYPTOSUITE must be eddsa-rdfc-2022 or eddsa-jcs-2022")

    def _validate_production(self) -> None:
        """What production refuses: guessable secrets, cookies over plain HTTP, learners' code with the LMS in reach."""
        for name in SECRETS:
            if len(getattr(self, name)) < 32:
                raise SettingsError(f"{ENV_PREFIX}{name.upper()} is required in production (at least 32 characters)")
        for name in (f.name for f in dataclasses.fields(self) if isinstance(getattr(self, f.name), str)):
            if PLACEHOLDER in getattr(self, name).lower():
                raise SettingsError(f"{ENV_PREFIX}{name.upper()} still holds the example's placeholder ({PLACEHOLDER}…): "
                                    "replace it with a long random value")
        if not self.cookie_secure:
            raise SettingsError("LMS_COOKIE_SECURE must be true in production (session and remember-me cookies "
                                "only over HTTPS)")
        if self.hub_backend == "local" and not self.hub_local_sandbox:
            raise SettingsError("LMS_HUB_LOCAL_SANDBOX must be true in production: without the sandbox every "
                                "learner's server runs as the hub's own user, with the LMS's files and the other "
                                "learners' homes in reach")
        if self.grading_sandbox == "off":
            raise SettingsError("LMS_GRADING_SANDBOX=off is refused in production: learners' code would be graded "
                                "with the worker's view of the machine, the LMS's secrets in reach")
        if self.grading_user == "root":
            raise SettingsError("LMS_GRADING_USER must name an unprivileged Unix user in production, not root")

    def flask_config(self) -> dict[str, Any]:
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "SESSION_COOKIE_NAME": "oqu_session",
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.cookie_secure,
            "REMEMBER_COOKIE_SECURE": self.cookie_secure,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "MAX_CONTENT_LENGTH": self.max_upload_mb * 1024 * 1024,
            "TESTING": self.env == "testing",
            "BABEL_DEFAULT_LOCALE": "kk",
            "BABEL_DEFAULT_TIMEZONE": self.timezone,
            "WTF_CSRF_TIME_LIMIT": None,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_url or (
                self.queue_url if self.queue_url.startswith(("redis://", "rediss://")) else "memory://"),
            "RATELIMIT_KEY_PREFIX": "oqu",
            "RATELIMIT_HEADERS_ENABLED": True,
        }


def _parse(kind: Any, raw: str, name: str) -> Any:
    kind = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    if kind == "bool":
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be true or false, not {raw!r}")
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be a whole number, not {raw!r}") from None
    return raw

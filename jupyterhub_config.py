"""JupyterHub for Oqu: learners sign in through the LMS (OAuth2), the LMS starts their servers.

Configured only from environment variables shared with the LMS (see the README's configuration
table and `.env.example`); `make run` starts it with the LMS and the worker (deploy/Procfile).

    LMS_HUB_URL            public address of the hub (the proxy), default http://127.0.0.1:8000
    LMS_BASE_URL           the LMS, the hub's OAuth provider, default http://127.0.0.1:5000
    LMS_HUB_API_TOKEN      the LMS's service token on this hub
    LMS_HUB_CLIENT_ID      OAuth client id of this hub in the LMS, default jupyterhub
    LMS_HUB_CLIENT_SECRET  its secret
    LMS_INSTANCE_PATH      the LMS's instance folder (default ./instance); in development the two secrets
                           above are read from the files the LMS generated there when not in the environment
    LMS_ENV                `production` makes the secrets mandatory in the environment
    HUB_STATE_DIR          hub database, cookie secret, proxy pid file, learners' homes (default instance/hub)
    LMS_HUB_API_URL        the hub's REST API at its own address, where it listens behind the proxy
                           (default http://127.0.0.1:8081/hub/api)
    HUB_PROXY_API_PORT     configurable-http-proxy's REST API port on 127.0.0.1 (default 8001)
    HUB_SPAWNER            `simple` (default): SimpleLocalProcessSpawner — NO ISOLATION between learners,
                           every server runs as the hub's own Unix user: for demos and tests only. Production
                           uses systemdspawner, DockerSpawner or KubeSpawner with the same profiles.
"""
import hashlib
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

c = get_config()  # noqa: F821 — provided by JupyterHub when it loads this file

ROOT = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def setting(name, default=None, *, secret=False):
    """An LMS_* variable; in development a secret falls back to the file the LMS generated."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if secret:
        if os.environ.get("LMS_ENV") == "production":
            sys.exit(f"jupyterhub_config.py: {name} is required in production")
        path = INSTANCE / name[len("LMS_"):].lower()
        if not path.exists():
            sys.exit(f"jupyterhub_config.py: set {name}, or run the LMS once (flask --app wsgi db upgrade) "
                     f"so that it generates {path}")
        return path.read_text().strip()
    return default


INSTANCE = Path(os.environ.get("LMS_INSTANCE_PATH") or ROOT / "instance").resolve()
STATE = Path(os.environ.get("HUB_STATE_DIR") or INSTANCE / "hub").resolve()
STATE.mkdir(parents=True, exist_ok=True)
(STATE / "home").mkdir(exist_ok=True)

HUB_URL = setting("LMS_HUB_URL", "http://127.0.0.1:8000").rstrip("/")
LMS_URL = setting("LMS_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
API_TOKEN = setting("LMS_HUB_API_TOKEN", secret=True)
CLIENT_ID = setting("LMS_HUB_CLIENT_ID", "jupyterhub")
CLIENT_SECRET = setting("LMS_HUB_CLIENT_SECRET", secret=True)
HUB_API = urlsplit(setting("LMS_HUB_API_URL", "http://127.0.0.1:8081/hub/api"))
PROXY_API_PORT = int(os.environ.get("HUB_PROXY_API_PORT") or 8001)

# ---------------------------------------------------------------- addresses and state (all on loopback)
c.JupyterHub.bind_url = HUB_URL + "/"
c.JupyterHub.hub_bind_url = f"{HUB_API.scheme}://{HUB_API.netloc}"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # SIGINT/SIGTERM stop every learner server…
c.JupyterHub.cleanup_proxy = True  # …and the proxy
# The LMS follows spawns itself: answer its start request at once (202) instead of holding it 10 s.
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}

# The pure-Python configurable-http-proxy from PyPI (no Node.js), with its own API port and pid file.
c.ConfigurableHTTPProxy.command = [str(BIN / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
# Fixed (derived from the service token, which it does not reveal), so a restarted hub can reach its proxy.
c.ConfigurableHTTPProxy.auth_token = hashlib.sha256(b"oqu-proxy:" + API_TOKEN.encode()).hexdigest()
c.ConfigurableHTTPProxy.should_start = True

# ---------------------------------------------------------------- sign-in through the LMS
c.JupyterHub.authenticator_class = "generic-oauth"
c.GenericOAuthenticator.client_id = CLIENT_ID
c.GenericOAuthenticator.client_secret = CLIENT_SECRET
c.GenericOAuthenticator.oauth_callback_url = HUB_URL + "/hub/oauth_callback"  # byte-for-byte the registered URI
c.GenericOAuthenticator.authorize_url = LMS_URL + "/oauth/authorize"
c.GenericOAuthenticator.token_url = LMS_URL + "/oauth/token"
c.GenericOAuthenticator.userdata_url = LMS_URL + "/oauth/userinfo"
c.GenericOAuthenticator.basic_auth = False  # client_secret_post, as the LMS registers the hub
c.GenericOAuthenticator.enable_pkce = True  # S256; the LMS refuses requests without it
c.GenericOAuthenticator.scope = ["notebooks"]
# The LMS grants the "notebooks" scope only to people who may use notebooks (enrolled in a course
# with notebooks, or instructors); anyone else never gets a code. The hub checks it again here.
c.GenericOAuthenticator.allowed_scopes = ["notebooks"]
c.GenericOAuthenticator.username_claim = "preferred_username"  # random and stable: no personal data
c.GenericOAuthenticator.manage_groups = True  # one group per course, from the LMS
c.GenericOAuthenticator.auth_state_groups_key = "oauth_user.groups"
c.GenericOAuthenticator.login_service = "Oqu"
c.GenericOAuthenticator.auto_login = True
c.GenericOAuthenticator.http_request_kwargs = {"request_timeout": 10}
c.Authenticator.enable_auth_state = False  # LMS group changes apply at the next hub sign-in
c.JupyterHub.admin_access = False

# ---------------------------------------------------------------- the LMS as a service
c.JupyterHub.services = [{"name": "oqu-lms", "api_token": API_TOKEN, "display": False}]
c.JupyterHub.load_roles = [{
    "name": "oqu-lms",
    "description": "The Oqu LMS: creates users, starts and stops their servers, puts course files in them.",
    "scopes": ["admin:users", "servers", "access:servers"],
    "services": ["oqu-lms"],
}]

# ---------------------------------------------------------------- learner servers
# Profiles the LMS may ask for (a course's `notebook_profile`). Anything else in user_options is dropped,
# and an unknown profile fails the spawn with a clear message.
PROFILES = {
    "cpu": {"environment": {"OQU_PROFILE": "cpu"}},
}


def apply_profile(spawner):
    options = spawner.user_options or {}
    profile = options.get("profile") or "cpu"
    if profile not in PROFILES:
        raise ValueError(f"unknown notebook profile {profile!r}")
    spawner.user_options = {"profile": profile}
    spawner.environment.update(PROFILES[profile].get("environment", {}))


c.Spawner.pre_spawn_hook = apply_profile
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.args = [
    # No calls to the Internet from learners' JupyterLab (news feed, update checks).
    "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    *(["--allow-root"] if os.geteuid() == 0 else []),  # as root it would exit (DESIGN §4)
]
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 30
# Only these variables reach learner servers: never the LMS's secrets.
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "VIRTUAL_ENV"]

if (os.environ.get("HUB_SPAWNER") or "simple") == "simple":
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "home" / "{username}")
    c.LocalProcessSpawner.interrupt_timeout = 3  # stop quickly on Ctrl-C
    c.LocalProcessSpawner.term_timeout = 2
    c.LocalProcessSpawner.kill_timeout = 2
else:
    sys.exit("jupyterhub_config.py: HUB_SPAWNER supports only `simple` here; configure another spawner in "
             "a deployment-specific config")

"""JupyterHub for Oqu: learners sign in through the LMS (OAuth2), the LMS starts their servers.

Configured only from environment variables shared with the LMS (see the README's configuration
table and `.env.example`); `make run` starts it with the LMS and the worker (deploy/Procfile).

    LMS_HUB_URL            public address of the hub (the proxy), default http://127.0.0.1:8000
    LMS_BASE_URL           the LMS, the hub's OAuth provider, default http://127.0.0.1:5000
    LMS_HUB_API_TOKEN      the LMS's service token on this hub
    LMS_HUB_REPORT_TOKEN   the hub's own credential on the LMS (usage reports, spawn checks); never given to
                           learners' servers (docs/security.md, "Tokens between the LMS and the hub")
    LMS_HUB_CLIENT_ID      OAuth client id of this hub in the LMS, default jupyterhub
    LMS_HUB_CLIENT_SECRET  its secret
    LMS_INSTANCE_PATH      the LMS's instance folder (default ./instance); in development the two secrets
                           above are read from the files the LMS generated there when not in the environment
    LMS_ENV                `production` makes the secrets mandatory in the environment
    HUB_STATE_DIR          hub database, cookie secret, proxy pid file, learners' homes (default instance/hub)
    LMS_HUB_API_URL        the hub's REST API at its own address, where it listens behind the proxy
                           (default http://127.0.0.1:8081/hub/api)
    HUB_PROXY_API_PORT     configurable-http-proxy's REST API port on 127.0.0.1 (default 8001)
    LMS_HUB_BACKEND        where learners' servers run, with the same profiles (lms/profiles.py):
                           `local` (default) one machine, each learner's server in a bubblewrap sandbox with a
                           uid and home of its own (lms/hub/isolation.py; the hub runs as root); `systemd`
                           (jupyterhub-systemdspawner, dynamic users, limits: one shared server); `docker`
                           (DockerSpawner); `kubernetes` (KubeSpawner; with Z2JH see deploy/z2jh-values.yaml);
                           `slurm` (batchspawner's SlurmSpawner). docs/deployment.md says what to set for each.
    LMS_HUB_LOCAL_SANDBOX  local: `false` runs servers unsandboxed as the hub's user (SimpleLocalProcessSpawner, no
                           isolation at all): only a development machine without bubblewrap; production refuses it
    HUB_CONNECT_URL        where servers reach the hub when they run elsewhere (containers, pods, Slurm nodes)
    HUB_START_TIMEOUT      seconds a server may take to start (default 60 local, 300 otherwise)
    HUB_DOCKER_NETWORK     docker: the network shared by the hub and the servers (default oqu)
    HUB_K8S_NAMESPACE, HUB_K8S_STORAGE   kubernetes: namespace (oqu), home volume size (5Gi)
    HUB_SLURM_ACCOUNT, HUB_SLURM_QOS, HUB_SINGLEUSER_CMD   slurm: account, QoS, the server command on the nodes
    HUB_SLURM_RUN_AS, HUB_SLURM_HOME, HUB_SLURM_SERVER_IP  slurm: whose account runs the jobs, and more (lms/hub/slurm.py)
"""
import hashlib
import importlib.util
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
REPORT_TOKEN = setting("LMS_HUB_REPORT_TOKEN", secret=True)
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
# (the authenticator class, generic-oauth with the LMS's access checks, is set below with the spawn gate)
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
# No access:servers: the LMS reaches a learner's server only with a token it mints for that server alone,
# for minutes (`tokens`), so that nothing a server sees of its requests opens anything else.
c.JupyterHub.load_roles = [{
    "name": "oqu-lms",
    "description": "The Oqu LMS: creates users, starts and stops their servers, mints each operation on a "
                   "server its own short token, grants course groups their profile.",
    "scopes": ["admin:users", "servers", "tokens", "admin:groups"],
    "services": ["oqu-lms"],
}]

# ---------------------------------------------------------------- learner servers
# One profile table (lms/profiles.py), loaded by path so the hub needs no LMS code: only a known
# profile granted by the person's course groups starts, and every other user_options key is dropped
# (Spawner.apply_user_options runs before any spawner reads user_options).
def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


profiles = _load("oqu_profiles", ROOT / "lms" / "profiles.py")
reporter_module = _load("oqu_usage_reporter", ROOT / "lms" / "gpu" / "reporter.py")
spawn_gate = _load("oqu_spawn_gate", ROOT / "lms" / "hub" / "spawn_gate.py")

BACKEND = (os.environ.get("LMS_HUB_BACKEND") or "local").strip()
if BACKEND not in profiles.BACKENDS:
    sys.exit(f"jupyterhub_config.py: LMS_HUB_BACKEND must be one of {', '.join(profiles.BACKENDS)}, not {BACKEND!r}")

# The learner's JupyterLab (lms/hub/lab.py): the LMS's language, no nbgrader, news or hub control panel,
# a menu entry back to the course; the LMS sends these "lab" options with the profile.
lab = _load("oqu_lab", ROOT / "lms" / "hub" / "lab.py")
c.Spawner.apply_user_options = lab.with_lab_options(profiles.apply_user_options, LMS_URL)
# Before any start the hub asks the LMS whether this person may start this profile now, and refuses
# otherwise (POST /api/v1/hub/spawn-checks); start and stop of every server go to the LMS
# (POST /api/v1/hub/usage-events), spooled on disk first. Both with the hub's own credential.
usage_reporter = reporter_module.UsageReporter(LMS_URL, REPORT_TOKEN, STATE / "usage-spool", gpus_of=profiles.gpu_count)
gate = spawn_gate.SpawnGate(LMS_URL, REPORT_TOKEN)
c.Spawner.pre_spawn_hook, c.Spawner.post_stop_hook = spawn_gate.hooks(gate, usage_reporter)
# A person's hub session is checked with the LMS once it is older than auth_refresh_age: a deactivated
# account's hub cookie then opens nothing (POST /api/v1/hub/access-checks; starts ask the spawn gate).
from oauthenticator.generic import GenericOAuthenticator  # noqa: E402

c.JupyterHub.authenticator_class = spawn_gate.checked_authenticator(GenericOAuthenticator, gate)
c.Authenticator.auth_refresh_age = int(os.environ.get("HUB_AUTH_REFRESH_AGE") or 60)
if usage_reporter.pending():  # events the last run could not deliver
    usage_reporter.start()

# One named server per person at most: an instructor's authoring JupyterLab ("authoring", lms/hub/lab.py),
# which the spawn gate allows to instructors and admins only; every other name is refused there too.
c.JupyterHub.allow_named_servers = True
c.JupyterHub.named_server_limit_per_user = 1

c.Spawner.default_url = "/lab"
c.Spawner.args = [
    # No calls to the Internet from learners' JupyterLab (news feed, update checks).
    "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
]
c.Spawner.start_timeout = int(os.environ.get("HUB_START_TIMEOUT") or (60 if BACKEND == "local" else 300))
c.Spawner.http_timeout = 30
# Only these variables reach learner servers: never the LMS's secrets.
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "VIRTUAL_ENV"]
if os.environ.get("HUB_CONNECT_URL"):  # where servers in containers, pods or Slurm jobs reach the hub
    c.JupyterHub.hub_connect_url = os.environ["HUB_CONNECT_URL"]

if BACKEND == "local":
    # Each learner's server in a bubblewrap sandbox: their own uid, home and view of the files (isolation.py).
    if os.environ.get("LMS_HUB_LOCAL_SANDBOX", "").strip().lower() in {"0", "false", "no", "off"}:
        if os.environ.get("LMS_ENV") == "production":
            sys.exit("jupyterhub_config.py: production refuses LMS_HUB_LOCAL_SANDBOX=false: every learner's server "
                     "would run as the hub's own user, with the LMS's files in reach")
        c.JupyterHub.spawner_class = "simple"  # NO isolation between learners: a development machine only
        if os.geteuid() == 0:
            c.Spawner.args.append("--allow-root")  # as root it would exit (DESIGN §4)
    else:
        isolation = _load("oqu_isolation", ROOT / "lms" / "hub" / "isolation.py")
        try:
            isolation.check_sandbox(STATE)
        except isolation.SandboxUnavailable as why:
            sys.exit(f"jupyterhub_config.py: learners' servers run in a sandbox on the local back end, and {why}. "
                     "On a development machine without it, LMS_HUB_LOCAL_SANDBOX=false runs them unisolated.")
        c.JupyterHub.spawner_class = isolation.SandboxedLocalSpawner
    c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
    c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "home" / "{username}")
    c.LocalProcessSpawner.interrupt_timeout = 3  # stop quickly on Ctrl-C
    c.LocalProcessSpawner.term_timeout = 2
    c.LocalProcessSpawner.kill_timeout = 2
elif BACKEND == "systemd":
    # One shared server: each learner a transient systemd unit under a dynamic user, with the profile's
    # memory and CPU limits; /dev is private except for GPU profiles.
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
    c.SystemdSpawner.dynamic_users = True
    c.SystemdSpawner.unit_name_template = "oqu-{USERNAME}"
    c.SystemdSpawner.isolate_tmp = True
    c.SystemdSpawner.disable_user_sudo = True
elif BACKEND == "docker":
    # GPUs through device requests (needs the NVIDIA container toolkit on the Docker host).
    c.JupyterHub.spawner_class = "dockerspawner.DockerSpawner"
    c.Spawner.cmd = ["jupyterhub-singleuser"]
    c.DockerSpawner.image = profiles.PROFILES[profiles.DEFAULT_PROFILE].image
    c.DockerSpawner.allowed_images = []  # the image comes from the profile, never from user_options
    c.DockerSpawner.network_name = os.environ.get("HUB_DOCKER_NETWORK") or "oqu"
    c.DockerSpawner.use_internal_ip = True
    c.DockerSpawner.remove = True
    c.DockerSpawner.notebook_dir = "/home/jovyan/work"
    c.DockerSpawner.volumes = {"oqu-{username}": "/home/jovyan/work"}
elif BACKEND == "kubernetes":
    # Outside Zero to JupyterHub; with Z2JH, deploy/z2jh-values.yaml says the same through the chart.
    c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
    c.Spawner.cmd = ["jupyterhub-singleuser"]
    c.KubeSpawner.namespace = os.environ.get("HUB_K8S_NAMESPACE") or "oqu"
    c.KubeSpawner.image = profiles.PROFILES[profiles.DEFAULT_PROFILE].image
    c.KubeSpawner.profile_list = profiles.kubespawner_profile_list  # only the profiles the user is granted
    c.KubeSpawner.storage_pvc_ensure = True
    c.KubeSpawner.pvc_name_template = "oqu-home-{user_server}"
    c.KubeSpawner.storage_capacity = os.environ.get("HUB_K8S_STORAGE") or "5Gi"
    c.KubeSpawner.volumes = [{"name": "home", "persistentVolumeClaim": {"claimName": "oqu-home-{user_server}"}}]
    c.KubeSpawner.volume_mounts = [{"name": "home", "mountPath": "/home/jovyan/work"}]
elif BACKEND == "slurm":
    # The National AI Platform's cluster: each server is a Slurm job with the profile's partition, time
    # limit, memory, cores and --gres (lms/hub/slurm.py; the hub host needs sbatch/squeue/scancel).
    _load("oqu_slurm", ROOT / "lms" / "hub" / "slurm.py").configure(c, STATE, BIN)

# ---------------------------------------------------------------- idle culling
# jupyterhub-idle-culler stops servers idle longer than their profile's idle timeout (GPU sooner than CPU):
# it polls at the shortest timeout, and its arbiter hook (deploy/idle_culler_config.py) reads each
# server's profile from the user_options the hub recorded.
c.JupyterHub.services.append({
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={profiles.shortest_idle_timeout()}", "--cull-every=60",
                f"--config={ROOT / 'deploy' / 'idle_culler_config.py'}"],
    "display": False,
})
c.JupyterHub.load_roles.append({
    "name": "idle-culler",
    "description": "Stops learners' servers idle longer than their profile allows.",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
})

"""The one table of notebook-server profiles, and its translation for each hub back end.

A course names its profile in ``course.yaml`` (``notebook_profile: cpu``); the LMS asks the hub for
exactly that profile (``user_options={"profile": slug}``) and nothing else. The hub runs
:func:`apply_user_options` for every spawn, on every back end:

- only the ``profile`` key survives: every other key (``gres``, ``image``, KubeSpawner's
  ``profile-option-…``) is dropped before any spawner sees it — batchspawner copies raw
  ``user_options`` into the batch script and DockerSpawner takes ``image`` from them (DESIGN §4);
- the slug must be in :data:`PROFILES`, and a profile other than the default one must be granted
  by one of the person's course groups (the LMS puts ``{"oqu_profile": slug}`` in the group's
  properties before a launch); otherwise the spawn is refused with HTTP 403;
- the server gets ``OQU_PROFILE`` and ``OQU_GPU_COUNT`` in its environment, and the resources of the
  profile in the back end's own terms (:func:`apply_to_spawner`).

This module imports nothing from the LMS or Flask: ``jupyterhub_config.py`` and the idle culler's
configuration load it by file path, so a hub image needs only this file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

BACKENDS = ("local", "systemd", "docker", "kubernetes", "slurm")
DEFAULT_PROFILE = "cpu"
GROUP_PROPERTY = "oqu_profile"  # hub group property naming the profile a course grants
ALLOWED_KEYS = frozenset({"profile"})

# Kubernetes: nodes with NVIDIA GPUs carry this label (GPU feature discovery) and a taint that keeps
# other pods off them.
GPU_NODE_SELECTOR = {"nvidia.com/gpu.present": "true"}
GPU_TOLERATIONS = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


@dataclass(frozen=True)
class Profile:
    slug: str
    display_name: str
    description: str
    cpu: float  # cores (limit)
    memory_gb: int  # limit
    gpus: int
    idle_timeout_minutes: int  # the idle culler stops the server after this long without activity
    image: str  # container image (docker, kubernetes)
    slurm_partition: str
    slurm_runtime: str  # HH:MM:SS, the job's time limit
    node_selector: dict = field(default_factory=dict)  # kubernetes
    tolerations: list = field(default_factory=list)  # kubernetes

    @property
    def memory(self) -> str:
        return f"{self.memory_gb}G"

    @property
    def gres(self) -> str:
        return f"gpu:{self.gpus}" if self.gpus else ""

    @property
    def environment(self) -> dict[str, str]:
        return {"OQU_PROFILE": self.slug, "OQU_GPU_COUNT": str(self.gpus)}


PROFILES: dict[str, Profile] = {
    "cpu": Profile(
        slug="cpu", display_name="CPU", description="1 CPU core, 2 GB memory",
        cpu=1.0, memory_gb=2, gpus=0, idle_timeout_minutes=60,
        image="quay.io/jupyter/scipy-notebook:2026-11-02",
        slurm_partition="cpu", slurm_runtime="08:00:00",
    ),
    "gpu-1": Profile(
        slug="gpu-1", display_name="GPU", description="1 NVIDIA GPU, 4 CPU cores, 16 GB memory",
        cpu=4.0, memory_gb=16, gpus=1, idle_timeout_minutes=20,
        image="quay.io/jupyter/pytorch-notebook:cuda12-2026-11-02",
        slurm_partition="gpu", slurm_runtime="04:00:00",
        node_selector=dict(GPU_NODE_SELECTOR), tolerations=[dict(t) for t in GPU_TOLERATIONS],
    ),
}


class ProfileRefused(Exception):
    """The requested profile is unknown or not granted; ``status`` is the HTTP status for the hub."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def gpu_count(slug: str | None) -> int:
    profile = PROFILES.get(slug or DEFAULT_PROFILE)
    return profile.gpus if profile else 0


# --------------------------------------------------------------------------- who may have which profile


def granted_profiles(groups) -> set[str]:
    """The profiles a hub user may start: the default one, and those their course groups grant."""
    granted = {DEFAULT_PROFILE}
    for group in groups or ():
        properties = getattr(group, "properties", None) or {}
        slug = properties.get(GROUP_PROPERTY)
        if isinstance(slug, str) and slug in PROFILES:
            granted.add(slug)
    return granted


def choose_profile(user_options, groups) -> Profile:
    """The profile asked for in ``user_options``, if known and granted; every other key is ignored."""
    options = user_options if isinstance(user_options, dict) else {}
    slug = options.get("profile") or DEFAULT_PROFILE
    if not isinstance(slug, str) or slug not in PROFILES:
        raise ProfileRefused(400, f"unknown notebook profile {str(slug)[:40]!r}")
    if slug not in granted_profiles(groups):
        raise ProfileRefused(403, f"notebook profile {slug!r} is not granted by any of your courses")
    return PROFILES[slug]


# --------------------------------------------------------------------------- the hub's hook


_COURSE_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,119}")


def apply_user_options(spawner, user_options):
    """``Spawner.apply_user_options``: keep only a granted profile, then configure the spawner for it."""
    try:
        profile = choose_profile(user_options, getattr(spawner.user, "groups", ()))
    except ProfileRefused as refused:
        from tornado import web

        raise web.HTTPError(refused.status, refused.message) from None
    cleaned = {"profile": profile.slug}
    course = user_options.get("course") if isinstance(user_options, dict) else None
    if isinstance(course, str) and _COURSE_SLUG.fullmatch(course):  # for the usage reports (lms/gpu/reporter.py)
        cleaned["course"] = course
    spawner.user_options = cleaned
    orm_spawner = getattr(spawner, "orm_spawner", None)
    if orm_spawner is not None:  # what the hub keeps, re-uses after a restart and shows the culler
        orm_spawner.user_options = dict(cleaned)
    apply_to_spawner(spawner, profile)


def backend_of(spawner) -> str:
    names = {cls.__name__ for cls in type(spawner).__mro__}
    if "KubeSpawner" in names:
        return "kubernetes"
    if "BatchSpawnerBase" in names:
        return "slurm"
    if "DockerSpawner" in names:
        return "docker"
    if "SystemdSpawner" in names:
        return "systemd"
    return "local"


def apply_to_spawner(spawner, profile: Profile) -> None:
    """Set the profile's environment and resources in the terms of the spawner's back end."""
    spawner.environment = {**dict(spawner.environment or {}), **profile.environment}
    backend = backend_of(spawner)
    if backend == "kubernetes":
        # KubeSpawner applies the profile's kubespawner_override itself (profile_list below), after this.
        return
    if backend == "slurm":
        spawner.req_partition = profile.slurm_partition
        spawner.req_runtime = profile.slurm_runtime
        spawner.req_memory = profile.memory
        spawner.req_nprocs = str(int(profile.cpu))
        spawner.req_gres = profile.gres  # the default template ignores req_ngpus (DESIGN §4)
        return
    spawner.mem_limit = profile.memory_gb * 1024 ** 3
    spawner.cpu_limit = profile.cpu
    if backend == "docker":
        spawner.image = profile.image
        extra = {key: value for key, value in dict(spawner.extra_host_config or {}).items()
                 if key != "device_requests"}
        if profile.gpus:
            from docker.types import DeviceRequest

            extra["device_requests"] = [DeviceRequest(count=profile.gpus, capabilities=[["gpu"]])]
        spawner.extra_host_config = extra
    elif backend == "systemd":
        spawner.isolate_devices = not profile.gpus  # a private /dev hides the GPUs
    if backend in ("local", "systemd") and profile.gpus:
        # local and systemd: the server runs on the hub's machine; show it only its share of GPUs.
        spawner.environment = {**spawner.environment,
                               "CUDA_VISIBLE_DEVICES": ",".join(str(i) for i in range(profile.gpus))}


# --------------------------------------------------------------------------- kubernetes


def kubespawner_profile(profile: Profile) -> dict:
    """One entry of KubeSpawner's ``profile_list`` (Z2JH's ``singleuser.profileList`` has the same shape)."""
    override: dict = {
        "image": profile.image,
        "cpu_limit": profile.cpu,
        "cpu_guarantee": profile.cpu / 2,
        "mem_limit": profile.memory,
        "mem_guarantee": f"{max(1, profile.memory_gb // 2)}G",
    }
    if profile.gpus:
        override["extra_resource_limits"] = {"nvidia.com/gpu": str(profile.gpus)}
        override["node_selector"] = dict(profile.node_selector)
        override["tolerations"] = [dict(t) for t in profile.tolerations]
    entry = {"display_name": profile.display_name, "slug": profile.slug, "description": profile.description,
             "kubespawner_override": override}
    if profile.slug == DEFAULT_PROFILE:
        entry["default"] = True
    return entry


def kubespawner_profile_list(spawner=None) -> list[dict]:
    """Every profile, or (called by KubeSpawner with the spawner) only those the user is granted."""
    granted = set(PROFILES) if spawner is None else granted_profiles(getattr(spawner.user, "groups", ()))
    return [kubespawner_profile(p) for p in PROFILES.values() if p.slug in granted]


# --------------------------------------------------------------------------- idle culling


def idle_limit_seconds(server: dict) -> int:
    """How long the server may stay idle, from the profile the hub recorded for it."""
    slug = (server.get("user_options") or {}).get("profile") or DEFAULT_PROFILE
    profile = PROFILES.get(slug, PROFILES[DEFAULT_PROFILE])
    return profile.idle_timeout_minutes * 60


def cull_arbiter(*, inactive, inactive_limit, server, **kwargs) -> bool:
    """``IdleCuller.cull_arbiter_hook``: cull after the profile's own idle timeout (GPU sooner)."""
    return inactive.total_seconds() >= idle_limit_seconds(server)


def shortest_idle_timeout() -> int:
    return min(p.idle_timeout_minutes for p in PROFILES.values()) * 60

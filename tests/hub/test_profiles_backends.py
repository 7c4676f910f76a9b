"""The one profile table, as each back end really turns it into a server — offline, no cluster.

Each test builds the real spawner class (KubeSpawner 7.1, batchspawner 1.3's SlurmSpawner,
DockerSpawner 14, systemdspawner, the local one), runs the hub's ``apply_user_options`` hook exactly
as JupyterHub does before a spawn, and inspects what the spawner would send: the pod manifest, the
Slurm batch script, the Docker create call, the environment and limits. Smuggled options — extra
keys, another profile's resources, a profile the person's course groups do not grant — must come
to nothing on every back end.
"""
from __future__ import annotations

import asyncio
import getpass
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from unittest import mock

import docker
import pytest
from jupyterhub.objects import Hub
from tornado import web

from lms import profiles

SMUGGLED = {"profile": "cpu", "gres": "gpu:8", "req_gres": "gpu:8", "image": "evil/miner:latest",
            "extra_resource_limits": {"nvidia.com/gpu": "8"}, "profile-option-cpu--image": "evil"}


def hub_user(*granted: str, name: str = "u1a2b3"):
    """A hub user whose course groups grant ``granted`` profiles (as the LMS sets group properties)."""
    groups = [SimpleNamespace(name=f"course-{slug}", properties={profiles.GROUP_PROPERTY: slug}) for slug in granted]
    groups.append(SimpleNamespace(name="course-plain", properties={}))
    return SimpleNamespace(name=name, id=1, url=f"/user/{name}/", base_url=f"/user/{name}/", escaped_name=name,
                           json_escaped_name=name, groups=groups)


def run(coroutine):
    """Run in a thread of its own: a browser test of the same session may hold this thread's event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# --------------------------------------------------------------------------- kubernetes


def kube_pod(options: dict, user=None):
    from kubespawner import KubeSpawner

    async def build():
        with mock.patch("kubespawner.spawner.load_config"):  # no cluster: no kube config to read
            spawner = KubeSpawner(_mock=True, user=user or hub_user("gpu-1"), hub=Hub(), cmd=["jupyterhub-singleuser"],
                                  profile_list=profiles.kubespawner_profile_list)
        profiles.apply_user_options(spawner, options)
        await spawner.load_user_options()  # what KubeSpawner.start does first
        return spawner, await spawner.get_pod_manifest()

    return run(build())


def test_kubernetes_gpu_pod_asks_for_one_gpu_on_a_gpu_node():
    spawner, pod = kube_pod({"profile": "gpu-1"})
    container = pod.spec.containers[0]
    assert container.resources.limits["nvidia.com/gpu"] == "1"
    assert pod.spec.node_selector == {"nvidia.com/gpu.present": "true"}
    assert [(t.key, t.operator, t.effect) for t in pod.spec.tolerations
            if t.key == "nvidia.com/gpu"] == [("nvidia.com/gpu", "Exists", "NoSchedule")]
    assert container.image == profiles.PROFILES["gpu-1"].image
    env = {e.name: e.value for e in container.env}
    assert env["OQU_PROFILE"] == "gpu-1" and env["OQU_GPU_COUNT"] == "1"


def test_kubernetes_cpu_pod_has_no_gpu_selector_or_toleration():
    _spawner, pod = kube_pod({"profile": "cpu"})
    container = pod.spec.containers[0]
    assert "nvidia.com/gpu" not in (container.resources.limits or {})
    assert not pod.spec.node_selector
    assert not [t for t in pod.spec.tolerations or [] if t.key == "nvidia.com/gpu"]
    assert {e.name: e.value for e in container.env}["OQU_GPU_COUNT"] == "0"


def test_kubernetes_drops_smuggled_options():
    spawner, pod = kube_pod(dict(SMUGGLED))
    container = pod.spec.containers[0]
    assert spawner.user_options == {"profile": "cpu"}
    assert "nvidia.com/gpu" not in (container.resources.limits or {})
    assert container.image == profiles.PROFILES["cpu"].image


def test_kubernetes_refuses_a_profile_no_course_grants():
    with pytest.raises(web.HTTPError) as refused:
        kube_pod({"profile": "gpu-1"}, user=hub_user())
    assert refused.value.status_code == 403
    # …and KubeSpawner's own list, read at start, does not offer it either.
    assert [p["slug"] for p in profiles.kubespawner_profile_list(SimpleNamespace(user=hub_user()))] == ["cpu"]


# --------------------------------------------------------------------------- slurm


def slurm_script(options: dict, user=None) -> tuple[object, str]:
    from batchspawner import SlurmSpawner

    name = getpass.getuser()  # batchspawner looks the person up among Unix accounts, as on the cluster
    spawner = SlurmSpawner(user=user or hub_user("gpu-1", name=name), hub=Hub(), cmd=["jupyterhub-singleuser"])
    submitted = {}

    async def run_command(cmd, input=None, env=None):
        submitted["cmd"], submitted["script"] = cmd, input
        return "4242"  # sbatch --parsable prints the job id

    spawner.run_command = run_command
    profiles.apply_user_options(spawner, options)
    job = run(spawner.submit_batch_script())
    assert job == "4242" and submitted["cmd"].strip().endswith("sbatch --parsable")
    return spawner, submitted["script"]


def test_slurm_gpu_job_asks_for_one_gpu():
    _spawner, script = slurm_script({"profile": "gpu-1"})
    lines = script.splitlines()
    assert "#SBATCH --gres=gpu:1" in lines
    assert "#SBATCH --partition=gpu" in lines and "#SBATCH --time=04:00:00" in lines
    assert "#SBATCH --mem=16G" in lines and "#SBATCH --cpus-per-task=4" in lines


def test_slurm_cpu_job_has_no_gres():
    _spawner, script = slurm_script({"profile": "cpu"})
    assert "--gres" not in script
    assert "#SBATCH --partition=cpu" in script.splitlines()


def test_slurm_drops_smuggled_gres():
    spawner, script = slurm_script(dict(SMUGGLED))
    assert spawner.user_options == {"profile": "cpu"}
    assert "gpu:8" not in script and "--gres" not in script and "evil" not in script


def test_slurm_refuses_a_profile_no_course_grants():
    with pytest.raises(web.HTTPError) as refused:
        slurm_script({"profile": "gpu-1", "gres": "gpu:1"}, user=hub_user(name=getpass.getuser()))
    assert refused.value.status_code == 403


# --------------------------------------------------------------------------- docker


class RecordingDockerClient(docker.APIClient):
    """The real client (its create_host_config builds the request), with no daemon: calls are recorded."""

    def __init__(self):
        super().__init__(base_url="unix:///nonexistent/docker.sock", version="1.45")
        self.created: list[dict] = []

    def create_container(self, **kwargs):
        self.created.append(kwargs)
        return {"Id": "0123456789ab"}


def docker_create(options: dict, user=None) -> tuple[object, dict]:
    from dockerspawner import DockerSpawner

    client = RecordingDockerClient()
    with mock.patch.object(DockerSpawner, "_client", client):
        spawner = DockerSpawner(user=user or hub_user("gpu-1"), hub=Hub(), cmd=["jupyterhub-singleuser"])
        profiles.apply_user_options(spawner, options)
        run(spawner.create_object())
    assert len(client.created) == 1
    return spawner, client.created[0]


def test_docker_gpu_container_carries_the_gpu_device_request():
    _spawner, call = docker_create({"profile": "gpu-1"})
    assert call["host_config"]["DeviceRequests"] == [
        {"Driver": "", "Count": 1, "DeviceIDs": [], "Capabilities": [["gpu"]], "Options": {}}]
    assert call["image"] == profiles.PROFILES["gpu-1"].image
    assert call["host_config"]["Memory"] == 16 * 1024 ** 3
    assert call["environment"]["OQU_PROFILE"] == "gpu-1" and call["environment"]["OQU_GPU_COUNT"] == "1"


def test_docker_cpu_container_has_no_device_request():
    _spawner, call = docker_create({"profile": "cpu"})
    assert "DeviceRequests" not in call["host_config"]
    assert call["environment"]["OQU_GPU_COUNT"] == "0"


def test_docker_drops_smuggled_image_and_gpus():
    spawner, call = docker_create(dict(SMUGGLED))
    assert spawner.user_options == {"profile": "cpu"}
    assert call["image"] == profiles.PROFILES["cpu"].image and "DeviceRequests" not in call["host_config"]


def test_docker_refuses_a_profile_no_course_grants():
    with pytest.raises(web.HTTPError) as refused:
        docker_create({"profile": "gpu-1"}, user=hub_user())
    assert refused.value.status_code == 403


# --------------------------------------------------------------------------- one server (local, systemd)


def local_spawner(backend: str, options: dict, user=None):
    if backend == "systemd":
        from systemdspawner import SystemdSpawner as cls
    else:
        from jupyterhub.spawner import SimpleLocalProcessSpawner as cls
    spawner = cls(user=user or hub_user("gpu-1"), hub=Hub(), cmd=["jupyterhub-singleuser"])
    orm_spawner = SimpleNamespace(user_options=dict(options), server=None, name="")  # what the hub stored
    spawner.orm_spawner = orm_spawner
    profiles.apply_user_options(spawner, options)
    return spawner, orm_spawner


@pytest.mark.parametrize("backend", ["local", "systemd"])
def test_one_server_backends_get_the_profile_limits_and_environment(backend):
    spawner, _orm = local_spawner(backend, {"profile": "gpu-1"})
    assert profiles.backend_of(spawner) == backend
    env = spawner.get_env()
    assert env["OQU_PROFILE"] == "gpu-1" and env["OQU_GPU_COUNT"] == "1" and env["CUDA_VISIBLE_DEVICES"] == "0"
    assert spawner.mem_limit == 16 * 1024 ** 3 and spawner.cpu_limit == 4.0
    if backend == "systemd":
        assert spawner.isolate_devices is False  # /dev/nvidia* stays visible
        cpu, _orm = local_spawner(backend, {"profile": "cpu"})
        assert cpu.isolate_devices is True


@pytest.mark.parametrize("backend", ["local", "systemd"])
def test_one_server_backends_drop_smuggled_options_and_refuse_ungranted(backend):
    spawner, orm_spawner = local_spawner(backend, dict(SMUGGLED))
    assert spawner.user_options == orm_spawner.user_options == {"profile": "cpu"}  # the hub keeps only this
    assert spawner.get_env()["OQU_GPU_COUNT"] == "0" and "CUDA_VISIBLE_DEVICES" not in spawner.get_env()
    with pytest.raises(web.HTTPError) as refused:
        local_spawner(backend, {"profile": "gpu-1"}, user=hub_user())
    assert refused.value.status_code == 403


@pytest.mark.parametrize("options", [{"profile": "gpu-64"}, {"profile": ["cpu"]}, {"profile": "../cpu"}])
def test_unknown_profiles_are_refused(options):
    with pytest.raises(web.HTTPError) as refused:
        local_spawner("local", options)
    assert refused.value.status_code == 400


def test_no_profile_means_the_default_cpu_profile():
    spawner, _orm = local_spawner("local", {})
    assert spawner.user_options == {"profile": "cpu"} and spawner.get_env()["OQU_GPU_COUNT"] == "0"


@pytest.mark.parametrize("course, kept", [("deep-learning", {"course": "deep-learning"}),
                                          ("../../etc", {}), ({"nested": 1}, {}), ("x" * 200, {})])
def test_the_course_a_server_was_launched_for_is_kept_only_as_a_plain_name(course, kept):
    """The LMS names the course in the options so that the hub's usage reports carry it; anything but a
    course name is dropped like every other smuggled option."""
    spawner, orm_spawner = local_spawner("local", {"profile": "cpu", "course": course})
    assert spawner.user_options == orm_spawner.user_options == {"profile": "cpu", **kept}

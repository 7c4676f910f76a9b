"""The landing notebook of a GPU course tells the learner whether their server sees a GPU."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from lms.gpu.notebook import CHECK_SOURCE, landing_notebook


def run_check(gpu_count: str, profile: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OQU_")}
    env.update(OQU_PROFILE=profile, OQU_GPU_COUNT=gpu_count)
    done = subprocess.run([sys.executable, "-c", CHECK_SOURCE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_landing_notebook_is_a_valid_notebook_with_the_check():
    notebook = nbformat.from_dict(landing_notebook())
    nbformat.validate(notebook)
    assert notebook.cells[1].source == CHECK_SOURCE


@pytest.mark.integration  # runs the landing notebook in a kernel
def test_a_gpu_course_on_a_server_without_a_gpu_says_so():
    assert shutil.which("nvidia-smi") is None, "this test describes a machine without a GPU"
    output = run_check("1", "gpu-1")
    assert "OQU_PROFILE=gpu-1 OQU_GPU_COUNT=1" in output
    assert "NO GPU VISIBLE" in output and "GPU КӨРІНБЕЙДІ" in output and "GPU НЕ ВИДЕН" in output
    assert "GPU OK" not in output


@pytest.mark.integration  # runs the landing notebook in a kernel
def test_a_cpu_course_says_it_runs_on_cpu():
    output = run_check("0", "cpu")
    assert "CPU only" in output and "NO GPU VISIBLE" not in output

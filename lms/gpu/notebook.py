"""The landing notebook of a GPU course: put in the course folder of the learner's server, it says
whether the server sees the GPU its profile promised — instead of a training cell failing later
with an obscure CUDA error.

The check reads ``OQU_PROFILE`` and ``OQU_GPU_COUNT`` (set by the hub for every server), then asks
PyTorch (``torch.cuda.is_available()``) and ``nvidia-smi -L``. It needs nothing from the LMS.
"""
from __future__ import annotations

import json

NAME = "gpu-check.ipynb"

# Runs inside the learner's kernel; printed in Kazakh and Russian, since it runs outside the LMS.
CHECK_SOURCE = '''\
import os, shutil, subprocess

profile = os.environ.get("OQU_PROFILE", "?")
promised = int(os.environ.get("OQU_GPU_COUNT") or 0)
names, torch_sees, torch_count = [], None, 0
if promised and shutil.which("nvidia-smi"):
    try:
        listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20).stdout
        names = [line.strip() for line in listing.splitlines() if line.startswith("GPU ")]
    except (OSError, subprocess.SubprocessError):
        names = []
if promised:
    try:
        import torch
        torch_sees = torch.cuda.is_available()
        torch_count = torch.cuda.device_count() if torch_sees else 0
    except ImportError:
        pass
visible = max(len(names), torch_count)

print(f"OQU_PROFILE={profile} OQU_GPU_COUNT={promised}")
print("nvidia-smi:", "; ".join(names) if names else "—")
print("torch.cuda.is_available():", torch_sees)
if promised and visible:
    print(f"GPU OK: {visible} GPU visible. / GPU бар: {visible}. / GPU доступен: {visible}.")
elif promised:
    print("NO GPU VISIBLE: this course needs a GPU but this server has none. Tell your instructor; "
          "CPU-only cells still work.")
    print("GPU КӨРІНБЕЙДІ: бұл курсқа GPU керек, бірақ серверде GPU жоқ. Оқытушыға хабарлаңыз.")
    print("GPU НЕ ВИДЕН: курсу нужен GPU, но на этом сервере его нет. Сообщите преподавателю.")
else:
    print("This notebook runs on CPU only. / Бұл дәптер тек CPU-да жұмыс істейді. / "
          "Этот блокнот работает только на CPU.")
'''


def landing_notebook() -> dict:
    """The notebook as JSON (nbformat 4), ready for the Jupyter contents API."""
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {"cell_type": "markdown", "id": "intro", "metadata": {},
             "source": "# GPU\n\nRun the cell below: it says whether this server sees a GPU.\n\n"
                       "Төмендегі ұяшықты іске қосыңыз: ол серверде GPU бар-жоғын көрсетеді.\n\n"
                       "Запустите ячейку ниже: она покажет, виден ли на этом сервере GPU."},
            {"cell_type": "code", "id": "check", "metadata": {}, "execution_count": None, "outputs": [],
             "source": CHECK_SOURCE},
        ],
    }


def landing_notebook_json() -> str:
    return json.dumps(landing_notebook(), ensure_ascii=False)

"""Course packages for upload tests: a course folder (tests/courses/files.py) as zip bytes."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from .files import write_course

MARKED = {"cells": [{"cell_type": "code", "source": "x = 1", "outputs": [], "execution_count": None,
                     "metadata": {"nbgrader": {"grade": False, "solution": True, "locked": False,
                                               "grade_id": "answer", "schema_version": 3}}}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
UNMARKED = {"cells": [{"cell_type": "code", "source": "x = 1", "outputs": [], "execution_count": None,
                       "metadata": {}}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def zip_folder(folder: Path, *, prefix: str | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """The files of ``folder`` in a zip, under ``prefix/`` (default: the folder's name)."""
    folder = Path(folder)
    prefix = folder.name if prefix is None else prefix
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(folder).as_posix()
                archive.writestr(f"{prefix}/{name}" if prefix else name, path.read_bytes())
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def course_zip(root: Path, slug: str = "demo", *, extra: dict[str, bytes] | None = None, **kwargs) -> bytes:
    return zip_folder(write_course(root, slug, **kwargs), extra=extra)


def notebook(marked: bool = True) -> bytes:
    return json.dumps(MARKED if marked else UNMARKED).encode()

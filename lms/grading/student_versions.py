"""The one cache of student versions: what nbgrader's generate step makes of an assignment's source
folder (the student notebooks, solutions and hidden tests removed, and a gradebook that knows the
assignment), made in the grading sandbox once per content of the folder and shared by the release into
learners' servers (lms.assignments.student_version), the grading of submissions and the validation
of an assignment (lms.grading.services).

One key: the course, the assignment and the folder's content hash (:func:`content_hash`, the hash a
published version records as ``content_hash``). One folder per key::

    <instance>/student-versions/<course>/<assignment>/<content hash>/release/…   student notebooks, data
                                                                     gradebook.db

The caches of earlier releases (``instance/releases/`` and ``<grading dir>/oqu-releases/``) are never
read again; they may be deleted by hand. Making a new version drops the versions of that assignment no
learner can be given any more (all but it and the latest published one).
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from .notebooks import GradingError
from .sandbox import job_folder, run_job


log = logging.getLogger(__name__)

ROOT = "student-versions"


def _skipped(part: str) -> bool:
    return part.startswith(".") or part == "__pycache__"


def source_files(folder: Path) -> list[Path]:
    """The files of a source folder that make its version (hidden files, Jupyter checkpoints and
    ``__pycache__`` left out), sorted."""
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not any(_skipped(part) for part in p.relative_to(folder).parts))


def content_hash(folder: Path) -> str:
    """SHA-256 over the relative paths and bytes of the folder's :func:`source_files`."""
    from ..courses.blobs import read_folder, tree_hash

    return tree_hash(read_folder(folder))


def _ignore(folder, names):
    return [name for name in names if _skipped(name)]


def cache_folder(settings, course: str, assignment: str, version: str) -> Path:
    return Path(settings.instance_path) / ROOT / course / assignment / version


def cached(settings, course: str, assignment: str, version: str) -> Path | None:
    """The cached student version ``version`` of the assignment, or None when it was never made (or was
    dropped)."""
    folder = cache_folder(settings, course, assignment, version)
    return folder if (folder / "done").exists() else None


class GenerateFailed(Exception):
    """The generate job did not finish (a timeout, a crash): trying again may work."""


def generated(settings, source, limits) -> Path:
    """The cache folder of ``source``'s student version as the folder is now, made first when needed.
    :class:`GradingError` when nbgrader's generate step fails (the assignment is broken);
    :class:`GenerateFailed` when the job did not finish."""
    version = content_hash(source.folder)
    folder = cache_folder(settings, source.course, source.name, version)
    if (folder / "done").exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    job_dir = job_folder(limits, prefix="oqu-release-")
    try:
        course = job_dir / "course"
        shutil.copytree(source.folder, course / "source" / source.name, ignore=_ignore)
        job = {"course_id": source.course, "assignment": source.name, "student": "release", "steps": ["generate"]}
        run = run_job(job_dir, job, limits)
        if run.status == "failed" and run.result.get("step") == "generate":
            raise GradingError("generating the student version failed: " + tail(run))
        if run.status != "ok" or not (course / "release" / source.name).is_dir():
            raise GenerateFailed("timed out" if run.status == "timed out" else "generating failed: " + tail(run))
        staging = Path(tempfile.mkdtemp(prefix=f".{version[:12]}-", dir=folder.parent))
        shutil.copy2(course / "gradebook.db", staging / "gradebook.db")
        shutil.copytree(course / "release" / source.name, staging / "release", ignore=_ignore)
        (staging / "done").touch()
        try:
            os.rename(staging, folder)  # atomic: a parallel job that made it first keeps its copy (the same)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
        else:
            log.info("made the student version %s of %s/%s", version[:12], source.course, source.name)
            _prune(folder.parent, keep={version, _latest_published(source)})
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)
    return folder


def tail(run) -> str:
    """The gist of a failed run: nbgrader's error lines and the last exception, not a whole traceback."""
    import re

    text = run.result.get("log") or run.result.get("error") or run.stderr or run.status
    lines = text.splitlines()
    gist = [line.strip() for line in lines if re.match(r"^\s*\w+(Error|Exception|Interrupt)\b.*:", line)][-1:]
    gist += [line.strip() for line in lines if line.startswith("[ERROR]")][:2]
    return " | ".join(gist)[-2000:] if gist else text[-2000:]


def _latest_published(source) -> str | None:
    """The content hash of the assignment's latest published version (None outside an application, as
    in ``lms test-grade`` on a bare folder, or when never published)."""
    from flask import has_app_context
    from sqlalchemy import select

    if not has_app_context():
        return None
    from ..courses.models import Course
    from ..extensions import db
    from .models import AssignmentVersion

    found = db.session.execute(
        select(AssignmentVersion.content_hash).join(Course, Course.id == AssignmentVersion.course_id)
        .where(Course.slug == source.course, AssignmentVersion.assignment == source.name)
        .order_by(AssignmentVersion.version.desc()).limit(1)).scalar_one_or_none()
    return found


def _prune(folder: Path, keep: set) -> None:
    """Remove the cached versions under ``folder`` other than ``keep`` (staging folders, named ``.…``,
    belong to generations still running and stay)."""
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
            log.info("dropped cached student version %s", entry)

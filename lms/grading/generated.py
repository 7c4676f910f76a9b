"""Generated assignments: what nbgrader's generate step makes from an instructor's source folder — the
student version (``release/``: solutions and hidden tests removed) and a gradebook that knows the
assignment (``gradebook.db``) — made in a sandbox job of its own (it holds the instructor's source; no
learner code runs there), once per content of the source folder.

One cache serves the release of assignments into learners' servers (lms.assignments.student_version)
and grading (lms.grading.services): ``instance/releases/<course>/<assignment>/<source hash>/``, keyed by
:func:`lms.grading.authoring.source_hash`, the hash a published version records. Making a new one drops
the versions no learner can be given any more (all but it and the latest published). The folder is the
LMS's alone (0700): the gradebook holds the instructor's cells, hidden tests included. (Before, grading
kept a second cache under ``<grading dir>/oqu-releases/``; it is no longer read and may be deleted.)
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


class GenerationFailed(GradingError):
    """The generate job did not give a student version: ``broken`` when nbgrader's generate step itself
    failed (the assignment needs fixing), otherwise the job did not finish (a timeout, a crash: retry)."""

    def __init__(self, message: str, *, broken: bool):
        super().__init__(message)
        self.broken = broken


def _ignored(folder, names):
    """What the source hash leaves out, so that the hash names the content."""
    return [name for name in names if name.startswith(".") or name == "__pycache__"]


def cache_dir(settings, source, version: str) -> Path:
    return Path(settings.instance_path) / "releases" / source.course / source.name / version


def cached(settings, source, version: str) -> Path | None:
    """The generated folder of ``version`` of ``source``, if it is cached (an entry in the layout of
    before, student files only, is not)."""
    folder = cache_dir(settings, source, version)
    return folder if (folder / "gradebook.db").is_file() and (folder / "release").is_dir() else None


def generated(settings, source, limits, *, cache: bool = True) -> Path:
    """The folder holding ``release/`` and ``gradebook.db`` for the source folder as it is now: from
    the cache, or generated (and cached, unless ``cache`` is false: then a throwaway folder the caller
    removes). Raises :class:`GenerationFailed`."""
    from .authoring import latest_version_hash, source_hash
    from .services import _tail

    version = source_hash(source.folder)
    target = cache_dir(settings, source, version)
    if cache and cached(settings, source, version):
        return target
    root = target.parent
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(Path(settings.instance_path) / "releases", 0o700)
    job_dir = job_folder(limits, prefix="oqu-release-")
    try:
        course = job_dir / "course"
        shutil.copytree(source.folder, course / "source" / source.name, ignore=_ignored)
        job = {"course_id": source.course, "assignment": source.name, "student": "release", "steps": ["generate"]}
        run = run_job(job_dir, job, limits)
        released = course / "release" / source.name
        if run.status == "failed" and run.result.get("step") == "generate":
            raise GenerationFailed("generating the student version failed: " + _tail(run), broken=True)
        if run.status != "ok" or not released.is_dir():
            raise GenerationFailed("timed out" if run.status == "timed out" else "generating failed: " + _tail(run),
                                   broken=False)
        built = Path(tempfile.mkdtemp(prefix=f".{version[:12]}-", dir=root))  # "." : still being made
        shutil.copy2(course / "gradebook.db", built / "gradebook.db")
        shutil.copytree(released, built / "release", ignore=_ignored)
        if not cache:
            return built
        if target.exists() and not cached(settings, source, version):
            shutil.rmtree(target, ignore_errors=True)  # the layout of before: student files only
        try:
            os.rename(built, target)  # atomic: a parallel job that won the race keeps its copy (the same)
        except OSError:
            shutil.rmtree(built, ignore_errors=True)
        else:
            from flask import has_app_context

            if has_app_context():  # which version is published is in the database
                prune(root, keep={version, latest_version_hash(source)})
        return target
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)


def prune(folder: Path, keep: set) -> None:
    """Remove the cached versions under ``folder`` other than ``keep`` (folders named ``.…`` are still
    being made and stay)."""
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
            log.info("dropped cached student version %s", entry)

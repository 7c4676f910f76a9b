"""The grading child process: run as ``python _runner.py JOB_DIR`` inside the sandbox.

It imports nbgrader only — never the LMS, its settings or its database — and works on the job
folder alone: ``JOB_DIR/job.json`` says what to do, ``JOB_DIR/course`` is a throwaway course
directory (with a throwaway copy of the gradebook), and ``JOB_DIR/result.json`` receives nbgrader's
``{success, error, log}``. The parent reads scores only after this process has exited.

The ``feedback`` step runs nbgrader's generate_feedback with two preprocessors of its own first:
hidden-test regions are cut out of every cell, and an error output keeps only its exception line
(``AssertionError: the median of an even count…``): a traceback quotes the code that raised, which
for a hidden test is the hidden test itself.
"""
import json
import re
import sys
from pathlib import Path

HIDDEN = re.compile(r"^[ \t]*#+[ \t]*BEGIN HIDDEN TESTS.*?^[ \t]*#+[ \t]*END HIDDEN TESTS[^\n]*\n?",
                    re.MULTILINE | re.DOTALL)


def _feedback_cleanup():
    from nbconvert.preprocessors import Preprocessor
    from traitlets import Bool

    class FeedbackCleanup(Preprocessor):
        """Hidden tests out of the sources; tracebacks down to their exception line."""

        enabled = Bool(True)  # nbgrader registers its converters' preprocessors without enabling them

        def preprocess_cell(self, cell, resources, index):
            if isinstance(cell.get("source"), str) and "HIDDEN TESTS" in cell.source:
                cell.source = HIDDEN.sub("", cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    line = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".rstrip(": ")
                    output["traceback"] = [line]
            return cell, resources

    return FeedbackCleanup


def main(job_dir: str) -> int:
    job_path = Path(job_dir)
    job = json.loads((job_path / "job.json").read_text())
    # jsonschema (under nbformat) imports rfc3987-syntax when it is installed, which builds an Earley
    # grammar at import: 1.5 s idle, 7 s on a busy machine, for an "iri" format check notebooks never
    # use. Blocked here, jsonschema skips that one check (it guards the import).
    sys.modules.setdefault("rfc3987_syntax", None)
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    course = job_path / "course"
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.course_id = job.get("course_id", "course")
    config.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    config.Execute.timeout = int(job.get("cell_timeout", 60))
    config.Execute.allow_errors = True
    config.CourseDirectory.student_id = job.get("student", "")
    if job.get("feedback_template"):
        from nbgrader.preprocessors import GetGrades

        config.GenerateFeedback.preprocessors = [_feedback_cleanup(), GetGrades]
        # NbGraderAPI.generate_feedback insists on the template named "feedback": ours has that name,
        # and nbgrader's own folder is left off the search path
        config.HTMLExporter.extra_template_basedirs = [job["feedback_template"]]
        config.HTMLExporter.exclude_anchor_links = True
    api = NbGraderAPI(config=config)
    result = {"success": True, "error": "", "log": ""}
    for step in job["steps"]:  # each step only runs when the one before succeeded
        if step == "generate":
            result = api.generate_assignment(job["assignment"], force=True, create=True)
        elif step == "autograde":
            result = api.autograde(job["assignment"], job["student"], force=True, create=True)
        elif step == "feedback":
            result = api.generate_feedback(job["assignment"], job["student"], force=True)
        else:
            result = {"success": False, "error": f"unknown step {step!r}", "log": ""}
        result["step"] = step
        if not result.get("success"):
            break
    (job_path / "result.json").write_text(json.dumps(result, default=str))
    return 0 if result.get("success") else 1


def serve() -> int:
    """The warm runner (``_runner.py --serve``): import nbgrader once, then for each job line read on
    stdin fork a child that enters its own session, takes the job's limits, user and environment and
    runs :func:`main`. Answers ``{"pid"}`` when the child starts and ``{"pid", "returncode"}`` when it
    has exited. Started by lms.grading.sandbox with a scrubbed environment; it holds no secret."""
    import os

    sys.modules.setdefault("rfc3987_syntax", None)
    from nbconvert.exporters import HTMLExporter  # noqa: F401 — warm imports shared by every job
    from nbgrader.apps import NbGraderAPI  # noqa: F401
    from nbgrader.preprocessors import GetGrades  # noqa: F401

    _feedback_cleanup()
    # nbgrader asks the alembic command for the schema head each time it creates a gradebook (a new
    # interpreter per job); the answer is fixed for the installed nbgrader: ask once, here
    import nbgrader.api

    head = nbgrader.api.get_alembic_version()
    nbgrader.api.get_alembic_version = lambda: head

    def answer(message: dict) -> None:
        os.write(1, (json.dumps(message) + "\n").encode())

    import signal

    # a graceful stop of the worker (SIGINT to its process group) lets running jobs finish: the
    # runner ends when the worker closes its stdin
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answer({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(request)
            except BaseException:  # noqa: BLE001 — report anything on the job's stderr, never return
                import traceback

                traceback.print_exc()
            finally:
                sys.stderr.flush()
                os._exit(code)
        answer({"pid": pid})
        _, status = os.waitpid(pid, 0)
        answer({"pid": pid, "returncode": os.waitstatus_to_exitcode(status)})
    return 0


def _child(request: dict) -> int:
    import os
    import resource

    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    job_dir = request["job_dir"]
    os.setsid()
    stderr = os.open(os.path.join(job_dir, "stderr.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.dup2(stderr, 2)
    os.closerange(3, 65536)
    for name, (soft, hard) in request["limits"].items():
        resource.setrlimit(getattr(resource, name), (soft, hard))
    if request.get("uid") is not None:
        os.setgroups([])
        os.setgid(request["gid"])
        os.setuid(request["uid"])
    os.chdir(job_dir)
    os.environ.clear()
    os.environ.update(request["env"])
    return main(job_dir)


if __name__ == "__main__":
    sys.exit(serve() if sys.argv[1:] == ["--serve"] else main(sys.argv[1]))

"""The grading child process: run as ``python _runner.py JOB_DIR`` inside the sandbox.

It imports nbgrader only — never the LMS, its settings or its database — and works on the job
folder alone: ``JOB_DIR/job.json`` says what to do, ``JOB_DIR/course`` is a throwaway course
directory (with a throwaway copy of the gradebook), and ``JOB_DIR/result.json`` receives nbgrader's
``{success, error, log}``. The parent reads scores only after this process has exited.
"""
import json
import sys
from pathlib import Path


def main(job_dir: str) -> int:
    job_path = Path(job_dir)
    job = json.loads((job_path / "job.json").read_text())
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

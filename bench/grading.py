"""Grading throughput and submit-to-feedback latency: Oqu's worker pool against the nbgrader CLI, on
the same submissions, in the same run.

    .venv/bin/python -m bench.grading [--quick] [--submissions 40] [--workers N]

In a temporary folder (SQLite app database, SQLite queue, the demo assignment
notebooks/ai-basics/mean-and-median):

- **Oqu**: a real consumer (``flask --app wsgi lms worker --workers N``) grades N submissions at a
  time, each in its own sandboxed process (limits, scrubbed environment) with nbgrader's autograde;
  the learner's feedback is built in the worker from the instructor's source (lms.grading.feedback).
  Timed from the first submission stored to the last one recorded.
- **nbgrader CLI, one run per submission**: ``nbgrader autograde ASSIGNMENT --student S`` for each
  submission as it arrives — what grading on submit with the command line costs (the ratio's
  baseline; the goal is ≥ 3×).
- **nbgrader CLI, one batch**: a single ``nbgrader autograde ASSIGNMENT`` over all of them, as an
  instructor grades after the deadline (reported for reference: no feedback, no isolation, results
  only at the end).
- Before timing, the consumer has started (each worker thread starts its warm grading runner) and
  one untimed submission has made the assignment's student version, as in steady operation.
- **The sandbox's cost**: the same pool and submissions again with ``LMS_GRADING_SANDBOX=off``.
- **Latency**: with the pool idle, submissions one at a time, from storing to the scores and
  feedback recorded (p50; the goal is < 3 s on an idle machine).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "mean-and-median"
SOURCE = ROOT / "notebooks" / "ai-basics" / ASSIGNMENT
COURSE_YAML = """\
title: {kk: "Бенчмарк", ru: "Бенчмарк"}
description: {kk: "Бағалау", ru: "Оценивание"}
hours: 1
level: beginner
modules:
  - id: m1
    title: {kk: "Модуль", ru: "Модуль"}
    items:
      - notebook: mean-and-median
        title: {kk: "Тапсырма", ru: "Задание"}
"""


def _answer(number: int) -> str:
    """The demo assignment answered (solutions kept, hidden tests cut as the student version has
    them), each submission slightly different so that none is a duplicate of another."""
    import re

    notebook = json.loads((SOURCE / f"{ASSIGNMENT}.ipynb").read_text())
    hidden = re.compile(r"^\s*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\s*$", re.MULTILINE | re.DOTALL)
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        text = "".join(cell["source"])
        if meta.get("grade") and not meta.get("solution"):
            text = hidden.sub("", text)
        cell["source"] = text
    notebook["cells"].append({"cell_type": "code", "id": f"mine-{number}", "metadata": {}, "execution_count": None,
                              "outputs": [], "source": f"my_number = {number}"})
    return json.dumps(notebook)


def _nearest_rank(values: list[float], q: float) -> float:
    import math

    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


class Pool:
    """The LMS side: an app on a temporary SQLite database and a real consumer process."""

    def __init__(self, folder: Path, workers: int, sandbox: str = "bwrap"):
        from lms import create_app

        self.folder, self.workers = folder, workers
        self.overrides = {"grading_sandbox": sandbox, "env": "development", "instance_path": str(folder / "instance"),
                          "database_url": f"sqlite:///{folder / 'oqu.db'}", "secret_key": "b" * 40,
                          "queue_url": f"sqlite:///{folder / 'queue.db'}", "grading_dir": str(folder / "jobs"),
                          "assignments_dir": str(ROOT / "notebooks"), "hub_url": "http://127.0.0.1:9"}
        (folder / "jobs").mkdir()
        self.app = create_app(self.overrides)
        self.context = self.app.app_context()
        self.context.push()
        self.worker = None

    def setup(self, learners: int):
        from lms.accounts.models import User
        from lms.courses import services as courses
        from lms.extensions import db
        from lms.security import SYSTEM

        db.create_all()
        course_dir = self.folder / "courses" / "ai-basics"
        course_dir.mkdir(parents=True)
        (course_dir / "course.yaml").write_text(COURSE_YAML, encoding="utf-8")
        report = courses.import_courses(SYSTEM, course_dir)
        if not report.ok:
            raise RuntimeError(f"bench course: {report.problems}")
        self.course = courses.get_course("ai-basics")
        self.learners = [User(email=f"learner{n}@bench.local", surname="Bench", given_name=f"L{n}", patronymic="",
                              position="", active=True) for n in range(learners)]
        db.session.add_all(self.learners)
        db.session.commit()

    def start(self):
        from lms.worker import queue_health

        env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "FLASK_"))}
        env.update({f"LMS_{key.upper()}": str(value) for key, value in self.overrides.items()})
        self.log = open(self.folder / "worker.log", "wb")
        self.worker = subprocess.Popen([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "lms", "worker",
                                        "--workers", str(self.workers), "--max-delay", "0.05"],
                                       cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        deadline = time.monotonic() + 120
        while queue_health() != "ok":
            if time.monotonic() > deadline or self.worker.poll() is not None:
                raise RuntimeError("the worker did not start: " + (self.folder / "worker.log").read_text()[-2000:])
            time.sleep(0.1)

    def submit(self, number: int):
        from lms.grading.submissions import store_submission

        return store_submission(self.learners[number], self.course, ASSIGNMENT,
                                {f"{ASSIGNMENT}.ipynb": _answer(number)}).id

    def wait(self, ids: list[int], timeout: float) -> dict[int, float]:
        """Poll until every submission is recorded; the monotonic time each was first seen done."""
        from lms.extensions import db
        from lms.grading.models import Submission, SubmissionStatus

        done: dict[int, float] = {}
        deadline = time.monotonic() + timeout
        while len(done) < len(ids):
            if time.monotonic() > deadline:
                raise RuntimeError(f"grading did not finish: {len(done)}/{len(ids)}; "
                                   + (self.folder / "worker.log").read_text()[-2000:])
            db.session.expire_all()
            rows = db.session.execute(db.select(Submission.id, Submission.status, Submission.total)
                                      .where(Submission.id.in_([i for i in ids if i not in done]))).all()
            for row in rows:
                if row.status in (SubmissionStatus.graded, SubmissionStatus.flagged, SubmissionStatus.failed):
                    if row.status != SubmissionStatus.graded or row.total != 5.0:
                        raise RuntimeError(f"submission {row.id}: {row.status.value}, total {row.total}")
                    done[row.id] = time.monotonic()
            time.sleep(0.02)
        return done

    def stop(self):
        if self.worker is not None and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGINT)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.worker.pid, signal.SIGKILL)
                self.worker.wait()
        self.context.pop()


def _cli_course(folder: Path, count: int) -> tuple[Path, list[str]]:
    course = folder / "cli-course"
    (course / "source").mkdir(parents=True)
    subprocess.run(["cp", "-r", str(SOURCE), str(course / "source" / ASSIGNMENT)], check=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'bench'\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course / 'gradebook.db'}'\n"
        "c.Execute.timeout = 60\n")
    students = [f"s{n}" for n in range(count)]
    for number, student in enumerate(students):
        target = course / "submitted" / student / ASSIGNMENT
        target.mkdir(parents=True)
        (target / f"{ASSIGNMENT}.ipynb").write_text(_answer(number))
    return course, students


def _nbgrader(course: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "FLASK_"))}
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"  # it runs alembic
    result = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args, "--force"], cwd=course, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)}: {result.stdout.decode(errors='replace')[-2000:]}")


def measure(count: int, workers: int, latency_runs: int, log=print) -> dict:
    with tempfile.TemporaryDirectory(prefix="oqu-bench-grading-") as tmp:
        folder = Path(tmp)
        figures: dict = {"count": count, "workers": workers}

        course, students = _cli_course(folder, count)
        _nbgrader(course, "generate_assignment", ASSIGNMENT)  # once, not timed
        started = time.monotonic()
        for student in students:
            _nbgrader(course, "autograde", ASSIGNMENT, "--student", student)
        figures["cli_each"] = time.monotonic() - started
        log(f"  nbgrader CLI, one run per submission: {count} in {figures['cli_each']:.1f} s")
        started = time.monotonic()
        _nbgrader(course, "autograde", ASSIGNMENT)
        figures["cli_batch"] = time.monotonic() - started
        log(f"  nbgrader CLI, one batch: {count} in {figures['cli_batch']:.1f} s")

        for sandbox, suffix in (("bwrap", ""), ("off", "_off")):  # the sandbox's cost, same run
            (folder / f"oqu{suffix}").mkdir()
            pool = Pool(folder / f"oqu{suffix}", workers, sandbox)
            try:
                pool.setup(count + latency_runs + 1)
                pool.start()
                warm_up = pool.submit(count + latency_runs)  # untimed: the student version is generated once
                pool.wait([warm_up], timeout=300)
                started = time.monotonic()
                ids = [pool.submit(number) for number in range(count)]
                pool.wait(ids, timeout=60 * 30)
                figures["pool" + suffix] = time.monotonic() - started
                log(f"  Oqu worker pool ({workers} workers, sandbox {sandbox}): {count} in "
                    f"{figures['pool' + suffix]:.1f} s")
                latencies = []
                for number in range(count, count + latency_runs):
                    started = time.monotonic()
                    submission_id = pool.submit(number)
                    latencies.append(pool.wait([submission_id], timeout=300)[submission_id] - started)
                figures["latencies" + suffix] = latencies
                log(f"  submit → feedback, one at a time (sandbox {sandbox}): "
                    + ", ".join(f"{v:.2f}" for v in latencies) + " s")
            finally:
                pool.stop()
        return figures


def rows_from(figures: dict) -> list[dict]:
    count = figures["count"]
    pool = count / figures["pool"] * 60
    each = count / figures["cli_each"] * 60
    batch = count / figures["cli_batch"] * 60
    p50 = statistics.median(figures["latencies"])
    pool_off = count / figures["pool_off"] * 60
    p50_off = statistics.median(figures["latencies_off"])
    return [
        {"figure": f"grading throughput, {count} submissions, {figures['workers']} workers (per min)",
         "value": round(pool, 1), "baseline": round(each, 1), "ratio": round(pool / each, 2), "goal": "≥ 3×",
         "passed": pool / each >= 3},
        {"figure": "… against one batch `nbgrader autograde` (per min, no feedback, results at the end)",
         "value": round(pool, 1), "baseline": round(batch, 1), "ratio": round(pool / batch, 2), "goal": "—",
         "passed": None},
        {"figure": "submit → scores and feedback recorded, p50 (s)", "value": round(p50, 2), "baseline": None,
         "ratio": None, "goal": "< 3 s", "passed": p50 < 3.0},
        {"figure": "… grading sandbox's cost: throughput with / without it (per min)", "value": round(pool, 1),
         "baseline": round(pool_off, 1), "ratio": round(pool / pool_off, 2), "goal": "≥ 0.8×",
         "passed": pool / pool_off >= 0.8},
        {"figure": "… grading sandbox's cost: submit → feedback p50 with / without it (s)", "value": round(p50, 2),
         "baseline": round(p50_off, 2), "ratio": round(p50 / p50_off, 2), "goal": "≤ +0.5 s",
         "passed": p50 - p50_off <= 0.5},
    ]


def run(quick: bool = False) -> list[dict]:
    """Rows for the benchmark table (bench/__main__.py)."""
    count = 8 if quick else 40
    workers = max(2, os.cpu_count() or 2)
    figures = measure(count, workers, 3 if quick else 7, log=lambda m: print(m, file=sys.stderr))
    return rows_from(figures)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--submissions", type=int)
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2))
    parser.add_argument("--latency-runs", type=int, default=7)
    args = parser.parse_args(argv)
    count = args.submissions or (8 if args.quick else 40)
    figures = measure(count, args.workers, 3 if args.quick else args.latency_runs)
    rows = rows_from(figures)
    for row in rows:
        ratio = f"  ratio {row['ratio']:.2f}×" if row["ratio"] is not None else ""
        baseline = f"  baseline {row['baseline']}" if row["baseline"] is not None else ""
        verdict = "" if row["passed"] is None else ("  pass" if row["passed"] else "  MISSED")
        print(f"{row['figure']}: {row['value']}{baseline}{ratio}  goal {row['goal']}{verdict}")
    return 0 if all(row["passed"] is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Launch latency: from "open my notebook" to a ready learner server, through the LMS, next to the
hub's own spawn time for the same spawner, measured in the same run.

    .venv/bin/python -m bench.launch [--runs 10]      (or: make bench)

Starts a real hub (jupyterhub_config.py, SimpleLocalProcessSpawner, the pure-Python proxy) and a real
LMS on free loopback ports in a temporary folder. Each round times, in alternating order:

- LMS: ``POST /api/v1/courses/<slug>/notebook`` then ``GET …?wait=10`` until ``ready`` (the LMS creates
  the hub user on first use, starts the server with the course profile, follows the hub's progress
  stream and creates the course folder through the contents API);
- hub: ``POST /hub/api/users/<name>/server`` with the service token, then the hub's progress stream
  until its ``ready`` event — the hub's own spawn time for the same spawner.

Servers are stopped between rounds (not timed). Prints median and p95 (nearest rank) and the ratio.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from werkzeug.serving import make_server

from lms import create_app
from lms.accounts.models import Role, RoleAssignment, User
from lms.accounts.services import create_api_token
from lms.courses.models import Course, Level
from lms.extensions import db
from tests.hubs import LocalHub, free_port
from lms.hub.models import HubAccount
from lms.learning.models import Enrolment, EnrolmentStatus


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def session(token: str, scheme: str) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.headers["Authorization"] = f"{scheme} {token}"
    return s


def wait_stopped(hub_api: requests.Session, api_url: str, name: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        servers = hub_api.get(f"{api_url}/users/{name}", timeout=10).json().get("servers", {})
        if not servers:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{name}'s server did not stop")


def time_lms(lms: requests.Session, url: str) -> float:
    started = time.perf_counter()
    body = lms.post(url, timeout=30).json()
    while body["status"] == "pending":
        body = lms.get(url + "?wait=10", timeout=30).json()
    elapsed = time.perf_counter() - started
    if body["status"] != "ready":
        raise RuntimeError(f"launch through the LMS failed: {body}")
    return elapsed


def time_hub(hub_api: requests.Session, api_url: str, name: str) -> float:
    started = time.perf_counter()
    response = hub_api.post(f"{api_url}/users/{name}/server", json={"user_options": {"profile": "cpu"}}, timeout=30)
    if response.status_code not in (201, 202):
        raise RuntimeError(f"hub start failed: {response.status_code} {response.text[:200]}")
    if response.status_code == 202:
        with hub_api.get(f"{api_url}/users/{name}/server/progress", stream=True, timeout=(2, 60)) as stream:
            for line in stream.iter_lines(chunk_size=None, decode_unicode=True):
                if line.startswith("data:"):
                    event = json.loads(line[5:])
                    if event.get("ready"):
                        break
                    if event.get("failed"):
                        raise RuntimeError(f"hub spawn failed: {event}")
    return time.perf_counter() - started


def measure(runs: int) -> tuple[list[float], list[float], list[float], list]:
    """(LMS launch times, hub spawn times, the hub's own logged spawn times, processes left over)."""
    folder = Path(tempfile.mkdtemp(prefix="oqu-bench-"))
    api_token, client_secret, report_token = (secrets.token_urlsafe(32) for _ in range(3))
    lms_port = free_port()
    hub = LocalHub(folder / "hub", lms_url=f"http://127.0.0.1:{lms_port}", api_token=api_token,
                   client_secret=client_secret, report_token=report_token)
    app = create_app({"env": "testing", "instance_path": str(folder / "instance"),
                      "database_url": f"sqlite:///{folder / 'oqu.db'}", "secret_key": secrets.token_urlsafe(40),
                      "base_url": f"http://127.0.0.1:{lms_port}", "hub_url": hub.url, "hub_api_url": hub.api_url,
                      "hub_api_token": api_token, "hub_client_secret": client_secret,
                      "hub_report_token": report_token, "queue_url": "memory://"})
    with app.app_context():
        db.create_all()
        learner = User(email="learner@bench.local", surname="Bench", given_name="Learner", patronymic="",
                       position="", roles=[RoleAssignment(role=Role.learner)])
        course = Course(slug="bench", title_kk="Bench", title_ru="Bench", level=Level.beginner, has_notebooks=True,
                        notebook_profile="cpu")
        db.session.add_all([learner, course])
        db.session.commit()
        # "benchhub" is started straight through the hub's API; the hub asks the LMS, which knows them.
        straight = User(email="straight@bench.local", surname="Bench", given_name="Hub", patronymic="", position="",
                        roles=[RoleAssignment(role=Role.learner)])
        db.session.add(straight)
        db.session.flush()
        db.session.add_all([Enrolment(user_id=person.id, course_id=course.id, status=EnrolmentStatus.enrolled)
                            for person in (learner, straight)] + [HubAccount(user_id=straight.id, username="benchhub")])
        db.session.commit()
        _, personal_token = create_api_token(learner, learner, "bench")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log in the figures
    server = make_server("127.0.0.1", lms_port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    print(f"starting a hub in {folder} …", file=sys.stderr)
    hub.start()
    lms_times, hub_times = [], []
    try:
        lms = session(personal_token, "Bearer")
        hub_api = session(api_token, "token")
        url = f"http://127.0.0.1:{lms_port}/api/v1/courses/bench/notebook"
        hub_api.post(f"{hub.api_url}/users/benchhub", timeout=10)
        # One warm-up of each (imports, first-time user creation), not counted.
        time_lms(lms, url)
        lms.delete(url, timeout=30)
        time_hub(hub_api, hub.api_url, "benchhub")
        hub_api.delete(f"{hub.api_url}/users/benchhub/server", timeout=30)
        wait_stopped(hub_api, hub.api_url, "benchhub")
        with app.app_context():
            lms_name = db.session.scalar(db.text("SELECT username FROM hub_accounts"))
        for round_ in range(runs):
            order = ("lms", "hub") if round_ % 2 == 0 else ("hub", "lms")
            for which in order:
                if which == "lms":
                    lms_times.append(time_lms(lms, url))
                    lms.delete(url, timeout=30)
                    wait_stopped(hub_api, hub.api_url, lms_name)
                else:
                    hub_times.append(time_hub(hub_api, hub.api_url, "benchhub"))
                    hub_api.delete(f"{hub.api_url}/users/benchhub/server", timeout=30)
                    wait_stopped(hub_api, hub.api_url, "benchhub")
            print(f"round {round_ + 1:2d}: LMS {lms_times[-1]:.2f} s   hub {hub_times[-1]:.2f} s", file=sys.stderr)
    finally:
        left = hub.stop()
        server.shutdown()
    hub_internal = [float(t) for t in re.findall(r"took ([0-9.]+) seconds to start", hub.log())][2:]
    return lms_times, hub_times, hub_internal, left


def run(quick: bool = False) -> list[dict]:
    """Rows for ``python -m bench`` (bench/__main__.py)."""
    lms_times, hub_times, _hub_internal, left = measure(3 if quick else 10)
    lms_median, hub_median = statistics.median(lms_times), statistics.median(hub_times)
    lms_p95, hub_p95 = nearest_rank(lms_times, .95), nearest_rank(hub_times, .95)
    rows = [
        {"figure": f"notebook launch through the LMS, median of {len(lms_times)}", "value": f"{lms_median:.2f} s",
         "baseline": f"{hub_median:.2f} s (hub REST API)", "ratio": lms_median / hub_median, "goal": "≤ 1.20×",
         "passed": lms_median / hub_median <= 1.20},
        {"figure": "notebook launch through the LMS, p95", "value": f"{lms_p95:.2f} s",
         "baseline": f"{hub_p95:.2f} s (hub REST API)", "ratio": lms_p95 / hub_p95, "goal": "—", "passed": None},
    ]
    if left:
        rows.append({"figure": "processes left after the hub stopped", "value": str(left), "baseline": None,
                     "ratio": None, "goal": "none", "passed": False})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)

    lms_times, hub_times, hub_internal, left = measure(args.runs)

    lms_median, hub_median = statistics.median(lms_times), statistics.median(hub_times)
    print(f"Launch to ready learner server, SimpleLocalProcessSpawner, {args.runs} launches each:")
    print(f"  through the LMS (POST + GET ?wait)  median {lms_median:.2f} s   p95 {nearest_rank(lms_times, .95):.2f} s")
    print(f"  hub REST API (POST + progress)      median {hub_median:.2f} s   p95 {nearest_rank(hub_times, .95):.2f} s")
    if hub_internal:
        print(f"  hub's own log ('took … to start')   median {statistics.median(hub_internal):.2f} s   "
              f"p95 {nearest_rank(hub_internal, .95):.2f} s")
    print(f"  ratio LMS / hub (median)            {lms_median / hub_median:.2f}x   (goal ≤ 1.20x)")
    print(f"  ratio LMS / hub (p95)               {nearest_rank(lms_times, .95) / nearest_rank(hub_times, .95):.2f}x")
    if left:
        print(f"WARNING: processes left after the hub stopped: {left}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

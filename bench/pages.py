"""Page latency at a fixed rate, and throughput against the framework's floor.

    .venv/bin/python -m bench.pages [--quick] [--database-url postgresql+psycopg://…] [--page "staff search" …]

Serves the app with gunicorn (2 sync workers, loopback) on the generated database (:mod:`bench.data`),
signs in the bench learner (20 enrolments) and the HR officer of a 5,000-person ministry, then:

1. **client check**: the open-loop generator against ``/api/v1/ping`` (a constant JSON answer of the
   same app) at the highest rate used below: if the client itself were late, that shows here;
2. **open loop** at 200 requests/s for the learner dashboard, the catalogue, the HR certificate
   dashboard and the HR staff search (name terms over 100,000 people): p50/p95/p99 from each request's *scheduled* send time, errors (anything but a 200 that
   contains the page's marker);
3. **highest rate** the learner dashboard holds with p95 ≤ 100 ms, stepping the rate up;
4. **closed loop** (wrk, 64 connections) for the same pages next to ``/api/v1/ping``;
5. for the **staff search**, p95 also at the lower rates of :data:`STAFF_SEARCH_RATES` (what an HR
   department's searches come to), and its wall time per request in process (on PostgreSQL the
   query's time is the database server's, not this process's CPU).

``--page NAME`` (repeatable) runs only those pages (step 3 only with the learner dashboard).
"""
from __future__ import annotations

import argparse
import math
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from . import data
from .load import closed_loop, open_loop, percentile

ROOT = Path(__file__).resolve().parent.parent
USER_AGENT = "oqu-bench/1"  # sessions are bound to the user agent (Flask-Login "strong" protection)
PAGES = {  # name → (path, account, marker that proves the real page came back)
    "learner dashboard": ("/", "learner", b'data-testid="my-courses"'),
    "catalogue": ("/courses", "learner", b'data-testid="course-card"'),
    "HR dashboard": ("/hr/certificates", "hr", b"<table"),
    # two words in other spellings than stored («Қасымова», «Нұржан»): the indexed name terms, scoped
    "staff search": ("/staff?q=kasymova+nurzh", "hr", b'href="/staff/'),
}
FLOOR = "/api/v1/ping"
FIXED_RATE = 200
STAFF_SEARCH_RATES = (10, 25, 50)
SEARCH_RATES = [10, 25, 50, 100, 150, 200, 300, 400, 600, 800, 1000]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving wsgi:app on ``database_url`` (2 sync workers, no access log)."""

    def __init__(self, database_url: str, workers: int = 2):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = tempfile.mkdtemp(prefix="oqu-bench-pages-")
        env = {**os.environ, "LMS_DATABASE_URL": database_url, "LMS_SECRET_KEY": secrets.token_urlsafe(40),
               "LMS_INSTANCE_PATH": self.folder, "LMS_QUEUE_URL": "memory://", "LMS_ENV": "development",
               "LMS_BASE_URL": self.url}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log = open(Path(self.folder) / "gunicorn.log", "wb")
        self.process = subprocess.Popen(
            [str(gunicorn), "--workers", str(workers), "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}",
             "--backlog", "2048", "--timeout", "60", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.tail()}")
            try:
                if requests.get(self.url + FLOOR, timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer in {timeout} s: {self.tail()}")

    def drain(self, timeout: float = 90) -> None:
        """Wait until requests queued by an overloaded run are done (ping answers fast again)."""
        deadline = time.monotonic() + timeout
        fast = 0
        while time.monotonic() < deadline and fast < 3:
            started = time.perf_counter()
            try:
                requests.get(self.url + FLOOR, timeout=30)
            except requests.RequestException:
                continue
            fast = fast + 1 if time.perf_counter() - started < 0.05 else 0
            time.sleep(0.05)

    def tail(self) -> str:
        self.log.flush()
        return (Path(self.folder) / "gunicorn.log").read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def sign_in(base_url: str, email: str, password: str = data.PASSWORD) -> dict:
    """Headers (cookie + user agent) of a signed-in session, through the real sign-in form."""
    session = requests.Session()
    session.trust_env = False
    session.headers["User-Agent"] = USER_AGENT
    page = session.get(base_url + "/login", timeout=10)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page.text)
    if token is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    response = session.post(base_url + "/login", data={"csrf_token": token.group(1), "email": email,
                                                       "password": password}, allow_redirects=False, timeout=30)
    if response.status_code != 302:
        raise RuntimeError(f"sign-in of {email} failed: HTTP {response.status_code}")
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    return {"Cookie": cookie, "User-Agent": USER_AGENT}


def _check(url: str, headers: dict, marker: bytes) -> float:
    started = time.perf_counter()
    response = requests.get(url, headers=headers, allow_redirects=False, timeout=60)
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or marker not in response.content:
        raise RuntimeError(f"{url} answered HTTP {response.status_code} without the page's marker")
    return elapsed


def cpu_per_request(database_url: str, repeat: int = 30, pages: dict | None = None,
                    wall: dict[str, float] | None = None) -> dict[str, float]:
    """Median CPU milliseconds of one request of each page (and the floor), served in this process by the
    test client: the cost that bounds throughput, much less disturbed than wall time by other load.
    ``wall``, when given, receives the median wall-clock milliseconds (which include the database
    server's time on PostgreSQL)."""
    pages = PAGES if pages is None else pages
    from lms import create_app

    folder = tempfile.mkdtemp(prefix="oqu-bench-cpu-")
    app = create_app({"env": "development", "database_url": database_url, "secret_key": secrets.token_urlsafe(40),
                      "instance_path": folder, "queue_url": "memory://"})
    clients = {}
    for role in ("learner", "hr"):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
            re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
        client.post("/login", data={"csrf_token": token.group(1), "email": data.ACCOUNTS[role],
                                    "password": data.PASSWORD})
        clients[role] = client
    result = {}
    for name, (path, role, marker) in {"ping": (FLOOR, "learner", b"ok"), **pages}.items():
        for _ in range(5):
            response = clients[role].get(path)
        if response.status_code != 200 or marker not in response.data:
            raise RuntimeError(f"{path} in process: HTTP {response.status_code}")
        times, walls = [], []
        for _ in range(repeat):
            started, began = time.process_time(), time.perf_counter()
            clients[role].get(path)
            times.append(time.process_time() - started)
            walls.append(time.perf_counter() - began)
        result[name] = sorted(times)[len(times) // 2] * 1000
        if wall is not None:
            wall[name] = sorted(walls)[len(walls) // 2] * 1000
    from lms.extensions import db

    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    return result


def _row(figure, value, baseline, ratio, goal, passed) -> dict:
    return {"figure": figure, "value": value, "baseline": baseline, "ratio": ratio, "goal": goal, "passed": passed}


def _ms(value: float) -> str:
    return f"{value:.1f} ms"


def _latency_rows(name: str, result, floor, learner: bool) -> list[dict]:
    rows = []
    for q, label, goal in ((.95, "p95", 25.0), (.99, "p99", 50.0), (.5, "p50", None)):
        value, base = result.p(q), floor.p(q)
        shown = _ms(value) if math.isfinite(value) else "∞ (requests failed or not answered)"
        check = goal if learner else None
        rows.append(_row(f"{name} {label} at {result.rate:.0f}/s", shown, _ms(base) + " (ping)",
                         value / base if math.isfinite(value) and base > 0 else None,
                         f"≤ {goal:.0f} ms" if check else "—", value <= check if check else None))
    errors = f"{result.errors} of {result.sent}" + (" (run stopped: 300 waiting, overloaded)" if result.overloaded else "")
    rows.append(_row(f"{name} errors at {result.rate:.0f}/s", errors, None, None, "0" if learner else "—",
                     (result.errors == 0 and not result.overloaded) if learner else None))
    return rows


def run(quick: bool = False, database_url: str | None = None, log=None, pages: list[str] | None = None) -> list[dict]:
    """Rows for the benchmark table (see bench/__main__.py); ``pages``: names of :data:`PAGES` to run
    (default all)."""
    log = log or (lambda message: print(message, file=sys.stderr))
    unknown = [name for name in pages or () if name not in PAGES]
    if unknown:
        raise ValueError(f"unknown page(s) {unknown}; known: {list(PAGES)}")
    selected = {name: PAGES[name] for name in PAGES if not pages or name in pages}
    scale = 0.1 if quick else 1.0
    duration = 4.0 if quick else 10.0
    step_duration = 3.0 if quick else 6.0
    closed_duration = 4.0 if quick else 10.0
    url = data.ensure_database(database_url, scale)
    rows: list[dict] = []
    wall: dict[str, float] = {}
    cpu = cpu_per_request(url, pages=selected, wall=wall)
    for name in selected:
        rows.append(_row(f"{name}: CPU per request, in process", _ms(cpu[name]), _ms(cpu["ping"]) + " (ping)",
                         cpu[name] / cpu["ping"], "—", None))
        if name == "staff search":
            rows.append(_row(f"{name}: wall time per request, in process (median of 30)", _ms(wall[name]),
                             _ms(wall["ping"]) + " (ping)", wall[name] / wall["ping"], "—", None))
    log("  CPU per request: " + ", ".join(f"{name} {value:.1f} ms" for name, value in cpu.items()))
    log("  wall per request: " + ", ".join(f"{name} {value:.1f} ms" for name, value in wall.items()))
    with Server(url) as server:
        server.wait_ready()
        headers = {role: sign_in(server.url, data.ACCOUNTS[role]) for role in ("learner", "hr")}
        for name, (path, role, marker) in selected.items():  # warm up: imports, template compilation, caches
            times = [_check(server.url + path, headers[role], marker) for _ in range(5)]
            log(f"  {name}: one request at a time, median {sorted(times)[2] * 1000:.1f} ms")

        # 1. The generator's own overhead: the floor endpoint at the goal's top rate.
        top_rate = 600
        floor_open = open_loop(server.url + FLOOR, FIXED_RATE, duration, headers={"User-Agent": USER_AGENT}, seed=7)
        server.drain()
        floor_top = open_loop(server.url + FLOOR, top_rate, step_duration, headers={"User-Agent": USER_AGENT}, seed=8)
        server.drain()
        log(f"  floor {FLOOR} open loop: {floor_open.summary()}")
        log(f"  floor {FLOOR} open loop: {floor_top.summary()}")
        lag = percentile(floor_top.send_lag, .99) * 1000
        rows.append(_row(f"load generator: p99 send lag at {top_rate}/s (its own delay)", _ms(lag), None, None,
                         "≤ 5 ms", lag <= 5.0))
        rows.append(_row(f"ping (floor) p95 at {top_rate}/s, open loop", _ms(floor_top.p(.95)), None, None, "—", None))

        # 2. Fixed rate.
        for name, (path, role, marker) in selected.items():
            result = open_loop(server.url + path, FIXED_RATE, duration, headers=headers[role], expect=marker, seed=11)
            server.drain()
            log(f"  {name} open loop: {result.summary()}" + (f"  e.g. {result.error_samples}" if result.errors else ""))
            rows.extend(_latency_rows(name, result, floor_open, name == "learner dashboard"))
            if name == "learner dashboard":
                lag = percentile(result.send_lag, .99) * 1000
                rows.append(_row(f"load generator: p99 send lag during the {name} run", _ms(lag), None, None,
                                 "≤ 5 ms", lag <= 5.0))

        # 2b. The staff search at the rates an HR department's searches come to.
        if "staff search" in selected:
            path, role, marker = selected["staff search"]
            for rate in STAFF_SEARCH_RATES:
                result = open_loop(server.url + path, rate, duration, headers=headers[role], expect=marker,
                                   seed=100 + rate)
                server.drain()
                log(f"  staff search at {rate}/s: {result.summary()}")
                value = result.p(.95)
                errors = f", {result.errors} errors" if result.errors else ""
                rows.append(_row(f"staff search p95 at {rate}/s ({data.counts(scale)['learners']:,} people)",
                                 (_ms(value) if math.isfinite(value) else "∞ (requests failed or not answered)")
                                 + errors + (" (overloaded)" if result.overloaded else ""),
                                 _ms(floor_open.p(.95)) + " (ping)",
                                 value / floor_open.p(.95) if math.isfinite(value) and floor_open.p(.95) > 0 else None,
                                 "—", None))

        # 3. Highest rate with p95 ≤ 100 ms, stepping up until a step misses it.
        held = None
        if "learner dashboard" in selected:
            path, role, marker = PAGES["learner dashboard"]
            held = 0
            for rate in SEARCH_RATES:
                result = open_loop(server.url + path, rate, step_duration, headers=headers[role], expect=marker,
                                   seed=rate)
                server.drain()
                log(f"  learner dashboard step: {result.summary()}")
                if result.errors or result.overloaded or result.p(.95) > 100:
                    break
                held = rate

        # 4. Closed loop against the floor.
        floor = closed_loop(server.url + FLOOR, 64, closed_duration, headers={"User-Agent": USER_AGENT})
        log(f"  floor {FLOOR} closed loop ({floor.tool}, 64 connections): {floor.requests_per_s:.0f}/s")
        if held is not None:
            rows.append(_row("learner dashboard: highest rate with p95 ≤ 100 ms", f"{held} req/s",
                             f"{floor.requests_per_s:.0f} req/s (ping, 64 conn.)",
                             held / floor.requests_per_s if floor.requests_per_s else None, "≥ 600 req/s",
                             held >= 600))
        for name, (path, role, marker) in selected.items():
            server.drain()
            _check(server.url + path, headers[role], marker)  # still signed in: wrk cannot tell a login page
            result = closed_loop(server.url + path, 64, closed_duration, headers=headers[role])
            log(f"  {name} closed loop ({result.tool}): {result.requests_per_s:.0f}/s, errors {result.errors}")
            learner = name == "learner dashboard"
            ratio = result.requests_per_s / floor.requests_per_s if floor.requests_per_s else None
            rows.append(_row(f"{name} throughput, 64 connections", f"{result.requests_per_s:.0f} req/s",
                             f"{floor.requests_per_s:.0f} req/s (ping)", ratio, "≥ 0.10 × floor" if learner else "—",
                             (ratio or 0) >= 0.10 and result.errors == 0 if learner else None))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: the cached SQLite file)")
    parser.add_argument("--page", action="append", choices=list(PAGES), help="run only this page (repeatable)")
    args = parser.parse_args(argv)
    from .__main__ import print_table

    rows = run(args.quick, args.database_url, pages=args.page)
    print_table(rows)
    return 0 if all(row["passed"] is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

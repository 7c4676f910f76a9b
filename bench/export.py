"""Certificate exports at scale: CSV and XLSX of 200,000 certificates through the real export code
(``lms.hr.exports``: scoped query, formula neutralisation, headers in the reader's language), next to
baselines measured in the same run, and the certificate PDF's time per certificate.

    .venv/bin/python -m bench.export [--quick] [--keep]      (or: python -m bench --only export)

- database: a SQLite file in a temporary folder, schema from the app's migrations, rows bulk-inserted
  with SQLAlchemy Core: 100,000 people in one ministry's 40 departments holding 200,000 certificates,
  and a second ministry with 2,000 more that the exporting HR officer may not see;
- each export runs in a fresh process after the app has loaded (language catalog, mappers), best of
  three (CSV) or two (XLSX) runs, alternating with its baseline;
- CSV: the HR officer's export (``export_rows`` → ``csv_chunks``, as ``/hr/certificates/export.csv``
  streams it) against ``sqlite3 -csv`` running the same joined query; goal ≤ 2.5×;
- XLSX: ``write_xlsx`` (XlsxWriter, constant memory) against XlsxWriter writing the same rows from a
  Python list already in memory; goal ≤ 1.3×;
- memory: each export runs in its own process; its peak resident size (``ru_maxrss``, the interpreter
  and the app's imports included) must stay under 100 MB;
- PDF: median time of ``render_pdf`` per certificate (warm); goal < 30 ms;
- with ``--database-url postgresql+psycopg://…`` (or ``python -m bench --database-url …``): the same rows
  copied into a database of its own on that server (``oqu_bench_export``, made afresh), and the CSV and
  XLSX exports run again there, against ``psql \\copy`` of the same query for CSV, with the same goals.

``--quick`` uses 20,000 certificates.
"""
from __future__ import annotations


import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from lms import clock

ROOT = Path(__file__).resolve().parent.parent
FULL_CERTIFICATES = 200_000
QUICK_CERTIFICATES = 20_000
OUTSIDE = 0.01  # share of extra certificates in another ministry (outside the officer's scope)
DEPARTMENTS = 40
COURSES = 20
HR_EMAIL = "hr@bench-export.oqu"
CSV_GOAL, XLSX_GOAL, MEMORY_GOAL_MB, PDF_GOAL_MS = 2.5, 1.3, 100.0, 30.0
ROUNDS, XLSX_ROUNDS = 3, 2  # best of three (CSV) and of two (XLSX), each alternating with its baseline
LANGUAGE = "ru"

SURNAMES = ["Абаев", "Жұмабеков", "Сейітқали", "Нұрланов", "Әлиева", "Қасымова", "Оспанов", "Төлеуова",
            "Иванов", "Петрова", "Ержанов", "Мұхамеджанова", "Бекболатов", "Сәрсенбаева", "Құнанбаев",
            "=HYPERLINK(\"x\")", "+Плюсов", "-Минусова", "@Сабақов"]
GIVEN = ["Айгүл", "Ерлан", "Дәурен", "Мәди", "Гүлнар", "Асқар", "Ольга", "Сергей", "Жанар", "Нұржан"]

# The baseline's query: the same rows, joined and ordered as the export (status and dates as text).
BASELINE_SQL = """
SELECT c.number, c.holder_name, u.iin, o.name_ru, co.title_ru, c.hours, c.issued_on, c.valid_until,
       CASE WHEN c.revoked_at IS NOT NULL THEN 'revoked'
            WHEN c.valid_until IS NOT NULL AND c.valid_until < date('now') THEN 'expired' ELSE 'valid' END,
       date(c.revoked_at)
FROM certificates c
JOIN courses co ON co.id = c.course_id
LEFT JOIN users u ON u.id = c.user_id
LEFT JOIN organisations o ON o.id = c.organisation_id
WHERE c.organisation_id IN (SELECT id FROM organisations WHERE path LIKE '/1/%')
ORDER BY c.issued_on DESC, c.id DESC
"""


def _app(database_url: str, instance: str):
    from lms import create_app

    return create_app({"database_url": database_url, "instance_path": instance, "secret_key": "b" * 40,
                       "env": "development", "queue_url": "memory://"})


# --------------------------------------------------------------------------- the database

def build_database(folder: Path, certificates: int, log) -> str:
    """A SQLite file under ``folder`` with ``certificates`` certificates in scope (plus 1 % outside)."""
    from sqlalchemy import insert

    from lms.accounts.models import RoleAssignment, User
    from lms.certificates import numbers
    from lms.certificates.models import Certificate
    from lms.courses.models import Course
    from lms.extensions import db
    from lms.organisations.models import Organisation

    url = f"sqlite:///{folder / 'export.db'}"
    app = _app(url, str(folder / "instance"))
    started = time.perf_counter()
    with app.app_context():
        from flask_migrate import upgrade

        from lms.extensions import init_migrations

        init_migrations(app)
        upgrade()
        rng = random.Random(2026)
        units = [{"id": 1, "parent_id": None, "code": "MDAI", "name_kk": "Цифрлық даму министрлігі",
                  "name_ru": "Министерство цифрового развития", "path": "/1/"}]
        for n in range(DEPARTMENTS):
            units.append({"id": 2 + n, "parent_id": 1, "code": f"D{n:02d}", "name_kk": f"{n + 1}-департамент",
                          "name_ru": f"Департамент № {n + 1}", "path": f"/1/{2 + n}/"})
        other = 2 + DEPARTMENTS
        units.append({"id": other, "parent_id": None, "code": "MOF", "name_kk": "Қаржы министрлігі",
                      "name_ru": "Министерство финансов", "path": f"/{other}/"})
        db.session.execute(insert(Organisation), units)
        db.session.execute(insert(Course), [
            {"id": n + 1, "slug": f"course-{n + 1}", "title_kk": f"Жасанды интеллект: {n + 1}-курс",
             "title_ru": f"Искусственный интеллект: курс {n + 1}", "hours": 4 + n % 8, "level": "beginner"}
            for n in range(COURSES)])
        outside = max(1, int(certificates * OUTSIDE))
        people = (certificates + outside) // 2
        hr_id = people + 1
        chunk = 20_000
        for start in range(0, people, chunk):
            rows = []
            for n in range(start, min(start + chunk, people)):
                in_scope = n < certificates // 2
                rows.append({"id": n + 1, "email": f"p{n}@bench-export.oqu", "iin": f"{850101000000 + n:012d}",
                             "surname": rng.choice(SURNAMES), "given_name": rng.choice(GIVEN), "patronymic": "",
                             "organisation_id": rng.randint(2, 1 + DEPARTMENTS) if in_scope else other,
                             "position": "Сарапшы", "active": True})
            db.session.execute(insert(User), rows)
        db.session.execute(insert(User), [{"id": hr_id, "email": HR_EMAIL, "surname": "Кадрова", "given_name": "Әсел",
                                           "patronymic": "", "organisation_id": 1, "position": "", "active": True}])
        db.session.execute(insert(RoleAssignment), [{"user_id": hr_id, "role": "hr", "organisation_id": None}])
        drawn: set[str] = set()
        today = clock.today()
        for start in range(0, people, chunk):
            rows = []
            for n in range(start, min(start + chunk, people)):
                for renewal_course in range(2):
                    issued = date(2023, 1, 1) + timedelta(days=rng.randint(0, (today - date(2023, 1, 1)).days))
                    number = numbers.new_number(issued.year)
                    while number in drawn:
                        number = numbers.new_number(issued.year)
                    drawn.add(number)
                    revoked = rng.random() < 0.02
                    rows.append({"number": number, "user_id": n + 1, "course_id": 1 + (2 * n + renewal_course) % COURSES,
                                 "organisation_id": None, "renewal": 0, "course_version": "",
                                 "holder_name": "", "hours": 4, "score": 90.0,
                                 "issued_at": datetime.combine(issued, datetime.min.time()), "issued_on": issued,
                                 "valid_until": issued + timedelta(days=730) if rng.random() < 0.8 else None,
                                 "revoked_at": datetime.combine(issued + timedelta(days=30), datetime.min.time())
                                 if revoked else None, "revoked_reason": "bench" if revoked else None})
            db.session.execute(insert(Certificate), rows)
        # holder name and organisation as printed: copied from the person, as issuing does
        db.session.execute(db.text(
            "UPDATE certificates SET holder_name = (SELECT surname || ' ' || given_name FROM users "
            "WHERE users.id = certificates.user_id), organisation_id = (SELECT organisation_id FROM users "
            "WHERE users.id = certificates.user_id)"))
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        total = db.session.scalar(db.text("SELECT count(*) FROM certificates"))
    log(f"  database: {total:,} certificates, {people + 1:,} people in {time.perf_counter() - started:.1f} s")
    return url


POSTGRESQL_DATABASE = "oqu_bench_export"
COPIED_TABLES = ("organisations", "courses", "users", "role_assignments", "certificates")


def copy_to_postgresql(sqlite_path: Path, server_url: str, instance: str, log) -> str:
    """The bench database's rows in ``oqu_bench_export`` on the server of ``server_url`` (dropped and made
    afresh; the bench names it, so no one else's data is touched), schema from the migrations."""
    import psycopg
    import sqlite3
    from sqlalchemy.engine import make_url

    from lms.extensions import db, init_migrations

    started = time.perf_counter()
    server = make_url(server_url)
    admin = server.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{POSTGRESQL_DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{POSTGRESQL_DATABASE}"')
    url = server.set(database=POSTGRESQL_DATABASE).render_as_string(hide_password=False)
    app = _app(url, instance)
    init_migrations(app)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    source = sqlite3.connect(sqlite_path)
    with psycopg.connect(_libpq(url)) as target:
        for table in COPIED_TABLES:
            types = dict(target.execute("SELECT column_name, data_type FROM information_schema.columns "
                                        "WHERE table_name = %s", (table,)).fetchall())
            columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})") if row[1] in types]
            booleans = [i for i, column in enumerate(columns) if types[column] == "boolean"]
            with target.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in source.execute(f"SELECT {', '.join(columns)} FROM {table}"):
                    row = list(row)
                    for i in booleans:
                        row[i] = None if row[i] is None else bool(row[i])
                    copy.write_row(row)
        target.commit()
        target.autocommit = True
        target.execute("ANALYZE")
    source.close()
    log(f"  copied into PostgreSQL ({POSTGRESQL_DATABASE}) in {time.perf_counter() - started:.1f} s")
    return url


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as libpq (psycopg, psql) reads it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


# --------------------------------------------------------------------------- the measured processes

def _rss_mb(pid: int | str = "self", field: str = "VmHWM") -> float:
    """Peak (``VmHWM``) or current (``VmRSS``) resident size of a process in MB. Not ``ru_maxrss``:
    Linux carries that over from the parent through fork and exec, so a child of a big process would
    report the parent's peak."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    """Start the peak (VmHWM) afresh from the current size (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def child(kind: str, database_url: str, instance: str, output: str) -> dict:
    """Run one export in this (fresh) process; returns seconds, rows and peak RSS."""
    from sqlalchemy.orm import configure_mappers

    from lms.accounts.models import User
    from lms.certificates.services import CertificateFilters
    from lms.extensions import db
    from lms.hr import exports

    app = _app(database_url, instance)
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": LANGUAGE}):
        actor = db.session.scalar(db.select(User).where(User.email == HR_EMAIL))
        # as in a server that has answered a request before: language catalog loaded, mappers configured
        exports.headers()
        configure_mappers()
        loading_peak = _rss_mb()  # the app's imports and create_app, before the first row
        ready = _rss_mb(field="VmRSS")
        reset = _reset_peak()
        started = time.perf_counter()
        if kind == "csv":
            counter = [0]
            with open(output, "wb") as file:
                batches = exports.export_batches(actor, CertificateFilters(), as_text=True)
                for chunk in exports.csv_batches_chunks(exports.headers(), batches, counter):
                    file.write(chunk)
            count = counter[0]
        else:
            count = exports.write_xlsx(output, exports.headers(), exports.export_rows(actor, CertificateFilters()))
        seconds = time.perf_counter() - started
    export_peak = _rss_mb()
    return {"seconds": seconds, "rows": count, "peak_mb": max(loading_peak, export_peak), "ready_mb": ready,
            "loading_peak_mb": loading_peak,
            "added_mb": export_peak - ready if reset else float("nan")}  # what exporting added to the process


def baseline_xlsx(database_path: str, output: str) -> dict:
    """XlsxWriter (constant memory) writing the same rows from a list already in memory: only the
    writing is timed."""
    import sqlite3

    import xlsxwriter

    connection = sqlite3.connect(database_path)
    rows = []
    for row in connection.execute(BASELINE_SQL):
        row = list(row)
        for index in (6, 7, 9):
            row[index] = date.fromisoformat(row[index]) if row[index] else None
        rows.append(row)
    connection.close()
    header = ["Номер", "Владелец", "ИИН", "Организация", "Курс", "Часы", "Выдан", "Действителен до", "Статус",
              "Отозван"]
    started = time.perf_counter()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
    sheet = workbook.add_worksheet("Сертификаты")
    date_format = workbook.add_format({"num_format": "dd.mm.yyyy"})
    for column, title in enumerate(header):
        sheet.write_string(0, column, title)
    for row_index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(row_index, column, value, date_format)
            elif isinstance(value, int):
                sheet.write_number(row_index, column, value)
            else:
                sheet.write_string(row_index, column, value)
    workbook.close()
    return {"seconds": time.perf_counter() - started, "rows": len(rows), "peak_mb": _rss_mb()}


def _spawn(args: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "bench.export", *args], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=900)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed: {run.stderr[-2000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def sqlite_cli(database_path: str, output: str) -> dict:
    """``sqlite3 -csv`` of the same joined query; its wall time and peak RSS."""
    if shutil.which("sqlite3") is None:
        raise RuntimeError("the sqlite3 command-line shell is missing (apt-get install sqlite3)")
    return _peak_of(["sqlite3", "-csv", database_path, BASELINE_SQL], output)


def _peak_of(command: list[str], output: str) -> dict:
    """Run ``command`` with its output to ``output``: wall time and peak RSS (sampled; its memory is
    small and flat)."""
    peak = 0.0
    with open(output, "wb") as file:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=file)
        while process.poll() is None:
            try:
                peak = max(peak, _rss_mb(process.pid))
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
        seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} exited with status {process.returncode}")
    return {"seconds": seconds, "peak_mb": peak}


def psql_copy(url: str, output: str) -> dict:
    """``psql \\copy`` of the same joined query as CSV."""
    return _peak_of(["psql", _libpq(url), "-q", "-c", f"\\copy ({_postgresql_query()}) TO STDOUT WITH CSV"], output)


def _postgresql_query() -> str:
    return " ".join(BASELINE_SQL.replace("date('now')", "CURRENT_DATE")
                    .replace("date(c.revoked_at)", "c.revoked_at::date").split())


def python_cursor_csv(url: str, output: str) -> dict:
    """Python's csv module writing the same query's rows as they stream from a psycopg server-side
    cursor (planned for all rows): what any streaming exporter written in Python pays at least."""
    import csv

    import psycopg

    started = time.perf_counter()
    with psycopg.connect(_libpq(url)) as connection, open(output, "w", newline="", encoding="utf-8") as file:
        connection.execute("SET cursor_tuple_fraction = 1")
        writer = csv.writer(file)
        with connection.cursor(name="bench_floor") as cursor:
            cursor.execute(_postgresql_query())
            while rows := cursor.fetchmany(500):
                writer.writerows(rows)
    return {"seconds": time.perf_counter() - started}


def pdf_median_ms(database_url: str, instance: str, renders: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of ``render_pdf`` per certificate (warm)."""
    from lms.certificates.models import Certificate
    from lms.certificates.pdf import render_pdf
    from lms.extensions import db

    app = _app(database_url, instance)
    with app.app_context(), app.test_request_context("/"):
        certificates = db.session.scalars(db.select(Certificate).order_by(Certificate.id).limit(renders + 3)).all()
        for certificate in certificates[:3]:  # warm: fonts, imports
            render_pdf(certificate)
        wall, cpu = [], []
        for certificate in certificates[3:]:
            started, started_cpu = time.perf_counter(), time.process_time()
            data = render_pdf(certificate)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
            assert data.startswith(b"%PDF")
    return statistics.median(wall), statistics.median(cpu)


# --------------------------------------------------------------------------- the table

def _times(runs: list[dict]) -> str:
    return ", ".join(f"{run['seconds']:.2f}" for run in runs)


def _row(figure, value, baseline, goal, passed, ratio=None) -> dict:
    return {"figure": figure, "value": value, "baseline": baseline, "ratio": ratio, "goal": goal, "passed": passed}


def run(quick: bool = False, keep: bool = False, log=None, database_url: str | None = None) -> list[dict]:
    """Rows for the benchmark table (see bench/__main__.py); with a PostgreSQL ``database_url``, the
    exports on PostgreSQL too."""
    log = log or (lambda message: print(message, file=sys.stderr))
    count = QUICK_CERTIFICATES if quick else FULL_CERTIFICATES
    folder = Path(tempfile.mkdtemp(prefix="oqu-bench-export-"))
    try:
        url = build_database(folder, count, log)
        database = str(folder / "export.db")
        instance = str(folder / "instance")
        # best of several runs, alternating with the baseline (the machine may be busy)
        clis, csvs = [], []
        for _round in range(ROUNDS):
            clis.append(sqlite_cli(database, str(folder / "baseline.csv")))
            csvs.append(_spawn(["--child", "csv", url, instance, str(folder / "export.csv")]))
        cli = min(clis, key=lambda r: r["seconds"])
        csv_run = min(csvs, key=lambda r: r["seconds"])
        log(f"  sqlite3 -csv: {_times(clis)} s, {cli['peak_mb']:.0f} MB")
        log(f"  CSV export: {_times(csvs)} s, {csv_run['rows']:,} rows, "
            f"peak {csv_run['peak_mb']:.0f} MB (app loaded: {csv_run['ready_mb']:.0f} MB, loading peak "
            f"{csv_run['loading_peak_mb']:.0f} MB; the export added {csv_run['added_mb']:.1f} MB)")
        bases, xlsxs = [], []
        for _round in range(XLSX_ROUNDS):
            bases.append(_spawn(["--baseline-xlsx", database, str(folder / "baseline.xlsx")]))
            xlsxs.append(_spawn(["--child", "xlsx", url, instance, str(folder / "export.xlsx")]))
        base_xlsx = min(bases, key=lambda r: r["seconds"])
        xlsx_run = min(xlsxs, key=lambda r: r["seconds"])
        log(f"  XlsxWriter from a list: {_times(bases)} s, peak {base_xlsx['peak_mb']:.0f} MB")
        log(f"  XLSX export: {_times(xlsxs)} s, {xlsx_run['rows']:,} rows, peak {xlsx_run['peak_mb']:.0f} MB "
            f"(the export added {xlsx_run['added_mb']:.1f} MB)")
        pdf_ms, pdf_cpu_ms = pdf_median_ms(url, instance, 20 if quick else 60)
        log(f"  PDF: median {pdf_ms:.1f} ms wall, {pdf_cpu_ms:.1f} ms CPU per certificate")
        baseline_lines = sum(1 for _ in open(folder / "baseline.csv", encoding="utf-8"))
        if not csv_run["rows"] == xlsx_run["rows"] == base_xlsx["rows"] == baseline_lines == count:
            raise RuntimeError(f"row counts differ: csv {csv_run['rows']}, xlsx {xlsx_run['rows']}, "
                               f"baselines {baseline_lines}/{base_xlsx['rows']}, expected {count}")
        csv_ratio = csv_run["seconds"] / cli["seconds"]
        xlsx_ratio = xlsx_run["seconds"] / base_xlsx["seconds"]
        n = f"{count:,}"
        postgresql = []
        if database_url and database_url.startswith("postgresql"):
            postgresql = _postgresql_rows(folder, database_url, instance, base_xlsx, count, log)
        return [
            _row(f"CSV export of {n} certificates (s; baseline sqlite3 -csv)", round(csv_run["seconds"], 2),
                 round(cli["seconds"], 2), f"≤ {CSV_GOAL}×", csv_ratio <= CSV_GOAL, round(csv_ratio, 2)),
            _row("CSV export: peak RSS of the exporting process, app included (MB)", round(csv_run["peak_mb"], 1),
                 round(cli["peak_mb"], 1), f"< {MEMORY_GOAL_MB:.0f} MB", csv_run["peak_mb"] < MEMORY_GOAL_MB),
            _row("CSV export: memory the export adds to the loaded app (MB)", round(csv_run["added_mb"], 1), None,
                 f"< {MEMORY_GOAL_MB:.0f} MB", csv_run["added_mb"] < MEMORY_GOAL_MB),
            _row(f"XLSX export of {n} certificates (s; baseline XlsxWriter from a list)", round(xlsx_run["seconds"], 2),
                 round(base_xlsx["seconds"], 2), f"≤ {XLSX_GOAL}×", xlsx_ratio <= XLSX_GOAL, round(xlsx_ratio, 2)),
            _row("XLSX export: peak RSS of the exporting process, app included (MB)", round(xlsx_run["peak_mb"], 1),
                 round(base_xlsx["peak_mb"], 1), f"< {MEMORY_GOAL_MB:.0f} MB", xlsx_run["peak_mb"] < MEMORY_GOAL_MB),
            _row("XLSX export: memory the export adds to the loaded app (MB)", round(xlsx_run["added_mb"], 1), None,
                 f"< {MEMORY_GOAL_MB:.0f} MB", xlsx_run["added_mb"] < MEMORY_GOAL_MB),
            _row("the app alone: peak RSS while loading, before the first row (MB)",
                 round(csv_run["loading_peak_mb"], 1), None, None, None),
            _row("certificate PDF: median per certificate (ms wall clock)", round(pdf_ms, 1), None,
                 f"< {PDF_GOAL_MS:.0f} ms", pdf_ms < PDF_GOAL_MS),
            _row("certificate PDF: median per certificate (ms CPU)", round(pdf_cpu_ms, 1), None,
                 f"< {PDF_GOAL_MS:.0f} ms", pdf_cpu_ms < PDF_GOAL_MS),
        ] + postgresql
    finally:
        if keep:
            log(f"  kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _postgresql_rows(folder: Path, server_url: str, instance: str, base_xlsx: dict, count: int, log) -> list[dict]:
    """The CSV and XLSX exports again, on a PostgreSQL copy of the same rows."""
    url = copy_to_postgresql(folder / "export.db", server_url, instance, log)
    copies, floors, csvs, xlsxs = [], [], [], []
    for _round in range(ROUNDS):
        copies.append(psql_copy(url, str(folder / "baseline-pg.csv")))
        floors.append(python_cursor_csv(url, str(folder / "floor-pg.csv")))
        csvs.append(_spawn(["--child", "csv", url, instance, str(folder / "export-pg.csv")]))
    for _round in range(XLSX_ROUNDS):
        xlsxs.append(_spawn(["--child", "xlsx", url, instance, str(folder / "export-pg.xlsx")]))
    copy = min(copies, key=lambda r: r["seconds"])
    floor = min(floors, key=lambda r: r["seconds"])
    csv_run = min(csvs, key=lambda r: r["seconds"])
    xlsx_run = min(xlsxs, key=lambda r: r["seconds"])
    log(f"  psql \\copy: {_times(copies)} s; Python csv from a cursor: {_times(floors)} s")
    log(f"  CSV export on PostgreSQL: {_times(csvs)} s, peak {csv_run['peak_mb']:.0f} MB; XLSX export on "
        f"PostgreSQL: {_times(xlsxs)} s, peak {xlsx_run['peak_mb']:.0f} MB")
    baseline_lines = sum(1 for _ in open(folder / "baseline-pg.csv", encoding="utf-8"))
    if not csv_run["rows"] == xlsx_run["rows"] == baseline_lines == count:
        raise RuntimeError(f"PostgreSQL row counts differ: csv {csv_run['rows']}, xlsx {xlsx_run['rows']}, "
                           f"psql {baseline_lines}, expected {count}")
    csv_ratio = csv_run["seconds"] / copy["seconds"]
    xlsx_ratio = xlsx_run["seconds"] / base_xlsx["seconds"]
    return [
        _row(f"PostgreSQL: CSV export of {count:,} certificates (s; baseline psql \\copy)",
             round(csv_run["seconds"], 2), round(copy["seconds"], 2), f"≤ {CSV_GOAL}×", csv_ratio <= CSV_GOAL,
             round(csv_ratio, 2)),
        _row("PostgreSQL: … Python's csv module streaming a raw server-side cursor, same query (s)",
             round(floor["seconds"], 2), round(copy["seconds"], 2), None, None,
             round(floor["seconds"] / copy["seconds"], 2)),
        _row("PostgreSQL: CSV export, peak RSS of the exporting process, app included (MB)",
             round(csv_run["peak_mb"], 1), round(copy["peak_mb"], 1), f"< {MEMORY_GOAL_MB:.0f} MB",
             csv_run["peak_mb"] < MEMORY_GOAL_MB),
        _row(f"PostgreSQL: XLSX export of {count:,} certificates (s; baseline XlsxWriter from a list)",
             round(xlsx_run["seconds"], 2), round(base_xlsx["seconds"], 2), f"≤ {XLSX_GOAL}×",
             xlsx_ratio <= XLSX_GOAL, round(xlsx_ratio, 2)),
        _row("PostgreSQL: XLSX export, peak RSS of the exporting process, app included (MB)",
             round(xlsx_run["peak_mb"], 1), round(base_xlsx["peak_mb"], 1), f"< {MEMORY_GOAL_MB:.0f} MB",
             xlsx_run["peak_mb"] < MEMORY_GOAL_MB),
    ]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        print(json.dumps(child(*argv[1:5])))
        return 0
    if argv[:1] == ["--baseline-xlsx"]:
        print(json.dumps(baseline_xlsx(*argv[1:3])))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CERTIFICATES:,} certificates")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database and files)")
    parser.add_argument("--database-url", help="a PostgreSQL server (SQLAlchemy URL): the exports run there too, in "
                                               f"a database of their own ({POSTGRESQL_DATABASE})")
    args = parser.parse_args(argv)
    from bench.__main__ import print_table

    rows = run(args.quick, keep=args.keep, database_url=args.database_url)
    print_table([{"benchmark": "export", **row} for row in rows])
    return 1 if any(row["passed"] is False for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

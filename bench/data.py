"""A ministry-sized database for the benchmarks: by default 100,000 learners in 500 organisations,
1,000,000 enrolments and 200,000 certificates, with 40 courses, a cohort per course and four bench
accounts (learner with many enrolments, HR officer of a large ministry, instructor, admin).

    .venv/bin/python -m bench.data [--scale 0.1] [--database-url postgresql+psycopg://…/oqu_bench]

The schema comes from the app's own migrations (``flask db upgrade``); rows go in with SQLAlchemy Core
bulk inserts (SQLite) or ``COPY`` (PostgreSQL). The result is cached: a SQLite file under
``instance/bench/`` named after :data:`VERSION`, the scale and a hash of the migrations, or, on
PostgreSQL, a ``bench_meta`` row holding the same key. A rerun with the same key returns at once.

Other benchmarks call :func:`ensure_database` (stable interface)::

    from bench.data import ensure_database, ACCOUNTS, PASSWORD
    url = ensure_database(None, scale=1.0)      # SQLAlchemy URL of a ready database
"""
from __future__ import annotations


import argparse
import hashlib
import json
import logging
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlalchemy import create_engine, inspect, text

from lms import clock

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / "instance" / "bench"
VERSION = "2"  # bump when the generated rows change shape or meaning
PASSWORD = "Oqu-bench-2026"
ACCOUNTS = {
    "learner": "learner@bench.oqu",
    "hr": "hr@bench.oqu",
    "instructor": "instructor@bench.oqu",
    "admin": "admin@bench.oqu",
}
FULL = {"learners": 100_000, "organisations": 500, "enrolments": 1_000_000, "certificates": 200_000}
COURSES = 40
MINISTRIES = 20
MODULES_PER_COURSE, ITEMS_PER_MODULE = 3, 4
BENCH_LEARNER_COURSES = 20
CHUNK = 50_000
NOW = datetime(2026, 11, 1, 9, 0, 0)
TODAY = NOW.date()

SURNAMES = ["Абаев", "Жұмабеков", "Сейітқали", "Нұрланов", "Әлиева", "Қасымова", "Оспанов", "Төлеуова",
            "Иванов", "Петрова", "Ержанов", "Мұхамеджанова", "Бекболатов", "Сәрсенбаева", "Құнанбаев"]
GIVEN = ["Айгүл", "Ерлан", "Дәурен", "Мәди", "Гүлнар", "Асқар", "Ольга", "Сергей", "Жанар", "Нұржан",
         "Әсел", "Бауыржан", "Динара", "Қайрат", "Аружан"]

log = logging.getLogger("bench.data")


def counts(scale: float = 1.0) -> dict[str, int]:
    """Row counts at ``scale`` (1.0: the full ministry)."""
    result = {key: max(1, round(value * scale)) for key, value in FULL.items()}
    result["organisations"] = max(MINISTRIES * 2, result["organisations"])
    result["learners"] = max(result["learners"], 50)
    per_learner = max(1, min(COURSES // 2, round(result["enrolments"] / result["learners"])))
    result["enrolments"] = per_learner * result["learners"]
    return result


def _migrations_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "lms" / "migrations" / "versions").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def cache_key(scale: float) -> str:
    return f"v{VERSION}-s{scale:g}-m{_migrations_hash()}"


def _to_url(target: str | os.PathLike | None, key: str) -> tuple[str, Path | None]:
    if target is None:
        path = CACHE_DIR / f"oqu-bench-{key}.db"
        return f"sqlite:///{path}", path
    target = str(target)
    if "://" in target:
        if target.startswith("sqlite:///"):
            return target, Path(target[len("sqlite:///"):])
        return target, None
    return f"sqlite:///{Path(target).resolve()}", Path(target).resolve()


def ensure_database(target: str | os.PathLike | None = None, scale: float = 1.0, *, force: bool = False) -> str:
    """A database with the generated data at ``scale``; returns its SQLAlchemy URL.

    ``target``: None for the cached SQLite file under ``instance/bench/``, a file path for SQLite, or a
    SQLAlchemy URL (PostgreSQL: the database must exist and be empty or a previous bench database —
    anything else is refused, never overwritten). Generated only when its cache key is missing.
    """
    key = cache_key(scale)
    url, path = _to_url(target, key)
    if path is not None:
        if path.exists() and not force and _stored_key(f"sqlite:///{path}") == key:
            return url
        path.parent.mkdir(parents=True, exist_ok=True)
        if target is None:  # an older cache file of this scale is of no more use
            for old in path.parent.glob(f"oqu-bench-v*-s{scale:g}-*.db"):
                if old != path:
                    old.unlink(missing_ok=True)
        scratch = path.with_suffix(".partial")
        scratch.unlink(missing_ok=True)
        _generate(f"sqlite:///{scratch}", scale, key)
        scratch.replace(path)  # only a complete database ever carries the final name
        return url
    if not force and _stored_key(url) == key:
        return url
    _reset_postgres(url)
    _generate(url, scale, key)
    return url


def _stored_key(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("bench_meta"):
                return None
            return conn.execute(text("SELECT key FROM bench_meta")).scalar()
    except Exception:  # noqa: BLE001 - unreadable means: generate again
        return None
    finally:
        engine.dispose()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            tables = inspect(conn).get_table_names()
            if tables and "bench_meta" not in tables:
                raise RuntimeError(f"{engine.url.render_as_string()} holds tables that are not a bench database: "
                                   "refusing to overwrite it; give an empty database")
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _migrate(url: str) -> None:
    """``flask db upgrade`` against ``url``."""
    from flask_migrate import upgrade

    from lms import create_app
    from lms.extensions import db, init_migrations

    with tempfile.TemporaryDirectory(prefix="oqu-bench-instance-") as instance:
        app = create_app({"env": "testing", "instance_path": instance, "database_url": url,
                          "secret_key": "bench-" + "x" * 40, "queue_url": "memory://"})
        init_migrations(app)
        with app.app_context():
            upgrade()
            db.engine.dispose()
    logging.getLogger("alembic").setLevel(logging.WARNING)


# --------------------------------------------------------------------------- rows

def _certificate_number(index: int, year: int) -> str:
    from lms.certificates.numbers import ALPHABET, check_character

    value = (index * 7_654_321 + 1_234_567) % 32 ** 5  # odd multiplier: a bijection, so numbers are unique
    chars = ""
    for _ in range(5):
        chars = ALPHABET[value % 32] + chars
        value //= 32
    return f"OQU-{year:04d}-{chars[:4]}-{chars[4]}{check_character(f'{year:04d}{chars}')}"


class _Plan:
    """Deterministic row generators (random.Random(2026))."""

    def __init__(self, scale: float):
        self.n = counts(scale)
        self.rng = random.Random(2026)
        n_org = self.n["organisations"]
        self.ministries = list(range(1, MINISTRIES + 1))
        self.departments = list(range(MINISTRIES + 1, n_org + 1))
        self.first_learner = 1
        self.bench_ids = {role: self.n["learners"] + i + 1 for i, role in enumerate(ACCOUNTS)}
        self.items: dict[int, list[tuple[int, str]]] = {}  # course id → [(item id, kind)]

    def organisations(self) -> Iterator[dict]:
        for m in self.ministries:
            yield dict(id=m, parent_id=None, code=f"M{m:02d}", name_kk=f"{m}-министрлік", name_ru=f"Министерство {m}",
                       path=f"/{m}/", created_at=NOW)
        for i, d in enumerate(self.departments):
            m = self.ministries[i % MINISTRIES]
            yield dict(id=d, parent_id=m, code=f"D{d:04d}", name_kk=f"{d}-департамент", name_ru=f"Департамент {d}",
                       path=f"/{m}/{d}/", created_at=NOW)

    def organisation_of(self, user_id: int) -> int:
        return self.departments[user_id % len(self.departments)]

    def users(self) -> Iterator[dict]:
        rng = random.Random(1)
        for uid in range(1, self.n["learners"] + 1):
            yield dict(id=uid, email=f"u{uid:06d}@bench.oqu", iin=None, surname=rng.choice(SURNAMES),
                       given_name=rng.choice(GIVEN), patronymic="", organisation_id=self.organisation_of(uid),
                       position="Маман", preferred_language="kk" if uid % 3 else "ru", active=True,
                       password_hash=None, session_generation=0, last_login_at=None, created_at=NOW)
        from lms.accounts.passwords import hash_password

        password_hash = hash_password(PASSWORD)
        for role, uid in self.bench_ids.items():
            yield dict(id=uid, email=ACCOUNTS[role], iin=None, surname="Бенч", given_name=role.capitalize(),
                       patronymic="", organisation_id=self.departments[0] if role != "hr" else self.ministries[0],
                       position="", preferred_language="kk", active=True, password_hash=password_hash,
                       session_generation=0, last_login_at=None, created_at=NOW)

    def search_terms(self) -> Iterator[dict]:
        from lms.accounts.search import terms_of

        for user in self.users():
            for term in terms_of(user["surname"], user["given_name"], user["patronymic"], user["iin"]):
                yield {"user_id": user["id"], "term": term}

    def role_assignments(self) -> Iterator[dict]:
        rid = 0
        for uid in range(1, self.n["learners"] + 1):
            rid += 1
            yield dict(id=rid, user_id=uid, role="learner", organisation_id=None, created_at=NOW)
        extra = {"learner": [("learner", None)], "hr": [("learner", None), ("hr", self.ministries[0])],
                 "instructor": [("instructor", None)], "admin": [("admin", None)]}
        for role, uid in self.bench_ids.items():
            for name, org in extra[role]:
                rid += 1
                yield dict(id=rid, user_id=uid, role=name, organisation_id=org, created_at=NOW)

    def courses(self) -> Iterator[dict]:
        levels = ["beginner", "intermediate", "advanced"]
        tags = [",ai,", ",data,", ",ethics,", ",python,"]
        for c in range(1, COURSES + 1):
            yield dict(id=c, slug=f"bench-{c:02d}", title_kk=f"Жасанды интеллект {c}", title_ru=f"Искусственный интеллект {c}",
                       description_kk="Курс сипаттамасы.", description_ru="Описание курса.", hours=8 + c % 5 * 8,
                       level=levels[c % 3], tags=tags[c % 4], languages=",kk,ru,", self_enrolment=True,
                       prerequisites=[], certification={}, notebook_profile="cpu", has_notebooks=False,
                       search_text=f"жасанды интеллект {c} искусственный интеллект {c}", content_hash=f"{c:064x}",
                       source="", published=True, created_at=NOW, imported_at=NOW)

    def modules_and_items(self) -> tuple[list[dict], list[dict]]:
        modules, items = [], []
        for c in range(1, COURSES + 1):
            self.items[c] = []
            for m in range(MODULES_PER_COURSE):
                mid = len(modules) + 1
                modules.append(dict(id=mid, course_id=c, key=f"m{m + 1}", position=m, title_kk=f"{m + 1}-бөлім",
                                    title_ru=f"Раздел {m + 1}", retired_at=None))
                for i in range(ITEMS_PER_MODULE):
                    iid = len(items) + 1
                    kind = "quiz" if i == ITEMS_PER_MODULE - 1 else "lesson"
                    items.append(dict(id=iid, course_id=c, module_id=mid, key=f"m{m + 1}-i{i + 1}", kind=kind,
                                      position=i, title_kk=f"{i + 1}-сабақ", title_ru=f"Урок {i + 1}",
                                      body_kk="Мәтін.", body_ru="Текст.", html_kk="<p>Мәтін.</p>",
                                      html_ru="<p>Текст.</p>", content={}, retired_at=None))
                    self.items[c].append((iid, kind))
        return modules, items

    def cohorts(self) -> Iterator[dict]:
        for c in range(1, COURSES + 1):
            yield dict(id=c, course_id=c, name="2026", starts_on=date(2026, 1, 15), ends_on=date(2026, 12, 20),
                       enrol_from=None, enrol_until=None, due_on=date(2026, 12, 1), capacity=None, seats_taken=0,
                       self_enrolment=True, created_at=NOW)

    def enrolments(self, certified: list[tuple[int, int, int, datetime]]) -> Iterator[dict]:
        """Every learner in the same number of distinct courses; completed ones feed ``certified``."""
        rng = self.rng
        per = self.n["enrolments"] // self.n["learners"]
        courses = list(range(1, COURSES + 1))
        eid = 0
        for uid in range(1, self.n["learners"] + 1):
            for c in rng.sample(courses, per):
                eid += 1
                draw = rng.random()
                status = "completed" if draw < 0.4 else "withdrawn" if draw < 0.45 else "enrolled"
                enrolled_at = NOW - timedelta(days=rng.randrange(20, 600))
                completed_at = enrolled_at + timedelta(days=rng.randrange(5, 60)) if status == "completed" else None
                if status == "completed":
                    certified.append((uid, c, eid, completed_at))
                yield dict(id=eid, user_id=uid, course_id=c, cohort_id=c, status=status, mandatory=draw > 0.8,
                           due_on=None, assigned_by_id=None, requested_at=enrolled_at, enrolled_at=enrolled_at,
                           completed_at=completed_at, withdrawn_at=NOW if status == "withdrawn" else None,
                           last_item_id=None)
        learner = self.bench_ids["learner"]
        for k, c in enumerate(courses[:BENCH_LEARNER_COURSES]):
            eid += 1
            status = "completed" if k % 4 == 3 else "enrolled"
            yield dict(id=eid, user_id=learner, course_id=c, cohort_id=c, status=status, mandatory=k % 3 == 0,
                       due_on=TODAY + timedelta(days=k * 7 - 30) if k % 2 else None, assigned_by_id=None,
                       requested_at=NOW, enrolled_at=NOW, completed_at=NOW if status == "completed" else None,
                       withdrawn_at=None, last_item_id=self.items[c][k % len(self.items[c])][0])

    def item_progress(self) -> Iterator[dict]:
        """The bench learner's progress (others have none: the dashboard reads only its own)."""
        learner = self.bench_ids["learner"]
        pid = 0
        for k, c in enumerate(range(1, BENCH_LEARNER_COURSES + 1)):
            done = len(self.items[c]) if k % 4 == 3 else k % len(self.items[c])
            for iid, kind in self.items[c][:done]:
                pid += 1
                yield dict(id=pid, user_id=learner, item_id=iid, course_id=c, first_opened_at=NOW, completed_at=NOW,
                           best_percent=80.0 + k % 20 if kind == "quiz" else None, passed=kind == "quiz")

    def certificates(self, certified: list[tuple[int, int, int, datetime]]) -> Iterator[dict]:
        rng = random.Random(3)
        wanted = self.n["certificates"]
        chosen = certified if len(certified) <= wanted else rng.sample(certified, wanted)
        chosen.sort(key=lambda row: row[2])
        for index, (uid, c, _eid, completed_at) in enumerate(chosen, start=1):
            issued_on = completed_at.date()
            valid_until = issued_on + timedelta(days=365 * 2) if c % 2 else None
            revoked = index % 97 == 0
            yield dict(id=index, number=_certificate_number(index, issued_on.year), user_id=uid, course_id=c,
                       organisation_id=self.organisation_of(uid), renewal=0, previous_id=None,
                       course_version=f"{c:064x}", holder_name=f"Learner {uid}", hours=8 + c % 5 * 8,
                       score=70.0 + index % 30, issued_at=completed_at, issued_on=issued_on, valid_until=valid_until,
                       revoked_at=NOW if revoked else None, revoked_reason="bench" if revoked else None,
                       revoked_by_id=None)


# --------------------------------------------------------------------------- writing

def _filled(table, rows: Iterable[dict]) -> Iterator[dict]:
    """Rows completed with the column defaults the generator does not know (columns other helpers add)."""
    extra: dict | None = None
    for row in rows:
        if extra is None:
            extra = {}
            for column in table.columns:
                if column.name in row:
                    continue
                default = column.default
                if default is not None and getattr(default, "is_scalar", False):
                    extra[column.name] = default.arg
                elif default is not None and getattr(default, "is_callable", False):
                    extra[column.name] = default.arg(None)
                elif column.server_default is not None or column.nullable or column.primary_key:
                    continue
                else:
                    raise RuntimeError(f"bench.data: {table.name}.{column.name} is required and has no default; "
                                       "add it to bench/data.py and bump VERSION")
        yield {**row, **extra} if extra else row


def _chunks(rows: Iterable[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _copy_value(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def _write(conn, table, rows: Iterable[dict], postgres: bool) -> int:
    total = 0
    rows = _filled(table, rows)
    if postgres:
        cursor = conn.connection.driver_connection.cursor()
        columns = None
        copy_cm = None
        try:
            for row in rows:
                if columns is None:
                    columns = list(row)
                    names = ", ".join(f'"{c}"' for c in columns)
                    copy_cm = cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN')
                    copy = copy_cm.__enter__()
                copy.write_row([_copy_value(row[c]) for c in columns])
                total += 1
        finally:
            if copy_cm is not None:
                copy_cm.__exit__(*sys.exc_info())
            cursor.close()
        return total
    for chunk in _chunks(rows):
        conn.execute(table.insert(), chunk)
        total += len(chunk)
    return total


def _generate(url: str, scale: float, key: str) -> None:
    started = time.perf_counter()
    print(f"bench.data: generating {counts(scale)} into {url.split('@')[-1]} (key {key}) …", file=sys.stderr)
    _migrate(url)
    from lms.accounts.models import PersonSearchTerm, RoleAssignment, User
    from lms.certificates.models import Certificate
    from lms.courses.models import Course, Item, Module
    from lms.learning.models import Cohort, Enrolment, ItemProgress
    from lms.organisations.models import Organisation

    plan = _Plan(scale)
    engine = create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    certified: list = []
    try:
        with engine.begin() as conn:
            if not postgres:
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            modules, items = plan.modules_and_items()
            steps: list[tuple[object, Callable[[], Iterable[dict]]]] = [
                (Organisation.__table__, plan.organisations), (User.__table__, plan.users),
                (PersonSearchTerm.__table__, plan.search_terms), (RoleAssignment.__table__, plan.role_assignments), (Course.__table__, plan.courses),
                (Module.__table__, lambda: modules), (Item.__table__, lambda: items),
                (Cohort.__table__, plan.cohorts), (Enrolment.__table__, lambda: plan.enrolments(certified)),
                (ItemProgress.__table__, plan.item_progress), (Certificate.__table__, lambda: plan.certificates(certified)),
            ]
            for table, rows in steps:
                step = time.perf_counter()
                written = _write(conn, table, rows(), postgres)
                print(f"  {table.name:<18} {written:>9,} rows  {time.perf_counter() - step:6.1f} s", file=sys.stderr)
            conn.execute(text("UPDATE cohorts SET seats_taken = (SELECT count(*) FROM enrolments e "
                              "WHERE e.cohort_id = cohorts.id AND e.status IN ('enrolled', 'completed'))"))
            if postgres:
                for table, _rows in (step for step in steps if "id" in step[0].c):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                      f"(SELECT max(id) FROM \"{table.name}\"))"))
            conn.execute(text("CREATE TABLE bench_meta (key VARCHAR(100) NOT NULL, created_at VARCHAR(40))"))
            conn.execute(text("INSERT INTO bench_meta (key, created_at) VALUES (:key, :at)"),
                         {"key": key, "at": clock.now().isoformat(timespec="seconds")})
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    finally:
        engine.dispose()
    print(f"bench.data: done in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size (default 1.0)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL (or SQLite) URL; default: cached SQLite file")
    parser.add_argument("--force", action="store_true", help="generate again even when cached")
    args = parser.parse_args(argv)
    url = ensure_database(args.database_url, args.scale, force=args.force)
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())

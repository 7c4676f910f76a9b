"""One command for every benchmark in bench/: ``python -m bench`` (or ``make bench``).

    .venv/bin/python -m bench [--quick] [--only NAME ...] [--database-url URL] [--page PAGE ...] [--markdown FILE]

Each benchmark module exposes ``run(quick: bool) -> list[dict]`` with rows
``{figure, value, baseline, ratio, goal, passed}`` (``passed`` None: a figure without a goal). Modules are
imported one by one when their turn comes; one that is missing or fails becomes a failed row with the
reason, and the others still run. Prints one table and writes it as Markdown (default
``instance/bench/results.md``) for docs/performance.md. Exit status 1 when any goal is missed.
"""
from __future__ import annotations


import argparse
import importlib
import inspect
import platform
import signal
import sys
import time
import traceback
from pathlib import Path

from lms import clock

ROOT = Path(__file__).resolve().parent.parent
# In order of running; every other module in bench/ with a run() joins after these.
KNOWN = ["pages", "export", "grading", "launch"]
NOT_BENCHMARKS = {"__init__", "__main__", "data", "load"}
COLUMNS = ("benchmark", "figure", "value", "baseline", "ratio", "goal", "result")


def discover() -> list[str]:
    found = sorted(path.stem for path in Path(__file__).parent.glob("*.py") if path.stem not in NOT_BENCHMARKS)
    return KNOWN + [name for name in found if name not in KNOWN]


def _format(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _ratio(value) -> str:
    if value is None:
        return "—"
    try:
        return f"{float(value):.2f}×"
    except (TypeError, ValueError):
        return str(value)


def _result(passed) -> str:
    return "—" if passed is None else "pass" if passed else "FAIL"


def table_lines(rows: list[dict]) -> list[list[str]]:
    return [[row.get("benchmark", ""), _format(row.get("figure")), _format(row.get("value")),
             _format(row.get("baseline")), _ratio(row.get("ratio")), _format(row.get("goal")),
             _result(row.get("passed"))] for row in rows]


def print_table(rows: list[dict], file=None) -> None:
    file = file or sys.stdout
    lines = table_lines(rows)
    widths = [max(len(COLUMNS[i]), *(len(line[i]) for line in lines)) if lines else len(COLUMNS[i])
              for i in range(len(COLUMNS))]
    print("  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths)), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    for line in lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)), file=file)


def markdown(rows: list[dict], header: str = "") -> str:
    out = [header] if header else []
    out.append("| " + " | ".join(COLUMNS) + " |")
    out.append("|" + "---|" * len(COLUMNS))
    for line in table_lines(rows):
        out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |")
    return "\n".join(out) + "\n"


def failed_row(name: str, reason: str) -> dict:
    return {"benchmark": name, "figure": f"{name} benchmark", "value": f"did not run: {reason}", "baseline": None,
            "ratio": None, "goal": "runs", "passed": False}


def run_one(name: str, quick: bool, database_url: str | None, pages: list[str] | None = None) -> list[dict]:
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as error:
        if error.name == f"bench.{name}":
            return [failed_row(name, "module missing")]
        return [failed_row(name, f"import failed: {error}")]
    except Exception as error:  # noqa: BLE001 - a broken module is a failed row, not a crash
        return [failed_row(name, f"import failed: {type(error).__name__}: {error}")]
    if not callable(getattr(module, "run", None)):
        return [failed_row(name, "no run(quick) function")]
    kwargs = {}
    if database_url and "database_url" in inspect.signature(module.run).parameters:
        kwargs["database_url"] = database_url
    if pages and "pages" in inspect.signature(module.run).parameters:
        kwargs["pages"] = pages
    try:
        rows = list(module.run(quick, **kwargs))
    except Exception as error:  # noqa: BLE001
        traceback.print_exc()
        return [failed_row(name, f"{type(error).__name__}: {str(error)[:300]}")]
    if not rows:
        return [failed_row(name, "returned no figures")]
    return [{"benchmark": name, **row} for row in rows]


def machine() -> str:
    cores = _cpu_count()
    memory = ""
    try:
        kib = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")).split()[1])
        memory = f", {kib / 1024 ** 2:.0f} GiB memory"
    except (OSError, StopIteration, ValueError):
        pass
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cores} cores{' (' + model + ')' if model else ''}{memory}, Python {platform.python_version()}, " \
           f"{platform.system()} {platform.release()}"


def _cpu_count() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller data and shorter runs")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this benchmark (repeatable)")
    parser.add_argument("--database-url", help="PostgreSQL URL for benchmarks that take one (default: SQLite)")
    parser.add_argument("--page", action="append", metavar="PAGE",
                        help='bench/pages.py: only this page, e.g. "staff search" (repeatable)')
    parser.add_argument("--markdown", default=str(ROOT / "instance" / "bench" / "results.md"),
                        help="where to write the table as Markdown")
    args = parser.parse_args(argv)

    def interrupted(_signum, _frame):
        raise KeyboardInterrupt  # SIGTERM too: servers and hubs the benchmarks started are stopped on the way out

    signal.signal(signal.SIGTERM, interrupted)
    names = discover()
    if args.only:
        unknown = [name for name in args.only if name not in names]
        names = [name for name in names if name in args.only] + unknown
    started = clock.now()
    header = (f"Run {started:%Y-%m-%d %H:%M} UTC{' (--quick)' if args.quick else ''} on {machine()}; "
              f"database: {args.database_url.split('@')[-1] if args.database_url else 'SQLite'}.\n\n")
    path = Path(args.markdown)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    for name in names:
        print(f"== {name}", file=sys.stderr)
        began = time.perf_counter()
        rows.extend(run_one(name, args.quick, args.database_url, args.page))
        print(f"== {name}: {time.perf_counter() - began:.0f} s", file=sys.stderr)
        path.write_text(markdown(rows, header), encoding="utf-8")  # kept if a later benchmark is interrupted

    print()
    print_table(rows)
    print(f"\nMarkdown table: {path}", file=sys.stderr)
    return 1 if any(row.get("passed") is False for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

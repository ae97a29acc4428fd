"""Run every row of the benchmark suite, each in its own process, and print one table.

Run from the repo root: ``.venv/bin/python -m benchmarks.suite [--full] [--only ID ...] [--markdown FILE]``
(``make bench`` is the quick sizes, ``make bench-full`` the sizes issue 15 names). A row that crashes shows
as an error and makes the exit status 1; a missed target is a result, not an error.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.suite.references import ensure_references
from benchmarks.suite.result import MARK, Result
from benchmarks.suite.table import markdown, plain

ROOT = Path(__file__).resolve().parents[2]
# The order; a row module not named here runs after these.
ORDER = [
    "transfer_up", "transfer_down", "sync_initial", "idle_polls", "seeding",
    "timeline_scroll", "timeline_jump", "cold_start", "compress_photo",
]
ROW_TIMEOUT = {False: 180, True: 600}  # seconds a row may take, quick / full


def row_modules() -> list[str]:
    found = {p.stem for p in (ROOT / "benchmarks" / "rows").glob("*.py") if not p.stem.startswith("_")}
    return [name for name in ORDER if name in found] + sorted(found - set(ORDER))


def run_row(module: str, full: bool) -> Result:
    cmd = [sys.executable, "-m", f"benchmarks.rows.{module}", *(["--full"] if full else [])]
    started = time.monotonic()
    try:
        done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, timeout=ROW_TIMEOUT[full])
    except subprocess.TimeoutExpired:
        return failed(module, f"took over {ROW_TIMEOUT[full]} s")
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            result = Result(**json.loads(line[len(MARK):]))
            result.extra["row_seconds"] = round(time.monotonic() - started, 1)
            return result
    return failed(module, f"exited {done.returncode} without a result")


def failed(module: str, why: str) -> Result:
    return Result(id=module.replace("_", "-"), envelope="error", reference="—", ratio=None,
                  target="—", met=False, detail=why)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() \
        else platform.processor()
    return f"{os.cpu_count()} CPU ({cpu}), Python {platform.python_version()}, {platform.platform()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the sizes issue 15 names")
    parser.add_argument("--only", nargs="+", metavar="ID", help="rows to run, e.g. compress-photo")
    parser.add_argument("--markdown", type=Path, help="also write the table and its header to this file")
    args = parser.parse_args()
    modules = row_modules()
    if args.only:
        wanted = {name.replace("-", "_") for name in args.only}
        unknown = wanted - set(modules)
        if unknown:
            parser.error(f"no such row: {', '.join(sorted(unknown))} (rows: {', '.join(modules)})")
        modules = [name for name in modules if name in wanted]
    missing = ensure_references()
    if missing:
        print(missing, file=sys.stderr)
        return 2
    started = datetime.datetime.now(datetime.UTC)
    results = []
    for module in modules:
        print(f"== {module.replace('_', '-')}", file=sys.stderr, flush=True)
        results.append(run_row(module, args.full))
    print(plain(results))
    if args.markdown:
        command = "make bench-full" if args.full else "make bench"
        args.markdown.write_text(markdown(results, started, machine(), command), encoding="utf-8")
    return 1 if any(r.envelope == "error" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

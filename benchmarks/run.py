"""Run every benchmark, print a table, write the figures as JSON.

    python -m benchmarks.run                 # full run (a few minutes on 2 cores)
    python -m benchmarks.run --smoke         # small sizes, one repeat, no targets judged (CI)
    python -m benchmarks.run --json out.json # default: benchmarks/results/latest.json

Each figure is the median of several repeats and is compared with a reference timed in the same
run (``ratio`` = reference / figure: how many times faster than the reference). A benchmark
whose code has not landed yet reports "not available yet". The exit status is 0 unless a
benchmark raised (a wrong result is an error; a missed target is not).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks.timing import NotAvailable, Row

__all__ = ["BENCHMARKS", "format_table", "main", "run_all"]

#: Benchmark modules in the order they run; each has ``run(smoke: bool) -> list[Row]``.
BENCHMARKS = ("engine", "load", "api", "scenarios", "refresh", "startup", "report", "render", "history", "extract")

DEFAULT_JSON = Path(__file__).parent / "results" / "latest.json"


def run_all(smoke: bool, only: list[str] | None = None, log: Any = sys.stderr) -> tuple[list[Row], list[str]]:
    """Run the benchmarks; returns the rows and the errors (one line per benchmark that raised)."""
    rows: list[Row] = []
    errors: list[str] = []
    for name in BENCHMARKS:
        if only and name not in only:
            continue
        start = time.perf_counter()
        print(f"[{name}] running...", file=log, flush=True)
        try:
            module = importlib.import_module(f"benchmarks.bench_{name}")
            rows.extend(module.run(smoke=smoke))
        except NotAvailable as exc:
            rows.append(Row(name, "not available yet", None, "", passed=None, note=str(exc)))
        except Exception as exc:
            traceback.print_exc(file=log)
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
            rows.append(Row(name, "error", None, "", passed=False, note=f"{type(exc).__name__}: {exc}"))
        print(f"[{name}] done in {time.perf_counter() - start:.1f} s", file=log, flush=True)
    return rows, errors


def _fmt(x: float | None, unit: str) -> str:
    if x is None:
        return "-"
    if unit == "s":
        return f"{x * 1000:.3g} ms" if x < 1 else f"{x:.3g} s"
    return f"{x:.3g} {unit}".strip()


def _verdict(row: Row, smoke: bool) -> str:
    if row.figure is None:
        return "n/a" if row.passed is None else "ERROR"
    if row.passed is None:
        return "smoke" if smoke and row.unit == "s" else "-"
    return "pass" if row.passed else "FAIL"


def format_table(rows: list[Row], smoke: bool = False) -> str:
    """The rows as a plain-text table, notes below."""
    head = ("benchmark", "case", "figure", "target", "reference", "ratio", "result")
    body = []
    for r in rows:
        ref = f"{_fmt(r.reference, r.unit)} ({r.reference_label})" if r.reference is not None else "-"
        ratio = f"{r.ratio:.3g}x" if r.ratio is not None else "-"
        body.append((r.benchmark, r.case, _fmt(r.figure, r.unit), r.target or "-", ref, ratio, _verdict(r, smoke)))
    widths = [max(len(str(line[i])) for line in (head, *body)) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in (head, *body)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"- {r.benchmark} / {r.case}: {r.note}" for r in rows if r.note]
    if notes:
        lines += ["", "notes:", *notes]
    return "\n".join(lines)


def _machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }
    try:
        import numpy

        info["numpy"] = numpy.__version__
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if var in os.environ:
            info[var] = os.environ[var]
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, one repeat, no targets judged (for CI)")
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help="where to write the figures (default: %(default)s)"
    )
    parser.add_argument("--only", action="append", choices=BENCHMARKS, help="run only this benchmark (repeatable)")
    args = parser.parse_args(argv)

    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    t0 = time.perf_counter()
    rows, errors = run_all(args.smoke, args.only)
    table = format_table(rows, args.smoke)
    print(table)
    doc = {
        "generated": started.isoformat(),
        "mode": "smoke" if args.smoke else "full",
        "seconds": round(time.perf_counter() - t0, 1),
        "machine": _machine(),
        "data": "synthetic: every deal, price and response is made up by benchmarks/synthetic.py",
        "results": [r.to_dict() for r in rows],
        "errors": errors,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}", file=sys.stderr)
    if errors:
        print("benchmark errors:\n" + "\n".join(errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

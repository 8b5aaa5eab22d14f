"""engine: value N synthetic deals from their compiled leg table; time and peak memory.

Target: 1e5 deals in < 0.25 s and >= 30x the per-deal Python loop of :mod:`benchmarks.reference`.
Every run also checks that the loop and the engine agree, so the reference cannot drift.
"""

from __future__ import annotations

import numpy as np

from arb.engine import EngineResult, value_book
from benchmarks.reference import value_loop
from benchmarks.synthetic import SyntheticBook, make_book
from benchmarks.timing import Row, median_time, peak_memory

__all__ = ["check_same", "run"]

TARGET_N = 100_000
TARGET_SECONDS = 0.25
TARGET_SPEEDUP = 30.0


def check_same(result: EngineResult, loop: dict[str, list[float]], rtol: float = 1e-9) -> None:
    """Raise AssertionError naming the first figure where the engine and the loop disagree."""
    for name, values in loop.items():
        got = getattr(result, name)
        want = np.asarray(values, dtype=np.float64)
        same = np.isclose(got, want, rtol=rtol, atol=1e-12, equal_nan=True)
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            raise AssertionError(f"engine and reference loop differ on {name}[{i}]: {got[i]!r} vs {want[i]!r}")


def _table_bytes(book: SyntheticBook) -> int:
    total = 0
    for table in (book.legs, book.deals, book.dividends):
        total += sum(a.nbytes for a in vars(table).values() if isinstance(a, np.ndarray))
    return total


def run(smoke: bool = False) -> list[Row]:
    sizes = (1_000, 10_000) if smoke else (1_000, 10_000, 100_000, 1_000_000)
    rows: list[Row] = []
    for n in sizes:
        book = make_book(n, seed=n)

        def engine(book: SyntheticBook = book) -> EngineResult:
            return value_book(book.legs, book.deals, book.dividends)

        def loop(book: SyntheticBook = book) -> dict[str, list[float]]:
            return value_loop(book.legs, book.deals, book.dividends)

        check_same(engine(), loop())
        repeats = 1 if smoke else (9 if n <= 100_000 else 5)
        t = median_time(engine, repeats)
        # The loop at 1e6 takes seconds: once, after the check above warmed it.
        loop_repeats = 1 if smoke or n >= 1_000_000 else 3
        t_loop = median_time(loop, loop_repeats, warmup=0)
        target, passed = "", None
        if n == TARGET_N:
            target = f"< {TARGET_SECONDS} s and >= {TARGET_SPEEDUP:.0f}x loop"
            passed = t < TARGET_SECONDS and t_loop / t >= TARGET_SPEEDUP
        rows.append(
            Row(
                "engine",
                f"value {n:,} deals ({len(book.legs):,} legs, {len(book.dividends.deal):,} dividends)",
                t,
                "s",
                target,
                passed,
                t_loop,
                "per-deal Python loop",
                t_loop / t,
                repeats,
                extra={"n_deals": n, "n_legs": len(book.legs), "loop_repeats": loop_repeats},
            )
        )
        peak = peak_memory(engine)
        rows.append(
            Row(
                "engine",
                f"peak memory, {n:,} deals",
                peak / 2**20,
                "MiB",
                reference=_table_bytes(book) / 2**20,
                reference_label="size of the input tables",
                ratio=peak / _table_bytes(book),
                repeats=1,
                note="ratio = peak / input size",
                extra={"n_deals": n, "peak_bytes": peak},
            )
        )
    return rows

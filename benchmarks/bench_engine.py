"""engine: value N synthetic deals from their compiled leg table; time and peak memory.

Target: 1e5 deals in < 0.25 s. The speed-up is measured against two per-deal Python loops of
:mod:`benchmarks.reference` (a tight one and the plainer one), each timed in alternating pairs with
the engine so that a change in the machine's load lands on both sides; the row reports the median
of the per-pair ratios and their range. Every run also checks that both loops and the engine agree,
so the references cannot drift.
"""

from __future__ import annotations

import statistics

import numpy as np

from arb.engine import EngineResult, value_book
from benchmarks.reference import value_loop, value_loop_tight
from benchmarks.synthetic import SyntheticBook, make_book
from benchmarks.timing import Row, paired_times, peak_memory

__all__ = ["check_same", "run"]

TARGET_N = 100_000
TARGET_SECONDS = 0.25


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

        def tight(book: SyntheticBook = book) -> dict[str, list[float]]:
            return value_loop_tight(book.legs, book.deals, book.dividends)

        check_same(engine(), loop())
        check_same(engine(), tight())
        # The loops at 1e6 take seconds each: fewer pairs there.
        pairs = 1 if smoke else (9 if n <= 100_000 else 3)
        vs_tight = paired_times(engine, tight, pairs, warmup=0)
        vs_loose = paired_times(engine, loop, pairs, warmup=0)
        t = statistics.median(vs_tight.times + vs_loose.times)
        low, high = vs_tight.ratio_spread
        target, passed = "", None
        if n == TARGET_N:
            target = f"< {TARGET_SECONDS} s"
            passed = t < TARGET_SECONDS
        rows.append(
            Row(
                "engine",
                f"value {n:,} deals ({len(book.legs):,} legs, {len(book.dividends.deal):,} dividends)",
                t,
                "s",
                target,
                passed,
                vs_tight.reference_median,
                "tight per-deal Python loop",
                vs_tight.ratio,
                pairs,
                note=(
                    f"ratio = median of {pairs} alternated pairs, {low:.1f}x to {high:.1f}x; "
                    f"against the looser reference loop {vs_loose.ratio:.1f}x"
                ),
                extra={
                    "n_deals": n,
                    "n_legs": len(book.legs),
                    "pairs": pairs,
                    "ratio_tight": vs_tight.ratios,
                    "ratio_loose": vs_loose.ratios,
                    "loose_loop_median": vs_loose.reference_median,
                },
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

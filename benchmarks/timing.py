"""What every benchmark shares: a result row, a median timer, a peak-memory probe."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["NotAvailable", "Row", "median_time", "peak_memory"]


class NotAvailable(Exception):
    """The code a benchmark measures has not landed yet; ``str(exc)`` says what is missing."""


@dataclass
class Row:
    """One measured figure, its target and the reference it is compared with in the same run.

    ``figure`` and ``reference`` are in ``unit``; ``ratio`` is reference / figure for times
    (how many times faster) unless the benchmark says otherwise in ``note``. ``passed`` is None
    where there is no target, or nothing was measured.
    """

    benchmark: str
    case: str
    figure: float | None
    unit: str
    target: str = ""
    passed: bool | None = None
    reference: float | None = None
    reference_label: str = ""
    ratio: float | None = None
    repeats: int = 0
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def median_time(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` runs, after ``warmup`` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(1, repeats)):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_memory(fn: Callable[[], object]) -> int:
    """Peak bytes allocated while ``fn()`` runs (tracemalloc; numpy reports its arrays to it)."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

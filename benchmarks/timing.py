"""What every benchmark shares: a result row, a median timer, a peak-memory probe."""

from __future__ import annotations

import gc
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["NotAvailable", "PairedTimes", "Row", "command_env", "median_time", "paired_times", "peak_memory"]


class NotAvailable(Exception):
    """The code a benchmark measures has not landed yet; ``str(exc)`` says what is missing."""


#: Where fresh processes keep their bytecode (``PYTHONPYCACHEPREFIX``), so it outlives a run.
PYCACHE = os.path.join(tempfile.gettempdir(), "arb-bench-pycache")


def command_env(**extra: str) -> dict[str, str]:
    """The environment a timed ``arb`` process runs in: this one, with bytecode written and reused.

    An installed package has its ``.pyc`` files; a checkout run with ``PYTHONDONTWRITEBYTECODE``
    (as some shells and CI images set) compiles every arb module on every start, which adds tens
    of milliseconds to each fresh process and is no user's start-up. The bytecode goes to a folder
    of its own (:data:`PYCACHE`), not beside the sources; the untimed warm-up run of each
    benchmark writes it.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = PYCACHE
    env.update(extra)
    return env


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


@dataclass(frozen=True)
class PairedTimes:
    """Times of a figure and its reference taken in alternating pairs, and the ratio of each pair."""

    times: list[float]
    reference_times: list[float]

    @property
    def ratios(self) -> list[float]:
        """Reference / figure for each pair: how many times faster, pair by pair."""
        return [r / t for t, r in zip(self.times, self.reference_times, strict=True)]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def reference_median(self) -> float:
        return statistics.median(self.reference_times)

    @property
    def ratio(self) -> float:
        """The median of the per-pair ratios (not the ratio of the medians)."""
        return statistics.median(self.ratios)

    @property
    def ratio_spread(self) -> tuple[float, float]:
        """The lowest and highest per-pair ratio."""
        return min(self.ratios), max(self.ratios)


def paired_times(fn: Callable[[], object], reference: Callable[[], object], pairs: int, warmup: int = 1) -> PairedTimes:
    """Time ``fn`` and ``reference`` one after the other, ``pairs`` times, alternating which goes first.

    Timing the two in separate blocks lets a change in the machine's load (another process, a CPU
    frequency step) land on one side only; alternating spreads it over both, and each pair's ratio
    is taken from two runs a moment apart.
    """
    for _ in range(warmup):
        fn()
        reference()

    def once(f: Callable[[], object]) -> float:
        gc.collect()
        start = time.perf_counter()
        f()
        return time.perf_counter() - start

    times: list[float] = []
    ref_times: list[float] = []
    for i in range(max(1, pairs)):
        if i % 2 == 0:
            times.append(once(fn))
            ref_times.append(once(reference))
        else:
            ref_times.append(once(reference))
            times.append(once(fn))
    return PairedTimes(times, ref_times)


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

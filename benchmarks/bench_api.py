"""api: ``arb.value()`` on 1,000 loaded deals (target < 150 ms) and its frame's memory (target < 5 MiB).

The time is the whole call a notebook makes: fetch from memory, compile the book, run the engine,
shape the results and build the frame. Its reference is :func:`arb.pricing.value_deals` alone on
the same deals, timed in alternating pairs with it, so the ratio (< 1) is the share of the call
that is not building the frame. The memory is the frame's own, ``memory_usage(deep=True)``
(strings and lists counted), with the long prices and hedges frames reported beside it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import arb
from arb.book import symbols_for
from arb.frames import DEAL_COLUMNS
from arb.loader import load_deals
from arb.prices.base import MemorySource
from arb.pricing import value_deals
from benchmarks.synthetic import AS_OF, synthetic_quotes, write_deal_files
from benchmarks.timing import Row, paired_times

__all__ = ["run"]

TARGET_SECONDS = 0.150
TARGET_BYTES = 5 * 2**20


def run(smoke: bool = False) -> list[Row]:
    n = 50 if smoke else 1_000
    pairs = 1 if smoke else 9
    with tempfile.TemporaryDirectory(prefix="arb-bench-api-") as tmp:
        write_deal_files(Path(tmp), n)
        loaded = load_deals([Path(tmp)])
    if loaded.errors or len(loaded.deals) != n:
        raise AssertionError(f"synthetic deal files failed to load: {loaded.errors[:3]}")
    deals = loaded.deals
    source = MemorySource(synthetic_quotes(symbols_for(deals)), label="synthetic")

    frame, prices, hedges = arb.value(deals, source, as_of=AS_OF, frames=True)
    if frame.shape != (n, len(DEAL_COLUMNS)) or frame["spread"].isna().sum() > n // 10:
        raise AssertionError(f"arb.value gave a {frame.shape} frame with {frame['spread'].isna().sum()} null spreads")
    timed = paired_times(
        lambda: arb.value(deals, source, as_of=AS_OF), lambda: value_deals(deals, source, as_of=AS_OF), pairs
    )
    low, high = timed.ratio_spread
    load = os.getloadavg()[0]  # other processes on the machine slow both sides alike; the ratio holds
    frame_bytes = int(frame.memory_usage(deep=True).sum())
    long_bytes = int(prices.memory_usage(deep=True).sum() + hedges.memory_usage(deep=True).sum())
    judged = not smoke
    return [
        Row(
            "api",
            f"arb.value() on {n:,} loaded deals",
            timed.median,
            "s",
            f"< {TARGET_SECONDS * 1000:g} ms" if judged else "",
            (timed.median < TARGET_SECONDS) if judged else None,
            timed.reference_median,
            "value_deals alone (no frame)",
            timed.ratio,
            pairs,
            note=(
                f"paired; ratio = share of the call before the frame, per-pair spread {low:.2f}-{high:.2f}; "
                f"load average {load:.1f} on {os.cpu_count()} CPUs"
            ),
            extra={"n_deals": n, "shape": list(frame.shape), "load_average": load},
        ),
        Row(
            "api",
            f"memory of the frame of {n:,} deals",
            frame_bytes / 2**20,
            "MiB",
            f"< {TARGET_BYTES / 2**20:g} MiB" if judged else "",
            (frame_bytes < TARGET_BYTES) if judged else None,
            note=(
                f"DataFrame.memory_usage(deep=True); {frame.shape[1]} fixed columns; long frames beside it: "
                f"prices {len(prices):,} rows, hedges {len(hedges):,} rows, {long_bytes / 2**20:.2f} MiB together"
            ),
            extra={"bytes": frame_bytes, "long_frames_bytes": long_bytes},
        ),
    ]

"""refresh: 300 symbols through the Yahoo source, every replayed response delayed 150 ms.

Targets: wall time within 1.5x of ceil(300 / pool size) x 150 ms, and >= 10x a sequential
per-ticker loop. Nothing touches the network: ``responses`` replays a synthetic chart answer
for every symbol (made-up symbols and prices), sleeping the delay first, on whichever thread
asked, so a pool of workers overlaps its waits as it would on a real connection.
"""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any

from benchmarks.reference import fetch_sequential
from benchmarks.timing import NotAvailable, Row, median_time

__all__ = ["chart_body", "replayed_yahoo", "run"]

TARGET_SLACK = 1.5
TARGET_SPEEDUP = 10.0
_STAMP = 1_750_377_600  # 2025-06-20 00:00 UTC


def chart_body(symbol: str) -> dict[str, Any]:
    """A synthetic v8 chart answer for ``symbol``: five daily closes in HKD."""
    base = 10.0 + sum(map(ord, symbol)) % 90
    return {
        "chart": {
            "result": [
                {
                    "meta": {
                        "currency": "HKD",
                        "symbol": symbol,
                        "exchangeName": "SYNTHETIC",
                        "exchangeTimezoneName": "Asia/Hong_Kong",
                        "gmtoffset": 28800,
                    },
                    "timestamp": [_STAMP + 86_400 * i for i in range(5)],
                    "indicators": {"quote": [{"close": [round(base + 0.1 * i, 3) for i in range(5)]}]},
                }
            ],
            "error": None,
        }
    }


def replayed_yahoo(delay: float) -> Any:
    """A started-up ``responses.RequestsMock`` answering every chart URL after ``delay`` seconds."""
    import responses

    from arb.prices.yahoo import CHART_URL

    prefix = CHART_URL.split("{symbol}")[0]
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        time.sleep(delay)
        symbol = request.path_url.split("?")[0].rsplit("/", 1)[-1]
        return 200, {"Content-Type": "application/json"}, json.dumps(chart_body(symbol))

    mock.add_callback(responses.GET, re.compile(re.escape(prefix) + r".*"), callback=answer)
    return mock


def run(smoke: bool = False) -> list[Row]:
    try:
        import requests

        from arb.prices.yahoo import CHART_PARAMS, CHART_URL, YahooSource
    except ImportError as exc:
        raise NotAvailable(f"arb/prices/yahoo.py has not landed ({exc})") from None

    n = 16 if smoke else 300
    delay = 0.02 if smoke else 0.150
    symbols = [f"SYN{i:04d}.HK" for i in range(n)]
    repeats = 1 if smoke else 3
    default_pool = YahooSource().workers
    timed: dict[int, tuple[float, Any]] = {}
    with replayed_yahoo(delay):
        for pool in (default_pool, 2 * default_pool):
            source = YahooSource(session=requests.Session(), timeout=120.0, workers=pool, retries=0)
            got = source.fetch(symbols)
            if len(got.quotes) != n:
                raise AssertionError(f"Yahoo source priced {len(got.quotes)} of {n}: {list(got.failures.items())[:3]}")
            timed[pool] = (median_time(lambda source=source: source.fetch(symbols), repeats, warmup=0), got)
        # The sequential loop is linear in the symbols; it is timed once, on all of them.
        start = time.perf_counter()
        seq = fetch_sequential(symbols, CHART_URL, CHART_PARAMS)
        t_seq = time.perf_counter() - start
    got = timed[default_pool][1]
    if len(seq) != n or any(abs(seq[s] - got.quotes[s].price) > 1e-12 for s in symbols):
        raise AssertionError("the sequential loop and the Yahoo source disagree on the prices")

    rows = []
    for pool, (t, _) in timed.items():
        ideal = math.ceil(n / pool) * delay
        judged = not smoke and pool == default_pool
        rows.append(
            Row(
                "refresh",
                f"{n} symbols, {delay * 1000:.0f} ms per response, pool of {pool}"
                + (" (default)" if pool == default_pool else ""),
                t,
                "s",
                f"<= {TARGET_SLACK:g} x {ideal:.2f} s (ideal) and >= {TARGET_SPEEDUP:g}x loop" if judged else "",
                (t <= TARGET_SLACK * ideal and t_seq / t >= TARGET_SPEEDUP) if judged else None,
                t_seq,
                "sequential per-ticker loop",
                t_seq / t,
                repeats,
                note=(
                    f"ideal ceil({n}/{pool}) x {delay * 1000:.0f} ms = {ideal:.2f} s; figure/ideal = {t / ideal:.2f}; "
                    f"a pool of {pool} can be at most {n * delay / ideal:.1f}x the loop"
                ),
                extra={"symbols": n, "delay_s": delay, "pool": pool, "ideal_s": ideal, "over_ideal": t / ideal},
            )
        )
    return rows

"""scenarios: one deal over 1e6 grid points (target < 0.1 s).

The deal is the bundled ENN Energy seed; the grid is 1,000 prices of the proxy listing
(600803.SS, CNY) times 1,000 CNY/HKD rates, so every point re-prices the H-share leg through
the proxy, the FX rate and the discount. The figure is the whole :func:`arb.grid.scenarios`
call (fetch, compile, one engine pass, the DataFrame); a second row is the engine pass alone.

The reference is the per-deal loop of :mod:`benchmarks.reference` run once per grid point, on
a sample of points and scaled to the full grid (the loop is linear in the number of points).
It is checked against the grid's spreads on that sample.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.reference import value_loop
from benchmarks.synthetic import AS_OF
from benchmarks.timing import NotAvailable, Row, median_time

__all__ = ["run"]

TARGET_SECONDS = 0.1
PROXY, PAIR = "600803.SS", "CNYHKD=X"


def run(smoke: bool = False) -> list[Row]:
    try:
        from arb.grid import scenarios
    except ImportError as exc:
        raise NotAvailable(f"arb/grid.py has not landed ({exc})") from None
    from arb.engine import value_book
    from arb.loader import load_deal
    from arb.resources import seeds_dir

    side = 100 if smoke else 1_000
    n = side * side
    deal = load_deal(seeds_dir() / "enn-energy.toml")
    grid = {PROXY: np.linspace(10.0, 16.0, side), PAIR: np.linspace(1.0, 1.2, side)}
    frame = scenarios(deal, "snapshot", grid, as_of=AS_OF)
    if len(frame) != n:
        raise AssertionError(f"scenarios returned {len(frame)} rows for a {n}-point grid")
    repeats = 1 if smoke else 7
    t = median_time(lambda: scenarios(deal, "snapshot", grid, as_of=AS_OF), repeats)

    # The engine pass alone, on the same (S, L) arrays the grid builds.
    from arb.book import compile_book
    from arb.prices.base import Quote

    security = deal.securities["enn-ng-h"]
    quotes = {
        "2688.HK": Quote("2688.HK", 65.0, "HKD", None, "memory"),
        PROXY: Quote(PROXY, 10.0, "CNY", None, "memory"),
        PAIR: Quote(PAIR, 1.0, "HKD", None, "memory"),
    }
    book = compile_book([deal], quotes, AS_OF)
    proxy = frame[PROXY].to_numpy()
    rate = frame[PAIR].to_numpy()
    stock = next(i for i, li in enumerate(book.info[0].legs) if li.priced_by == "proxy")
    price = np.repeat(book.legs.price[None, :], n, axis=0)
    price[:, stock] = proxy * rate * (1.0 - security.discount)
    legs = book.legs.with_(price=price)
    deals = book.deals.with_(
        **{k: getattr(book.deals, k)[None, :] for k in ("target_price", "as_of", "close", "downside")}
    )
    engine = value_book(legs, deals, book.dividends)
    if not np.allclose(engine.spread[:, 0], frame["spread"].to_numpy(), rtol=1e-12, equal_nan=True):
        raise AssertionError("the engine pass does not give the scenario frame's spreads")
    t_engine = median_time(lambda: value_book(legs, deals, book.dividends), repeats)

    # Reference: one per-deal loop valuation per point, on a sample.
    sample = np.linspace(0, n - 1, 200 if smoke else 2_000).astype(np.int64)

    def loop() -> list[float]:
        out = []
        base = book.legs.price.copy()
        for k in sample:
            base[stock] = float(proxy[k]) * float(rate[k]) * (1.0 - security.discount)
            out.append(value_loop(book.legs.with_(price=base), book.deals, book.dividends)["spread"][0])
        return out

    got = loop()
    want = frame["spread"].to_numpy()[sample]
    if not all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(got, want, strict=True)):
        raise AssertionError("the reference loop does not give the scenario frame's spreads")
    t_loop = median_time(loop, 1 if smoke else 3, warmup=0) * n / len(sample)

    return [
        Row(
            "scenarios",
            f"one deal over {n:,} grid points (scenarios())",
            t,
            "s",
            f"< {TARGET_SECONDS:g} s" if not smoke else "",
            (t < TARGET_SECONDS) if not smoke else None,
            t_loop,
            f"per-point Python loop ({len(sample):,} points, scaled)",
            t_loop / t,
            repeats,
            extra={"points": n, "grid": {PROXY: [10.0, 16.0, side], PAIR: [1.0, 1.2, side]}},
        ),
        Row(
            "scenarios",
            f"engine pass alone, {n:,} points",
            t_engine,
            "s",
            reference=t_loop,
            reference_label="per-point Python loop (scaled)",
            ratio=t_loop / t_engine,
            repeats=repeats,
            note="value_book on the (S, L) arrays scenarios() builds",
            extra={"points": n},
        ),
    ]

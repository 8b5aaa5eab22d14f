"""References written the obvious way, each timed in the same run as the code it is compared with.

- :func:`value_loop`: a per-deal, per-leg Python loop over the same compiled tables the engine
  reads; the test suite checks it gives the engine's numbers.
- :func:`value_loop_tight`: the same loop written as tightly as plain Python allows (local
  floats, no helper calls, columns pre-zipped): the fairer reference for the engine's speed-up.
- :func:`scenario_loop`: that loop run once per grid point.
- :func:`fetch_sequential`: one Yahoo chart request after another, with a plain ``requests`` loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from arb.engine import CASH, CVR, DAYS_PER_YEAR, STOCK_RATIO, STOCK_VALUE, DealTable, DividendTable, LegTable

__all__ = ["fetch_sequential", "value_loop", "value_loop_tight"]

NAN = math.nan


def _leg(
    kind: int,
    weight: float,
    ratio: float,
    value: float,
    amount: float,
    probability: float,
    low: float,
    high: float,
    s: float,
    fx: float,
) -> tuple[float, float]:
    """Value and delta of one leg, before weight (see :func:`arb.engine.leg_values`)."""
    if kind == CASH:
        return amount * fx, 0.0
    if kind == CVR:
        return amount * probability * fx, 0.0
    if math.isnan(s):
        return NAN, NAN
    inside = low <= s <= high
    clamped = min(max(s, low), high)
    if kind == STOCK_RATIO:
        return ratio * clamped * fx, (ratio if inside else 0.0)
    if kind == STOCK_VALUE:
        shares = value / (clamped * fx) if clamped * fx != 0 else NAN
        return shares * s * fx, (0.0 if inside else shares)
    return NAN, 0.0


def _div(a: float, b: float) -> float:
    """``a / b`` with numpy's answers where Python would raise: +-inf for x/0, NaN for 0/0."""
    if b != 0:
        return a / b
    if a == 0 or math.isnan(a):
        return NAN
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def value_loop(legs: LegTable, deals: DealTable, dividends: DividendTable) -> dict[str, list[float]]:
    """Every deal's figures and every leg's hedge, one deal at a time in plain Python.

    Returns lists keyed like :class:`arb.engine.EngineResult` fields: ``deal_value``,
    ``dividends``, ``spread``, ``spread_pct``, ``days_to_close``, ``annualized``,
    ``annualized_simple``, ``implied_probability`` (one per deal) and ``leg_hedge`` (one per leg).
    """
    cols = [
        getattr(legs, k).tolist()
        for k in ("kind", "weight", "ratio", "value", "amount", "probability", "low", "high", "price", "fx")
    ]
    hedge_mult = legs.hedge_mult.tolist()
    rows = list(zip(*cols, strict=True))
    div_rows = list(
        zip(
            dividends.deal.tolist(),
            dividends.leg.tolist(),
            dividends.amount.tolist(),
            dividends.ex_date.tolist(),
            strict=True,
        )
    )
    out: dict[str, list[float]] = {
        k: []
        for k in (
            "deal_value",
            "dividends",
            "spread",
            "spread_pct",
            "days_to_close",
            "annualized",
            "annualized_simple",
            "implied_probability",
        )
    }
    leg_hedge: list[float] = []
    first = 0
    d_pos = 0
    for d, (n, target, downside, as_of, close) in enumerate(
        zip(
            deals.n_legs.tolist(),
            deals.target_price.tolist(),
            deals.downside.tolist(),
            deals.as_of.tolist(),
            deals.close.tolist(),
            strict=True,
        )
    ):
        total = 0.0
        for j in range(first, first + n):
            kind, weight, *rest = rows[j]
            value, delta = _leg(kind, weight, *rest)
            total += weight * value
            leg_hedge.append(weight * delta * hedge_mult[j])
        div_total = 0.0
        while d_pos < len(div_rows) and div_rows[d_pos][0] == d:
            _, leg, amount, ex = div_rows[d_pos]
            if as_of < ex <= close:
                div_total += amount if leg < 0 else -amount * leg_hedge[leg]
            elif close != close and ex > as_of:  # no close date: whether it is paid is unknown
                div_total = NAN
            d_pos += 1
        first += n
        if n == 0:
            total = div_total = NAN
        days = close - as_of
        received = total + div_total
        spread = received - target
        pct = _div(spread, target)
        if days > 0 and not math.isnan(pct):
            base = 1.0 + pct
            try:
                annual = base ** (DAYS_PER_YEAR / days) - 1.0 if base >= 0 else NAN
            except OverflowError:
                annual = math.inf
            simple = pct * DAYS_PER_YEAR / days
        else:
            annual = simple = NAN
        out["deal_value"].append(total)
        out["dividends"].append(div_total)
        out["spread"].append(spread)
        out["spread_pct"].append(pct)
        out["days_to_close"].append(days)
        out["annualized"].append(annual)
        out["annualized_simple"].append(simple)
        room, above = received - downside, target - downside
        out["implied_probability"].append(above / room if room > 0 and 0 <= above <= room else NAN)
    out["leg_hedge"] = leg_hedge
    return out


def value_loop_tight(legs: LegTable, deals: DealTable, dividends: DividendTable) -> dict[str, list[float]]:
    """:func:`value_loop`'s figures from a loop a careful Python programmer would write.

    Every leg's fields come pre-zipped into one tuple, the formulas are inlined, and nothing is
    looked up in a module or called per leg but ``min``/``max``. Gives the same numbers as the
    engine (the benchmark checks it every run).
    """
    legs_rows = list(
        zip(
            legs.kind.tolist(),
            legs.weight.tolist(),
            legs.ratio.tolist(),
            legs.value.tolist(),
            legs.amount.tolist(),
            legs.probability.tolist(),
            legs.low.tolist(),
            legs.high.tolist(),
            legs.price.tolist(),
            legs.fx.tolist(),
            legs.hedge_mult.tolist(),
            strict=True,
        )
    )
    div_deal = dividends.deal.tolist()
    div_leg = dividends.leg.tolist()
    div_amount = dividends.amount.tolist()
    div_ex = dividends.ex_date.tolist()
    n_div = len(div_deal)
    nan, inf, year = NAN, math.inf, DAYS_PER_YEAR
    deal_value: list[float] = []
    div_out: list[float] = []
    spread_out: list[float] = []
    pct_out: list[float] = []
    days_out: list[float] = []
    annual_out: list[float] = []
    simple_out: list[float] = []
    prob_out: list[float] = []
    hedge: list[float] = []
    first = 0
    d_pos = 0
    for d, (n, target, downside, as_of, close) in enumerate(
        zip(
            deals.n_legs.tolist(),
            deals.target_price.tolist(),
            deals.downside.tolist(),
            deals.as_of.tolist(),
            deals.close.tolist(),
            strict=True,
        )
    ):
        total = 0.0
        for kind, weight, ratio, value, amount, prob, low, high, s, fx, mult in legs_rows[first : first + n]:
            if kind == CASH:
                v, delta = amount * fx, 0.0
            elif kind == CVR:
                v, delta = amount * prob * fx, 0.0
            elif s != s:  # NaN price
                v = delta = nan
            else:
                c = low if s < low else (high if s > high else s)
                inside = low <= s <= high
                if kind == STOCK_RATIO:
                    v = ratio * c * fx
                    delta = ratio if inside else 0.0
                else:
                    cf = c * fx
                    shares = value / cf if cf != 0 else nan
                    v = shares * s * fx
                    delta = 0.0 if inside else shares
            total += weight * v
            hedge.append(weight * delta * mult)
        div_total = 0.0
        while d_pos < n_div and div_deal[d_pos] == d:
            ex = div_ex[d_pos]
            if as_of < ex <= close:
                leg = div_leg[d_pos]
                div_total += div_amount[d_pos] if leg < 0 else -div_amount[d_pos] * hedge[leg]
            elif close != close and ex > as_of:  # no close date: whether it is paid is unknown
                div_total = nan
            d_pos += 1
        first += n
        if n == 0:
            total = div_total = nan
        days = close - as_of
        received = total + div_total
        spread = received - target
        pct = _div(spread, target)
        if days > 0 and pct == pct:
            base = 1.0 + pct
            try:
                annual = base ** (year / days) - 1.0 if base >= 0 else nan
            except OverflowError:
                annual = inf
            simple = pct * year / days
        else:
            annual = simple = nan
        deal_value.append(total)
        div_out.append(div_total)
        spread_out.append(spread)
        pct_out.append(pct)
        days_out.append(days)
        annual_out.append(annual)
        simple_out.append(simple)
        room, above = received - downside, target - downside
        prob_out.append(above / room if room > 0 and 0 <= above <= room else nan)
    return {
        "deal_value": deal_value,
        "dividends": div_out,
        "spread": spread_out,
        "spread_pct": pct_out,
        "days_to_close": days_out,
        "annualized": annual_out,
        "annualized_simple": simple_out,
        "implied_probability": prob_out,
        "leg_hedge": hedge,
    }


def scenario_loop(
    legs: LegTable, deals: DealTable, dividends: DividendTable, field: str, points: Sequence[float], leg: int = 0
) -> list[float]:
    """The spread of deal 0 at each value of one leg field (``price`` of ``leg`` by default), one point at a time."""
    column = getattr(legs, field)
    spreads = []
    for x in points:
        changed = column.copy()
        changed[leg] = x
        spreads.append(value_loop(legs.with_(**{field: changed}), deals, dividends)["spread"][0])
    return spreads


def fetch_sequential(
    symbols: Sequence[str], url: str, params: dict[str, Any] | None = None, timeout: float = 20.0
) -> dict[str, float]:
    """Last close of each symbol from Yahoo's chart endpoint, one request after another.

    ``url`` has a ``{symbol}`` placeholder. What a user writes before reaching for a pool: no
    session reuse, no concurrency.
    """
    import requests

    from arb.prices._yahoo_parse import NoPrice, quote_from_chart

    out: dict[str, float] = {}
    for sym in symbols:
        resp = requests.get(url.format(symbol=sym), params=params, timeout=timeout)
        try:
            out[sym] = quote_from_chart(sym, resp.json()).price
        except (NoPrice, ValueError):
            continue
    return out

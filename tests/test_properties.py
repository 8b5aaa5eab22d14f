"""Invariants of the valuation, checked on generated deals and prices (hypothesis)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from conftest import AS_OF, value
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from arb.book import compile_book
from arb.engine import CASH, STOCK_VALUE, LegTable, leg_values, value_book
from arb.models import Deal
from arb.pricing import fetch_for

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

money = st.floats(min_value=0.5, max_value=500.0, allow_nan=False, allow_infinity=False)
ratio = st.floats(min_value=0.01, max_value=10.0, allow_nan=False, allow_infinity=False)
rate = st.floats(min_value=0.05, max_value=20.0, allow_nan=False, allow_infinity=False)
fraction = st.floats(min_value=0.0, max_value=0.9, allow_nan=False, allow_infinity=False)
#: How an election splits a share among its forms (weights of one election sum to 1).
SPLITS = st.sampled_from([(), (0.5, 0.5), (0.6, 0.4), (0.25, 0.75), (0.5, 0.25, 0.25)])

#: Listings the generated legs may use, and their quote currencies; FX pairs to HKD for each.
LISTINGS = {"AAA": "USD", "BBB.L": "GBp", "600803.SS": "CNY", "0700.HK": "HKD"}
FX_TO_HKD = {"USD": "USDHKD=X", "GBP": "GBPHKD=X", "CNY": "CNYHKD=X"}


def _deal(
    deal_id: str,
    legs: list[dict[str, Any]],
    securities: dict[str, Any] | None = None,
    dividends: list[dict[str, Any]] | None = None,
) -> Deal:
    return Deal.model_validate(
        {
            "id": deal_id,
            "name": deal_id,
            "currency": "HKD",
            "expected_close": AS_OF.replace(year=2026),
            "downside": 5.0,
            "target": {"ticker": "T.HK"},
            "consideration": legs,
            "securities": securities or {},
            "dividend": dividends or [],
        }
    )


@st.composite
def legs(draw: st.DrawFn) -> list[dict[str, Any]]:
    """One to four legs of any kind, on the listings above."""
    out: list[dict[str, Any]] = []
    n = draw(st.integers(1, 4))
    split = draw(SPLITS)
    weights = [*split, *[1.0] * n][:n] if len(split) <= n else [1.0] * n
    for w in weights:
        kind = draw(st.sampled_from(["cash", "cvr", "ratio", "value", "ratio-collar", "value-collar"]))
        if kind == "cash":
            out.append(
                {"kind": "cash", "amount": draw(money), "currency": draw(st.sampled_from(["HKD", "USD"])), "weight": w}
            )
        elif kind == "cvr":
            out.append(
                {
                    "kind": "cvr",
                    "amount": draw(money),
                    "currency": "HKD",
                    "probability": draw(st.floats(0, 1)),
                    "weight": w,
                }
            )
        else:
            leg: dict[str, Any] = {"kind": "stock", "ticker": draw(st.sampled_from(sorted(LISTINGS))), "weight": w}
            leg["ratio" if kind.startswith("ratio") else "value"] = draw(ratio if kind.startswith("ratio") else money)
            if kind.endswith("collar"):
                low = draw(st.floats(1.0, 100.0))
                leg["collar"] = [low, low * draw(st.floats(1.05, 2.0))]
            out.append(leg)
    return out


@st.composite
def price_sets(draw: st.DrawFn) -> dict[str, tuple[float, str]]:
    prices = {sym: (draw(money), ccy) for sym, ccy in LISTINGS.items()}
    prices["T.HK"] = (draw(money), "HKD")
    for pair in FX_TO_HKD.values():
        prices[pair] = (draw(rate), "HKD")
    return prices


# ------------------------------------------------------------------------------------------------


@SETTINGS
@given(legs(), price_sets(), money, st.floats(-50.0, 50.0))
def test_spread_moves_one_for_one_with_the_cash_amount(
    other: list[dict[str, Any]], prices: dict[str, tuple[float, str]], cash: float, bump: float
) -> None:
    assume(cash + bump >= 0)
    base = value(_deal("a", [*other, {"kind": "cash", "amount": cash, "currency": "HKD"}]), prices).results[0]
    moved = value(_deal("a", [*other, {"kind": "cash", "amount": cash + bump, "currency": "HKD"}]), prices).results[0]
    assert base.figures["spread"] is not None and moved.figures["spread"] is not None
    assert math.isclose(moved.figures["spread"] - base.figures["spread"], bump, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(moved.figures["deal_value"] - base.figures["deal_value"], bump, rel_tol=1e-9, abs_tol=1e-9)


@SETTINGS
@given(money, st.floats(1.0, 100.0), st.floats(1.01, 3.0), st.floats(0.0, 1.0), rate)
def test_fixed_value_collar_is_flat_inside_its_band(
    fixed: float, low: float, width: float, where: float, fx: float
) -> None:
    high = low * width
    s = low + where * (high - low)
    legs_ = LegTable(
        deal=np.zeros(1, np.int64),
        kind=np.array([STOCK_VALUE], np.int8),
        weight=np.ones(1),
        ratio=np.full(1, np.nan),
        value=np.array([fixed]),
        amount=np.full(1, np.nan),
        probability=np.full(1, np.nan),
        low=np.array([low]),
        high=np.array([high]),
        price=np.array([s]),
        fx=np.array([fx]),
        hedge_mult=np.ones(1),
    )
    val, delta = leg_values(legs_)
    assert math.isclose(val[0], fixed, rel_tol=1e-12)
    assert delta[0] == 0.0


def _kinks(leg_specs: list[dict[str, Any]], sym: str) -> list[float]:
    return [b for leg in leg_specs if leg.get("ticker") == sym and "collar" in leg for b in leg["collar"]]


@SETTINGS
@given(legs(), price_sets(), st.sampled_from(sorted(LISTINGS)))
def test_hedge_is_the_finite_difference_delta(
    leg_specs: list[dict[str, Any]], prices: dict[str, tuple[float, str]], sym: str
) -> None:
    price, unit = prices[sym]
    divisor = 100.0 if unit == "GBp" else 1.0
    h = price * 1e-4
    # away from the collar kinks (the band is in major units, the quote may be in pence)
    assume(all(abs(price / divisor - k) > 10 * h / divisor for k in _kinks(leg_specs, sym)))
    deal = _deal("d", leg_specs)
    at = value(deal, prices).results[0]
    up = value(deal, {**prices, sym: (price + h, unit)}).results[0]
    down = value(deal, {**prices, sym: (price - h, unit)}).results[0]
    fx = 1.0 if unit == "HKD" else prices[FX_TO_HKD["GBP" if unit == "GBp" else unit]][0] / divisor
    fd_shares = (up.figures["deal_value"] - down.figures["deal_value"]) / (2 * h) / fx
    assert math.isclose(at.hedge.get(sym, 0.0), fd_shares, rel_tol=1e-5, abs_tol=1e-6)


@SETTINGS
@given(ratio, fraction, money, rate, money)
def test_proxy_hedge_is_the_finite_difference_delta(
    r: float, discount: float, proxy: float, fx: float, cash: float
) -> None:
    securities = {"new-h": {"currency": "HKD", "proxy": "600803.SS", "discount": discount, "estimate": 1.0}}
    deal = _deal(
        "p",
        [{"kind": "stock", "ratio": r, "security": "new-h"}, {"kind": "cash", "amount": cash, "currency": "HKD"}],
        securities,
    )
    prices = {"T.HK": (50.0, "HKD"), "CNYHKD=X": (fx, "HKD")}
    h = proxy * 1e-4
    at = value(deal, {**prices, "600803.SS": (proxy, "CNY")}).results[0]
    up = value(deal, {**prices, "600803.SS": (proxy + h, "CNY")}).results[0]
    down = value(deal, {**prices, "600803.SS": (proxy - h, "CNY")}).results[0]
    fd_shares = (up.figures["deal_value"] - down.figures["deal_value"]) / (2 * h) / fx
    # the difference of two values near `cash` loses about cash * 1e-16 to rounding: allow for it
    rounding = 4 * 2.2e-16 * at.figures["deal_value"] / (2 * h) / fx
    assert math.isclose(at.hedge["600803.SS"], fd_shares, rel_tol=1e-6, abs_tol=max(1e-9, rounding))
    assert math.isclose(at.hedge["600803.SS"], r * (1 - discount), rel_tol=1e-12)


def _same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a == b)


@SETTINGS
@given(st.lists(legs(), min_size=1, max_size=6), price_sets(), st.data())
def test_many_deals_together_equal_each_alone(
    deal_legs: list[list[dict[str, Any]]], prices: dict[str, tuple[float, str]], data: st.DataObject
) -> None:
    deals = []
    for i, ls in enumerate(deal_legs):
        # some deals with undisclosed terms, some with dividends on both sides
        if data.draw(st.booleans(), label=f"undisclosed {i}") and i % 3 == 2:
            ls = []
        divs = [{"ticker": "T.HK", "amount": 0.5, "currency": "HKD", "ex_date": AS_OF.replace(month=9)}]
        divs.append({"ticker": "AAA", "amount": 0.2, "currency": "HKD", "ex_date": AS_OF.replace(month=8)})
        deals.append(_deal(f"d{i}", ls, dividends=divs if i % 2 else None))
    together = value(deals, prices).results
    for deal, joint in zip(deals, together, strict=True):
        [alone] = value(deal, prices).results
        assert joint.id == alone.id
        for name, x in joint.figures.items():
            assert _same(x, alone.figures[name]), (deal.id, name, x, alone.figures[name])
        assert joint.hedge == alone.hedge
        assert joint.flags == alone.flags


@SETTINGS
@given(st.lists(legs(), min_size=1, max_size=4), price_sets(), st.integers(1, 8), st.data())
def test_scenario_axis_equals_separate_runs(
    deal_legs: list[list[dict[str, Any]]], prices: dict[str, tuple[float, str]], n: int, data: st.DataObject
) -> None:
    deals = [
        _deal(
            f"d{i}",
            ls,
            dividends=[{"ticker": "AAA", "amount": 0.3, "currency": "USD", "ex_date": AS_OF.replace(month=10)}],
        )
        for i, ls in enumerate(deal_legs)
    ]
    quotes = fetch_for(deals, _memory(prices)).quotes
    book = compile_book(deals, quotes, AS_OF)
    n_legs, n_deals = len(book.legs), len(book.deals)
    shocks = np.array(data.draw(st.lists(st.floats(0.5, 1.5), min_size=n * n_legs, max_size=n * n_legs)))
    leg_prices = book.legs.price * shocks.reshape(n, n_legs)
    target_shocks = np.array(data.draw(st.lists(st.floats(0.5, 1.5), min_size=n, max_size=n)))
    target = book.deals.target_price * target_shocks[:, None]
    grid = value_book(book.legs.with_(price=leg_prices), book.deals.with_(target_price=target), book.dividends)
    assert grid.spread.shape == (n, n_deals)
    for s in range(n):
        row = value_book(book.legs.with_(price=leg_prices[s]), book.deals.with_(target_price=target[s]), book.dividends)
        for name, arr in grid.deal_fields().items():
            np.testing.assert_array_equal(arr[s], getattr(row, name), err_msg=name)
        np.testing.assert_array_equal(grid.leg_hedge[s], row.leg_hedge)


def _memory(prices: dict[str, tuple[float, str]]) -> Any:
    from conftest import memory

    return memory(prices)


def test_kinds_used_by_the_strategies_exist() -> None:
    # guards the strategies above against a renumbering of the engine's leg kinds
    assert {CASH, STOCK_VALUE} == {0, 2}


# ------------------------------------------------------------------------------------------------
# The rule: every figure is finite and follows its definition, or null with a flag that blocks it
# ------------------------------------------------------------------------------------------------

#: Dates around AS_OF for close dates and ex-dates: before, on, and after it.
DAYS_AROUND = st.sampled_from([-30, 0, 1, 45, 194, 400])


@st.composite
def any_deal(draw: st.DrawFn, deal_id: str) -> Deal:
    """A deal of any shape: legs (some on a proxy-priced security), maybe no close date or downside,
    dividends before, inside and after the window, some in a currency with no rate."""
    import datetime as dt

    leg_specs = draw(legs())
    securities: dict[str, Any] = {}
    if draw(st.booleans()):
        sec: dict[str, Any] = {"currency": draw(st.sampled_from(["HKD", "USD", "JPY"]))}
        if draw(st.booleans()):
            sec["proxy"] = draw(st.sampled_from(["600803.SS", "AAA", "ZZZ"]))  # ZZZ is never priced
            sec["discount"] = draw(st.sampled_from([0.0, 0.1]))
        if "proxy" not in sec or draw(st.booleans()):
            sec["estimate"] = draw(money)
        securities["new-sh"] = sec
        leg_specs = [*leg_specs, {"kind": "stock", "ratio": draw(ratio), "security": "new-sh"}]
    close = draw(st.one_of(st.none(), DAYS_AROUND))
    dividends = [
        {
            "ticker": draw(st.sampled_from(["T.HK", "AAA", "0700.HK"])),
            "amount": draw(st.floats(0.0, 3.0)),
            "currency": draw(st.sampled_from(["HKD", "USD", "EUR"])),  # EUR: no rate anywhere
            "ex_date": AS_OF + dt.timedelta(days=draw(DAYS_AROUND)),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    data: dict[str, Any] = {
        "id": deal_id,
        "name": deal_id,
        "target": {"ticker": "T.HK"} if draw(st.integers(0, 5)) else {"name": "Private target"},
        "consideration": leg_specs if draw(st.integers(0, 9)) else [],
        "securities": securities,
        "dividend": dividends,
    }
    if close is not None:
        data["expected_close"] = AS_OF + dt.timedelta(days=close)
    if draw(st.integers(0, 5)):  # else the deal currency comes from the target's quote or a cash leg, if any
        data["currency"] = "HKD"
    downside = draw(st.one_of(st.none(), st.floats(0.5, 800.0)))
    if downside is not None:
        data["downside"] = downside
    return Deal.model_validate(data)


@st.composite
def some_prices(draw: st.DrawFn) -> dict[str, tuple[float, str]]:
    """The usual prices, some symbols missing (the target, a listing, an FX pair), a USD-JPY leg."""
    prices = draw(price_sets())
    prices["USDJPY=X"] = (draw(st.floats(80.0, 160.0)), "JPY")
    dropped = draw(st.sets(st.sampled_from(sorted(prices)), max_size=3))
    return {s: p for s, p in prices.items() if s not in dropped}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.data(), min_size=1, max_size=3), some_prices())
def test_every_figure_is_right_or_null_with_a_flag_that_blocks_it(
    draws: list[st.DataObject], prices: dict[str, tuple[float, str]]
) -> None:
    from arb.engine import FIGURES
    from arb.flags import DEPENDS, explains

    deals = [d.draw(any_deal(f"d{i}")) for i, d in enumerate(draws)]
    for rec in value(deals, prices).records():  # the arb report --json records
        flags, f = rec["flags"], {n: rec[n] for n in FIGURES}
        for name, x in f.items():
            if x is None:
                assert explains(flags, name), (rec["id"], name, flags, rec["notes"])
                continue
            assert isinstance(x, (int, float)) and math.isfinite(x), (name, x)
            # a figure is only shown when every figure it is computed from is
            assert all(f[i] is not None for i in DEPENDS[name]), (name, f)
        if f["spread"] is not None:
            assert _close(f["spread"], f["deal_value"] + f["dividends"] - f["target_price"])
        if f["spread_pct"] is not None:
            assert _close(f["spread_pct"], f["spread"] / f["target_price"])
        if f["annualized"] is not None:
            assert f["days_to_close"] > 0
            assert _close(f["annualized"], (1 + f["spread_pct"]) ** (365 / f["days_to_close"]) - 1)
            assert _close(f["annualized_simple"], f["spread_pct"] * 365 / f["days_to_close"])
        p = f["implied_probability"]
        if p is not None:
            assert 0.0 <= p <= 1.0
            received = f["deal_value"] + f["dividends"]
            assert _close(p, (f["target_price"] - f["downside"]) / (received - f["downside"]))
        if f["days_to_close"] is not None:
            assert f["days_to_close"] == (dt_from(rec["expected_close"]) - dt_from(rec["as_of"])).days
        if "no-fx-rate" in flags or "no-price" in flags:
            assert rec["notes"], "a blocking flag without a note naming what is missing"


def dt_from(text: str) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(text)

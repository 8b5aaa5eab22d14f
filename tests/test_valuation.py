"""The valuation layer: overrides, the default as-of date, records, frames and sorting."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from conftest import AS_OF, make_deal, memory, value

from arb.errors import ArbError
from arb.prices.base import MemorySource, Quote
from arb.prices.csvfile import snapshot
from arb.pricing import parse_override, value_deals

CASH = '[[consideration]]\nkind = "cash"\namount = {amount}\ncurrency = "HKD"\n'


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("2688.HK=66", ("2688.HK", (66.0, None))),
        ("600803.SH=13.1:CNY", ("600803.SS", (13.1, "CNY"))),
        ("CNYHKD=X=1.08", ("CNYHKD=X", (1.08, None))),
        ("enn-ng-h=19", ("enn-ng-h", (19.0, None))),
        ("VOD.L=7000:GBp", ("VOD.L", (7000.0, "GBp"))),  # pence stay pence
        ("AAA=5:usd", ("AAA", (5.0, "USD"))),
    ],
)
def test_parse_override(text: str, parsed: tuple[str, tuple[float, str | None]]) -> None:
    assert parse_override(text) == parsed


@pytest.mark.parametrize(
    "text", ["2688.HK", "=5", "2688.HK=", "2688.HK=abc", "2688.HK=0", "2688.HK=nan", "2688.HK=5:XYZ"]
)
def test_bad_override(text: str) -> None:
    with pytest.raises(ArbError, match="--price"):
        parse_override(text)


def test_override_needs_a_currency_it_can_tell() -> None:
    deal = make_deal(CASH.format(amount=10.0), target="T.HK")
    with pytest.raises(ArbError, match="cannot tell its currency"):
        value_deals([deal], memory({"T.HK": (9.0, "HKD")}), overrides={"mystery-sec": (1.0, None)}, as_of=AS_OF)


def test_override_takes_the_replaced_quote_currency() -> None:
    deal = make_deal(CASH.format(amount=10.0))
    v = value_deals([deal], memory({"T.HK": (9.0, "HKD")}), overrides={"T.HK": (8.0, None)}, as_of=AS_OF)
    r = v.results[0]
    assert r.figures["spread"] == pytest.approx(2.0, rel=1e-12)
    assert r.info.prices["T.HK"].kind == "override"
    assert "was 9 HKD" in r.info.prices["T.HK"].origin


def test_default_as_of_is_the_latest_price_date_for_a_dated_source() -> None:
    deal = make_deal(CASH.format(amount=10.0))
    q = Quote("T.HK", 9.0, "HKD", dt.datetime(2025, 3, 3), "file")
    dated = MemorySource({"T.HK": q}, as_of=dt.datetime(2025, 3, 3))
    v = value_deals([deal], dated, today=dt.date(2025, 6, 1))
    assert v.as_of == dt.date(2025, 3, 3)
    # an override of that quote does not move the date
    v = value_deals([deal], dated, today=dt.date(2025, 6, 1), overrides={"T.HK": (9.5, None)})
    assert v.as_of == dt.date(2025, 3, 3)


def test_default_as_of_is_today_for_an_undated_source() -> None:
    deal = make_deal(CASH.format(amount=10.0))
    v = value_deals([deal], memory({"T.HK": (9.0, "HKD")}), today=dt.date(2025, 7, 1))
    assert v.as_of == dt.date(2025, 7, 1)
    assert v.results[0].figures["days_to_close"] == 183  # 1 July to 31 December


def test_records_sorted_by_annualised_return() -> None:
    deals = [
        make_deal(CASH.format(amount=a), id=i, target=t)
        for i, a, t in [("low", 10.1, "A.HK"), ("high", 12.0, "B.HK"), ("none", 10.0, "C.HK")]
    ]
    v = value(deals, {"A.HK": (10.0, "HKD"), "B.HK": (10.0, "HKD")})
    assert [r.id for r in v.sorted()] == ["high", "low", "none"]
    assert [r.id for r in v] == ["low", "high", "none"]  # input order kept
    recs = v.records()
    assert recs[1]["spread"] == pytest.approx(2.0, rel=1e-12)
    assert recs[2]["spread"] is None  # no price for C.HK: null, not NaN
    assert v.get("low").figures["deal_value"] == 10.1
    with pytest.raises(KeyError):
        v.get("nope")


def test_to_frame_and_the_long_frames_of_hedge_and_prices() -> None:
    body = '[[consideration]]\nkind = "stock"\nratio = 0.5\nticker = "BIGCO"\n'
    v = value(make_deal(body, currency="USD", target="T"), {"T": (21.0, "USD"), "BIGCO": (44.0, "USD")})
    frame = v.to_frame()
    row = frame.loc["t"]
    assert row["deal_value"] == 22.0
    assert row["spread"] == pytest.approx(1.0, rel=1e-12)
    assert v.hedges_frame()[["deal", "symbol", "shares"]].values.tolist() == [["t", "BIGCO", 0.5]]
    prices = v.prices_frame().set_index("symbol")
    assert prices.loc["BIGCO", "price"] == 44.0 and prices.loc["T", "currency"] == "USD"
    assert row["flags"] == ["no-downside"]  # the deal gives no downside: no implied probability
    assert row["implied_probability"] is None or row["implied_probability"] != row["implied_probability"]


def test_show_detail_leg_figures() -> None:
    body = CASH.format(amount=10.0).replace("\n", "\nweight = 0.5\n", 1) + (
        '[[consideration]]\nkind = "stock"\nratio = 0.5\nticker = "BIG.HK"\nweight = 0.5\n'
    )
    [r] = value(make_deal(body), {"T.HK": (20.0, "HKD"), "BIG.HK": (40.0, "HKD")}).results
    d = r.to_dict(detail=True)
    cash, stock = d["legs"]
    assert (cash["leg_value"], cash["weighted_value"], cash["delta"]) == (10.0, 5.0, 0.0)
    assert cash["hedge_shares"] is None
    assert (stock["leg_value"], stock["weighted_value"], stock["delta"]) == (20.0, 10.0, 0.5)
    assert stock["hedge_shares"] == 0.25
    assert d["deal_value"] == 15.0
    assert d["hedge"] == {"BIG.HK": 0.25}


def test_nan_never_reaches_the_records() -> None:
    [r] = value(make_deal(CASH.format(amount=10.0)), {}).results
    for k, x in r.to_dict().items():
        assert not (isinstance(x, float) and math.isnan(x)), k


def test_snapshot_seed_values_through_the_library() -> None:
    from arb.loader import load_deals
    from arb.resources import seeds_dir

    v = value_deals(load_deals([seeds_dir()]).deals, snapshot())
    enn = v.get("enn-energy").to_dict()
    assert enn["deal_value"] == pytest.approx(79.999322, abs=1e-9)
    assert round(enn["deal_value"], 2) == 80.00 and round(enn["spread"], 2) == 15.00
    assert round(enn["spread_pct"] * 100, 1) == 23.1

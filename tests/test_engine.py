"""Every leg kind, collars at their edges, FX, minor units, dividends and the metrics, figure by figure.

Expected values are worked out by hand in each test. Unless a test says otherwise deals are valued
at AS_OF = 2025-06-20 and close on 2025-12-31: 194 calendar days (10 left in June, then
31 + 31 + 30 + 31 + 30 + 31).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from conftest import AS_OF, make_deal, value

from arb.engine import CASH, CVR, STOCK_RATIO, STOCK_VALUE, LegTable, leg_values, metrics
from arb.pricing import DealResult

DAYS = 194
rel = dict(rel=1e-12, abs=1e-12)


def one(deal_body: str, prices: dict[str, tuple[float, str]], *, as_of: dt.date = AS_OF, **head: str) -> DealResult:
    [result] = value(make_deal(deal_body, **head), prices, as_of=as_of).results
    return result


CASH_LEG = '[[consideration]]\nkind = "cash"\namount = {amount}\ncurrency = "{ccy}"\n'


def stock(spec: str, extra: str = "") -> str:
    return f'[[consideration]]\nkind = "stock"\n{spec}\n{extra}'


# ------------------------------------------------------------------------------------------------
# The metrics
# ------------------------------------------------------------------------------------------------


def test_all_cash_deal_every_metric() -> None:
    r = one(
        CASH_LEG.format(amount=50.0, ccy="USD"),
        {"T": (48.0, "USD")},
        target="T",
        currency="USD",
        extra="downside = 40.0",
    )
    f = r.figures
    assert f["target_price"] == 48.0
    assert f["deal_value"] == 50.0
    assert f["dividends"] == 0.0
    assert f["spread"] == pytest.approx(2.0, **rel)
    assert f["spread_pct"] == pytest.approx(2.0 / 48.0, **rel)
    assert f["days_to_close"] == DAYS
    assert f["annualized"] == pytest.approx((1 + 2.0 / 48.0) ** (365 / 194) - 1, **rel)
    assert f["annualized_simple"] == pytest.approx(2.0 / 48.0 * 365 / 194, **rel)
    assert f["downside"] == 40.0
    assert f["implied_probability"] == pytest.approx((48.0 - 40.0) / (50.0 - 40.0), **rel)  # 0.8
    assert r.hedge == {}
    assert r.flags == []
    assert r.valued


def test_compound_and_simple_annualised_differ_as_defined() -> None:
    # 10% over 73 days: simple 0.1 * 5 = 0.5; compound 1.1 ** 5 - 1 = 0.61051
    got = metrics(np.array([100.0]), np.array([110.0]), np.array([0.0]), np.array([np.nan]), np.array([73.0]))
    assert got["spread"][0] == 10.0
    assert got["annualized_simple"][0] == pytest.approx(0.5, **rel)
    assert got["annualized"][0] == pytest.approx(0.61051, **rel)
    assert math.isnan(got["implied_probability"][0])  # no downside


def test_implied_probability_counts_dividends() -> None:
    # (P - D) / (V + div - D) = (30 - 20) / (33 + 1 - 20) = 10 / 14
    got = metrics(np.array([30.0]), np.array([33.0]), np.array([1.0]), np.array([20.0]), np.array([100.0]))
    assert got["implied_probability"][0] == pytest.approx(10 / 14, **rel)
    assert got["spread"][0] == pytest.approx(4.0, **rel)


def test_close_date_passed_gives_no_annualised_figure() -> None:
    r = one(
        CASH_LEG.format(amount=50.0, ccy="USD"),
        {"T": (48.0, "USD")},
        as_of=dt.date(2026, 1, 10),
        target="T",
        currency="USD",
    )
    assert r.figures["days_to_close"] == -10
    assert r.figures["annualized"] is None and r.figures["annualized_simple"] is None
    assert r.figures["spread"] == pytest.approx(2.0, **rel)
    assert "close-date-passed" in r.flags


def test_close_day_itself_has_no_annualised_figure() -> None:
    r = one(
        CASH_LEG.format(amount=50.0, ccy="USD"),
        {"T": (48.0, "USD")},
        as_of=dt.date(2025, 12, 31),
        target="T",
        currency="USD",
    )
    assert r.figures["days_to_close"] == 0
    assert r.figures["annualized"] is None
    # no time left to annualise over: said, not left to a silent dash
    assert "close-date-passed" in r.flags
    assert any("is the as-of date" in n for n in r.info.notes)


# ------------------------------------------------------------------------------------------------
# Leg kinds
# ------------------------------------------------------------------------------------------------


def test_fixed_ratio_stock_of_a_ticker() -> None:
    r = one(
        stock('ratio = 0.75\nticker = "BIGCO.US"'),
        {"T": (30.0, "USD"), "BIGCO": (44.0, "USD")},
        target="T",
        currency="USD",
    )
    assert r.figures["deal_value"] == pytest.approx(0.75 * 44.0, **rel)  # 33
    assert r.figures["spread"] == pytest.approx(3.0, **rel)
    assert r.hedge == {"BIGCO": 0.75}
    assert r.info.legs[0].priced_by == "listing"


PROXY_DEAL = (
    stock('ratio = 2.9427\nsecurity = "parent-h"')
    + CASH_LEG.format(amount=24.5, ccy="HKD")
    + '[securities.parent-h]\ncurrency = "HKD"\nproxy = "600803.SH"\ndiscount = 0.10\nestimate = 18.86\n'
)


def test_security_priced_from_its_proxy_with_fx_and_discount() -> None:
    r = one(PROXY_DEAL, {"T.HK": (40.0, "HKD"), "600803.SS": (13.0, "CNY"), "CNYHKD=X": (1.09, "HKD")})
    h_price = 13.0 * 1.09 * (1 - 0.10)  # 12.753 HKD
    assert r.info.legs[0].priced_by == "proxy"
    assert r.info.legs[0].security_price == pytest.approx(h_price, **rel)
    assert r.figures["deal_value"] == pytest.approx(2.9427 * h_price + 24.5, **rel)
    assert r.figures["spread"] == pytest.approx(2.9427 * h_price + 24.5 - 40.0, **rel)
    # shares of the proxy to short: ratio x (1 - discount), whatever the FX rate
    assert r.hedge == {"600803.SS": pytest.approx(2.9427 * 0.9, **rel)}
    assert "estimate-used" not in r.flags
    assert set(r.info.prices) == {"T.HK", "600803.SS", "CNYHKD=X"}


def test_proxy_through_the_inverse_fx_pair() -> None:
    r = one(PROXY_DEAL, {"T.HK": (40.0, "HKD"), "600803.SS": (13.0, "CNY"), "HKDCNY=X": (0.92, "CNY")})
    h_price = 13.0 / 0.92 * 0.9
    assert r.figures["deal_value"] == pytest.approx(2.9427 * h_price + 24.5, **rel)
    assert r.info.legs[0].proxy_fx is not None and r.info.legs[0].proxy_fx.inverted


def test_security_priced_from_its_own_price_row() -> None:
    prices = {"T.HK": (40.0, "HKD"), "parent-h": (15.0, "HKD"), "600803.SS": (13.0, "CNY"), "CNYHKD=X": (1.09, "HKD")}
    r = one(PROXY_DEAL, prices)
    assert r.info.legs[0].priced_by == "price"
    assert r.figures["deal_value"] == pytest.approx(2.9427 * 15.0 + 24.5, **rel)
    assert "estimate-used" not in r.flags


def test_security_priced_from_its_estimate_when_the_proxy_has_no_price() -> None:
    r = one(PROXY_DEAL, {"T.HK": (40.0, "HKD")})
    assert r.info.legs[0].priced_by == "estimate"
    assert r.figures["deal_value"] == pytest.approx(2.9427 * 18.86 + 24.5, **rel)
    assert "estimate-used" in r.flags
    assert r.hedge == {}  # nothing listed to short
    assert r.valued


def test_security_estimate_when_the_proxy_fx_rate_is_missing() -> None:
    # The proxy is priced but cannot be converted: valued at the estimate, and the note says exactly
    # that (not "no proxy"). no-fx-rate is not raised: it blocks figures, and this deal is valued.
    r = one(PROXY_DEAL, {"T.HK": (40.0, "HKD"), "600803.SS": (17.0, "CNY")})
    assert r.info.legs[0].priced_by == "estimate"
    assert r.figures["deal_value"] == pytest.approx(2.9427 * 18.86 + 24.5, **rel)
    assert "estimate-used" in r.flags and "no-fx-rate" not in r.flags
    assert r.info.notes_for("estimate-used") == [
        "parent-h valued at its estimate 18.86 HKD: proxy 600803.SS priced 17 CNY but no CNY->HKD rate"
    ]
    assert r.valued


def test_security_without_estimate_and_an_unconvertible_proxy_has_no_value() -> None:
    body = PROXY_DEAL.replace("estimate = 18.86\n", "")
    r = one(body, {"T.HK": (40.0, "HKD"), "600803.SS": (17.0, "CNY")})
    assert "no-fx-rate" in r.flags and "no-price" not in r.flags
    assert r.figures["deal_value"] is None and r.figures["spread"] is None
    assert r.figures["target_price"] == 40.0
    assert r.info.notes_for("no-fx-rate") == ["parent-h: proxy 600803.SS priced 17 CNY but no CNY->HKD rate"]
    assert not r.valued


def test_security_priced_through_a_cross_rate() -> None:
    # no CNYHKD=X nor HKDCNY=X: CNY -> USD -> HKD from USDCNY=X (inverted) and USDHKD=X
    r = one(
        PROXY_DEAL,
        {"T.HK": (40.0, "HKD"), "600803.SS": (13.0, "CNY"), "USDCNY=X": (7.2, "CNY"), "USDHKD=X": (7.8, "HKD")},
    )
    li = r.info.legs[0]
    assert li.priced_by == "proxy"
    assert li.proxy_fx is not None and li.proxy_fx.rate == pytest.approx(7.8 / 7.2, **rel)
    assert li.proxy_fx.symbol == "1/USDCNY=X x USDHKD=X"
    assert li.security_price == pytest.approx(13.0 / 7.2 * 7.8 * 0.9, **rel)
    assert {"USDCNY=X", "USDHKD=X"} <= set(r.info.prices)  # both legs are the provenance
    assert "estimate-used" not in r.flags


def test_fixed_value_stock_floats_the_shares() -> None:
    r = one(
        stock('value = 20.0\nticker = "BIGCO"'),
        {"T": (19.0, "USD"), "BIGCO": (44.0, "USD")},
        target="T",
        currency="USD",
    )
    assert r.figures["deal_value"] == pytest.approx(20.0, **rel)
    assert r.figures["spread"] == pytest.approx(1.0, **rel)
    assert r.hedge == {"BIGCO": 0.0}  # a fixed value does not move with the price


FIXED_VALUE_COLLAR = stock('value = 20.0\nticker = "BIGCO"\ncollar = [40.0, 50.0]')


@pytest.mark.parametrize(
    ("s", "deal_value", "hedge"),
    [
        (44.0, 20.0, 0.0),  # inside: flat
        (40.0, 20.0, 0.0),  # at the low edge
        (50.0, 20.0, 0.0),  # at the high edge
        (39.99, 20.0 / 40.0 * 39.99, 20.0 / 40.0),  # just below: shares = value / low = 0.5
        (35.0, 0.5 * 35.0, 0.5),
        (50.01, 20.0 / 50.0 * 50.01, 20.0 / 50.0),  # just above: shares = value / high = 0.4
        (60.0, 0.4 * 60.0, 0.4),
    ],
)
def test_fixed_value_collar(s: float, deal_value: float, hedge: float) -> None:
    r = one(FIXED_VALUE_COLLAR, {"T": (19.0, "USD"), "BIGCO": (s, "USD")}, target="T", currency="USD")
    assert r.figures["deal_value"] == pytest.approx(deal_value, **rel)
    assert r.hedge == {"BIGCO": pytest.approx(hedge, **rel)}
    assert ("outside-collar" in r.flags) == (not 40.0 <= s <= 50.0)


FIXED_RATIO_COLLAR = stock('ratio = 0.5\nticker = "BIGCO"\ncollar = [40.0, 50.0]')


@pytest.mark.parametrize(
    ("s", "deal_value", "hedge"),
    [
        (44.0, 0.5 * 44.0, 0.5),  # inside: ratio x S
        (40.0, 0.5 * 40.0, 0.5),
        (50.0, 0.5 * 50.0, 0.5),
        (39.99, 0.5 * 40.0, 0.0),  # below: ratio x low, fixed
        (30.0, 0.5 * 40.0, 0.0),
        (50.01, 0.5 * 50.0, 0.0),  # above: ratio x high, fixed
        (70.0, 0.5 * 50.0, 0.0),
    ],
)
def test_fixed_ratio_collar(s: float, deal_value: float, hedge: float) -> None:
    r = one(FIXED_RATIO_COLLAR, {"T": (21.0, "USD"), "BIGCO": (s, "USD")}, target="T", currency="USD")
    assert r.figures["deal_value"] == pytest.approx(deal_value, **rel)
    assert r.hedge == {"BIGCO": pytest.approx(hedge, **rel)}


def test_cvr_is_amount_times_probability() -> None:
    body = CASH_LEG.format(amount=10.0, ccy="USD") + (
        '[[consideration]]\nkind = "cvr"\namount = 4.0\ncurrency = "USD"\nprobability = 0.25\n'
    )
    r = one(body, {"T": (10.5, "USD")}, target="T", currency="USD")
    assert r.figures["deal_value"] == pytest.approx(10.0 + 4.0 * 0.25, **rel)  # 11
    assert r.figures["spread"] == pytest.approx(0.5, **rel)


def test_election_prorated_50_50() -> None:
    body = '[[consideration]]\nkind = "cash"\namount = 30.0\ncurrency = "USD"\nweight = 0.5\n' + stock(
        'ratio = 0.8\nticker = "BIGCO"\nweight = 0.5'
    )
    r = one(body, {"T": (31.0, "USD"), "BIGCO": (44.0, "USD")}, target="T", currency="USD")
    assert r.figures["deal_value"] == pytest.approx(0.5 * 30.0 + 0.5 * 0.8 * 44.0, **rel)  # 32.6
    assert r.hedge == {"BIGCO": pytest.approx(0.4, **rel)}


def test_two_legs_on_one_listing_add_up_in_the_hedge() -> None:
    body = stock('ratio = 0.3\nticker = "BIGCO"') + stock('ratio = 0.2\nticker = "BIGCO"')
    r = one(body, {"T": (20.0, "USD"), "BIGCO": (44.0, "USD")}, target="T", currency="USD")
    assert r.figures["deal_value"] == pytest.approx(0.3 * 44.0 + 0.2 * 44.0, **rel)
    assert r.hedge == {"BIGCO": pytest.approx(0.3 + 0.2, **rel)}


# ------------------------------------------------------------------------------------------------
# Currencies
# ------------------------------------------------------------------------------------------------


def test_cash_leg_in_another_currency() -> None:
    r = one(CASH_LEG.format(amount=3.0, ccy="USD"), {"T.HK": (22.0, "HKD"), "USDHKD=X": (7.85, "HKD")})
    assert r.figures["deal_value"] == pytest.approx(3.0 * 7.85, **rel)  # 23.55 HKD
    assert r.figures["spread"] == pytest.approx(3.0 * 7.85 - 22.0, **rel)
    assert "USDHKD=X" in r.info.prices


def test_cash_leg_through_the_inverse_pair() -> None:
    r = one(CASH_LEG.format(amount=3.0, ccy="USD"), {"T.HK": (22.0, "HKD"), "HKDUSD=X": (0.128, "USD")})
    assert r.figures["deal_value"] == pytest.approx(3.0 / 0.128, **rel)  # 23.4375


def test_stock_leg_in_another_currency_hedges_in_shares() -> None:
    r = one(
        stock('ratio = 0.1\nticker = "NVDA.US"'),
        {"T.HK": (110.0, "HKD"), "NVDA": (150.0, "USD"), "USDHKD=X": (7.8, "HKD")},
    )
    assert r.figures["deal_value"] == pytest.approx(0.1 * 150.0 * 7.8, **rel)  # 117 HKD
    assert r.hedge == {"NVDA": pytest.approx(0.1, **rel)}


def test_missing_fx_rate_is_flagged_never_one() -> None:
    r = one(CASH_LEG.format(amount=3.0, ccy="USD"), {"T.HK": (22.0, "HKD")})
    assert "no-fx-rate" in r.flags
    assert r.figures["deal_value"] is None
    assert r.figures["spread"] is None and r.figures["spread_pct"] is None
    assert r.figures["target_price"] == 22.0
    assert not r.valued


def test_target_quoted_in_another_currency_than_the_deal() -> None:
    r = one(CASH_LEG.format(amount=3.0, ccy="USD"), {"T.HK": (22.0, "HKD"), "USDHKD=X": (8.0, "HKD")}, currency="USD")
    assert r.figures["target_price"] == pytest.approx(22.0 / 8.0, **rel)
    assert r.figures["deal_value"] == 3.0


def test_target_quoted_in_pence() -> None:
    r = one(CASH_LEG.format(amount=75.0, ccy="GBP"), {"VOD.L": (7250.0, "GBp")}, target="VOD.L", currency="GBP")
    assert r.figures["target_price"] == pytest.approx(72.50, **rel)
    assert r.figures["spread"] == pytest.approx(2.50, **rel)


@pytest.mark.parametrize(("unit", "major"), [("ZAc", "ZAR"), ("ILA", "ILS"), ("GBX", "GBP")])
def test_stock_leg_quoted_in_minor_units(unit: str, major: str) -> None:
    r = one(
        stock('ratio = 2.0\nticker = "ACQ"'), {"T": (30.0, major), "ACQ": (1600.0, unit)}, target="T", currency=major
    )
    assert r.figures["deal_value"] == pytest.approx(2.0 * 16.0, **rel)
    assert r.hedge == {"ACQ": 2.0}


def test_deal_currency_defaults_to_the_target_quote_currency() -> None:
    deal_text = 'id = "d"\nname = "D"\nexpected_close = 2025-12-31\n[target]\nticker = "T.HK"\n' + CASH_LEG.format(
        amount=10.0, ccy="HKD"
    )
    import tomllib

    from arb.models import Deal

    [r] = value(Deal.model_validate(tomllib.loads(deal_text)), {"T.HK": (9.0, "HKD")}).results
    assert r.currency == "HKD"
    assert r.figures["spread"] == pytest.approx(1.0, **rel)


# ------------------------------------------------------------------------------------------------
# Dividends
# ------------------------------------------------------------------------------------------------


def _div(ticker: str, amount: float, ex: str, ccy: str = "USD") -> str:
    return f'[[dividend]]\nticker = "{ticker}"\namount = {amount}\ncurrency = "{ccy}"\nex_date = {ex}\n'


STOCK_HALF = stock('ratio = 0.5\nticker = "BIGCO"')
DIV_PRICES = {"T": (21.5, "USD"), "BIGCO": (44.0, "USD")}


@pytest.mark.parametrize(
    ("ex_date", "counted"),
    [
        ("2025-06-20", False),  # ex_date == as_of: already gone
        ("2025-06-19", False),
        ("2025-06-21", True),
        ("2025-09-15", True),
        ("2025-12-31", True),  # ex_date == expected_close: still received
        ("2026-01-01", False),  # after the close
    ],
)
def test_target_dividend_window(ex_date: str, counted: bool) -> None:
    r = one(STOCK_HALF + _div("T", 0.40, ex_date), DIV_PRICES, target="T", currency="USD")
    expected = 0.40 if counted else 0.0
    assert r.figures["dividends"] == pytest.approx(expected, **rel)
    assert r.figures["spread"] == pytest.approx(0.5 * 44.0 + expected - 21.5, **rel)


def test_dividends_on_both_sides() -> None:
    received = _div("T", 0.40, "2025-09-15")
    after_close = _div("T", 0.40, "2026-03-15")
    owed = _div("BIGCO", 0.30, "2025-08-01")
    body = STOCK_HALF + received + after_close + owed
    r = one(body, DIV_PRICES, target="T", currency="USD", extra="downside = 15.0")
    # received 0.40 in the window; owed 0.30 on the 0.5 BIGCO shares short
    assert r.figures["dividends"] == pytest.approx(0.40 - 0.30 * 0.5, **rel)  # 0.25
    assert r.figures["spread"] == pytest.approx(22.0 + 0.25 - 21.5, **rel)  # 0.75
    assert r.figures["implied_probability"] == pytest.approx((21.5 - 15.0) / (22.0 + 0.25 - 15.0), **rel)


def test_hedged_dividend_out_of_the_window_is_not_owed() -> None:
    r = one(STOCK_HALF + _div("BIGCO", 0.30, "2025-06-01"), DIV_PRICES, target="T", currency="USD")
    assert r.figures["dividends"] == 0.0


def test_dividend_on_a_proxy_is_owed_in_proxy_shares_and_converted() -> None:
    body = PROXY_DEAL + _div("600803.SH", 0.50, "2025-07-10", ccy="CNY")
    r = one(body, {"T.HK": (40.0, "HKD"), "600803.SS": (13.0, "CNY"), "CNYHKD=X": (1.09, "HKD")})
    assert r.figures["dividends"] == pytest.approx(-0.50 * 1.09 * 2.9427 * 0.9, **rel)


def test_dividend_in_another_currency_is_converted() -> None:
    r = one(
        STOCK_HALF + _div("T", 1.0, "2025-09-15", ccy="EUR"),
        {**DIV_PRICES, "EURUSD=X": (1.15, "USD")},
        target="T",
        currency="USD",
    )
    assert r.figures["dividends"] == pytest.approx(1.15, **rel)


def test_dividend_on_an_unrelated_ticker_is_ignored_with_a_note() -> None:
    r = one(STOCK_HALF + _div("OTHER", 1.0, "2025-09-15"), DIV_PRICES, target="T", currency="USD")
    assert r.figures["dividends"] == 0.0
    assert any("OTHER" in n and "ignored" in n for n in r.info.notes)


def test_fixed_value_collar_inside_owes_no_dividend() -> None:
    r = one(
        FIXED_VALUE_COLLAR + _div("BIGCO", 0.30, "2025-08-01"),
        {"T": (19.0, "USD"), "BIGCO": (44.0, "USD")},
        target="T",
        currency="USD",
    )
    assert r.figures["dividends"] == 0.0  # hedge is zero inside the band
    r = one(
        FIXED_VALUE_COLLAR + _div("BIGCO", 0.30, "2025-08-01"),
        {"T": (19.0, "USD"), "BIGCO": (35.0, "USD")},
        target="T",
        currency="USD",
    )
    assert r.figures["dividends"] == pytest.approx(-0.30 * 0.5, **rel)


# ------------------------------------------------------------------------------------------------
# Missing or doubtful figures
# ------------------------------------------------------------------------------------------------


def test_missing_target_price() -> None:
    r = one(CASH_LEG.format(amount=10.0, ccy="HKD"), {})
    assert "no-price" in r.flags
    assert r.figures["target_price"] is None and r.figures["spread"] is None
    assert r.figures["deal_value"] == 10.0
    assert not r.valued


def test_missing_acquirer_price() -> None:
    r = one(stock('ratio = 0.5\nticker = "BIGCO"'), {"T": (20.0, "USD")}, target="T", currency="USD")
    assert "no-price" in r.flags
    assert r.figures["deal_value"] is None
    assert r.hedge == {}


def test_undisclosed_terms() -> None:
    r = one("", {"T.HK": (5.0, "HKD")})
    assert "terms-undisclosed" in r.flags
    assert r.figures["target_price"] == 5.0
    assert r.figures["deal_value"] is None and r.figures["spread"] is None
    assert r.valued


def test_undisclosed_terms_with_a_target_dividend_alone() -> None:
    # A book with no legs at all must still handle a target dividend.
    r = one(_div("T.HK", 0.5, "2025-09-01", ccy="HKD"), {"T.HK": (5.0, "HKD")})
    assert "terms-undisclosed" in r.flags
    assert r.figures["deal_value"] is None


def test_stale_and_synthetic_prices_are_flagged() -> None:
    from arb.prices.base import MemorySource, Quote
    from arb.pricing import value_deals

    old = Quote("T.HK", 9.0, "HKD", dt.datetime(2025, 6, 10), "file", "test", synthetic=True)
    deal = make_deal(CASH_LEG.format(amount=10.0, ccy="HKD"))
    [r] = value_deals([deal], MemorySource({"T.HK": old}), as_of=AS_OF).results
    assert {"stale-price", "synthetic-price"} <= set(r.flags)
    assert r.figures["spread"] == pytest.approx(1.0, **rel)  # still valued


def test_no_close_date() -> None:
    deal_text = CASH_LEG.format(amount=10.0, ccy="HKD")
    r = one(deal_text, {"T.HK": (9.0, "HKD")})
    assert r.figures["days_to_close"] == DAYS  # sanity: the head has a close date
    import tomllib

    from arb.models import Deal

    data = tomllib.loads('id = "d"\nname = "D"\n[target]\nticker = "T.HK"\n' + deal_text)
    [r] = value(Deal.model_validate(data), {"T.HK": (9.0, "HKD")}).results
    assert "no-close-date" in r.flags
    assert r.figures["days_to_close"] is None and r.figures["annualized"] is None
    assert r.figures["spread"] == pytest.approx(1.0, **rel)


# ------------------------------------------------------------------------------------------------
# The engine on its own: leg_values over a hand-built table
# ------------------------------------------------------------------------------------------------


def test_leg_values_table() -> None:
    nan, inf = math.nan, math.inf
    legs = LegTable(
        deal=np.zeros(5, np.int64),
        kind=np.array([CASH, CVR, STOCK_RATIO, STOCK_VALUE, STOCK_RATIO], np.int8),
        weight=np.ones(5),
        ratio=np.array([nan, nan, 2.0, nan, 1.0]),
        value=np.array([nan, nan, nan, 30.0, nan]),
        amount=np.array([5.0, 8.0, nan, nan, nan]),
        probability=np.array([nan, 0.5, nan, nan, nan]),
        low=np.array([0.0, 0.0, 0.0, 10.0, 0.0]),
        high=np.array([inf, inf, inf, 12.0, inf]),
        price=np.array([nan, nan, 7.0, 15.0, nan]),
        fx=np.array([2.0, 2.0, 0.5, 1.0, 1.0]),
        hedge_mult=np.array([0.0, 0.0, 1.0, 1.0, 1.0]),
    )
    val, delta = leg_values(legs)
    assert val[:4] == pytest.approx([5.0 * 2.0, 8.0 * 0.5 * 2.0, 2.0 * 7.0 * 0.5, 30.0 / 12.0 * 15.0], **rel)
    assert delta[:4] == pytest.approx([0.0, 0.0, 2.0, 30.0 / 12.0], **rel)
    assert math.isnan(val[4]) and math.isnan(delta[4])  # no price: unknown, not zero


# ------------------------------------------------------------------------------------------------
# The seeds at the snapshot
# ------------------------------------------------------------------------------------------------


def test_enn_seed_at_the_snapshot() -> None:
    from arb.loader import load_deals
    from arb.prices.csvfile import snapshot
    from arb.pricing import value_deals
    from arb.resources import seeds_dir

    v = value_deals(load_deals([seeds_dir()]).deals, snapshot())
    assert v.as_of == dt.date(2025, 6, 20)  # the latest snapshot date
    enn = v.get("enn-energy")
    f = enn.figures
    value_ = 2.9427 * 18.86 + 24.50  # 79.999322
    assert value_ == pytest.approx(79.999322, abs=1e-9)
    assert f["target_price"] == 65.0
    assert f["deal_value"] == pytest.approx(79.999322, abs=1e-9)
    assert f["spread"] == pytest.approx(14.999322, abs=1e-9)
    assert f["spread_pct"] == pytest.approx(0.2307588, abs=1e-9)
    assert f["days_to_close"] == DAYS
    assert f["annualized"] == pytest.approx((1 + 14.999322 / 65) ** (365 / 194) - 1, **rel)
    assert f["annualized_simple"] == pytest.approx(14.999322 / 65 * 365 / 194, **rel)
    assert f["implied_probability"] == pytest.approx((65 - 55) / (79.999322 - 55), **rel)
    assert enn.flags == ["pre-conditional", "estimate-used"]  # the seed is pre-conditional (issue 12)
    assert enn.valued

    bs = v.get("black-sesame-soc")
    assert "terms-undisclosed" in bs.flags
    assert bs.figures["deal_value"] is None
    assert bs.info.prices["2533.HK"].price == 18.24
    assert bs.valued


def test_enn_hedge_with_an_a_share_price() -> None:
    from arb.loader import load_deal
    from arb.resources import seeds_dir

    enn = load_deal(seeds_dir() / "enn-energy.toml")
    [r] = value(enn, {"2688.HK": (65.0, "HKD"), "600803.SS": (13.0, "CNY"), "CNYHKD=X": (1.09, "HKD")}).results
    assert r.figures["deal_value"] == pytest.approx(2.9427 * 13.0 * 1.09 + 24.5, **rel)
    assert r.hedge == {"600803.SS": pytest.approx(2.9427, **rel)}  # discount 0 in the seed
    assert "estimate-used" not in r.flags

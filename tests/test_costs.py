"""Carry costs and the net figures (arb.costs), each against arithmetic worked by hand here."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import AS_OF, deal_toml, make_deal, memory, value
from hypothesis import given, settings
from hypothesis import strategies as st

from arb.costs import DEFAULTS, NET_FIGURES, Costs, load_config_costs, market_of, net_figures
from arb.errors import ConfigError, DealFileError
from arb.flags import FLAGS, NET_DEPENDS, Flag, net_closure
from arb.loader import load_deal
from arb.models import Deal
from arb.pricing import DealResult, value_deals

# T.HK at 14.00; 0.5 A.HK at 20.00 plus HK$5 cash: value 15, spread 1; 194 days from AS_OF to close.
LEGS = """
[[consideration]]
kind = "stock"
ratio = 0.5
ticker = "A.HK"

[[consideration]]
kind = "cash"
amount = 5.0
currency = "HKD"
"""
PRICES = {"T.HK": (14.0, "HKD"), "A.HK": (20.0, "HKD")}
DAYS = 194
# Every rate given in the deal, so that nothing comes from the built-in table.
ALL_RATES = """
[costs]
funding_rate = {HKD = 0.04}
borrow_fee = {HK = 0.02}
rebate = {HKD = 0.01}
stamp_duty = {HK = {buy = 0.001, sell = 0.001}}
levies = {HK = 0.000085}
commission_bps = 5.0
probability = 0.9
"""


def _one(body: str, prices: dict[str, tuple[float, str]] = PRICES, **head: str) -> DealResult:
    return value(make_deal(body, **head), prices).results[0]


def test_every_cost_against_the_hand_arithmetic() -> None:
    r = _one(LEGS + ALL_RATES, extra="downside = 8.0")
    net = r.net
    assert net is not None
    years = DAYS / 365
    short = 0.5 * 20.0  # HK$10 of A.HK shorted per target share
    funding = 0.04 * 14.0 * years  # 0.297644
    borrow = 0.02 * short * years  # 0.106301
    rebate = 0.01 * short * years  # 0.053151
    per_side = 0.001 + 0.000085 + 0.0005  # stamp duty + levies + 5 bps commission = 0.1585%
    trading = 14.0 * per_side + short * per_side  # 0.022190 + 0.015850 = 0.038040
    carry = funding + borrow - rebate + trading  # 0.388834
    assert net["funding_cost"] == pytest.approx(funding, abs=1e-12)
    assert net["borrow_cost"] == pytest.approx(borrow, abs=1e-12)
    assert net["rebate"] == pytest.approx(rebate, abs=1e-12)
    assert net["trading_cost"] == pytest.approx(trading, abs=1e-12)
    assert net["carry_cost"] == pytest.approx(carry, abs=1e-12)
    assert net["carry_cost"] == pytest.approx(0.388834, abs=1e-6)
    net_spread = 1.0 - carry  # 0.611166
    assert net["net_spread"] == pytest.approx(net_spread, abs=1e-12)
    assert net["net_spread_pct"] == pytest.approx(net_spread / 14.0, abs=1e-12)
    assert net["net_annualized"] == pytest.approx((1 + net_spread / 14.0) ** (365 / DAYS) - 1, rel=1e-12)
    assert net["net_annualized_simple"] == pytest.approx(net_spread / 14.0 * 365 / DAYS, rel=1e-12)
    # 90% of 15 + 10% of the 8.00 downside, less the 14.00 paid and the carry, over 14.00
    assert net["net_expected_return"] == pytest.approx((0.9 * 15 + 0.1 * 8 - 14 - carry) / 14, rel=1e-12)
    # Break-even days: the spread less trading, over the cost a day: 0.96196 / ((0.56 + 0.2 - 0.1) / 365)
    assert net["break_even_days"] == pytest.approx((1.0 - trading) / ((0.04 * 14 + (0.02 - 0.01) * short) / 365))
    assert net["break_even_days"] == pytest.approx(531.99, abs=0.01)
    # Break-even funding: the rate leaving nothing at the close, (1 - trading - borrow + rebate) / (14 x 194/365)
    assert net["break_even_funding_rate"] == pytest.approx((1.0 - trading - borrow + rebate) / (14.0 * years))
    assert r.flags == []  # every rate from the deal file: no costs-default
    rec = r.to_dict()
    assert [k for k in rec if k in NET_FIGURES] == list(NET_FIGURES)
    assert "funding_rate.HKD = 0.04 (deal file)" in rec["cost_rates"]


def test_the_gross_figures_do_not_move_with_costs() -> None:
    bare, costed = _one(LEGS), _one(LEGS + ALL_RATES)
    assert bare.figures == costed.figures


def test_no_costs_no_net_figures() -> None:
    r = _one(LEGS)
    assert r.net is None and r.cost_rates is None
    assert not set(NET_FIGURES) & set(r.to_dict())
    assert "cost_rates" not in r.to_dict()


def test_deal_file_beats_config_beats_built_in() -> None:
    deal = make_deal(LEGS + "[costs]\nfunding_rate = {HKD = 0.05}\n")
    config = Costs(funding_rate={"HKD": 0.03, "USD": 0.06}, commission_bps=2.0)
    r = value_deals([deal], memory(PRICES), as_of=AS_OF, costs=config).results[0]
    assert r.cost_rates is not None
    assert "funding_rate.HKD = 0.05 (deal file)" in r.cost_rates.lines
    assert "commission_bps = 2.0 (costs=)" in r.cost_rates.lines
    assert "borrow_fee.HK = 0.01 (built-in default)" in r.cost_rates.lines
    assert r.net is not None and r.net["funding_cost"] == pytest.approx(0.05 * 14 * DAYS / 365)
    assert Flag.COSTS_DEFAULT in r.flags
    (note,) = r.info.notes_for(Flag.COSTS_DEFAULT)
    assert "borrow_fee.HK" in note and "funding_rate" not in note and "commission_bps" not in note
    # The config alone costs a deal that has no [costs] of its own.
    bare = value_deals([make_deal(LEGS)], memory(PRICES), as_of=AS_OF, costs=config).results[0]
    assert bare.net is not None and bare.net["funding_cost"] == pytest.approx(0.03 * 14 * DAYS / 365)


def test_a_listing_entry_wins_over_its_market() -> None:
    r = _one(LEGS + ALL_RATES.replace("borrow_fee = {HK = 0.02}", 'borrow_fee = {HK = 0.02, "A.HK" = 0.30}'))
    assert r.net is not None
    assert r.net["borrow_cost"] == pytest.approx(0.30 * 10.0 * DAYS / 365)


def test_uk_stamp_duty_is_on_the_purchase_only() -> None:
    # Buying VOD.L at 1.00 GBP pays 0.5% SDRT; the cash deal shorts nothing, so nothing is sold.
    body = '[[consideration]]\nkind = "cash"\namount = 1.10\ncurrency = "GBP"\n[costs]\ncommission_bps = 0.0\n'
    r = _one(body, {"VOD.L": (1.0, "GBP")}, currency="GBP", target="VOD.L")
    assert r.net is not None
    assert r.net["trading_cost"] == pytest.approx(1.0 * 0.005)  # 0.5% x 1.00 + levies 0 + commission 0
    assert r.net["borrow_cost"] == 0.0


def test_hong_kong_duty_on_both_sides_of_the_hedge_trade() -> None:
    # Target bought (buyer's 0.1%), hedge shorted (seller's 0.1%), plus the three levies on each side.
    body = LEGS + "[costs]\ncommission_bps = 0.0\n"
    r = _one(body)
    assert r.net is not None
    levies = 0.000027 + 0.0000015 + 0.0000565  # SFC + AFRC + HKEX trading fee, per side
    assert DEFAULTS.levies is not None and DEFAULTS.levies["HK"] == pytest.approx(levies, abs=1e-12)
    assert r.net["trading_cost"] == pytest.approx((14.0 + 10.0) * (0.001 + levies), abs=1e-12)


def test_a_rate_found_nowhere_leaves_the_net_figures_null() -> None:
    # SGD has no funding rate and SI no stamp duty in the built-in table: null, flagged, never zero.
    body = '[[consideration]]\nkind = "cash"\namount = 2.2\ncurrency = "SGD"\n[costs]\nprobability = 0.5\n'
    r = _one(body, {"T.SI": (2.0, "SGD")}, currency="SGD", target="T.SI")
    assert r.net is not None
    assert all(v is None for v in r.net.values())
    assert Flag.NO_COST_RATE in r.flags
    (note,) = r.info.notes_for(Flag.NO_COST_RATE)
    assert "funding_rate.SGD" in note and "stamp_duty.T.SI" in note
    assert r.figures["spread"] == pytest.approx(0.2)  # the gross figures stand


def test_no_probability_blocks_only_the_expected_return() -> None:
    r = _one(LEGS + ALL_RATES.replace("probability = 0.9\n", ""), extra="downside = 8.0")
    assert r.net is not None and r.net["net_expected_return"] is None
    assert r.net["net_spread"] is not None
    assert Flag.NO_PROBABILITY in r.flags


def test_no_break_even_when_trading_costs_exceed_the_spread() -> None:
    # A spread of 0.01 on 14.00 is less than 0.1585% each side of HK$24 traded (0.038): below zero at once.
    body = LEGS.replace("amount = 5.0", "amount = 4.01") + ALL_RATES
    r = _one(body)
    assert r.net is not None and r.net["break_even_days"] is None
    assert r.net["net_spread"] is not None and r.net["net_spread"] < 0
    assert Flag.NO_BREAK_EVEN in r.flags
    assert "exceed the spread" in r.info.notes_for(Flag.NO_BREAK_EVEN)[0]


def test_a_passed_close_blocks_the_carry() -> None:
    r = value(make_deal(LEGS + ALL_RATES), PRICES, as_of=dt.date(2026, 1, 5)).results[0]
    assert Flag.CLOSE_DATE_PASSED in r.flags
    assert r.net is not None
    assert r.net["funding_cost"] is None and r.net["net_spread"] is None and r.net["net_annualized"] is None


def test_every_null_net_figure_has_a_flag_that_blocks_it() -> None:
    cases = [
        _one(LEGS + ALL_RATES),
        _one(LEGS + "[costs]\nprobability = 0.5\n"),
        _one(LEGS + ALL_RATES, {"T.HK": (14.0, "HKD")}),  # no price for A.HK: no deal value
        value(make_deal(LEGS + ALL_RATES), PRICES, as_of=dt.date(2026, 1, 5)).results[0],
        _one(
            '[[consideration]]\nkind = "cash"\namount = 2.2\ncurrency = "SGD"\n[costs]\n',
            {"T.SI": (2.0, "SGD")},
            currency="SGD",
            target="T.SI",
        ),
    ]
    for r in cases:
        assert r.net is not None
        blocked = net_closure(
            {f for flag in r.flags for f in (*FLAGS[Flag(flag)].blocks, *FLAGS[Flag(flag)].net_blocks)}
        )
        for name, x in r.net.items():
            if x is None:
                assert name in blocked, (r.flags, name)
            else:
                assert math.isfinite(x)


def test_the_net_table_names_every_net_figure() -> None:
    assert tuple(NET_DEPENDS) == NET_FIGURES


def test_markets() -> None:
    assert [market_of(t) for t in ("0384.HK", "VOD.L", "AAPL", "600803.SS")] == ["HK", "UK", "US", "SS"]


# The property: each cost moves the carry by exactly its own arithmetic, and the net spread with it.
_rate = st.floats(0.0, 0.5, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    price=st.floats(1.0, 500.0),
    short=st.floats(0.0, 500.0),
    days=st.integers(1, 800),
    rates=st.tuples(_rate, _rate, _rate, _rate, _rate),
    bump=st.floats(1e-4, 0.05),
    which=st.sampled_from(["funding", "borrow", "rebate", "buy", "sell"]),
)
def test_net_moves_one_for_one_with_each_cost(
    price: float, short: float, days: int, rates: tuple[float, ...], bump: float, which: str
) -> None:
    funding, borrow, rebate, buy, sell = rates

    def run(**over: float) -> dict[str, np.ndarray]:
        r = {"funding": funding, "borrow": borrow, "rebate": rebate, "buy": buy, "sell": sell} | over
        return net_figures(
            target_price=np.array([price]),
            deal_value=np.array([price * 1.05]),
            dividends=np.array([0.0]),
            downside=np.array([price * 0.7]),
            days=np.array([float(days)]),
            funding_rate=np.array([r["funding"]]),
            target_buy=np.array([r["buy"]]),
            probability=np.array([0.8]),
            short_value=np.array([short]),
            leg_borrow=np.array([r["borrow"]]),
            leg_rebate=np.array([r["rebate"]]),
            leg_sell=np.array([r["sell"]]),
            leg_deal=np.array([0], dtype=np.int64),
        )

    base = run()
    moved = run(**{which: rates[["funding", "borrow", "rebate", "buy", "sell"].index(which)] + bump})
    years = days / 365
    expected = {
        "funding": bump * price * years,
        "borrow": bump * short * years,
        "rebate": -bump * short * years,  # income: more rebate, less cost
        "buy": bump * price,
        "sell": bump * short,
    }[which]
    d_carry = float(moved["carry_cost"][0] - base["carry_cost"][0])
    d_net = float(moved["net_spread"][0] - base["net_spread"][0])
    d_expected = float(moved["net_expected_return"][0] - base["net_expected_return"][0]) * price
    tol = 1e-9 * (1 + price + short)
    assert d_carry == pytest.approx(expected, abs=tol)
    assert d_net == pytest.approx(-expected, abs=tol)
    assert d_expected == pytest.approx(-expected, abs=tol)
    assert float(moved["net_spread_pct"][0] - base["net_spread_pct"][0]) == pytest.approx(-expected / price, abs=tol)


def test_config_file_costs_and_their_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARB_HOME", str(tmp_path))
    assert load_config_costs() is None  # no file: nothing set
    cfg = tmp_path / "config.toml"
    cfg.write_text("[costs]\nfunding_rate = {hkd = 0.035}\n", encoding="utf-8")
    assert load_config_costs() == Costs(funding_rate={"HKD": 0.035})
    # value_deals reads it when no costs are passed: the deal is costed at 3.5%
    r = value_deals([make_deal(LEGS)], memory(PRICES), as_of=AS_OF).results[0]
    assert r.net is not None and r.net["funding_cost"] == pytest.approx(0.035 * 14 * DAYS / 365)
    assert r.cost_rates is not None and "funding_rate.HKD = 0.035 (config)" in r.cost_rates.lines
    for text, key in [
        ('[costs]\nfunding_rate = {HKD = "4%"}\n', "costs.funding_rate.HKD"),
        ("[costs]\nborrow_fee = {HK = -0.01}\n", "costs.borrow_fee.HK"),
        ("[costs]\nstamp_duty = {HK = {buy = 0.001, sel = 0.001}}\n", "costs.stamp_duty.HK.sel"),
        ("[costs]\ncomission_bps = 5.0\n", "costs.comission_bps"),
        ("[costs]\nlevies = {hk = 0.0001, HK = 0.0002}\n", "costs.levies: 'hk' and 'HK' are one key"),
    ]:
        cfg.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as err:
            load_config_costs()
        line = str(err.value)
        assert "\n" not in line and str(cfg) in line and key in line, line


def test_a_bad_costs_table_in_a_deal_file_is_refused() -> None:
    with pytest.raises(ValueError, match="commission_bps"):
        Deal.model_validate({"id": "x", "name": "x", "target": {"ticker": "T.HK"}, "costs": {"comission_bps": 1.0}})


def test_two_keys_that_are_one_once_upper_cased_are_refused_not_merged(tmp_path: Path) -> None:
    # "hkd" is read as HKD: a table with both would keep one rate and drop the other without a word.
    path = tmp_path / "dup.toml"
    path.write_text(deal_toml(LEGS + "[costs]\nfunding_rate = { hkd = 0.1, HKD = 0.2 }\n"), encoding="utf-8")
    with pytest.raises(DealFileError) as err:
        load_deal(path)
    assert err.value.key == "costs.funding_rate" and "'hkd' and 'HKD' are one key" in err.value.problem
    path.write_text(deal_toml(LEGS + "[costs]\nfunding_rate = { hkd = 0.1, usd = 0.2 }\n"), encoding="utf-8")
    costs = load_deal(path).costs
    assert costs is not None and costs.funding_rate == {"HKD": 0.1, "USD": 0.2}

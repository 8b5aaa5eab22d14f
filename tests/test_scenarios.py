"""Scenario grids: one deal over many inputs in one engine pass, checked against hand arithmetic
and against valuing each scenario on its own."""

from __future__ import annotations

import datetime as dt
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arb.api import load, valuation
from arb.errors import ArbError
from arb.grid import scenarios
from arb.models import Deal
from tests.conftest import make_deal, memory

SEEDS = Path(__file__).parent.parent / "seeds"
AS_OF = dt.date(2025, 6, 20)
RATIO, CASH = 2.9427, 24.50


@pytest.fixture(scope="module")
def enn() -> Deal:
    return load(SEEDS / "enn-energy.toml")[0]


def test_an_enn_grid_point_by_hand(enn: Deal) -> None:
    grid = {"600803.SH": [14.0], "CNYHKD=X": [1.1], "discount:enn-ng-h": [0.2]}
    row = scenarios(enn, "snapshot", grid).iloc[0]
    h_share = 14.0 * 1.1 * (1 - 0.2)  # 12.32 HKD
    value = RATIO * h_share + CASH  # 60.754064
    assert row["security_price.enn-ng-h"] == pytest.approx(12.32, abs=1e-12)
    assert row["deal_value"] == pytest.approx(60.754064, abs=1e-12)
    assert row["spread"] == pytest.approx(value - 65.0, abs=1e-12)
    assert row["spread_pct"] == pytest.approx((value - 65.0) / 65.0, abs=1e-12)
    assert row["days_to_close"] == 194
    assert row["hedge.600803.SS"] == pytest.approx(RATIO * 0.8, abs=1e-15)  # shares of the A share
    # the price 65 is above value + dividends 60.75: (65 - 55) / (value - 55) = 1.74 is no probability
    assert np.isnan(row["implied_probability"])


def test_product_order_first_key_slowest(enn: Deal) -> None:
    a = np.array([12.0, 13.0, 14.0])
    fx = np.array([1.05, 1.10])
    frame = scenarios(enn, "snapshot", {"600803.SS": a, "CNYHKD=X": fx})
    assert len(frame) == 6
    assert list(frame["600803.SS"]) == [12, 12, 13, 13, 14, 14]
    assert list(frame["CNYHKD=X"]) == [1.05, 1.10] * 3
    want = RATIO * np.repeat(a, 2) * np.tile(fx, 3) + CASH
    np.testing.assert_allclose(frame["deal_value"], want, rtol=0, atol=1e-12)


def test_zipped_grid(enn: Deal) -> None:
    frame = scenarios(enn, "snapshot", {"600803.SS": [12.0, 14.0], "CNYHKD=X": [1.0, 1.2]}, product=False)
    np.testing.assert_allclose(frame["deal_value"], [RATIO * 12 + CASH, RATIO * 14 * 1.2 + CASH], atol=1e-12)
    with pytest.raises(ArbError, match="one length"):
        scenarios(enn, "snapshot", {"600803.SS": [12.0, 14.0], "CNYHKD=X": [1.0]}, product=False)


def test_each_scenario_equals_valuing_it_alone(enn: Deal) -> None:
    a = [11.0, 15.5]
    fx = [1.02, 1.13]
    disc = [0.0, 0.35]
    frame = scenarios(enn, "snapshot", {"600803.SS": a, "CNYHKD=X": fx, "discount:enn-ng-h": disc})
    for _, row in frame.iterrows():
        sec = enn.securities["enn-ng-h"].model_copy(update={"discount": row["discount:enn-ng-h"]})
        deal = enn.model_copy(update={"securities": {"enn-ng-h": sec}})
        prices = {"2688.HK": 65.0, "600803.SS": row["600803.SS"], "CNYHKD=X": row["CNYHKD=X"]}
        one = valuation(deal, prices, as_of=AS_OF).get("enn-energy")
        for key in ("deal_value", "spread", "spread_pct", "annualized", "implied_probability"):
            want = one.figures[key]
            assert row[key] == pytest.approx(np.nan if want is None else want, rel=1e-13, nan_ok=True), key
        assert row["hedge.600803.SS"] == pytest.approx(one.hedge["600803.SS"], rel=1e-13)


def test_the_inverse_fx_pair_serves_as_one_over_x(enn: Deal) -> None:
    direct = scenarios(enn, "snapshot", {"600803.SS": [14.0], "CNYHKD=X": [1.25]})
    inverse = scenarios(enn, "snapshot", {"600803.SS": [14.0], "HKDCNY=X": [0.8]})
    assert inverse["deal_value"].iloc[0] == pytest.approx(direct["deal_value"].iloc[0], abs=1e-12)


def test_target_price_grid(enn: Deal) -> None:
    frame = scenarios(enn, "snapshot", {"target": [60.0, 80.0]})
    assert list(frame["target_price"]) == [60.0, 80.0]
    assert list(frame["spread"]) == pytest.approx([RATIO * 18.86 + CASH - 60, RATIO * 18.86 + CASH - 80], abs=1e-12)
    same = scenarios(enn, "snapshot", {"2688.HK": [60.0, 80.0]})
    assert list(same["spread"]) == list(frame["spread"])


def test_close_date_grid(enn: Deal) -> None:
    closes = [dt.date(2025, 9, 18), "2026-06-20", np.datetime64("2025-06-10")]
    frame = scenarios(enn, "snapshot", {"expected_close": closes})
    assert list(frame["expected_close"]) == [
        pd.Timestamp("2025-09-18"),
        pd.Timestamp("2026-06-20"),
        pd.Timestamp("2025-06-10"),
    ]
    assert list(frame["days_to_close"][:2]) == [90, 365]
    spread_pct = (RATIO * 18.86 + CASH - 65) / 65
    assert frame["annualized"].iloc[1] == pytest.approx(spread_pct, abs=1e-12)  # one year exactly
    assert frame["annualized_simple"].iloc[0] == pytest.approx(spread_pct * 365 / 90, abs=1e-12)
    assert np.isnan(frame["annualized"].iloc[2])  # the date has passed: no annualised return


def test_probability_grid_gives_expected_return(enn: Deal) -> None:
    p = np.array([0.0, 0.4, 1.0])
    frame = scenarios(enn, "snapshot", {"probability": p, "downside": [50.0, 55.0]})
    value = RATIO * 18.86 + CASH
    down = np.tile([50.0, 55.0], 3)
    want = (np.repeat(p, 2) * value + (1 - np.repeat(p, 2)) * down - 65) / 65
    np.testing.assert_allclose(frame["expected_return"], want, atol=1e-12)
    assert list(frame["implied_probability"][:2]) == pytest.approx([(65 - 50) / (value - 50), (65 - 55) / (value - 55)])


def test_a_fixed_value_collar_is_flat_inside_its_band() -> None:
    deal = make_deal('[[consideration]]\nkind = "stock"\nvalue = 10.0\nticker = "A.HK"\ncollar = [8.0, 12.0]\n')
    prices = memory({"T.HK": (9.0, "HKD"), "A.HK": (10.0, "HKD")})
    frame = scenarios(deal, prices, {"A.HK": [6.0, 8.0, 10.0, 12.0, 15.0]})
    # Below the band 10/8 shares, above it 10/12 shares; inside, a fixed HK$10.
    assert list(frame["deal_value"]) == pytest.approx([10 / 8 * 6, 10.0, 10.0, 10.0, 10 / 12 * 15], abs=1e-12)
    assert list(frame["hedge.A.HK"]) == pytest.approx([10 / 8, 0.0, 0.0, 0.0, 10 / 12], abs=1e-12)


def test_an_fx_grid_moves_the_dividend_owed_on_the_hedge() -> None:
    body = (
        '[[consideration]]\nkind = "stock"\nratio = 2.0\nticker = "X.SS"\n\n'
        '[[dividend]]\nticker = "X.SS"\namount = 0.5\ncurrency = "CNY"\nex_date = 2025-08-01\n'
    )
    deal = make_deal(body)
    prices = memory({"T.HK": (20.0, "HKD"), "X.SS": (10.0, "CNY"), "CNYHKD=X": (1.1, "HKD")})
    frame = scenarios(deal, prices, {"CNYHKD=X": [1.0, 1.2]}, as_of=AS_OF)
    # Short 2 shares of X.SS per target share, owing 0.5 CNY a share, converted at the gridded rate.
    assert list(frame["dividends"]) == pytest.approx([-2 * 0.5 * 1.0, -2 * 0.5 * 1.2], abs=1e-12)
    assert list(frame["deal_value"]) == pytest.approx([20.0, 24.0], abs=1e-12)
    later = scenarios(deal, prices, {"expected_close": ["2025-07-31", "2025-08-01"]}, as_of=AS_OF)
    assert list(later["dividends"]) == pytest.approx([0.0, -2 * 0.5 * 1.1], abs=1e-12)  # ex_date <= close


def test_a_discount_on_an_estimate_is_an_error(enn: Deal) -> None:
    with pytest.raises(ArbError, match=r"priced by estimate, not from its proxy 600803\.SS"):
        scenarios(enn, "snapshot", {"discount:enn-ng-h": [0.1, 0.2]})


def test_an_unknown_key_suggests_the_right_one(enn: Deal) -> None:
    with pytest.raises(ArbError, match="feeds nothing in enn-energy; did you mean 'CNYHKD=X'"):
        scenarios(enn, "snapshot", {"600803.SS": [14.0], "CNYHKD=X": [1.1], "CNYHKX=X": [1.1]})
    with pytest.raises(ArbError, match=r"feeds nothing.*proxy 600803.SS priced 14 CNY but no CNY->HKD rate"):
        scenarios(enn, "snapshot", {"600803.SS": [14.0]})


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"probability": [40.0]}, "fraction from 0 to 1"),
        ({"discount:enn-ng-h": [1.0]}, "not including"),
        ({"600803.SS": [0.0]}, "above zero"),
        ({"600803.SS": [np.nan]}, "finite number"),
        ({"expected_close": ["soon"]}, "give dates"),
        ({"600803.SS": []}, "empty"),
    ],
)
def test_bad_grid_values(enn: Deal, grid: dict[str, object], message: str) -> None:
    with pytest.raises(ArbError, match=message):
        scenarios(enn, "snapshot", grid)


def test_a_bad_as_of_is_an_arb_error(enn: Deal) -> None:
    with pytest.raises(ArbError, match="not a date"):
        scenarios(enn, "snapshot", {"target": [60.0]}, as_of="20 June")


def test_a_million_scenarios_in_about_a_second(enn: Deal) -> None:
    grid = {"600803.SS": np.linspace(8.0, 20.0, 1000), "CNYHKD=X": np.linspace(1.0, 1.2, 1000)}
    scenarios(enn, "snapshot", {"600803.SS": [14.0], "CNYHKD=X": [1.1]})  # imports and first-call costs
    start = time.perf_counter()
    frame = scenarios(enn, "snapshot", grid)
    elapsed = time.perf_counter() - start
    assert frame.shape[0] == 1_000_000
    assert frame["deal_value"].iloc[-1] == pytest.approx(RATIO * 20.0 * 1.2 + CASH, abs=1e-12)
    assert elapsed < 3.0, f"1,000 x 1,000 grid took {elapsed:.2f} s"  # about 0.25 s on a 2-core laptop


# --- the terms in force on the as-of (a bump) ---------------------------------------------------------


def _bumped_deal():  # type: ignore[no-untyped-def]
    from tests.test_lifecycle import _bumped

    return _bumped()  # cash 37.63 until 2025-06-23, then 40.00, 41.00 from 2025-07-02, 41.75 from 2025-07-09


def test_scenarios_value_the_terms_in_force_on_the_as_of() -> None:
    """Before a bump the older terms are valued, as arb.value values them (lifecycle.deal_at)."""
    from arb.api import prices_from

    deal = _bumped_deal()
    prices = prices_from({"T.HK": (36.0, "HKD")})
    for day, amount in (("2025-06-22", 37.63), ("2025-07-08", 41.00), ("2025-08-01", 41.75)):
        grid = scenarios(deal, prices, {"downside": [30.0, 35.0]}, as_of=day)
        assert list(grid["deal_value"]) == pytest.approx([amount, amount]), day
        assert list(grid["spread"]) == pytest.approx([amount - 36.0] * 2), day


def test_an_as_of_axis_across_a_bump_is_refused() -> None:
    """One grid values one set of terms: an as-of axis that straddles a revision says so."""
    from arb.api import prices_from

    deal = _bumped_deal()
    prices = prices_from({"T.HK": (36.0, "HKD")})
    within = scenarios(deal, prices, {"as_of": ["2025-07-10", "2025-08-01"]}, as_of="2025-07-10")
    assert list(within["deal_value"]) == pytest.approx([41.75, 41.75])
    with pytest.raises(ArbError, match=r"grid 'as_of': the terms on 2025-07-01 differ from those on 2025-07-10"):
        scenarios(deal, prices, {"as_of": ["2025-07-01", "2025-07-10"]}, as_of="2025-07-10")


@pytest.mark.parametrize("key", ["expected_close", "as_of"])
@pytest.mark.parametrize("missing", [None, pd.NaT, ""])
def test_a_date_axis_with_a_missing_date_is_refused_in_one_line(enn: Deal, key: str, missing: object) -> None:
    # None or NaT as a day is int64's minimum, a day billions of years away: pandas failed on it
    # with OutOfBoundsDatetime (a traceback), or the row valued a nonsense close.
    with pytest.raises(ArbError, match=f"grid '{key}': (every value must be a date|give dates)") as err:
        scenarios(enn, "snapshot", {key: ["2025-12-31", missing]})
    assert "\n" not in str(err.value)


def test_each_scenario_says_why_a_figure_is_null(enn: Deal) -> None:
    # A grid row whose implied probability or annualised return is NaN carries the flag that
    # blocks it, the same flags arb.value raises for a valuation at that row's inputs.
    from arb.flags import Flag
    from arb.grid import ROW_FLAGS

    targets, closes = [50.0, 60.0, 65.0, 85.0], ["2025-06-20", "2025-06-10", "2025-12-31"]
    grid = scenarios(enn, "snapshot", {"target": targets, "expected_close": closes})
    assert str(grid["flags"].dtype) == "category"
    assert grid.attrs["flags"] == ["pre-conditional", "estimate-used"]  # the deal's own, not per row
    for _, row in grid.iterrows():
        flags = set(row["flags"].split())
        assert math.isnan(row["implied_probability"]) == bool(
            flags & {"price-above-value", "price-below-downside", "value-below-downside", "value-at-downside"}
        )
        assert math.isnan(row["annualized"]) == ("close-date-passed" in flags)
        close = row["expected_close"].date()
        deal = enn.model_copy(update={"expected_close": close})
        one = valuation(deal, memory({"2688.HK": (row["target"], "HKD")}), as_of=AS_OF).results[0]
        assert flags == {str(f) for f in one.flags if f in ROW_FLAGS}, (row["target"], close)
    assert "price-above-value" in grid["flags"].iloc[grid.index[grid["target"] == 85.0][0]]
    assert Flag.CLOSE_DATE_PASSED in ROW_FLAGS


def test_a_grid_before_the_announcement_values_nothing() -> None:
    # No look-ahead, as in arb.value: Spectris's first terms (Advent's, 3,763p) were announced on
    # 23 June 2025; a grid on an earlier day, or the earlier days of an as_of axis, has no deal
    # value and says not-yet-announced. The grid valued the terms anyway. Synthetic prices.
    spectris = load(SEEDS / "spectris.toml")[0]
    prices = {"SXS.L": "3700GBp"}
    before = scenarios(spectris, prices, {"target": ["3600GBp", "3700GBp"]}, as_of="2025-06-01")
    assert before["deal_value"].isna().all() and before["spread"].isna().all()
    assert all("not-yet-announced" in f.split() for f in before["flags"])
    one = valuation(spectris, prices, as_of="2025-06-01").results[0]
    assert one.figures["deal_value"] is None and "not-yet-announced" in one.flags
    days = scenarios(spectris, prices, {"as_of": ["2025-06-20", "2025-06-23", "2025-06-30"]}, as_of="2025-06-30")
    assert days["deal_value"].isna().tolist() == [True, False, False]
    assert days["deal_value"].iloc[1] == pytest.approx(37.35 + 0.28)
    assert ["not-yet-announced" in f.split() for f in days["flags"]] == [True, False, False]


def test_the_deals_own_blocking_flags_lead_each_rows_flags() -> None:
    # A figure null in every row (no terms disclosed) says why in every row, not only in attrs;
    # a downside given by the grid is no longer missing. Synthetic prices.
    deal = make_deal("", currency="USD", target="TU")
    plain = scenarios(deal, memory({"TU": (19.0, "USD")}), {"target": [18.0, 19.0]}, as_of=AS_OF)
    assert plain["deal_value"].isna().all()
    assert set(plain["flags"]) == {"terms-undisclosed no-downside"}
    given = scenarios(deal, memory({"TU": (19.0, "USD")}), {"target": [18.0, 19.0], "downside": [10.0]}, as_of=AS_OF)
    assert set(given["flags"]) == {"terms-undisclosed"}

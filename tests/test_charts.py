"""Charts: each returns a Figure whose artists carry the numbers the chart claims to show."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from arb import charts
from arb.api import load, valuation, value
from arb.errors import ArbError
from arb.grid import scenarios
from tests.conftest import make_deal, memory

SEEDS = Path(__file__).parent.parent / "seeds"
RATIO, CASH = 2.9427, 24.50
ILLUSTRATIVE = {"2688.HK": 65.0, "600803.SS": 15.0, "CNYHKD=X": 1.09}


def _by_gid(fig: Figure, gid: str) -> list[object]:
    ax = fig.axes[0]
    return [a for a in [*ax.lines, *ax.patches, *ax.collections] if a.get_gid() == gid]


def _line(fig: Figure, gid: str) -> Line2D:
    found = _by_gid(fig, gid)
    assert len(found) == 1, (gid, found)
    line = found[0]
    assert isinstance(line, Line2D)
    return line


@pytest.fixture(scope="module")
def enn():  # type: ignore[no-untyped-def]
    return load(SEEDS / "enn-energy.toml")[0]


def test_charts_do_not_import_matplotlib_until_called() -> None:
    code = "import sys, arb.charts; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_payoff_against_the_a_share(enn) -> None:  # type: ignore[no-untyped-def]
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = charts.payoff(enn, ILLUSTRATIVE, as_of="2025-06-20")
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == before  # no pyplot figure was opened, nothing shown
    value = _line(fig, charts.GID_VALUE)
    xs = np.asarray(value.get_xdata(), dtype=float)
    assert xs[0] == pytest.approx(7.5) and xs[-1] == pytest.approx(22.5) and len(xs) == 201
    np.testing.assert_allclose(value.get_ydata(), RATIO * xs * 1.09 + CASH, atol=1e-12)
    assert list(_line(fig, charts.GID_TARGET).get_ydata()) == [65.0, 65.0]
    assert list(_line(fig, charts.GID_DOWNSIDE).get_ydata()) == [55.0, 55.0]
    now = _line(fig, charts.GID_CURRENT)
    assert now.get_marker() == "o"
    assert list(now.get_xdata()) == [15.0]
    assert list(now.get_ydata()) == pytest.approx([RATIO * 15.0 * 1.09 + CASH], abs=1e-12)
    assert _by_gid(fig, charts.GID_COLLAR) == []
    assert fig.axes[0].get_xlabel() == "600803.SS price CNY"


def test_payoff_needs_a_grid_when_the_symbol_has_no_price(enn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ArbError, match=r"no price for 600803\.SS"):
        charts.payoff(enn, "snapshot")
    fig = charts.payoff(enn, {"2688.HK": 65.0, "CNYHKD=X": 1.09}, grid=[10.0, 20.0], as_of="2025-06-20")
    assert list(_line(fig, charts.GID_VALUE).get_ydata()) == pytest.approx(
        [RATIO * 10 * 1.09 + CASH, RATIO * 20 * 1.09 + CASH], abs=1e-12
    )
    assert _by_gid(fig, charts.GID_CURRENT) == []


def _band(fig: Figure) -> tuple[float, float]:
    (patch,) = _by_gid(fig, charts.GID_COLLAR)
    x0, x1 = patch.get_extents().x0, patch.get_extents().x1  # type: ignore[attr-defined]
    to_data = fig.axes[0].transData.inverted()
    return float(to_data.transform((x0, 0))[0]), float(to_data.transform((x1, 0))[0])


def test_payoff_marks_a_fixed_value_collar() -> None:
    deal = make_deal('[[consideration]]\nkind = "stock"\nvalue = 10.0\nticker = "A.HK"\ncollar = [8.0, 12.0]\n')
    fig = charts.payoff(deal, memory({"T.HK": (9.5, "HKD"), "A.HK": (10.0, "HKD")}))
    fig.canvas.draw()
    low, high = _band(fig)
    assert low == pytest.approx(8.0, abs=0.05) and high == pytest.approx(12.0, abs=0.05)
    ys = np.asarray(_line(fig, charts.GID_VALUE).get_ydata())
    xs = np.asarray(_line(fig, charts.GID_VALUE).get_xdata())
    assert np.all(ys[(xs >= 8) & (xs <= 12)] == pytest.approx(10.0))  # flat inside the band


def test_payoff_converts_a_proxy_collar_into_the_proxy_price() -> None:
    body = (
        '[[consideration]]\nkind = "stock"\nratio = 1.0\nsecurity = "h"\ncollar = [8.0, 12.0]\n\n'
        '[securities.h]\ncurrency = "HKD"\nproxy = "X.SS"\ndiscount = 0.2\n'
    )
    deal = make_deal(body)
    prices = memory({"T.HK": (9.0, "HKD"), "X.SS": (8.0, "CNY"), "CNYHKD=X": (1.25, "HKD")})
    fig = charts.payoff(deal, prices)
    fig.canvas.draw()
    low, high = _band(fig)  # H price = X x 1.25 x 0.8 = X: the band is [8, 12] in X.SS too
    assert low == pytest.approx(8.0, abs=0.05) and high == pytest.approx(12.0, abs=0.05)
    prices = memory({"T.HK": (9.0, "HKD"), "X.SS": (8.0, "CNY"), "CNYHKD=X": (1.0, "HKD")})
    fig = charts.payoff(deal, prices)
    fig.canvas.draw()
    low, high = _band(fig)  # H price = 0.8 X: the band is [10, 15] in X.SS
    assert low == pytest.approx(10.0, abs=0.05) and high == pytest.approx(15.0, abs=0.05)


def test_spread_history_marks_term_changes() -> None:
    frame = pd.DataFrame(
        {
            "deal_id": "d",
            "as_of": pd.to_datetime(["2025-06-20", "2025-06-23", "2025-06-24", "2025-06-25"]),
            "spread_pct": [0.20, 0.22, 0.05, 0.04],
            "terms_changed": [False, False, True, False],
        }
    )
    fig = charts.spread_history(frame)
    (line,) = [ln for ln in fig.axes[0].lines if ln.get_gid() == "spread"]
    assert list(line.get_ydata()) == [0.20, 0.22, 0.05, 0.04]
    marks = _by_gid(fig, charts.GID_TERMS)
    assert len(marks) == 1
    (x,) = set(marks[0].get_xdata())  # type: ignore[attr-defined]
    assert pd.Timestamp(x) == pd.Timestamp("2025-06-24")
    assert fig.axes[0].get_title() == "d: spread history"
    with pytest.raises(ArbError, match="spread_pct"):
        charts.spread_history(frame.drop(columns="spread_pct"))


def test_sensitivity_heatmap_colours_the_spread(enn) -> None:  # type: ignore[no-untyped-def]
    a = np.linspace(10.0, 20.0, 11)
    disc = np.linspace(0.0, 0.5, 6)
    grid = scenarios(enn, ILLUSTRATIVE, {"discount:enn-ng-h": disc, "600803.SS": a}, as_of="2025-06-20")
    fig = charts.sensitivity(grid, "600803.SS", "discount:enn-ng-h", mark=(15.0, 0.0))
    (mesh,) = [c for c in fig.axes[0].collections if isinstance(c, QuadMesh)]
    z = np.asarray(mesh.get_array()).reshape(len(disc), len(a))
    want = (RATIO * np.outer(1 - disc, a) * 1.09 + CASH - 65) / 65
    np.testing.assert_allclose(z, want, atol=1e-12)
    assert mesh.norm.vcenter == 0.0  # type: ignore[attr-defined]
    assert mesh.norm(0.0) == 0.5  # zero sits mid-scale: yellow
    assert len(_by_gid(fig, charts.GID_BREAKEVEN)) == 1
    star = _line(fig, charts.GID_CURRENT)
    assert (list(star.get_xdata()), list(star.get_ydata())) == ([15.0], [0.0])
    assert len(fig.axes) == 2  # the heatmap and its colour bar
    with pytest.raises(ArbError, match="no column 'CNYHKD=X'"):
        charts.sensitivity(grid, "600803.SS", "CNYHKD=X")
    with pytest.raises(ArbError, match="missing some"):
        charts.sensitivity(grid.iloc[:-1], "600803.SS", "discount:enn-ng-h")


def test_sensitivity_anchors_colours_at_zero_when_every_spread_is_a_gain(enn) -> None:  # type: ignore[no-untyped-def]
    grid = scenarios(enn, "snapshot", {"enn-ng-h": [18.0, 20.0], "expected_close": ["2025-12-31", "2026-06-30"]})
    assert (grid["annualized"] > 0).all()
    fig = charts.sensitivity(grid, "expected_close", "enn-ng-h", value="annualized")
    (mesh,) = [c for c in fig.axes[0].collections if isinstance(c, QuadMesh)]
    assert mesh.norm.vmin == 0.0 and mesh.norm.vmax == pytest.approx(grid["annualized"].max())
    assert _by_gid(fig, charts.GID_BREAKEVEN) == []  # no zero to draw


def test_expected_return_marks_the_market_implied_probability() -> None:
    result = valuation(prices="snapshot").get("enn-energy")
    fig = charts.expected_return(result)
    line = _line(fig, "expected-return")
    p = np.asarray(line.get_xdata())
    value = RATIO * 18.86 + CASH
    np.testing.assert_allclose(line.get_ydata(), (p * value + (1 - p) * 55 - 65) / 65, atol=1e-12)
    implied = _line(fig, charts.GID_IMPLIED)
    assert implied.get_xdata()[0] == pytest.approx((65 - 55) / (value - 55), abs=1e-12)
    assert "market-implied 40%" in implied.get_label()
    lower = charts.expected_return(result, downside=60.0)
    assert _line(lower, charts.GID_IMPLIED).get_xdata()[0] == pytest.approx((65 - 60) / (value - 60), abs=1e-12)


def test_expected_return_from_a_row_of_the_value_frame() -> None:
    # A row of arb.value() (fixed columns, named by the deal's id) draws the same line as the result.
    deals = [SEEDS / "enn-energy.toml"]
    row = value(deals, "snapshot").loc["enn-energy"]
    fig = charts.expected_return(row)
    want = _line(charts.expected_return(valuation(deals, "snapshot").get("enn-energy")), "expected-return")
    np.testing.assert_array_equal(_line(fig, "expected-return").get_ydata(), want.get_ydata())
    assert fig.axes[0].get_title() == "enn-energy: expected return"


def test_charts_draw_into_a_given_axes() -> None:
    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    result = valuation(prices="snapshot").get("enn-energy")
    assert charts.expected_return(result, ax=ax2) is fig
    assert next(ln.get_gid() for ln in ax2.lines) == "expected-return"
    assert len(ax1.lines) == 0

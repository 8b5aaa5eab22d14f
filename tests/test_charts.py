"""Charts: each returns a Figure whose artists carry the numbers the chart claims to show."""

from __future__ import annotations

import datetime as dt
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
from arb.api import prices_from as arb_prices_from
from arb.errors import ArbError
from arb.grid import scenarios
from arb.models import Deal
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
    assert fig.axes[0].get_xlabel() == "600803.SS price (CNY)"
    assert fig.axes[0].get_ylabel() == "Value per target share (HKD)"


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
    assert len(_by_gid(fig, charts.GID_BREAKEVEN)) == 1  # the zero contour
    star = _line(fig, charts.GID_CURRENT)
    assert (list(star.get_xdata()), list(star.get_ydata())) == ([15.0], [0.0])
    assert len(fig.axes) == 2  # the heatmap and its colour bar
    with pytest.raises(ArbError, match="no column 'CNYHKD=X'"):
        charts.sensitivity(grid, "600803.SS", "CNYHKD=X")
    with pytest.raises(ArbError, match="missing some"):
        charts.sensitivity(grid.iloc[:-1], "600803.SS", "discount:enn-ng-h")


def test_sensitivity_scale_is_symmetric_when_every_spread_is_a_gain(enn) -> None:  # type: ignore[no-untyped-def]
    grid = scenarios(enn, "snapshot", {"enn-ng-h": [18.0, 20.0], "expected_close": ["2025-12-31", "2026-06-30"]})
    assert (grid["annualized"] > 0).all()
    fig = charts.sensitivity(grid, "expected_close", "enn-ng-h", value="annualized")
    (mesh,) = [c for c in fig.axes[0].collections if isinstance(c, QuadMesh)]
    # Zero stays mid-scale, so a gain looks no bigger than a loss of the same size would.
    assert mesh.norm.vcenter == 0.0  # type: ignore[attr-defined]
    assert mesh.norm.vmax == pytest.approx(grid["annualized"].max()) and mesh.norm.vmin == -mesh.norm.vmax
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


# -------------------------------------------------------------------------------------------------
# Issue 13 (charts): units on every axis, a symmetric colour scale, date ticks at the data's own
# dates, the marked point noted with its values, legends clear of the break-even line, the as-of
# and price source in a footnote, stale points hollow, a payoff for a cash offer. Every figure is
# rendered to PNG first, so the assertions are about what was drawn.
# -------------------------------------------------------------------------------------------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _render(fig: Figure, tmp_path: Path, name: str) -> Figure:
    """Draw ``fig`` to a PNG in ``tmp_path`` (Agg) and leave it laid out for its artists to be measured."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=50)  # low resolution is quicker; the layout, in figure fractions, is the same
    assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 2_000
    return fig


def _texts(fig: Figure, gid: str) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == gid]


def _footnote(fig: Figure) -> str:
    (text,) = _texts(fig, charts.GID_FOOTNOTE)
    return text


def _assert_legend_clear_of(fig: Figure, artists: list[object]) -> None:
    """The legend's box, as drawn, touches none of the lines (in display coordinates)."""
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert legend is not None
    box = legend.get_window_extent()
    assert artists
    for artist in artists:
        paths = artist.get_paths() if hasattr(artist, "get_paths") else [artist.get_path()]  # type: ignore[attr-defined]
        transform = artist.get_transform()  # type: ignore[attr-defined]
        for path in paths:
            drawn = path.transformed(transform) if not isinstance(artist, Line2D) else transform.transform_path(path)
            assert len(drawn.vertices)
            assert not drawn.intersects_bbox(box, filled=False), (artist, box)
    assert box.y1 <= ax.bbox.y0  # under the axes, not over the plot


def _enn_grid(enn, **grid):  # type: ignore[no-untyped-def]
    grid = grid or {"discount:enn-ng-h": np.linspace(0.0, 0.5, 6), "600803.SS": np.linspace(10.0, 20.0, 11)}
    return scenarios(enn, ILLUSTRATIVE, grid, as_of="2025-06-20")


def _spread(a: float, disc: float) -> float:
    return (RATIO * (1 - disc) * a * 1.09 + CASH - 65) / 65


def test_sensitivity_names_its_axes_with_units_and_its_source(enn, tmp_path) -> None:  # type: ignore[no-untyped-def]
    grid = _enn_grid(enn)
    assert grid.attrs["units"] == {"600803.SS": "CNY"} and grid.attrs["as_of"] == dt.date(2025, 6, 20)
    fig = _render(charts.sensitivity(grid, "600803.SS", "discount:enn-ng-h"), tmp_path, "sensitivity")
    ax, bar = fig.axes
    assert ax.get_xlabel() == "600803.SS price (CNY)"
    assert ax.get_ylabel() == "ENN-NG-H discount to 600803.SS (%)"
    assert bar.get_ylabel() == "Spread (% of target price)"
    assert all(t.get_text().endswith("%") for t in ax.get_yticklabels() if t.get_text())
    assert all(t.get_text().endswith("%") for t in bar.get_yticklabels() if t.get_text())
    assert _footnote(fig) == "As of 2025-06-20 · prices: memory"


def test_sensitivity_colour_bar_is_as_long_for_losses_as_for_gains(enn, tmp_path) -> None:  # type: ignore[no-untyped-def]
    grid = _enn_grid(enn, **{"discount:enn-ng-h": [0.0, 0.1, 0.2], "600803.SS": np.linspace(12.0, 24.0, 13)})
    lo, hi = grid["spread_pct"].min(), grid["spread_pct"].max()
    assert lo < 0 < hi and abs(lo) != pytest.approx(hi, rel=0.05)  # an uneven range: the old scale drew it uneven
    fig = _render(charts.sensitivity(grid, "600803.SS", "discount:enn-ng-h"), tmp_path, "symmetric")
    (mesh,) = [c for c in fig.axes[0].collections if isinstance(c, QuadMesh)]
    norm = mesh.norm
    assert norm.vcenter == 0.0 and norm.vmin == -norm.vmax  # type: ignore[attr-defined]
    assert norm.vmax == pytest.approx(max(abs(lo), hi))
    bar = fig.axes[1]
    v = 0.1
    y_up, y_zero, y_down = (bar.transData.transform((0.5, y))[1] for y in (v, 0.0, -v))
    assert y_up - y_zero == pytest.approx(y_zero - y_down, rel=1e-9)
    assert y_up > y_zero > y_down


def test_sensitivity_hatches_cells_with_no_value(enn, tmp_path) -> None:  # type: ignore[no-untyped-def]
    grid = _enn_grid(enn)
    blocked = grid.copy()
    blocked.loc[blocked.index[:3], "spread_pct"] = np.nan
    assert blocked.attrs == grid.attrs
    fig = _render(charts.sensitivity(blocked, "600803.SS", "discount:enn-ng-h"), tmp_path, "blocked")
    (mesh,) = [c for c in fig.axes[0].collections if isinstance(c, QuadMesh)]
    assert int(np.ma.getmaskarray(mesh.get_array()).sum()) == 3
    assert mesh.cmap.get_bad()[3] == 0.0  # see-through: the hatching behind shows, not a colour
    (patch,) = _by_gid(fig, charts.GID_MISSING)
    assert patch.get_hatch() == "///"  # type: ignore[attr-defined]
    assert "no value (a flag blocks the figure)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    fig = charts.sensitivity(grid, "600803.SS", "discount:enn-ng-h")
    assert _by_gid(fig, charts.GID_MISSING) == []


def test_sensitivity_refuses_a_grid_with_a_third_input(enn) -> None:  # type: ignore[no-untyped-def]
    grid = _enn_grid(enn, **{"discount:enn-ng-h": [0.0, 0.1], "600803.SS": [14.0, 15.0], "CNYHKD=X": [1.0, 1.1]})
    with pytest.raises(ArbError, match=r"appear more than once.*CNYHKD=X"):
        charts.sensitivity(grid, "600803.SS", "discount:enn-ng-h")


def test_sensitivity_ticks_a_date_axis_at_the_grid_dates(enn, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from matplotlib.dates import date2num

    closes = pd.to_datetime(["2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30"])
    grid = scenarios(enn, "snapshot", {"enn-ng-h": [17.0, 18.0, 19.0], "expected_close": closes})
    fig = _render(charts.sensitivity(grid, "expected_close", "enn-ng-h", value="annualized"), tmp_path, "dates")
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.get_xticks(), date2num(closes.to_numpy()))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30"]
    assert ax.get_xlabel() == "Expected close (date)" and ax.get_ylabel() == "ENN-NG-H price (HKD)"
    assert fig.axes[1].get_ylabel() == "Annualised return (compound, %)"
    many = pd.date_range("2025-09-30", periods=16, freq="ME")
    grid = scenarios(enn, "snapshot", {"enn-ng-h": [17.0, 18.0], "expected_close": many})
    fig = _render(charts.sensitivity(grid, "expected_close", "enn-ng-h"), tmp_path, "many-dates")
    np.testing.assert_allclose(fig.axes[0].get_xticks(), date2num(many.to_numpy())[::2])  # every other grid date


def test_sensitivity_notes_the_marked_point_with_its_values(enn, tmp_path) -> None:  # type: ignore[no-untyped-def]
    grid = _enn_grid(enn)
    fig = charts.sensitivity(grid, "600803.SS", "discount:enn-ng-h", mark=(15.0, 0.1), mark_label="today")
    _render(fig, tmp_path, "marked")
    (note,) = _texts(fig, charts.GID_NOTE)
    assert note == f"today:\n600803.SS CNY 15.00\nENN-NG-H discount 10.0%\nspread {_spread(15.0, 0.1):.1%}"
    assert _line(fig, charts.GID_CURRENT).get_markerfacecolor() == "white"  # memory prices: live, filled
    # Between grid points the value is interpolated, and says so.
    fig = charts.sensitivity(grid, "600803.SS", "discount:enn-ng-h", mark=(15.5, 0.05))
    (note,) = _texts(fig, charts.GID_NOTE)
    assert note.endswith(f"\n≈ spread {_spread(15.5, 0.05):.1%}")
    fig = charts.sensitivity(grid, "600803.SS", "discount:enn-ng-h", mark=(30.0, 0.05))
    assert _texts(fig, charts.GID_NOTE)[0].endswith("\noutside the grid")


def test_sensitivity_legend_is_clear_of_the_break_even_line(enn, tmp_path) -> None:  # type: ignore[no-untyped-def]
    grid = _enn_grid(enn)
    fig = charts.sensitivity(grid, "600803.SS", "discount:enn-ng-h", mark=(15.0, 0.0))
    _render(fig, tmp_path, "legend")
    (contour,) = _by_gid(fig, charts.GID_BREAKEVEN)
    _assert_legend_clear_of(fig, [contour])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["marked", "break-even (zero spread)"]


def test_sensitivity_marks_stale_prices_hollow_and_says_so(enn, tmp_path) -> None:  # type: ignore[no-untyped-def]
    grid = scenarios(enn, "snapshot", {"enn-ng-h": [17.0, 18.86, 20.0], "expected_close": ["2025-12-31", "2026-06-30"]})
    assert grid.attrs["stale"]  # the target's price comes from the bundled snapshot
    fig = charts.sensitivity(grid, "expected_close", "enn-ng-h", mark=("2025-12-31", 18.86), mark_label="today")
    _render(fig, tmp_path, "stale")
    assert _line(fig, charts.GID_CURRENT).get_markerfacecolor() == "none"
    note = _footnote(fig)
    assert note.startswith("As of 2025-06-20 · prices: snapshot seeds/prices.csv\nStale: ")
    assert _texts(fig, charts.GID_NOTE)[0].startswith("today:\nclose 2025-12-31\nENN-NG-H HKD 18.86\nspread ")


def test_payoff_notes_the_current_point_and_keeps_its_legend_off_the_lines(enn, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fig = _render(charts.payoff(enn, ILLUSTRATIVE, as_of="2025-06-20"), tmp_path, "payoff")
    (note,) = _texts(fig, charts.GID_NOTE)
    value = RATIO * 15.0 * 1.09 + CASH
    assert note == f"as of 2025-06-20:\n600803.SS CNY 15.00\nvalue HKD {value:,.2f}\nspread {(value - 65) / 65:.1%}"
    _assert_legend_clear_of(fig, [_line(fig, charts.GID_TARGET), _line(fig, charts.GID_VALUE)])
    assert _footnote(fig) == "As of 2025-06-20 · prices: memory"
    assert _line(fig, charts.GID_CURRENT).get_markerfacecolor() != "none"


def test_payoff_footnote_says_synthetic(enn, tmp_path) -> None:  # type: ignore[no-untyped-def]
    prices = arb_prices_from(ILLUSTRATIVE, label="synthetic path")
    fig = _render(charts.payoff(enn, prices, as_of="2025-06-20"), tmp_path, "synthetic")
    assert (
        _footnote(fig) == "As of 2025-06-20 · prices: synthetic path\nSynthetic prices: illustrative, not market data."
    )


def test_payoff_of_a_cash_offer_is_drawn_against_the_target(tmp_path) -> None:
    deal = make_deal('[[consideration]]\nkind = "cash"\namount = 80.0\ncurrency = "HKD"\n', target="2688.HK")
    fig = _render(charts.payoff(deal, "snapshot"), tmp_path, "cash")
    ax = fig.axes[0]
    value, target = _line(fig, charts.GID_VALUE), _line(fig, charts.GID_TARGET)
    xs = np.asarray(value.get_xdata())
    assert xs[0] == pytest.approx(32.5) and xs[-1] == pytest.approx(97.5)
    assert np.all(np.asarray(value.get_ydata()) == 80.0)  # cash: the value does not move with the price
    np.testing.assert_allclose(target.get_ydata(), xs)  # a share costs its price
    (even,) = _by_gid(fig, charts.GID_BREAKEVEN)
    assert even.get_xdata()[0] == pytest.approx(80.0)  # type: ignore[attr-defined]
    assert ax.get_xlabel() == "2688.HK price (HKD) (the target)"
    assert ax.get_ylabel() == "Value per target share (HKD)"
    assert len(_by_gid(fig, charts.GID_GAIN)) == 2  # the gain below HKD 80, the loss above it
    now = _line(fig, charts.GID_CURRENT)
    assert (list(now.get_xdata()), list(now.get_ydata())) == ([65.0], [80.0])
    assert now.get_markerfacecolor() == "none"  # the snapshot's price is not live: hollow
    (note,) = _texts(fig, charts.GID_NOTE)
    assert note == "as of 2025-06-20:\n2688.HK HKD 65.00\nvalue HKD 80.00\nspread 23.1%"
    assert _footnote(fig).startswith("As of 2025-06-20 · prices: snapshot seeds/prices.csv\nStale: ")
    _assert_legend_clear_of(fig, [value, target, even])


def test_payoff_of_an_unlisted_cash_target_says_why_there_is_nothing_to_draw() -> None:
    deal = Deal.model_validate(
        {
            **make_deal('[[consideration]]\nkind = "cash"\namount = 8.0\ncurrency = "HKD"\n').model_dump(),
            "target": {"name": "Unlisted Co"},
        }
    )
    with pytest.raises(ArbError, match=r"nothing to draw against: no listing or proxy .* target is not listed"):
        charts.payoff(deal, "snapshot")


def test_spread_history_axes_ticks_footnote_and_hollow_stale_points(tmp_path) -> None:
    from matplotlib.dates import date2num

    days = pd.to_datetime(["2025-06-20", "2025-06-23", "2025-06-24", "2025-06-25"])
    frame = pd.DataFrame(
        {
            "deal_id": "d",
            "as_of": days,
            "source": ["yahoo", "store", "yahoo", "yahoo"],
            "spread_pct": [0.20, 0.22, 0.05, -0.04],
            "stale": [False, True, False, False],
            "flags": [[], ["stale-price"], [], []],
        }
    )
    fig = _render(charts.spread_history(frame), tmp_path, "history")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Date" and ax.get_ylabel() == "Spread (% of target price)"
    np.testing.assert_allclose(ax.get_xticks(), date2num(days.to_numpy()))
    stale = _line(fig, charts.GID_STALE)
    assert stale.get_markerfacecolor() == "none" and list(stale.get_ydata()) == [0.22]
    assert _footnote(fig).startswith("As of 2025-06-25 · prices: store, yahoo\nStale: ")
    _assert_legend_clear_of(fig, [_line(fig, charts.GID_ZERO), *_by_gid(fig, charts.GID_SPREAD)])


def test_expected_return_axes_in_percent_and_footnote(tmp_path) -> None:
    result = valuation(prices="snapshot").get("enn-energy")
    fig = _render(charts.expected_return(result), tmp_path, "expected")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Probability of completion (%)"
    assert ax.get_ylabel() == "Expected return to close (%, not annualised)"
    assert all(t.get_text().endswith("%") for t in [*ax.get_xticklabels(), *ax.get_yticklabels()] if t.get_text())
    assert _footnote(fig).startswith("As of 2025-06-20 · prices: snapshot (Bamboo Works, 2025-06-20: ")
    _assert_legend_clear_of(fig, [_line(fig, charts.GID_ZERO), _line(fig, "expected-return")])
    row = value([SEEDS / "enn-energy.toml"], "snapshot").loc["enn-energy"]
    note = _footnote(_render(charts.expected_return(row), tmp_path, "row"))
    assert note.startswith("As of 2025-06-20 · prices: not kept in a row of arb.value")


def test_timeline_labels_its_date_axis_and_says_no_prices_are_drawn(tmp_path) -> None:
    from matplotlib.dates import date2num

    deal = load(SEEDS / "enn-energy.toml")[0]
    fig = _render(charts.timeline(deal), tmp_path, "timeline")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Date"
    dates = sorted({e.date for e in deal.events} | {c.date for c in deal.conditions if c.date is not None})
    assert len(dates) < charts.MAX_DATE_TICKS
    np.testing.assert_allclose(ax.get_xticks(), date2num(dates))
    assert "prices: none drawn" in _footnote(fig)


def test_text_from_input_is_escaped_in_charts(tmp_path) -> None:
    deal = make_deal('[[consideration]]\nkind = "cash"\namount = 80.0\ncurrency = "HKD"\n', target="2688.HK")
    deal = deal.model_copy(update={"name": "Evil\x1b[2J $x$ deal"})
    fig = _render(charts.payoff(deal, "snapshot"), tmp_path, "escaped")
    assert fig.axes[0].get_title() == r"Evil\x1b[2J \$x\$ deal: payoff"


def test_crowded_dates_are_thinned_to_ticks_at_their_own_dates(tmp_path) -> None:
    from matplotlib.dates import date2num

    deal = load(SEEDS / "enn-energy.toml")[0]
    refreshes = pd.bdate_range("2025-05-20", periods=30)
    frame = pd.DataFrame({"deal_id": "enn-energy", "as_of": refreshes, "spread_pct": np.linspace(0.2, 0.25, 30)})
    fig = _render(charts.timeline(deal, frame), tmp_path, "crowded")
    ticks = fig.axes[0].get_xticks()
    own = set(date2num(refreshes.to_numpy()).tolist()) | set(date2num([e.date for e in deal.events]).tolist())
    assert set(ticks.tolist()) <= own  # every tick is a refresh's or an event's date
    span = max(own) - min(own)
    assert 3 <= len(ticks) <= charts.MAX_DATE_TICKS + 1
    assert np.diff(ticks).min() >= span / charts.MAX_DATE_TICKS * (1 - 1e-9)  # none crowd the next


def test_payoff_against_the_target_when_asked(enn, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fig = _render(charts.payoff(enn, ILLUSTRATIVE, "2688.HK", as_of="2025-06-20"), tmp_path, "own-target")
    xs = np.asarray(_line(fig, charts.GID_VALUE).get_xdata())
    np.testing.assert_allclose(_line(fig, charts.GID_TARGET).get_ydata(), xs)  # the target moves: a diagonal
    np.testing.assert_allclose(_line(fig, charts.GID_VALUE).get_ydata(), RATIO * 15.0 * 1.09 + CASH)
    assert fig.axes[0].get_xlabel() == "2688.HK price (HKD) (the target)"


def _assert_note_clear_of(fig: Figure, line: Line2D) -> None:
    """The marked point's note, as drawn, does not hide the line it marks (display coordinates)."""
    fig.canvas.draw()  # the note's box is placed when drawn: draw at the figure's own dpi, as the line is measured
    (note,) = [t for t in fig.axes[0].texts if t.get_gid() == charts.GID_NOTE]
    patch = note.get_bbox_patch()
    assert patch is not None
    box = patch.get_window_extent()
    drawn = line.get_transform().transform_path(line.get_path())
    assert not drawn.intersects_bbox(box, filled=True), box


@pytest.mark.parametrize("a_share", [11.0, 15.0, 18.0, 19.5])
def test_payoff_note_sits_clear_of_the_value_line(enn, tmp_path, a_share: float) -> None:  # type: ignore[no-untyped-def]
    """The note goes into a quarter round the point that the rising value line leaves free."""
    prices = {**ILLUSTRATIVE, "600803.SS": a_share}
    fig = _render(charts.payoff(enn, prices, as_of="2025-06-20"), tmp_path, f"payoff-note-{a_share:g}")
    _assert_note_clear_of(fig, _line(fig, charts.GID_VALUE))


@pytest.mark.parametrize("quoted", [(7.0, "GBP"), (700.0, "GBp")])
def test_payoff_of_a_deal_paid_in_a_listing_quoted_in_pence(quoted: tuple[float, str]) -> None:
    # Synthetic prices. A US dollar deal paying 0.5 BIGL.L shares plus US$1: the chart's own grid
    # of BIGL.L prices is in the quote's unit; as bare numbers it was refused (pence or pounds?),
    # so the chart could not be drawn at all, and drawing it at all must not read pence as pounds.
    body = (
        '[[consideration]]\nkind = "stock"\nratio = 0.5\nticker = "BIGL.L"\n'
        '[[consideration]]\nkind = "cash"\namount = 1.0\ncurrency = "USD"\n'
    )
    deal = make_deal(body, currency="USD", target="UKCO.L")
    prices = arb_prices_from(
        {"UKCO.L": (400.0, "GBp"), "BIGL.L": quoted, "GBPUSD=X": (1.25, "USD")}, as_of=dt.date(2025, 6, 20)
    )
    fig = charts.payoff(deal, prices)
    xs = np.asarray(_line(fig, charts.GID_VALUE).get_xdata())
    ys = np.asarray(_line(fig, charts.GID_VALUE).get_ydata())
    # The axis is in pounds (the quote as read, 700p being GBP 7.00), as its label says.
    assert fig.axes[0].get_xlabel() == "BIGL.L price (GBP)"
    assert xs.min() == pytest.approx(3.5) and xs.max() == pytest.approx(10.5)
    assert ys == pytest.approx(0.5 * xs * 1.25 + 1.0)
    point = _line(fig, charts.GID_CURRENT)
    assert list(point.get_xdata()) == pytest.approx([7.0])
    assert list(point.get_ydata()) == pytest.approx([0.5 * 7.0 * 1.25 + 1.0])  # US$5.375


@pytest.mark.parametrize(
    ("target", "downside", "flag"),
    [(85.0, None, "price-above-value"), (50.0, None, "price-below-downside"), (65.0, 90.0, "value-below-downside")],
)
def test_expected_return_says_why_no_probability_is_marked(target: float, downside: float | None, flag: str) -> None:
    # Synthetic target prices. Without a market-implied probability in [0, 1] there is no mark,
    # and the legend names the flag arb.value raises for it, never a silent gap.
    deal = load(SEEDS / "enn-energy.toml")[0]
    result = valuation(deal, {"2688.HK": (target, "HKD")}, as_of=dt.date(2025, 6, 20)).results[0]
    if downside is None:
        assert flag in result.flags
    fig = charts.expected_return(result, downside=downside)
    assert not _by_gid(fig, charts.GID_IMPLIED)
    assert _line(fig, charts.GID_NO_IMPLIED).get_label() == f"no market-implied probability: {flag}"
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)]
    assert f"no market-implied probability: {flag}" in [t.get_text() for lg in legends for t in lg.get_texts()]


def test_payoff_grid_given_for_a_listing_in_pence_needs_its_unit() -> None:
    # The caller's grid is read as scenarios reads one: bare numbers for a listing quoted in pence
    # are refused (the chart once wrote its axis unit on them, so 300 meant GBP 300); with the
    # unit, 300p is drawn at GBP 3.00. Synthetic prices.
    body = '[[consideration]]\nkind = "stock"\nratio = 0.5\nticker = "BIGL.L"\n'
    deal = make_deal(body, currency="GBP", target="UKCO.L")
    prices = arb_prices_from({"UKCO.L": (340.0, "GBp"), "BIGL.L": (700.0, "GBp")}, as_of=dt.date(2025, 6, 20))
    with pytest.raises(ArbError, match="a bare 300 could be either"):
        charts.payoff(deal, prices, grid=[300, 400, 500])
    fig = charts.payoff(deal, prices, grid=["300GBp", "400GBp", "500GBp"])
    value = _line(fig, charts.GID_VALUE)
    assert list(value.get_xdata()) == pytest.approx([3.0, 4.0, 5.0])
    assert list(value.get_ydata()) == pytest.approx([1.5, 2.0, 2.5])


def test_payoff_with_no_deal_value_anywhere_says_why() -> None:
    # Before the first terms were announced there is nothing to draw: one line naming the flag,
    # not an empty chart with a 'break-even at GBP nan' legend. Synthetic price.
    spectris = load(SEEDS / "spectris.toml")[0]
    with pytest.raises(ArbError, match=r"no deal value to draw .* on 2025-06-01 \(no-downside not-yet-announced\)"):
        charts.payoff(spectris, {"SXS.L": "3700GBp"}, as_of="2025-06-01")
    assert charts.payoff(spectris, {"SXS.L": "3700GBp"}, as_of="2025-06-30") is not None


def test_sensitivity_scale_stops_short_of_a_few_extreme_cells(enn) -> None:  # type: ignore[no-untyped-def]
    # Annualised over a few days, one close makes returns of thousands of percent: a scale reaching
    # them drew every other cell as zero. The scale ends at the 95th percentile of the sizes,
    # symmetric still, and the colour bar says how many cells lie beyond it.
    closes = ["2025-06-23", *pd.date_range("2025-08-01", "2026-12-01", freq="MS").strftime("%Y-%m-%d")]
    grid = scenarios(enn, "snapshot", {"expected_close": closes, "enn-ng-h": [18.0, 19.0, 20.0]})
    size = grid["annualized"].abs()
    assert size.max() > charts.CLIP_RATIO * np.percentile(size, 95)  # a few cells far out
    fig = charts.sensitivity(grid, "expected_close", "enn-ng-h", value="annualized")
    (mesh,) = [c for c in fig.axes[0].collections if isinstance(c, QuadMesh)]
    norm = mesh.norm
    assert norm.vmax == pytest.approx(np.percentile(size, 95)) and norm.vmin == -norm.vmax  # type: ignore[attr-defined]
    beyond = int((size > norm.vmax).sum())
    assert beyond == 3  # the three cells of the 3-day close
    assert fig.axes[1].get_ylabel().endswith(f"{beyond} cells beyond")
    assert mesh.colorbar.extend == "both"  # type: ignore[union-attr]
    # an even grid keeps the whole range
    even = charts.sensitivity(grid.iloc[3:], "expected_close", "enn-ng-h", value="annualized")
    (mesh2,) = [c for c in even.axes[0].collections if isinstance(c, QuadMesh)]
    assert mesh2.norm.vmax == pytest.approx(grid["annualized"].iloc[3:].abs().max())  # type: ignore[attr-defined]

"""The parts every chart in :mod:`arb.charts` shares, so each chart says the same things the same way.

- Names: :func:`input_label` names a grid input or a figure for an axis with its unit
  (``discount:enn-ng-h`` -> ``ENN-NG-H discount to 600803.SS (%)``); :func:`plain` makes text
  from input safe to draw (:func:`arb.text.safe`, and ``$`` kept literal).
- Provenance: :class:`Provenance` is the as-of, the price source and whether the prices were
  stale or synthetic, read from a result, a grid's ``attrs``, a history or a row; its
  :meth:`~Provenance.footnote` is the chart's last line.
- Layout: :func:`finish` hangs the legend under the x axis, clear of every line in the plot, and
  the footnote under it; :func:`date_ticks` ticks a date axis at the data's own dates;
  :func:`note_point` writes a point's values beside it.

matplotlib is imported inside the functions, as in :mod:`arb.charts`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from arb.pricing import DealResult
from arb.symbols import is_fx_pair, is_listing, parse_fx_pair
from arb.text import safe

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

#: Artist ids of the footnote (as-of and price source) and of a marked point's note.
GID_FOOTNOTE, GID_NOTE = "footnote", "current-note"
#: A date axis is ticked at the data's own dates; with more than this many, they are thinned.
MAX_DATE_TICKS = 8

#: How figures are named on axes and colour bars; ``{ccy}`` is the deal's currency.
LABELS = {
    "target_price": "Target price per share ({ccy})",
    "deal_value": "Deal value per target share ({ccy})",
    "dividends": "Dividends per target share ({ccy})",
    "spread": "Spread per target share ({ccy})",
    "downside": "Downside per target share ({ccy})",
    "spread_pct": "Spread (% of target price)",
    "days_to_close": "Days to close",
    "annualized": "Annualised return (compound, %)",
    "annualized_simple": "Annualised return (simple, %)",
    "expected_return": "Expected return to close (%, not annualised)",
    "implied_probability": "Market-implied probability (%)",
}
#: Figures that are fractions, drawn as percents.
FRACTIONS = ("spread_pct", "annualized", "annualized_simple", "expected_return", "implied_probability")
#: The short names of figures in a marked point's note.
SHORT = {
    "spread_pct": "spread",
    "annualized": "annualised",
    "annualized_simple": "annualised (simple)",
    "expected_return": "expected return",
    "implied_probability": "implied probability",
    "days_to_close": "days to close",
}
NO_UNIT = "currency not recorded"


def plain(value: object) -> str:
    """Text from input, fit for a chart: escaped by :func:`arb.text.safe`, and ``$`` kept literal
    (matplotlib reads text between two dollars as mathematics)."""
    return safe(value).replace("$", r"\$")


@dataclass(frozen=True)
class Provenance:
    """Where a chart's numbers come from: what its footnote says."""

    as_of: dt.date | None
    prices: str
    stale: bool = False
    synthetic: bool = False

    def footnote(self) -> str:
        day = self.as_of.isoformat() if self.as_of is not None else "not recorded"
        lines = [f"As of {day} · prices: {plain(self.prices)}"]
        if self.synthetic:
            lines.append("Synthetic prices: illustrative, not market data.")
        if self.stale:
            lines.append("Stale: a price fell back, was old or came from the store or snapshot (hollow points).")
        return "\n".join(lines)


def result_provenance(result: DealResult, prices: str | None = None) -> Provenance:
    """A valuation's as-of and sources; ``prices`` the source's label, else each quote's source."""
    from arb.store.db import is_stale

    quotes = list(result.info.prices.values())
    if prices is None:
        prices = ", ".join(sorted({q.source for q in quotes})) or "none used"
    synthetic = any(q.synthetic for q in quotes) or "synthetic-price" in result.flags
    return Provenance(result.as_of, prices, is_stale(result), synthetic)


def grid_provenance(attrs: Mapping[str, Any]) -> Provenance:
    """From the ``attrs`` :func:`arb.scenarios` sets on its frame."""
    if "prices" not in attrs:
        return Provenance(None, "not recorded (the frame did not come from arb.scenarios)")
    return Provenance(attrs.get("as_of"), str(attrs["prices"]), bool(attrs.get("stale")), bool(attrs.get("synthetic")))


def new_axes(ax: Axes | None, size: tuple[float, float] = (7.0, 4.8)) -> tuple[Figure, Axes]:
    if ax is not None:
        fig = ax.get_figure()
        assert fig is not None
        return fig, ax  # type: ignore[return-value]
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def percent_axis(axis: Any) -> None:
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(xmax=1.0))


def date_ticks(axis: Axis, days: Any) -> None:
    """Ticks at the data's own dates (``days`` in matplotlib's date units), written YYYY-MM-DD.

    With many dates, a date is ticked only when it is at least 1/MAX_DATE_TICKS of the span after
    the last one ticked: every other month of a monthly grid, and no pile-up where refreshes crowd.
    """
    from matplotlib.dates import DateFormatter
    from matplotlib.ticker import NullLocator

    days = np.unique(np.asarray(days, dtype=np.float64))
    gap = (days[-1] - days[0]) / MAX_DATE_TICKS if len(days) > MAX_DATE_TICKS else 0.0
    ticks = [float(days[0])]
    for day in days[1:]:
        if day - ticks[-1] >= gap * (1 - 1e-9):
            ticks.append(float(day))
    axis.set_ticks(ticks)
    axis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    axis.set_minor_locator(NullLocator())
    if axis is axis.axes.xaxis and len(ticks) > 3:
        axis.set_tick_params(rotation=30)
        for tick in axis.get_major_ticks():
            tick.label1.set_horizontalalignment("right")


def below_x_axis(ax: Axes) -> float:
    """Points from the axes' bottom edge to the lowest text of its x axis (tick labels and label)."""
    box = ax.xaxis.get_tightbbox()
    if box is None:
        return 0.0
    fig = ax.get_figure()
    assert fig is not None
    return max(0.0, float(ax.bbox.y0 - box.y0)) * 72.0 / fig.dpi


def finish(ax: Axes, provenance: Provenance, extra: Sequence[Artist] = ()) -> None:
    """The legend under the x axis, where it covers no line in the plot, and the footnote under it.

    The legend hangs a fixed number of points below the axes (measured from the tick labels
    and the axis label), so it stays clear of them whatever size the figure is drawn at.
    """
    from matplotlib.transforms import ScaledTranslation

    fig = ax.get_figure()
    assert fig is not None
    handles, labels = ax.get_legend_handles_labels()
    for artist in extra:
        handles.append(artist)
        labels.append(str(artist.get_label()))
    drop = ScaledTranslation(0.0, -(below_x_axis(ax) + 6.0) / 72.0, fig.dpi_scale_trans)
    anchor: Any = ax.transAxes + drop
    if handles:
        legend = ax.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(0.0, 0.0),
            bbox_transform=ax.transAxes + drop,
            fontsize=8,
            ncols=2 if len(handles) > 2 else len(handles),
            frameon=False,
            borderaxespad=0.0,
            handlelength=1.8,
        )
        anchor = ("axes fraction", legend)  # x from the axes, y from the legend's box
    ax.annotate(
        provenance.footnote(),
        xy=(0.0, 0.0),
        xycoords=anchor,
        xytext=(0.0, -4.0),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=7,
        color="0.35",
        annotation_clip=False,
        wrap=True,
        gid=GID_FOOTNOTE,
    )


def note_point(ax: Axes, x: float, y: float, head: str, parts: Sequence[str], slope: float | None = None) -> None:
    """A note beside the point (x, y): ``head:`` then one line per part, so a long note stays narrow.

    It goes on the side towards the middle of the axes. With ``slope`` (of a line drawn through the
    point, in data units) it goes into one of the two quarters round the point that the line leaves
    free: above-left or below-right of a rising line, above-right or below-left of a falling one,
    whichever is towards the middle, so the note never hides the line it marks.
    """
    text = "\n".join([f"{head}:", *parts])
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    right = (x - x0) > 0.5 * (x1 - x0)  # the point is in the right half: the note goes left of it
    high = (y - y0) > 0.5 * (y1 - y0)  # the point is in the upper half: the note goes under it
    if slope is not None and math.isfinite(slope) and slope != 0.0:
        high = not right if slope > 0 else right
    ax.annotate(
        text,
        xy=(x, y),
        xytext=(-10.0 if right else 10.0, -10.0 if high else 10.0),
        textcoords="offset points",
        ha="right" if right else "left",
        va="top" if high else "bottom",
        fontsize=8,
        bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.5", "alpha": 0.9},
        arrowprops={"arrowstyle": "-", "color": "0.3", "lw": 0.8},
        gid=GID_NOTE,
    )


def history_provenance(frame: pd.DataFrame, order: np.ndarray, stale: np.ndarray, times: Any) -> Provenance:
    """The latest as-of, the sources of the refreshes (latest last), stale and synthetic rows."""
    sources: list[str] = []
    if "source" in frame.columns:
        for s in np.asarray(frame["source"], dtype=object)[order]:
            if isinstance(s, str) and s:
                if s in sources:
                    sources.remove(s)
                sources.append(s)
    shown = ", ".join(sources[-3:]) if sources else "not recorded in the frame"
    if len(sources) > 3:
        shown = f"{shown} (and {len(sources) - 3} earlier)"
    synthetic = False
    if "synthetic" in frame.columns:
        synthetic = bool(np.asarray(frame["synthetic"].fillna(False), dtype=bool).any())
    if "flags" in frame.columns:
        synthetic = synthetic or any("synthetic-price" in (f if isinstance(f, list) else []) for f in frame["flags"])
    return Provenance(times[-1].date(), shown, bool(stale.any()), synthetic)


def input_label(col: str, attrs: Mapping[str, Any]) -> str:
    """A grid input or figure named for an axis, with its unit: ``discount:enn-ng-h`` ->
    ``ENN-NG-H discount to 600803.SS (%)``, ``600803.SS`` -> ``600803.SS price (CNY)``."""
    ccy = plain(attrs.get("currency") or NO_UNIT)
    if col in LABELS:
        return LABELS[col].format(ccy=ccy)
    if col == "expected_close":
        return "Expected close (date)"
    if col == "as_of":
        return "As-of date"
    if col == "probability":
        return "Probability of completion (%)"
    if col.startswith("discount:"):
        security = plain(col.partition(":")[2].strip().upper())
        proxy = attrs.get("proxies", {}).get(col)
        return f"{security} discount to {plain(proxy)} (%)" if proxy else f"{security} discount to its proxy (%)"
    unit = plain(attrs.get("units", {}).get(col) or NO_UNIT)
    if is_fx_pair(col):
        base, quote = parse_fx_pair(col)
        return f"{base}/{quote} rate ({quote} per {base})"
    if col == "target":
        return f"Target price ({unit})"
    return f"{plain(col if is_listing(col) else col.upper())} price ({unit})"


def input_value(col: str, v: float, attrs: Mapping[str, Any], is_date: bool) -> str:
    """One coordinate of a marked point, in words: ``600803.SS CNY 15.00``, ``ENN-NG-H discount 3.9%``."""
    if is_date:
        from matplotlib.dates import num2date

        day = num2date(v).date().isoformat()
        return f"close {day}" if col == "expected_close" else f"{plain(col)} {day}"
    ccy = plain(attrs.get("currency") or NO_UNIT)
    if col == "probability":
        return f"probability {v:.0%}"
    if col.startswith("discount:"):
        return f"{plain(col.partition(':')[2].strip().upper())} discount {v:.1%}"
    if col in FRACTIONS:
        return f"{SHORT[col]} {v:.1%}"
    if col in LABELS:
        return f"{col.replace('_', ' ')} {ccy} {v:,.2f}"
    if is_fx_pair(col):
        return f"{plain(col)} {v:,.4f}"
    unit = plain(attrs.get("units", {}).get(col) or NO_UNIT)
    name = "target" if col == "target" else col if is_listing(col) else col.upper()
    return f"{plain(name)} {unit} {v:,.2f}"


def value_words(value: str, v: float, attrs: Mapping[str, Any]) -> str:
    if not math.isfinite(v):
        return f"no {SHORT.get(value, value.replace('_', ' '))} (a flag blocks it)"
    if value in FRACTIONS:
        return f"{SHORT[value]} {v:.1%}"
    if value == "days_to_close":
        return f"{v:,.0f} days to close"
    return f"{plain(value.replace('_', ' '))} {plain(attrs.get('currency') or '')} {v:,.2f}".replace("  ", " ")


def bracket(grid: np.ndarray, v: float) -> tuple[int, int, float] | None:
    """The grid points either side of ``v`` and its weight on the upper one; None outside the grid."""
    tol = 1e-9 * max(1.0, float(np.max(np.abs(grid))))
    if len(grid) == 1:
        return (0, 0, 0.0) if abs(v - grid[0]) <= tol else None
    if v < grid[0] - tol or v > grid[-1] + tol:
        return None
    j = int(np.clip(np.searchsorted(grid, v), 1, len(grid) - 1))
    w = float((v - grid[j - 1]) / (grid[j] - grid[j - 1]))
    if w <= tol:
        return (j - 1, j - 1, 0.0)
    if w >= 1 - tol:
        return (j, j, 0.0)
    return (j - 1, j, w)


def value_at(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, x: float, y: float) -> tuple[float, bool] | None:
    """``z`` at (x, y): the cell's own value on a grid point (True), else bilinear between the four
    around it (False); None outside the grid."""
    bx, by = bracket(xs, x), bracket(ys, y)
    if bx is None or by is None:
        return None
    (i0, i1, wx), (j0, j1, wy) = bx, by
    corners = z[j0, i0] * (1 - wx) * (1 - wy) + z[j0, i1] * wx * (1 - wy)
    corners += z[j1, i0] * (1 - wx) * wy + z[j1, i1] * wx * wy
    return float(corners), i0 == i1 and j0 == j1


def numbers(values: Any) -> tuple[np.ndarray, bool]:
    """Axis values as floats (dates in matplotlib's date units) and whether they were dates."""
    arr = np.asarray(values)
    if np.issubdtype(arr.dtype, np.datetime64) or arr.dtype == object:
        from matplotlib.dates import date2num

        return np.asarray(date2num(arr.astype("datetime64[s]")), dtype=np.float64), True
    return arr.astype(np.float64), False


def mark_number(v: Any, is_date: bool) -> float:
    if is_date:
        from matplotlib.dates import date2num

        return float(date2num(np.datetime64(v, "s")))
    return float(v)


def row_provenance(row: Any) -> Provenance:
    """A row of :func:`arb.value`: its as-of, stale and synthetic columns; it keeps no source."""
    import pandas as pd

    when = row.get("as_of") if hasattr(row, "get") else None
    day = None if when is None or pd.isna(when) else pd.Timestamp(when).date()

    def flag(name: str) -> bool:
        got = row.get(name) if hasattr(row, "get") else None
        return bool(got) if got is not None and not pd.isna(got) else False

    return Provenance(
        day, "not kept in a row of arb.value (chart the DealResult to name them)", flag("stale"), flag("synthetic")
    )

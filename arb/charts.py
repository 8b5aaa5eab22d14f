"""Charts an arbitrageur reads, one call each; each returns its matplotlib Figure and never shows it.

matplotlib is imported inside the functions, so ``import arb`` stays light. Figures are built
with :class:`matplotlib.figure.Figure` (no pyplot state); pass ``ax=`` to draw into an axes of
your own figure instead. Spreads and returns are plotted as percents of the target price.

- :func:`payoff`: deal value against an acquirer's (or a proxy's) price, or against the
  target's own price when nothing in the consideration is listed (a cash offer).
- :func:`spread_history`: the spread % over time, stale points hollow, term changes marked.
- :func:`sensitivity`: a heatmap of the spread % over two gridded inputs.
- :func:`expected_return`: expected return against the probability of completion.
- :func:`timeline`: a deal's events, conditions and revisions as marks on its spread history.

Every chart names its axes with their units (the currency of the prices, % for fractions), puts
its legend under the x axis, where it covers no line, and ends with a footnote giving the as-of
date and where the prices came from (``As of 2025-06-20 · prices: snapshot seeds/prices.csv``),
saying so when they are synthetic or stale. A point drawn at stale prices is hollow.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from arb.api import PricesLike, prices_from, valuation
from arb.api import expected_return as _expected_return
from arb.errors import ArbError
from arb.models import Deal
from arb.pricing import DealResult
from arb.symbols import is_fx_pair, is_listing, parse_fx_pair
from arb.text import safe

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

__all__ = ["expected_return", "payoff", "sensitivity", "spread_history", "timeline"]

#: Artist ids the tests and users can look charts' parts up by (``artist.get_gid()``).
GID_VALUE, GID_TARGET, GID_DOWNSIDE = "deal-value", "target-price", "downside"
GID_CURRENT, GID_COLLAR, GID_TERMS = "current", "collar", "terms-changed"
GID_IMPLIED, GID_ZERO, GID_BREAKEVEN = "implied-probability", "zero", "break-even"
GID_SPREAD, GID_LIVE, GID_STALE = "spread", "spread-live", "spread-stale"
#: The footnote (as-of and price source), the marked point's note, the hatching behind cells with no value.
GID_FOOTNOTE, GID_NOTE, GID_MISSING = "footnote", "current-note", "no-value"
#: The band between the deal value and the target's price in a payoff against the target.
GID_GAIN = "spread-band"
#: ``spread_history`` breaks its line across a gap between refreshes longer than this (calendar days).
MAX_GAP_DAYS = 5.0
#: A timeline's mark is labelled with at most this many characters of its name.
MAX_MARK_CHARS = 34
#: A date axis is ticked at the data's own dates, every k-th one when there are more than this.
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
_SHORT = {
    "spread_pct": "spread",
    "annualized": "annualised",
    "annualized_simple": "annualised (simple)",
    "expected_return": "expected return",
    "implied_probability": "implied probability",
    "days_to_close": "days to close",
}
_NO_UNIT = "currency not recorded"


def _text(value: object) -> str:
    """Text from input, fit for a chart: escaped by :func:`arb.text.safe`, and ``$`` kept literal
    (matplotlib reads text between two dollars as mathematics)."""
    return safe(value).replace("$", r"\$")


@dataclass(frozen=True)
class _Provenance:
    """Where a chart's numbers come from: what its footnote says."""

    as_of: dt.date | None
    prices: str
    stale: bool = False
    synthetic: bool = False

    def footnote(self) -> str:
        day = self.as_of.isoformat() if self.as_of is not None else "not recorded"
        lines = [f"As of {day} · prices: {_text(self.prices)}"]
        if self.synthetic:
            lines.append("Synthetic prices: illustrative, not market data.")
        if self.stale:
            lines.append("Stale: a price fell back, was old or came from the store or snapshot (hollow points).")
        return "\n".join(lines)


def _result_provenance(result: DealResult, prices: str | None = None) -> _Provenance:
    """A valuation's as-of and sources; ``prices`` the source's label, else each quote's source."""
    from arb.store.db import is_stale

    quotes = list(result.info.prices.values())
    if prices is None:
        prices = ", ".join(sorted({q.source for q in quotes})) or "none used"
    synthetic = any(q.synthetic for q in quotes) or "synthetic-price" in result.flags
    return _Provenance(result.as_of, prices, is_stale(result), synthetic)


def _grid_provenance(attrs: Mapping[str, Any]) -> _Provenance:
    """From the ``attrs`` :func:`arb.scenarios` sets on its frame."""
    if "prices" not in attrs:
        return _Provenance(None, "not recorded (the frame did not come from arb.scenarios)")
    return _Provenance(attrs.get("as_of"), str(attrs["prices"]), bool(attrs.get("stale")), bool(attrs.get("synthetic")))


def _axes(ax: Axes | None, size: tuple[float, float] = (7.0, 4.8)) -> tuple[Figure, Axes]:
    if ax is not None:
        fig = ax.get_figure()
        assert fig is not None
        return fig, ax  # type: ignore[return-value]
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _percent_axis(axis: Any) -> None:
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(xmax=1.0))


def _date_ticks(axis: Axis, days: Any) -> None:
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


def _below_x_axis(ax: Axes) -> float:
    """Points from the axes' bottom edge to the lowest text of its x axis (tick labels and label)."""
    box = ax.xaxis.get_tightbbox()
    if box is None:
        return 0.0
    fig = ax.get_figure()
    assert fig is not None
    return max(0.0, float(ax.bbox.y0 - box.y0)) * 72.0 / fig.dpi


def _finish(ax: Axes, provenance: _Provenance, extra: Sequence[Artist] = ()) -> None:
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
    drop = ScaledTranslation(0.0, -(_below_x_axis(ax) + 6.0) / 72.0, fig.dpi_scale_trans)
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


def _note_point(ax: Axes, x: float, y: float, head: str, parts: Sequence[str]) -> None:
    """A note beside the point (x, y), on the side towards the middle of the axes: ``head:`` then
    one line per part, so a long note stays narrow."""
    text = "\n".join([f"{head}:", *parts])
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    right = (x - x0) > 0.5 * (x1 - x0)
    high = (y - y0) > 0.5 * (y1 - y0)
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


def _deal_of(deal: Deal | str | Path) -> Deal:
    from arb.grid import _resolve_deal

    return _resolve_deal(deal)


def _payoff_symbol(result: DealResult, symbol: str | None) -> str | None:
    """The listing the payoff is drawn against: given, else the first the hedge is short, else a proxy.

    None when nothing in the consideration has a listing or a proxy (cash, or securities priced
    by an estimate only): the deal value does not move with any price but the target's.
    """
    if symbol is not None:
        from arb.prices.csvfile import normalize_price_symbol

        return normalize_price_symbol(symbol)
    for li in result.info.legs:
        if li.hedge_symbol:
            return li.hedge_symbol
    for leg in result.deal.consideration:
        if leg.ticker:
            return leg.ticker
        if leg.security and result.deal.securities[leg.security].proxy:
            return str(result.deal.securities[leg.security].proxy)
    return None


def payoff(
    deal: Deal | str | Path,
    prices: PricesLike = "snapshot",
    symbol: str | None = None,
    *,
    grid: Sequence[float] | np.ndarray | None = None,
    as_of: dt.date | str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Deal value per target share against the price of ``symbol`` (default: what the hedge shorts).

    Marks the target price, the downside when the deal has one, the current point (the
    symbol's price in ``prices`` and the deal value there, hollow when a price is stale, with a
    note of its values) and any collar band, converted to the symbol's price when the collared
    security is priced from it as a proxy. ``grid``: the symbol prices to draw (default: 50% to
    150% of its current price).

    When nothing in the consideration is listed or priced from a listed proxy (a cash offer),
    the value is drawn against the target's own price instead: flat, with the spread between
    it and the price shaded and the break-even price (where the spread is zero) marked.
    """
    from arb.grid import scenarios

    deal = _deal_of(deal)
    source = prices_from(prices)
    base = valuation(deal, source, as_of=as_of)
    result = base.results[0]
    sym = _payoff_symbol(result, symbol)
    key = "target" if sym is None else sym
    if sym is None:
        tq = result.info.target_quote
        if deal.target.ticker is None:
            raise ArbError(
                f"payoff: {deal.id} has nothing to draw against: no listing or proxy in the consideration "
                "and the target is not listed"
            )
        sym = tq.symbol if tq is not None else deal.target.ticker
    current = base.fetch.quotes.get(sym)
    if grid is None:
        if current is None:
            raise ArbError(f"payoff: no price for {sym} in {source.label}; pass grid= (the {sym} prices to draw)")
        grid = np.linspace(0.5 * current.price, 1.5 * current.price, 201)
    xs = np.asarray(grid, dtype=np.float64)
    frame = scenarios(deal, source, {key: xs}, as_of=base.as_of)
    fig, ax = _axes(ax)
    ccy = _text(result.currency or _NO_UNIT)
    unit = _text(current.currency if current is not None else frame.attrs.get("units", {}).get(key, _NO_UNIT))
    name = _text(sym)
    value = np.asarray(frame["deal_value"], dtype=np.float64)
    ax.plot(xs, value, color="tab:blue", lw=2, label="deal value", gid=GID_VALUE)
    if key == "target":
        _against_target(ax, xs, value, np.asarray(frame["target_price"], dtype=np.float64), unit, ccy)
    else:
        target = result.figures["target_price"]
        if target is not None:
            label = f"target price {ccy} {target:,.2f} (break-even: zero spread)"
            ax.axhline(target, color="black", lw=1, ls="--", label=label, gid=GID_TARGET)
        for low, high in _collar_bands(result, sym):
            ax.axvspan(low, high, color="tab:orange", alpha=0.15, label="collar band", gid=GID_COLLAR)
    down = result.figures["downside"]
    if down is not None:
        label = f"downside {ccy} {down:,.2f} (if the deal breaks)"
        ax.axhline(down, color="tab:red", lw=1, ls=":", label=label, gid=GID_DOWNSIDE)
    provenance = _result_provenance(result, base.source_label)
    if current is not None:
        now = scenarios(deal, source, {key: [current.price]}, as_of=base.as_of).iloc[0]
        face = "none" if provenance.stale else "tab:blue"
        label = "at the prices given" + (" (stale: hollow)" if provenance.stale else "")
        ax.plot(
            [current.price], [now["deal_value"]], "o", color="tab:blue", mfc=face, ms=8, label=label, gid=GID_CURRENT
        )
        note = [f"{name} {unit} {current.price:,.2f}", f"value {ccy} {now['deal_value']:,.2f}"]
        if math.isfinite(now["spread_pct"]):
            note.append(f"spread {now['spread_pct']:.1%}")
        _note_point(ax, current.price, float(now["deal_value"]), f"as of {base.as_of}", note)
    which = " (the target)" if key == "target" else ""
    ax.set_xlabel(f"{name} price ({unit}){which}")
    ax.set_ylabel(f"Value per target share ({ccy})")
    ax.set_title(f"{_text(deal.name)}: payoff", fontsize=10)
    ax.grid(alpha=0.3)
    _finish(ax, provenance)
    return fig


def _against_target(ax: Axes, xs: np.ndarray, value: np.ndarray, price: np.ndarray, unit: str, ccy: str) -> None:
    """The target's price beside the deal value, the spread between them shaded, the break-even marked."""
    ax.plot(xs, price, color="black", lw=1, ls="--", label="target price (what a share costs)", gid=GID_TARGET)
    gain = value >= price
    ax.fill_between(xs, price, value, where=gain, color="tab:green", alpha=0.15, label="spread: gain", gid=GID_GAIN)
    if not gain.all():
        ax.fill_between(xs, price, value, where=~gain, color="tab:red", alpha=0.15, label="spread: loss", gid=GID_GAIN)
    diff = value - price
    cross = np.nonzero(np.diff(np.sign(diff)) != 0)[0]
    if len(cross):
        i = int(cross[0])
        # Where the spread is zero, between the two grid prices either side of it.
        at = float(xs[i] + (xs[i + 1] - xs[i]) * diff[i] / (diff[i] - diff[i + 1]))
        label = f"break-even: target at {unit} {at:,.2f}"
        ax.axvline(at, color="tab:purple", lw=1, ls="-.", label=label, gid=GID_BREAKEVEN)


def _collar_bands(result: DealResult, sym: str) -> list[tuple[float, float]]:
    """Collar bands of the legs priced from ``sym``, in ``sym``'s price units."""
    bands = []
    for li in result.info.legs:
        band = li.leg.collar
        if band is None or li.hedge_symbol != sym:
            continue
        if li.priced_by == "proxy" and li.proxy_fx is not None:
            per_unit = li.proxy_fx.rate * (1.0 - li.discount)  # security price per unit of the proxy's price
            bands.append((band[0] / per_unit, band[1] / per_unit))
        else:
            bands.append((band[0], band[1]))
    return bands


def _time_column(frame: pd.DataFrame) -> Any:
    for name in ("as_of", "refreshed", "time", "date"):
        if name in frame.columns:
            return frame[name]
    if type(frame.index).__name__ == "DatetimeIndex":
        return frame.index
    raise ArbError("spread_history: the frame needs an as_of (or time) column; use arb.history(deal_id)")


def spread_history(
    frame: pd.DataFrame, *, title: str | None = None, ax: Axes | None = None, max_gap_days: float = MAX_GAP_DAYS
) -> Figure:
    """The spread % over time from :func:`arb.history` (or any frame with as_of and spread_pct).

    The points are the refreshes: filled where the prices were live, hollow where the row is
    ``stale`` (a price fell back to the store or the snapshot, or was old). The line joins
    neighbouring points only: it breaks across a gap of more than ``max_gap_days`` calendar
    days, so days with no refresh are not drawn as a straight move. Rows where
    ``terms_changed`` is true (a price bump, a new close date) get a vertical line and a label.
    The date axis is ticked at the refreshes' own dates.
    """
    fig, ax = _axes(ax)
    provenance, _ = _draw_history(ax, frame, max_gap_days)
    deal_id = frame["deal_id"].iloc[0] if "deal_id" in frame.columns else None
    ax.set_title(title or (f"{_text(deal_id)}: spread history" if deal_id else "spread history"), fontsize=10)
    _finish(ax, provenance)
    return fig


def _draw_history(ax: Axes, frame: pd.DataFrame, max_gap_days: float) -> tuple[_Provenance, np.ndarray]:
    """The spread line and points of :func:`spread_history` on ``ax``; what its footnote says and
    the refreshes' times (in matplotlib's date units)."""
    import pandas as pd
    from matplotlib.dates import date2num

    if "spread_pct" not in frame.columns:
        raise ArbError("spread_history: the frame needs a spread_pct column; use arb.history(deal_id)")
    if len(frame) == 0:
        raise ArbError("spread_history: the frame is empty")
    times = pd.DatetimeIndex(pd.to_datetime(_time_column(frame)))
    if times.tz is not None:
        times = times.tz_convert(None)
    order = np.argsort(times.to_numpy(), kind="stable")
    times = times[order]
    values = np.asarray(frame["spread_pct"], dtype=np.float64)[order]
    stale = np.zeros(len(frame), dtype=bool)
    if "stale" in frame.columns:
        stale = np.asarray(frame["stale"].fillna(False), dtype=bool)[order]
    # One line per run of refreshes no more than max_gap_days apart.
    breaks = np.nonzero(np.diff(times.to_numpy()) > np.timedelta64(int(max_gap_days * 86400), "s"))[0] + 1
    starts = [0, *breaks.tolist()]
    ends = [*breaks.tolist(), len(times)]
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        ax.plot(
            times[a:b], values[a:b], "-", color="tab:blue", lw=1.5, label="spread %" if i == 0 else None, gid=GID_SPREAD
        )
    ax.plot(times[~stale], values[~stale], "o", ms=3.5, color="tab:blue", gid=GID_LIVE)
    if stale.any():
        ax.plot(
            times[stale],
            values[stale],
            "o",
            ms=5,
            mfc="none",
            mec="tab:orange",
            mew=1.2,
            label="stale: a price fell back or was old",
            gid=GID_STALE,
        )
    ax.axhline(0.0, color="grey", lw=0.8, label="zero spread (break-even)", gid=GID_ZERO)
    if "terms_changed" in frame.columns:
        changed = np.asarray(frame["terms_changed"], dtype=bool)[order]
        marked: Any = times[changed].to_numpy()
        for i, t in enumerate(marked):
            ax.axvline(t, color="tab:purple", ls="--", lw=1, label="terms changed" if i == 0 else None, gid=GID_TERMS)
    _percent_axis(ax.yaxis)
    ax.set_ylabel("Spread (% of target price)")
    ax.set_xlabel("Date")
    days = np.asarray(date2num(times.to_numpy()), dtype=np.float64)
    _date_ticks(ax.xaxis, days)
    ax.grid(alpha=0.3)
    return _history_provenance(frame, order, stale, times), days


def _history_provenance(frame: pd.DataFrame, order: np.ndarray, stale: np.ndarray, times: Any) -> _Provenance:
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
    return _Provenance(times[-1].date(), shown, bool(stale.any()), synthetic)


def _input_label(col: str, attrs: Mapping[str, Any]) -> str:
    """A grid input or figure named for an axis, with its unit: ``discount:enn-ng-h`` ->
    ``ENN-NG-H discount to 600803.SS (%)``, ``600803.SS`` -> ``600803.SS price (CNY)``."""
    ccy = _text(attrs.get("currency") or _NO_UNIT)
    if col in LABELS:
        return LABELS[col].format(ccy=ccy)
    if col == "expected_close":
        return "Expected close (date)"
    if col == "as_of":
        return "As-of date"
    if col == "probability":
        return "Probability of completion (%)"
    if col.startswith("discount:"):
        security = _text(col.partition(":")[2].strip().upper())
        proxy = attrs.get("proxies", {}).get(col)
        return f"{security} discount to {_text(proxy)} (%)" if proxy else f"{security} discount to its proxy (%)"
    unit = _text(attrs.get("units", {}).get(col) or _NO_UNIT)
    if is_fx_pair(col):
        base, quote = parse_fx_pair(col)
        return f"{base}/{quote} rate ({quote} per {base})"
    if col == "target":
        return f"Target price ({unit})"
    return f"{_text(col if is_listing(col) else col.upper())} price ({unit})"


def _input_value(col: str, v: float, attrs: Mapping[str, Any], is_date: bool) -> str:
    """One coordinate of a marked point, in words: ``600803.SS CNY 15.00``, ``ENN-NG-H discount 3.9%``."""
    if is_date:
        from matplotlib.dates import num2date

        day = num2date(v).date().isoformat()
        return f"close {day}" if col == "expected_close" else f"{_text(col)} {day}"
    ccy = _text(attrs.get("currency") or _NO_UNIT)
    if col == "probability":
        return f"probability {v:.0%}"
    if col.startswith("discount:"):
        return f"{_text(col.partition(':')[2].strip().upper())} discount {v:.1%}"
    if col in FRACTIONS:
        return f"{_SHORT[col]} {v:.1%}"
    if col in LABELS:
        return f"{col.replace('_', ' ')} {ccy} {v:,.2f}"
    if is_fx_pair(col):
        return f"{_text(col)} {v:,.4f}"
    unit = _text(attrs.get("units", {}).get(col) or _NO_UNIT)
    name = "target" if col == "target" else col if is_listing(col) else col.upper()
    return f"{_text(name)} {unit} {v:,.2f}"


def _value_words(value: str, v: float, attrs: Mapping[str, Any]) -> str:
    if not math.isfinite(v):
        return f"no {_SHORT.get(value, value.replace('_', ' '))} (a flag blocks it)"
    if value in FRACTIONS:
        return f"{_SHORT[value]} {v:.1%}"
    if value == "days_to_close":
        return f"{v:,.0f} days to close"
    return f"{_text(value.replace('_', ' '))} {_text(attrs.get('currency') or '')} {v:,.2f}".replace("  ", " ")


def _bracket(grid: np.ndarray, v: float) -> tuple[int, int, float] | None:
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


def _value_at(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, x: float, y: float) -> tuple[float, bool] | None:
    """``z`` at (x, y): the cell's own value on a grid point (True), else bilinear between the four
    around it (False); None outside the grid."""
    bx, by = _bracket(xs, x), _bracket(ys, y)
    if bx is None or by is None:
        return None
    (i0, i1, wx), (j0, j1, wy) = bx, by
    corners = z[j0, i0] * (1 - wx) * (1 - wy) + z[j0, i1] * wx * (1 - wy)
    corners += z[j1, i0] * (1 - wx) * wy + z[j1, i1] * wx * wy
    return float(corners), i0 == i1 and j0 == j1


def _numbers(values: Any) -> tuple[np.ndarray, bool]:
    """Axis values as floats (dates in matplotlib's date units) and whether they were dates."""
    arr = np.asarray(values)
    if np.issubdtype(arr.dtype, np.datetime64) or arr.dtype == object:
        from matplotlib.dates import date2num

        return np.asarray(date2num(arr.astype("datetime64[s]")), dtype=np.float64), True
    return arr.astype(np.float64), False


def _mark_number(v: Any, is_date: bool) -> float:
    if is_date:
        from matplotlib.dates import date2num

        return float(date2num(np.datetime64(v, "s")))
    return float(v)


def sensitivity(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    value: str = "spread_pct",
    mark: tuple[Any, Any] | None = None,
    mark_label: str = "marked",
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A heatmap of ``value`` (default: spread %) over two inputs of a :func:`arb.scenarios` grid.

    ``frame`` must hold every (x, y) combination once (``product=True``, and no third input
    with more than one value). Colours diverge at zero on a scale as long for losses as for
    gains (red: the deal is worth less than the target's price), with the zero contour drawn
    as the break-even line; cells with no value (a flag blocks the figure) are hatched grey.
    ``mark`` places a point, e.g. today's inputs, noted with its values and ``mark_label``;
    between grid points its value is interpolated and shown with ``≈``. The axes are named
    from the grid's keys with their units, and date axes are ticked at the grid's own dates.
    """
    from matplotlib import colormaps
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    for col in (x, y, value):
        if col not in frame.columns:
            raise ArbError(f"sensitivity: no column {col!r} in the frame (columns: {', '.join(frame.columns)})")
    if frame.duplicated([x, y]).any():
        others = [c for c in frame.columns[: list(frame.columns).index(value)] if c not in (x, y)]
        raise ArbError(
            f"sensitivity: some ({x}, {y}) pairs appear more than once: another input varies too"
            f"{' (' + ', '.join(others) + ')' if others else ''}; keep one value of it, e.g. frame[frame[col] == v]"
        )
    table = frame.pivot(index=y, columns=x, values=value).sort_index().sort_index(axis=1)
    if len(frame) != table.size:
        raise ArbError(f"sensitivity: the grid is missing some ({x}, {y}) combinations; use product=True")
    attrs = {str(k): v for k, v in frame.attrs.items()}
    z = np.ma.masked_invalid(table.to_numpy(dtype=np.float64))
    (xs, x_dates), (ys, y_dates) = _numbers(table.columns.to_numpy()), _numbers(table.index.to_numpy())
    fig, ax = _axes(ax, (7.0, 5.2))
    finite = z.compressed()
    if not finite.size:
        raise ArbError(f"sensitivity: every {value} in the grid is null (a flag blocks it); nothing to colour")
    reach = max(float(np.max(np.abs(finite))), 1e-9)
    # Symmetric limits: a gain and a loss of the same size get the same colour-bar length.
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-reach, vmax=reach)
    cmap = colormaps["RdYlGn"].with_extremes(bad=(0.0, 0.0, 0.0, 0.0))  # no value: see-through to the hatching
    mesh = ax.pcolormesh(xs, ys, z, cmap=cmap, norm=norm, shading="nearest", gid="heatmap")
    if np.ma.getmaskarray(z).any():
        ax.add_patch(
            Rectangle(
                (0.0, 0.0),
                1.0,
                1.0,
                transform=ax.transAxes,
                facecolor="0.85",
                edgecolor="0.55",
                hatch="///",
                lw=0,
                zorder=-1,
                label="no value (a flag blocks the figure)",
                gid=GID_MISSING,
            )
        )
    bar = fig.colorbar(mesh, ax=ax)
    if value in FRACTIONS:
        _percent_axis(bar.ax.yaxis)
    bar.set_label(_input_label(value, attrs))
    extra = []
    lo, hi = float(finite.min()), float(finite.max())
    if lo < 0 < hi and len(xs) > 1 and len(ys) > 1:
        ax.contour(xs, ys, z, levels=[0.0], colors="black", linewidths=1.2).set_gid(GID_BREAKEVEN)
        extra.append(Line2D([], [], color="black", lw=1.2, label="break-even (zero spread)"))
    provenance = _grid_provenance(attrs)
    if mark is not None:
        mx, my = _mark_number(mark[0], x_dates), _mark_number(mark[1], y_dates)
        face = "none" if provenance.stale else "white"
        label = _text(mark_label) + (" (stale prices: hollow)" if provenance.stale else "")
        ax.plot([mx], [my], "*", color="black", mfc=face, mec="black", ms=14, label=label, gid=GID_CURRENT)
        at = _value_at(xs, ys, z.filled(np.nan), mx, my)
        parts = [_input_value(x, mx, attrs, x_dates), _input_value(y, my, attrs, y_dates)]
        if at is None:
            parts.append("outside the grid")
        else:
            parts.append(("" if at[1] else "≈ ") + _value_words(value, at[0], attrs))
        _note_point(ax, mx, my, _text(mark_label), parts)
    for col, axis, dates, values in ((x, ax.xaxis, x_dates, xs), (y, ax.yaxis, y_dates, ys)):
        if dates:
            _date_ticks(axis, values)
        elif col.startswith("discount:") or col in ("probability", *FRACTIONS):
            _percent_axis(axis)
    ax.set_xlabel(_input_label(x, attrs))
    ax.set_ylabel(_input_label(y, attrs))
    deal = attrs.get("deal")
    what = _input_label(value, attrs)
    ax.set_title(title or (f"{_text(deal)}: {what[0].lower()}{what[1:]}" if deal else what), fontsize=10)
    _finish(ax, provenance, extra)
    return fig


def expected_return(
    result: DealResult | pd.Series,
    downside: float | None = None,
    *,
    probabilities: Sequence[float] | np.ndarray | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Expected return to completion (not annualised) against the probability of completion.

    The line is ``(p V + (1 - p) D - P) / P``; the market-implied probability, where it crosses
    zero, ``(P - D) / (V - D)``, is marked when it lies in [0, 1]. ``downside`` overrides the
    deal's own; ``result`` is a :class:`DealResult` or a row of :func:`arb.value` (a row keeps
    the as-of but not the price source: the footnote says so).
    """
    p = np.linspace(0.0, 1.0, 101) if probabilities is None else np.asarray(probabilities, dtype=np.float64)
    er = np.asarray(_expected_return(result, p, downside), dtype=np.float64)
    if not np.isfinite(er).any():
        raise ArbError("expected_return: no deal value, target price or downside to compute it from")
    fig, ax = _axes(ax)
    ax.plot(p, er, color="tab:blue", lw=2, label="expected return", gid="expected-return")
    ax.axhline(0.0, color="grey", lw=0.8, label="zero return (break-even)", gid=GID_ZERO)
    at0, at1 = float(_expected_return(result, 0.0, downside)), float(_expected_return(result, 1.0, downside))
    if at1 != at0:
        implied = -at0 / (at1 - at0)  # linear in p: where the line crosses zero
        if 0.0 <= implied <= 1.0:
            ax.axvline(implied, color="tab:red", ls="--", lw=1, label=f"market-implied {implied:.0%}", gid=GID_IMPLIED)
    _percent_axis(ax.xaxis)
    _percent_axis(ax.yaxis)
    ax.set_xlabel("Probability of completion (%)")
    ax.set_ylabel("Expected return to close (%, not annualised)")
    name = result.deal.id if isinstance(result, DealResult) else getattr(result, "name", None)
    ax.set_title(title or (f"{_text(name)}: expected return" if name else "expected return"), fontsize=10)
    ax.grid(alpha=0.3)
    _finish(ax, _result_provenance(result) if isinstance(result, DealResult) else _row_provenance(result))
    return fig


def _row_provenance(row: Any) -> _Provenance:
    """A row of :func:`arb.value`: its as-of, stale and synthetic columns; it keeps no source."""
    import pandas as pd

    when = row.get("as_of") if hasattr(row, "get") else None
    day = None if when is None or pd.isna(when) else pd.Timestamp(when).date()

    def flag(name: str) -> bool:
        got = row.get(name) if hasattr(row, "get") else None
        return bool(got) if got is not None and not pd.isna(got) else False

    return _Provenance(
        day, "not kept in a row of arb.value (chart the DealResult to name them)", flag("stale"), flag("synthetic")
    )


#: Artist ids of :func:`timeline`'s marks: confirmed events, expected ones, revisions, conditions met.
GID_EVENT, GID_EVENT_EXPECTED, GID_REVISION, GID_CONDITION = "event", "event-expected", "revision", "condition"


def timeline(
    deal: Deal | str | Path,
    history: pd.DataFrame | None = None,
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A deal's timetable as marks on its spread history (:func:`arb.history`), or on its own.

    Each event is a vertical line labelled with its kind: solid when confirmed, dashed when
    expected. A condition met, waived or failed is a dotted line at its date; each revision of
    the terms a purple line on the day it was superseded. With ``history`` (a frame with
    ``as_of`` and ``spread_pct``) the spread % is drawn under the marks as by
    :func:`spread_history`; without it the marks stand on a bare time axis, and the footnote
    says no prices are drawn. The date axis is ticked at the marks' and refreshes' own dates.
    """
    from matplotlib.dates import date2num
    from matplotlib.transforms import blended_transform_factory

    d = _deal_of(deal)
    marks: list[tuple[dt.date, str, str, str, str]] = []  # date, label, gid, colour, line style
    for e in d.events:
        gid = GID_EVENT if e.confirmed else GID_EVENT_EXPECTED
        colour = "tab:red" if e.kind in ("long-stop", "pre-condition-long-stop") else "tab:green"
        marks.append((e.date, e.kind, gid, colour, "-" if e.confirmed else "--"))
    for c in d.conditions:
        if c.date is not None:
            colour = "tab:red" if c.status == "failed" else "tab:gray"
            marks.append((c.date, f"{c.name}: {c.status}", GID_CONDITION, colour, ":"))
    for rev in d.revisions:
        marks.append((rev.superseded, "terms revised", GID_REVISION, "tab:purple", "-."))
    if history is None and not marks:
        raise ArbError(f"timeline: {d.id} has no events, conditions with dates or revisions to draw")
    dated = history is not None and len(history) > 0
    if dated:
        assert history is not None
        fig, ax = _axes(ax)
        provenance, refreshed = _draw_history(ax, history, MAX_GAP_DAYS)
        ax.set_title(title or f"{_text(d.id)}: timeline and spread", fontsize=10)
    else:
        fig, ax = _axes(ax, (7.0, 4.4))
        ax.set_yticks([])
        ax.set_title(title or f"{_text(d.id)}: timeline", fontsize=10)
        ax.set_xlabel("Date")
        ax.grid(alpha=0.3, axis="x")
        provenance, refreshed = _Provenance(dt.date.today(), "none drawn (the deal file's timetable only)"), np.empty(0)
    if marks:
        # Floats in matplotlib's date units: the same axis spread_history draws its datetimes on.
        days = [float(date2num(m[0])) for m in marks]
        if not dated:
            pad = max((max(days) - min(days)) / 20, 3.0)
            ax.set_xlim(min(days) - pad, max(days) + pad)
            ax.xaxis_date()
        top = blended_transform_factory(ax.transData, ax.transAxes)
        seen: set[str] = set()
        on_day: dict[float, int] = {}
        for day, (_, label, gid, colour, style) in zip(days, marks, strict=True):
            legend = {GID_EVENT: "event", GID_EVENT_EXPECTED: "expected event"}.get(gid, gid.replace("-", " "))
            ax.axvline(day, color=colour, ls=style, lw=1, gid=gid, label=None if legend in seen else legend, alpha=0.8)
            seen.add(legend)
            # Marks on one day: left of the line, right of it, then the same lower down.
            k = on_day[day] = on_day.get(day, -1) + 1
            short = label if len(label) <= MAX_MARK_CHARS else label[: MAX_MARK_CHARS - 1] + "…"
            ax.text(
                day,
                0.98 - 0.5 * (k // 2),
                f" {_text(short)} ",
                transform=top,
                rotation=90,
                va="top",
                ha="right" if k % 2 == 0 else "left",
                fontsize=7,
                gid=gid,
            )
        _date_ticks(ax.xaxis, [*days, *refreshed])
    _finish(ax, provenance)
    return fig

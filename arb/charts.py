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
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from arb._charting import FRACTIONS as FRACTIONS
from arb._charting import GID_FOOTNOTE as GID_FOOTNOTE
from arb._charting import GID_NOTE as GID_NOTE
from arb._charting import LABELS as LABELS
from arb._charting import MAX_DATE_TICKS as MAX_DATE_TICKS
from arb._charting import (
    NO_UNIT,
    Provenance,
    date_ticks,
    finish,
    grid_provenance,
    history_provenance,
    input_label,
    input_value,
    mark_number,
    new_axes,
    note_point,
    numbers,
    percent_axis,
    plain,
    result_provenance,
    row_provenance,
    value_at,
    value_words,
)
from arb.api import PricesLike, prices_from, valuation
from arb.api import expected_return as _expected_return
from arb.errors import ArbError
from arb.models import Deal
from arb.pricing import DealResult

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from arb.prices.base import Quote

__all__ = ["expected_return", "payoff", "sensitivity", "spread_history", "timeline"]

#: Artist ids the tests and users can look charts' parts up by (``artist.get_gid()``).
GID_VALUE, GID_TARGET, GID_DOWNSIDE = "deal-value", "target-price", "downside"
GID_CURRENT, GID_COLLAR, GID_TERMS = "current", "collar", "terms-changed"
GID_IMPLIED, GID_ZERO, GID_BREAKEVEN = "implied-probability", "zero", "break-even"
GID_SPREAD, GID_LIVE, GID_STALE = "spread", "spread-live", "spread-stale"
#: The hatching behind cells with no value (the footnote's and note's ids are in arb._charting).
GID_MISSING = "no-value"
#: The band between the deal value and the target's price in a payoff against the target.
GID_GAIN = "spread-band"
#: ``spread_history`` breaks its line across a gap between refreshes longer than this (calendar days).
MAX_GAP_DAYS = 5.0
#: A timeline's mark is labelled with at most this many characters of its name.
MAX_MARK_CHARS = 34


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


def _in_unit(xs: Sequence[float] | np.ndarray, quote: Quote | None) -> list[str] | Sequence[float] | np.ndarray:
    """The grid's prices with the quote's own unit written on each (``"3.5GBP"``): the axis is
    drawn in that unit, and a bare number for a listing quoted in pence is refused as ambiguous."""
    if quote is None or not quote.currency:
        return xs
    return [f"{float(x)!r}{quote.currency}" for x in xs]


def payoff(
    deal: Deal | str | Path,
    prices: PricesLike = "snapshot",
    symbol: str | None = None,
    *,
    grid: Sequence[float | str] | np.ndarray | None = None,
    as_of: dt.date | str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Deal value per target share against the price of ``symbol`` (default: what the hedge shorts).

    Marks the target price, the downside when the deal has one, the current point (the
    symbol's price in ``prices`` and the deal value there, hollow when a price is stale, with a
    note of its values) and any collar band, converted to the symbol's price when the collared
    security is priced from it as a proxy. ``grid``: the symbol prices to draw (default: 50% to
    150% of its current price), numbers or prices with their unit (``"490GBp"``); for a listing
    quoted in pence a bare number is refused, as everywhere.

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
    tq = result.info.target_quote
    # Against the target's own price (asked for, or nothing else moves the value): the target line is a diagonal.
    key = "target" if sym is None or (tq is not None and sym == tq.symbol) else sym
    if sym is None:
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
        own = np.linspace(0.5 * current.price, 1.5 * current.price, 201)
        frame = scenarios(deal, source, {key: _in_unit(own, current)}, as_of=base.as_of)
    else:
        # The caller's prices as given: a bare number for a listing quoted in pence is refused
        # (pence or pounds?), and '490GBp' is read as GBP 4.90, the unit the axis is drawn in.
        frame = scenarios(deal, source, {key: grid}, as_of=base.as_of)
    xs = np.asarray(frame[key], dtype=np.float64)
    if frame["deal_value"].isna().all():
        why = str(frame["flags"].iloc[0]) or " ".join(str(f) for f in result.flags)
        raise ArbError(f"payoff: {deal.id} has no deal value to draw at any {sym} price on {base.as_of} ({why})")
    fig, ax = new_axes(ax)
    ccy = plain(result.currency or NO_UNIT)
    unit = plain(current.currency if current is not None else frame.attrs.get("units", {}).get(key, NO_UNIT))
    name = plain(sym)
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
    provenance = result_provenance(result, base.source_label)
    if current is not None:
        now = scenarios(deal, source, {key: _in_unit([current.price], current)}, as_of=base.as_of).iloc[0]
        face = "none" if provenance.stale else "tab:blue"
        label = "at the prices given" + (" (stale: hollow)" if provenance.stale else "")
        ax.plot(
            [current.price], [now["deal_value"]], "o", color="tab:blue", mfc=face, ms=8, label=label, gid=GID_CURRENT
        )
        note = [f"{name} {unit} {current.price:,.2f}", f"value {ccy} {now['deal_value']:,.2f}"]
        if math.isfinite(now["spread_pct"]):
            note.append(f"spread {now['spread_pct']:.1%}")
        # the value line's slope at the point, so the note sits where the line is not
        slope = _slope_at(xs, value, current.price)
        note_point(ax, current.price, float(now["deal_value"]), f"as of {base.as_of}", note, slope=slope)
    which = " (the target)" if key == "target" else ""
    ax.set_xlabel(f"{name} price ({unit}){which}")
    ax.set_ylabel(f"Value per target share ({ccy})")
    ax.set_title(f"{plain(deal.name)}: payoff", fontsize=10)
    ax.grid(alpha=0.3)
    finish(ax, provenance)
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


def _slope_at(xs: np.ndarray, ys: np.ndarray, x: float) -> float | None:
    """The slope of the line through (xs, ys) at ``x``, from the grid points either side (None when
    the grid has fewer than two distinct points there)."""
    if len(xs) < 2:
        return None
    order = np.argsort(xs, kind="stable")
    sx, sy = xs[order], ys[order]
    at = int(np.clip(np.searchsorted(sx, x), 1, len(sx) - 1))
    dx = float(sx[at] - sx[at - 1])
    return float(sy[at] - sy[at - 1]) / dx if dx > 0 else None


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
    fig, ax = new_axes(ax)
    provenance, _ = _draw_history(ax, frame, max_gap_days)
    deal_id = frame["deal_id"].iloc[0] if "deal_id" in frame.columns else None
    ax.set_title(title or (f"{plain(deal_id)}: spread history" if deal_id else "spread history"), fontsize=10)
    finish(ax, provenance)
    return fig


def _draw_history(ax: Axes, frame: pd.DataFrame, max_gap_days: float) -> tuple[Provenance, np.ndarray]:
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
    percent_axis(ax.yaxis)
    ax.set_ylabel("Spread (% of target price)")
    ax.set_xlabel("Date")
    days = np.asarray(date2num(times.to_numpy()), dtype=np.float64)
    date_ticks(ax.xaxis, days)
    ax.grid(alpha=0.3)
    return history_provenance(frame, order, stale, times), days


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
    (xs, x_dates), (ys, y_dates) = numbers(table.columns.to_numpy()), numbers(table.index.to_numpy())
    fig, ax = new_axes(ax, (7.0, 5.2))
    finite = z.compressed()
    if not finite.size:
        raise ArbError(f"sensitivity: every {value} in the grid is null (a flag blocks it); nothing to colour")
    size = np.abs(finite)
    reach = max(float(np.max(size)), 1e-9)
    # A few cells far beyond the rest (an annualised return over a few days) would stretch the scale
    # until every other cell reads as zero: past CLIP_RATIO x the 95th percentile the scale stops
    # there, those cells take the end colours, and the colour bar's arrows and the legend say so.
    typical = float(np.percentile(size, 95))
    clipped = int(np.count_nonzero(size > typical)) if reach > CLIP_RATIO * typical > 0 else 0
    if clipped:
        reach = typical
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
    bar = fig.colorbar(mesh, ax=ax, extend="both" if clipped else "neither")
    if value in FRACTIONS:
        percent_axis(bar.ax.yaxis)
    label = input_label(value, attrs)
    if clipped:
        shown = f"{reach:.0%}" if value in FRACTIONS else f"{reach:,.4g}"
        label += f"\ncolours end at ±{shown}: {clipped} cell{'s' if clipped > 1 else ''} beyond"
    bar.set_label(label)
    extra = []
    lo, hi = float(finite.min()), float(finite.max())
    if lo < 0 < hi and len(xs) > 1 and len(ys) > 1:
        ax.contour(xs, ys, z, levels=[0.0], colors="black", linewidths=1.2).set_gid(GID_BREAKEVEN)
        extra.append(Line2D([], [], color="black", lw=1.2, label="break-even (zero spread)"))
    provenance = grid_provenance(attrs)
    if mark is not None:
        mx, my = mark_number(mark[0], x_dates), mark_number(mark[1], y_dates)
        face = "none" if provenance.stale else "white"
        label = plain(mark_label) + (" (stale prices: hollow)" if provenance.stale else "")
        ax.plot([mx], [my], "*", color="black", mfc=face, mec="black", ms=14, label=label, gid=GID_CURRENT)
        at = value_at(xs, ys, z.filled(np.nan), mx, my)
        parts = [input_value(x, mx, attrs, x_dates), input_value(y, my, attrs, y_dates)]
        if at is None:
            parts.append("outside the grid")
        else:
            parts.append(("" if at[1] else "≈ ") + value_words(value, at[0], attrs))
        note_point(ax, mx, my, plain(mark_label), parts)
    for col, axis, dates, values in ((x, ax.xaxis, x_dates, xs), (y, ax.yaxis, y_dates, ys)):
        if dates:
            date_ticks(axis, values)
        elif col.startswith("discount:") or col in ("probability", *FRACTIONS):
            percent_axis(axis)
    ax.set_xlabel(input_label(x, attrs))
    ax.set_ylabel(input_label(y, attrs))
    deal = attrs.get("deal")
    what = input_label(value, attrs)
    ax.set_title(title or (f"{plain(deal)}: {what[0].lower()}{what[1:]}" if deal else what), fontsize=10)
    finish(ax, provenance, extra)
    return fig


#: :func:`sensitivity` stops its colour scale at the 95th percentile of the grid's sizes when the
#: largest is more than this many times that: the few cells beyond take the end colours.
CLIP_RATIO = 4.0

#: Artist id of the legend entry saying why :func:`expected_return` marks no market-implied probability.
GID_NO_IMPLIED = "no-implied"


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
    fig, ax = new_axes(ax)
    ax.plot(p, er, color="tab:blue", lw=2, label="expected return", gid="expected-return")
    ax.axhline(0.0, color="grey", lw=0.8, label="zero return (break-even)", gid=GID_ZERO)
    at0, at1 = float(_expected_return(result, 0.0, downside)), float(_expected_return(result, 1.0, downside))
    implied = -at0 / (at1 - at0) if at1 != at0 else math.nan  # linear in p: where the line crosses zero
    if 0.0 <= implied <= 1.0:
        ax.axvline(implied, color="tab:red", ls="--", lw=1, label=f"market-implied {implied:.0%}", gid=GID_IMPLIED)
    else:
        # No mark, and the legend says why, with the flag arb.value raises for it.
        if at1 == at0:
            why = "value-at-downside"
        elif at1 < at0:
            why = "value-below-downside"
        else:
            why = "price-above-value" if implied > 1.0 else "price-below-downside"
        ax.plot([], [], ls="none", label=f"no market-implied probability: {why}", gid=GID_NO_IMPLIED)
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.set_xlabel("Probability of completion (%)")
    ax.set_ylabel("Expected return to close (%, not annualised)")
    name = result.deal.id if isinstance(result, DealResult) else getattr(result, "name", None)
    ax.set_title(title or (f"{plain(name)}: expected return" if name else "expected return"), fontsize=10)
    ax.grid(alpha=0.3)
    finish(ax, result_provenance(result) if isinstance(result, DealResult) else row_provenance(result))
    return fig


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
        fig, ax = new_axes(ax)
        provenance, refreshed = _draw_history(ax, history, MAX_GAP_DAYS)
        ax.set_title(title or f"{plain(d.id)}: timeline and spread", fontsize=10)
    else:
        fig, ax = new_axes(ax, (7.0, 4.4))
        ax.set_yticks([])
        ax.set_title(title or f"{plain(d.id)}: timeline", fontsize=10)
        ax.set_xlabel("Date")
        ax.grid(alpha=0.3, axis="x")
        provenance, refreshed = Provenance(dt.date.today(), "none drawn (the deal file's timetable only)"), np.empty(0)
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
                f" {plain(short)} ",
                transform=top,
                rotation=90,
                va="top",
                ha="right" if k % 2 == 0 else "left",
                fontsize=7,
                gid=gid,
            )
        date_ticks(ax.xaxis, [*days, *refreshed])
    finish(ax, provenance)
    return fig

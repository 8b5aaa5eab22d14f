"""Charts an arbitrageur reads, one call each; each returns its matplotlib Figure and never shows it.

matplotlib is imported inside the functions, so ``import arb`` stays light. Figures are built
with :class:`matplotlib.figure.Figure` (no pyplot state); pass ``ax=`` to draw into an axes of
your own figure instead. Spreads and returns are plotted as percents of the target price.

- :func:`payoff`: deal value against an acquirer's (or a proxy's) price.
- :func:`spread_history`: the spread % over time, stale points hollow, term changes marked.
- :func:`sensitivity`: a heatmap of the spread % over two gridded inputs.
- :func:`expected_return`: expected return against the probability of completion.
- :func:`timeline`: a deal's events, conditions and revisions as marks on its spread history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from arb.api import PricesLike, prices_from, valuation
from arb.api import expected_return as _expected_return
from arb.errors import ArbError
from arb.models import Deal
from arb.pricing import DealResult

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["expected_return", "payoff", "sensitivity", "spread_history", "timeline"]

#: Artist ids the tests and users can look charts' parts up by (``artist.get_gid()``).
GID_VALUE, GID_TARGET, GID_DOWNSIDE = "deal-value", "target-price", "downside"
GID_CURRENT, GID_COLLAR, GID_TERMS = "current", "collar", "terms-changed"
GID_IMPLIED, GID_ZERO, GID_BREAKEVEN = "implied-probability", "zero", "break-even"
GID_SPREAD, GID_LIVE, GID_STALE = "spread", "spread-live", "spread-stale"
#: ``spread_history`` breaks its line across a gap between refreshes longer than this (calendar days).
MAX_GAP_DAYS = 5.0

#: How figures are named on axes and colour bars.
LABELS = {
    "spread_pct": "spread (% of target price)",
    "annualized": "annualised return (compound)",
    "annualized_simple": "annualised return (simple)",
    "expected_return": "expected return to close",
    "implied_probability": "market-implied probability",
    "deal_value": "deal value per target share",
    "spread": "spread per target share",
}
#: Figures that are fractions, drawn as percents.
FRACTIONS = ("spread_pct", "annualized", "annualized_simple", "expected_return", "implied_probability")


def _axes(ax: Axes | None, size: tuple[float, float] = (7.0, 4.2)) -> tuple[Figure, Axes]:
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


def _deal_of(deal: Deal | str | Path) -> Deal:
    from arb.grid import _resolve_deal

    return _resolve_deal(deal)


def _payoff_symbol(result: DealResult, symbol: str | None) -> str:
    """The listing the payoff is drawn against: given, else the first the hedge is short, else a proxy."""
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
    raise ArbError(f"{result.deal.id}: no acquirer listing or proxy in the consideration to draw the payoff against")


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
    symbol's price in ``prices`` and the deal value there) and any collar band, converted to
    the symbol's price when the collared security is priced from it as a proxy. ``grid``: the
    symbol prices to draw (default: 50% to 150% of its current price).
    """
    from arb.grid import scenarios

    deal = _deal_of(deal)
    source = prices_from(prices)
    base = valuation(deal, source, as_of=as_of)
    result = base.results[0]
    sym = _payoff_symbol(result, symbol)
    current = base.fetch.quotes.get(sym)
    if grid is None:
        if current is None:
            raise ArbError(f"payoff: no price for {sym} in {source.label}; pass grid= (the {sym} prices to draw)")
        grid = np.linspace(0.5 * current.price, 1.5 * current.price, 201)
    xs = np.asarray(grid, dtype=np.float64)
    frame = scenarios(deal, source, {sym: xs}, as_of=base.as_of)
    fig, ax = _axes(ax)
    ccy = result.currency or ""
    ax.plot(xs, frame["deal_value"], color="tab:blue", lw=2, label="deal value", gid=GID_VALUE)
    target = result.figures["target_price"]
    if target is not None:
        ax.axhline(target, color="black", lw=1, ls="--", label=f"target price {target:,.2f}", gid=GID_TARGET)
    down = result.figures["downside"]
    if down is not None:
        ax.axhline(
            down, color="tab:red", lw=1, ls=":", label=f"downside {down:,.2f} (if the deal breaks)", gid=GID_DOWNSIDE
        )
    for low, high in _collar_bands(result, sym):
        ax.axvspan(low, high, color="tab:orange", alpha=0.15, label="collar band", gid=GID_COLLAR)
    if current is not None:
        now = scenarios(deal, source, {sym: [current.price]}, as_of=base.as_of)["deal_value"].iloc[0]
        label = f"at the prices given: {sym} {current.price:,.2f}"
        ax.plot([current.price], [now], "o", color="tab:blue", ms=8, label=label, gid=GID_CURRENT)
    unit = current.currency if current is not None else ""
    ax.set_xlabel(f"{sym} price {unit}".strip())
    ax.set_ylabel(f"value per target share ({ccy})")
    ax.set_title(f"{deal.name}: payoff", fontsize=10)
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    return fig


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
    """
    import pandas as pd

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
    fig, ax = _axes(ax)
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
    ax.axhline(0.0, color="grey", lw=0.8, gid=GID_ZERO)
    if "terms_changed" in frame.columns:
        changed = np.asarray(frame["terms_changed"], dtype=bool)[order]
        marked: Any = times[changed].to_numpy()
        for i, t in enumerate(marked):
            ax.axvline(t, color="tab:purple", ls="--", lw=1, label="terms changed" if i == 0 else None, gid=GID_TERMS)
    _percent_axis(ax.yaxis)
    ax.set_ylabel("spread (% of target price)")
    deal_id = frame["deal_id"].iloc[0] if "deal_id" in frame.columns else None
    ax.set_title(title or (f"{deal_id}: spread history" if deal_id else "spread history"), fontsize=10)
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return fig


def sensitivity(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    value: str = "spread_pct",
    mark: tuple[Any, Any] | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A heatmap of ``value`` (default: spread %) over two inputs of a :func:`arb.scenarios` grid.

    ``frame`` must hold every (x, y) combination (``product=True``). Colours diverge at zero
    (red: the deal is worth less than the target's price), with the zero contour drawn as the
    break-even line; ``mark`` places a point, e.g. today's inputs.
    """
    for col in (x, y, value):
        if col not in frame.columns:
            raise ArbError(f"sensitivity: no column {col!r} in the frame (columns: {', '.join(frame.columns)})")
    table = frame.pivot_table(index=y, columns=x, values=value, aggfunc="first")
    if table.isna().any().any():
        raise ArbError(f"sensitivity: the grid is missing some ({x}, {y}) combinations; use product=True")
    z = table.to_numpy()
    xs, ys = table.columns.to_numpy(), table.index.to_numpy()
    fig, ax = _axes(ax, (7.0, 4.8))
    finite = z[np.isfinite(z)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    cmap, norm = _diverging_at_zero(lo, hi)
    mesh = ax.pcolormesh(xs, ys, z, cmap=cmap, norm=norm, shading="nearest", gid="heatmap")
    bar = fig.colorbar(mesh, ax=ax)
    if value in FRACTIONS:
        _percent_axis(bar.ax.yaxis)
    bar.set_label(LABELS.get(value, value))
    if lo < 0 < hi and len(xs) > 1 and len(ys) > 1:
        ax.contour(xs, ys, z, levels=[0.0], colors="black", linewidths=1.2)
        ax.plot([], [], color="black", lw=1.2, label="break-even (zero spread)", gid=GID_BREAKEVEN)
    if mark is not None:
        ax.plot([mark[0]], [mark[1]], "*", color="white", mec="black", ms=14, label="marked point", gid=GID_CURRENT)
    for col, axis in ((x, ax.xaxis), (y, ax.yaxis)):
        if col.startswith("discount:") or col == "probability":
            _percent_axis(axis)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title or f"{LABELS.get(value, value)} by {x} and {y}", fontsize=10)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="best")
    return fig


def _diverging_at_zero(lo: float, hi: float) -> tuple[Any, Any]:
    """Red below zero, yellow at zero, green above, whichever side the values fall on."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap, Normalize, TwoSlopeNorm

    full = colormaps["RdYlGn"]
    if lo < 0 < hi:
        return full, TwoSlopeNorm(0.0, lo, hi)
    if lo >= 0:  # all gains: the green half, anchored at zero
        return ListedColormap(full(np.linspace(0.5, 1.0, 128))), Normalize(0.0, max(hi, 1e-9))
    return ListedColormap(full(np.linspace(0.0, 0.5, 128))), Normalize(min(lo, -1e-9), 0.0)


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
    deal's own; ``result`` is a :class:`DealResult` or a row of :func:`arb.value`.
    """
    p = np.linspace(0.0, 1.0, 101) if probabilities is None else np.asarray(probabilities, dtype=np.float64)
    er = np.asarray(_expected_return(result, p, downside), dtype=np.float64)
    if not np.isfinite(er).any():
        raise ArbError("expected_return: no deal value, target price or downside to compute it from")
    fig, ax = _axes(ax)
    ax.plot(p, er, color="tab:blue", lw=2, label="expected return", gid="expected-return")
    ax.axhline(0.0, color="grey", lw=0.8, gid=GID_ZERO)
    at0, at1 = float(_expected_return(result, 0.0, downside)), float(_expected_return(result, 1.0, downside))
    if at1 != at0:
        implied = -at0 / (at1 - at0)  # linear in p: where the line crosses zero
        if 0.0 <= implied <= 1.0:
            ax.axvline(implied, color="tab:red", ls="--", lw=1, label=f"market-implied {implied:.0%}", gid=GID_IMPLIED)
    _percent_axis(ax.xaxis)
    _percent_axis(ax.yaxis)
    ax.set_xlabel("probability of completion")
    ax.set_ylabel("expected return to close (not annualised)")
    name = result.deal.id if isinstance(result, DealResult) else getattr(result, "name", None)
    ax.set_title(title or (f"{name}: expected return" if name else "expected return"), fontsize=10)
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
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
    :func:`spread_history`; without it the marks stand on a bare time axis.
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
    if history is not None and len(history):
        fig = spread_history(history, title=title or f"{d.id}: timeline and spread", ax=ax)
        ax = fig.axes[0] if ax is None else ax
    else:
        fig, ax = _axes(ax, (7.0, 2.8))
        ax.set_yticks([])
        ax.set_title(title or f"{d.id}: timeline", fontsize=10)
        ax.grid(alpha=0.3, axis="x")
    if marks:
        # Floats in matplotlib's date units: the same axis spread_history draws its datetimes on.
        days = [float(date2num(m[0])) for m in marks]
        if history is None or not len(history):
            pad = max((max(days) - min(days)) / 20, 3.0)
            ax.set_xlim(min(days) - pad, max(days) + pad)
            ax.xaxis_date()
        top = blended_transform_factory(ax.transData, ax.transAxes)
        seen: set[str] = set()
        for day, (_, label, gid, colour, style) in zip(days, marks, strict=True):
            legend = {GID_EVENT: "event", GID_EVENT_EXPECTED: "expected event"}.get(gid, gid.replace("-", " "))
            ax.axvline(day, color=colour, ls=style, lw=1, gid=gid, label=None if legend in seen else legend, alpha=0.8)
            seen.add(legend)
            ax.text(day, 0.98, f" {label}", transform=top, rotation=90, va="top", ha="right", fontsize=7, gid=gid)
        ax.legend(fontsize=8, loc="best")
        fig.autofmt_xdate()
    return fig

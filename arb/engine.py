"""The valuation engine: pure numpy over a table of legs, vectorised over deals and scenarios.

Conventions (the contract of ``arb report --json``):

- Money is per target share, in each deal's own currency (the *deal currency*).
- ``spread = deal_value + dividends - target_price``; ``spread_pct`` is a fraction.
- Days are calendar days (ACT/365): ``annualized = (1 + spread_pct) ** (365 / days) - 1``,
  ``annualized_simple = spread_pct * 365 / days``.
- ``implied_probability = (target_price - downside) / (deal_value + dividends - downside)``,
  NaN unless ``downside <= target_price <= deal_value + dividends`` and ``deal_value + dividends
  > downside``: a value at or below the downside, or a price outside that range, gives no
  probability (never 2.0 or -0.667). :func:`arb.book.flag_figures` flags each case.
- Dividends count when ``as_of < ex_date <= close``. With no close date (NaN), a dividend going
  ex after ``as_of`` may or may not count: the dividends figure is then NaN, not 0.
- A leg's *delta* is the number of shares of its security that move its value one-for-one with
  that security's price: the shares to short per target share to hedge it.
- At a collar's edge (the price exactly on ``low`` or ``high``) the value has a kink and the
  delta is one-sided: the engine uses the side *inside the band*, as if the price stayed in it
  (``ratio`` for a fixed ratio, 0 for a fixed value). :func:`edge_deltas` gives both sides.

Every input array may carry a leading scenario axis: a field of shape ``(L,)`` values one set of
prices; the same field of shape ``(S, L)`` values ``S`` scenarios at once. Nothing loops over
deals or scenarios in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from arb.fields import FrozenFields

__all__ = [
    "CASH",
    "CVR",
    "DAYS_PER_YEAR",
    "FIGURES",
    "STOCK_RATIO",
    "STOCK_VALUE",
    "DealTable",
    "DividendTable",
    "EngineResult",
    "LegTable",
    "edge_deltas",
    "leg_values",
    "metrics",
    "value_book",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The per-deal figures, in the order of ``arb report --json`` (the contract of every output).
FIGURES = (
    "target_price",
    "deal_value",
    "dividends",
    "spread",
    "spread_pct",
    "days_to_close",
    "annualized",
    "annualized_simple",
    "downside",
    "implied_probability",
)

#: Calendar days per year for annualising (ACT/365).
DAYS_PER_YEAR = 365.0

#: Leg kinds in the compiled table.
CASH, STOCK_RATIO, STOCK_VALUE, CVR = 0, 1, 2, 3


@dataclass(init=False, repr=False, eq=False)
class LegTable(FrozenFields):
    """One row per leg, legs of a deal contiguous and deals in ascending order.

    ``price`` is the reference price of the leg's security in the security's currency (NaN when
    unknown); ``fx`` converts the leg's currency (the security's, or the cash currency) into the
    deal currency. ``low``/``high`` are the collar band in the security's currency (0 and +inf when
    there is no collar). ``hedge_mult`` converts security shares into shares of the listing to
    short (``1 - discount`` for a proxy-priced security, 0 when priced from a fixed estimate).
    ``ratio_min``/``ratio_max`` are a fixed-value leg's printed exchange-ratio bounds (NaN when
    none; None when no leg has any): above ``high`` the shares are ``ratio_min``, below ``low``
    ``ratio_max``, whatever ``value / (bound x fx)`` gives.
    """

    deal: IntArray
    kind: npt.NDArray[np.int8]
    weight: FloatArray
    ratio: FloatArray
    value: FloatArray
    amount: FloatArray
    probability: FloatArray
    low: FloatArray
    high: FloatArray
    price: FloatArray
    fx: FloatArray
    hedge_mult: FloatArray
    ratio_min: FloatArray | None = None
    ratio_max: FloatArray | None = None
    #: A pricing period: the reference price is ``ref_fixed + ref_weight x price`` (the closes
    #: already fixed, averaged over the period's days, plus the share of days still to come at
    #: the current price). None when no leg has one; 0 and 1 on a leg without one.
    ref_fixed: FloatArray | None = None
    ref_weight: FloatArray | None = None

    def __len__(self) -> int:
        return int(self.deal.shape[0])

    def with_(self, **arrays: Any) -> LegTable:
        """A copy with some fields replaced (scenario arrays broadcast against the others)."""
        return replace(self, **{k: np.asarray(v, dtype=getattr(self, k).dtype) for k, v in arrays.items()})


@dataclass(init=False, repr=False, eq=False)
class DividendTable(FrozenFields):
    """One row per dividend counted for a deal.

    ``amount`` is per share in the deal currency (already converted). ``leg`` is -1 for a
    dividend on the target (received by the arb) or the index of the hedged leg whose short
    position owes it. ``ex_date`` is a proleptic ordinal (``date.toordinal()``).
    """

    deal: IntArray
    leg: IntArray
    amount: FloatArray
    ex_date: FloatArray

    @classmethod
    def empty(cls) -> DividendTable:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))


@dataclass(init=False, repr=False, eq=False)
class DealTable(FrozenFields):
    """One row per deal. Dates are day ordinals as floats (NaN when unknown); prices in deal currency."""

    target_price: FloatArray
    downside: FloatArray
    as_of: FloatArray
    close: FloatArray
    n_legs: IntArray

    def __len__(self) -> int:
        return int(self.target_price.shape[-1])

    def with_(self, **arrays: Any) -> DealTable:
        return replace(self, **{k: np.asarray(v, dtype=getattr(self, k).dtype) for k, v in arrays.items()})


@dataclass(init=False, repr=False, eq=False)
class EngineResult(FrozenFields):
    """Per-deal figures (shape ``(D,)`` or ``(S, D)``) and per-leg figures (``(L,)`` or ``(S, L)``)."""

    target_price: FloatArray
    deal_value: FloatArray
    dividends: FloatArray
    spread: FloatArray
    spread_pct: FloatArray
    days_to_close: FloatArray
    annualized: FloatArray
    annualized_simple: FloatArray
    downside: FloatArray
    implied_probability: FloatArray
    leg_value: FloatArray
    leg_delta: FloatArray
    leg_hedge: FloatArray

    def deal_fields(self) -> dict[str, FloatArray]:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("leg_")}


def leg_values(legs: LegTable) -> tuple[FloatArray, FloatArray]:
    """Value and delta of each leg per target share, before proration weight.

    Value is in the deal currency. Delta is in shares of the leg's security: the change in value
    for a one-unit move in the security's price, both in the same currency.

    - cash: ``amount * fx``; cvr: ``amount * probability * fx``; delta 0.
    - fixed ratio: ``ratio * clamp(S, low, high) * fx``; delta ``ratio`` inside the band, else 0.
    - fixed value: shares ``value / (clamp(S, low, high) * fx)``, value ``shares * S * fx``; delta
      0 inside the band (the value is fixed), ``shares`` outside it. Printed ratio bounds replace
      the shares outside the band: ``ratio_max`` below ``low``, ``ratio_min`` above ``high``.
    - a pricing period sets the shares by the reference price ``R = ref_fixed + ref_weight x S``
      and values them at ``S``: fixed ratio ``ratio x clamp(R) / R`` shares, fixed value
      ``value / (clamp(R) x fx)`` shares. The delta follows: inside the band ``ratio`` (fixed ratio)
      or ``value x ref_fixed / (R^2 x fx)`` (fixed value), outside it ``ratio x bound x ref_fixed /
      R^2`` (fixed ratio) or the shares (fixed value). With ``ref_fixed = 0`` and ``ref_weight = 1``
      these are the formulas above.
    """
    kind = legs.kind
    if kind.ndim != 1:
        return _leg_values_by_mask(legs)
    fields_used = (legs.ratio, legs.value, legs.amount, legs.probability, legs.low, legs.high, legs.price, legs.fx)
    shape = np.broadcast_shapes(kind.shape, *(a.shape for a in fields_used))
    value = np.full(shape, np.nan)
    delta = np.zeros(shape)
    n_legs = kind.shape[0]
    # Each formula runs on its own kind's columns only: with a scenario axis, a (S, L) grid of
    # which most columns are cash would otherwise compute every formula on every cell.
    for k in (CASH, CVR, STOCK_RATIO, STOCK_VALUE):
        cols = np.flatnonzero(kind == k)
        if cols.size == 0:
            continue
        every = cols.size == n_legs

        def take(a: FloatArray, cols: IntArray = cols, every: bool = every) -> FloatArray:
            return a if every else a.take(cols, axis=-1)

        fx = take(legs.fx)
        d: FloatArray | None = None
        with np.errstate(invalid="ignore", divide="ignore"):
            if k == CASH:
                v = take(legs.amount) * fx
            elif k == CVR:
                v = take(legs.amount) * take(legs.probability) * fx
            elif legs.ref_fixed is not None and legs.ref_weight is not None:
                v, d = _period_values(
                    k,
                    take(legs.price),
                    take(legs.low),
                    take(legs.high),
                    take(legs.ratio),
                    take(legs.value),
                    fx,
                    take(legs.ref_fixed),
                    take(legs.ref_weight),
                    None if legs.ratio_min is None else take(legs.ratio_min),
                    None if legs.ratio_max is None else take(legs.ratio_max),
                )
            else:
                s, low, high = take(legs.price), take(legs.low), take(legs.high)
                clamped = np.clip(s, low, high)
                inside = (s >= low) & (s <= high)
                if k == STOCK_RATIO:
                    ratio = take(legs.ratio)
                    v = ratio * clamped * fx
                    d = np.where(inside, ratio, 0.0)
                else:
                    shares = take(legs.value) / (clamped * fx)
                    if legs.ratio_min is not None and legs.ratio_max is not None:
                        shares = _printed_ratios(shares, s, low, high, take(legs.ratio_min), take(legs.ratio_max))
                    v = shares * s * fx
                    d = np.where(inside, 0.0, shares)
                # A missing price leaves the delta unknown too, not zero.
                d = np.where(np.isnan(s), np.nan, d)
        if every:
            value[...] = v
            if d is not None:
                delta[...] = d
        else:
            value[..., cols] = v
            if d is not None:
                delta[..., cols] = d
    return value, delta


def _period_values(
    kind: int,
    s: FloatArray,
    low: FloatArray,
    high: FloatArray,
    ratio: FloatArray,
    value: FloatArray,
    fx: FloatArray,
    fixed: FloatArray,
    weight: FloatArray,
    ratio_min: FloatArray | None,
    ratio_max: FloatArray | None,
) -> tuple[FloatArray, FloatArray]:
    """Value and delta of stock legs whose shares are set by a pricing period (see :func:`leg_values`)."""
    ref = fixed + weight * s
    clamped = np.clip(ref, low, high)
    inside = (ref >= low) & (ref <= high)
    if kind == STOCK_RATIO:
        shares = ratio * clamped / ref
        d = np.where(inside, ratio, ratio * clamped * fixed / ref**2)
    else:
        shares = value / (clamped * fx)
        if ratio_min is not None and ratio_max is not None:
            shares = _printed_ratios(shares, ref, low, high, ratio_min, ratio_max)
        d = np.where(inside, value * fixed / (ref**2 * fx), shares)
    return shares * s * fx, np.where(np.isnan(s), np.nan, d)


def _printed_ratios(
    shares: FloatArray, s: FloatArray, low: FloatArray, high: FloatArray, ratio_min: FloatArray, ratio_max: FloatArray
) -> FloatArray:
    """The shares of a fixed-value leg with the printed ratios outside its band, where printed."""
    shares = np.where((s < low) & ~np.isnan(ratio_max), ratio_max, shares)
    return np.where((s > high) & ~np.isnan(ratio_min), ratio_min, shares)


def edge_deltas(legs: LegTable) -> tuple[FloatArray, FloatArray]:
    """Each leg's delta just below and just above its price, NaN unless the price sits on a collar bound.

    On a bound the value has a kink, so the delta has two sides; :func:`leg_values` reports the
    side inside the band. Fixed ratio at ``low``: 0 below, ``ratio`` above; at ``high``:
    ``ratio`` below, 0 above. Fixed value at ``low``: ``value / (low * fx)`` shares below, 0
    above; at ``high``: 0 below, ``value / (high * fx)`` above.
    """
    kind, s, low, high = legs.kind, legs.price, legs.low, legs.high
    ratio_leg = kind == STOCK_RATIO
    at_low = (ratio_leg | (kind == STOCK_VALUE)) & (s == low)
    at_high = (ratio_leg | (kind == STOCK_VALUE)) & (s == high)
    with np.errstate(invalid="ignore", divide="ignore"):
        below_shares = legs.value / (low * legs.fx)
        above_shares = legs.value / (high * legs.fx)
        if legs.ratio_min is not None and legs.ratio_max is not None:
            below_shares = np.where(np.isnan(legs.ratio_max), below_shares, legs.ratio_max)
            above_shares = np.where(np.isnan(legs.ratio_min), above_shares, legs.ratio_min)
        below = np.where(ratio_leg, np.where(at_low, 0.0, legs.ratio), np.where(at_low, below_shares, 0.0))
        above = np.where(ratio_leg, np.where(at_high, 0.0, legs.ratio), np.where(at_high, above_shares, 0.0))
    edge = at_low | at_high
    if legs.ref_fixed is not None and legs.ref_weight is not None:
        # A pricing period moves the kink off the price: no one-sided deltas reported there.
        edge = edge & (legs.ref_fixed == 0) & (legs.ref_weight == 1)
    return np.where(edge, below, np.nan), np.where(edge, above, np.nan)


def _leg_values_by_mask(legs: LegTable) -> tuple[FloatArray, FloatArray]:
    """:func:`leg_values` for a ``kind`` that itself has a scenario axis: every formula on every cell."""
    kind = legs.kind
    if legs.ref_fixed is not None:
        raise ValueError("a pricing period cannot be valued with the leg kind varying by scenario")
    s = legs.price
    clamped = np.clip(s, legs.low, legs.high)
    inside = (s >= legs.low) & (s <= legs.high)
    with np.errstate(invalid="ignore", divide="ignore"):
        fixed_ratio = legs.ratio * clamped * legs.fx
        value_shares = legs.value / (clamped * legs.fx)
        if legs.ratio_min is not None and legs.ratio_max is not None:
            value_shares = _printed_ratios(value_shares, s, legs.low, legs.high, legs.ratio_min, legs.ratio_max)
        fixed_value = value_shares * s * legs.fx
        cash = legs.amount * legs.fx
        cvr = legs.amount * legs.probability * legs.fx
    value = np.select(
        [kind == CASH, kind == STOCK_RATIO, kind == STOCK_VALUE, kind == CVR],
        [cash, fixed_ratio, fixed_value, cvr],
        default=np.nan,
    )
    delta = np.select(
        [kind == STOCK_RATIO, kind == STOCK_VALUE],
        [np.where(inside, legs.ratio, 0.0), np.where(inside, 0.0, value_shares)],
        default=0.0,
    )
    delta = np.where((kind == STOCK_RATIO) | (kind == STOCK_VALUE), np.where(np.isnan(s), np.nan, delta), delta)
    return value, delta


def _group_sum(x: FloatArray, n_per_group: IntArray) -> FloatArray:
    """Sum the last axis of ``x`` over contiguous groups of the given sizes.

    Groups of size zero sum to 0. Uses ``np.add.reduceat`` so each sum adds its own elements
    only (no cumulative-sum cancellation). Groups of more than two elements are not summed
    strictly left to right (numpy pairs them), so a per-group loop may differ in the last bit.
    """
    n_groups = n_per_group.shape[0]
    out = np.zeros((*x.shape[:-1], n_groups), dtype=np.float64)
    if x.shape[-1] == 0 or n_groups == 0:
        return out
    starts = np.concatenate(([0], np.cumsum(n_per_group)[:-1]))
    nonempty = n_per_group > 0
    if x.ndim > 1 and n_per_group.max() <= 2:
        # A scenario grid (S rows of a few legs): reduceat along the short last axis is slow, and
        # adding the first and second legs column-wise is the same arithmetic (a0 + a1), bit for bit.
        out[..., nonempty] = x[..., starts[nonempty]]
        second = n_per_group > 1
        if second.all():
            out += x[..., starts + 1]
        elif second.any():
            out[..., second] += x[..., starts[second] + 1]
        return out
    out[..., nonempty] = np.add.reduceat(x, starts[nonempty], axis=-1)
    return out


def _into(ufunc: np.ufunc, a: FloatArray, b: FloatArray) -> FloatArray:
    """``ufunc(a, b)``, into ``a`` (a temporary of the caller's) when it has the result's shape."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim and a.shape == np.broadcast_shapes(a.shape, np.shape(b)) and a.flags.writeable and a.base is None:
        return ufunc(a, b, out=a)
    return ufunc(a, b)


def metrics(
    target_price: FloatArray,
    deal_value: FloatArray,
    dividends: FloatArray | float,
    downside: FloatArray,
    days: FloatArray,
) -> dict[str, FloatArray]:
    """The spread figures from their inputs (all arrays broadcast together).

    ``days`` may be per deal while the prices carry a scenario axis: the exponent is then worked
    out once per deal, not once per scenario.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # No dividends at all (a Python 0.0): skip a pass over what may be a 1e6-row grid.
        received = deal_value if isinstance(dividends, float) and dividends == 0.0 else deal_value + dividends
        spread = received - target_price
        spread_pct = spread / target_price
        positive_days = np.where(days > 0, days, np.nan)
        # The same arithmetic as ``(1 + spread_pct) ** (365 / days) - 1`` and so on, written into
        # the first temporary where the shapes allow: on a 1e6-row grid each array saved is 8 MB.
        annualized = _into(np.power, 1.0 + spread_pct, DAYS_PER_YEAR / positive_days)
        annualized -= 1.0
        annualized_simple = _into(np.divide, spread_pct * DAYS_PER_YEAR, positive_days)
        above_downside = target_price - downside
        room = received - downside
        # A probability only where one exists: room above the downside, the price inside [downside, received].
        # The mask is built in place and before the division, which may write into above_downside.
        missing = room <= 0
        missing |= above_downside < 0
        missing |= above_downside > room
        implied = _into(np.divide, above_downside, room)
        if np.ndim(implied) and implied.shape == np.shape(missing):
            np.copyto(implied, np.nan, where=missing)
        else:
            implied = np.where(missing, np.nan, implied)
    return {
        "spread": spread,
        "spread_pct": spread_pct,
        "annualized": annualized,
        "annualized_simple": annualized_simple,
        "implied_probability": implied,
    }


def value_book(legs: LegTable, deals: DealTable, dividends: DividendTable | None = None) -> EngineResult:
    """Value every deal of a compiled book. See the module docstring for the definitions."""
    dividends = dividends if dividends is not None else DividendTable.empty()
    value, delta = leg_values(legs)
    # Proration weights are mostly 1: then the weighted value is the value (one pass fewer).
    unit_weights = legs.weight.ndim == 1 and bool(np.all(legs.weight == 1.0))
    weighted = value if unit_weights else legs.weight * value
    hedge = _into(np.multiply, legs.weight * delta, legs.hedge_mult)
    deal_value = _group_sum(weighted, deals.n_legs)
    no_legs = deals.n_legs == 0
    if no_legs.any():
        deal_value[..., no_legs] = np.nan

    as_of = np.broadcast_to(deals.as_of, deal_value.shape)
    close = np.broadcast_to(deals.close, deal_value.shape)
    days = deals.close - deals.as_of  # per deal unless the dates themselves carry a scenario axis
    div_total = np.zeros_like(deal_value)
    div_arg: FloatArray | float = 0.0
    if len(dividends.deal):
        d = dividends.deal
        in_window = (dividends.ex_date > as_of[..., d]) & (dividends.ex_date <= close[..., d])
        # A zero column after the last leg gives target dividends (leg -1) a valid index, even in a
        # book with no legs at all (every deal's terms undisclosed).
        padded = np.concatenate([hedge, np.zeros((*hedge.shape[:-1], 1))], axis=-1)
        owed_shares = np.where(dividends.leg >= 0, padded[..., dividends.leg], -1.0)
        # Received on the target: +amount; owed on a short: -amount * shares short.
        contrib = np.where(in_window, -dividends.amount * owed_shares, 0.0)
        # No close date: a dividend after as-of may or may not be paid before the close.
        unknown = np.isnan(close[..., d]) & (dividends.ex_date > as_of[..., d])
        if unknown.any():
            contrib = np.where(unknown, np.nan, contrib)
        counts = np.bincount(d, minlength=len(deals.n_legs)).astype(np.int64)
        div_total = _group_sum(contrib, counts)  # rows are sorted by deal
        div_arg = div_total
    if no_legs.any():
        div_total[..., no_legs] = np.nan
        div_arg = div_total
    # The per-deal inputs go in unbroadcast: what does not vary by scenario is worked out once.
    m = metrics(deals.target_price, deal_value, div_arg, deals.downside, days)
    target_price = np.broadcast_to(deals.target_price, deal_value.shape)
    downside = np.broadcast_to(deals.downside, deal_value.shape)
    return EngineResult(
        target_price=target_price,
        deal_value=deal_value,
        dividends=div_total,
        days_to_close=np.broadcast_to(days, deal_value.shape),
        downside=downside,
        leg_value=value,
        leg_delta=delta,
        leg_hedge=hedge,
        **m,
    )

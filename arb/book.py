"""Compile deals plus quotes into the engine's tables (a *book*), keeping how each price was found.

This is the only place that knows both the deal model and the quotes. It resolves every leg's
reference price (listing, proxy, explicit price or estimate), every currency conversion, and the
flags that say which figure is missing or doubtful. The arithmetic itself is in
:mod:`arb.engine`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from arb.engine import (
    CASH,
    CVR,
    STOCK_RATIO,
    STOCK_VALUE,
    DealTable,
    DividendTable,
    EngineResult,
    LegTable,
)
from arb.fields import Fields, ValueFields
from arb.flags import FLAGS, Flag
from arb.fx import FxRate, FxTable
from arb.lifecycle import close_date, first_announced, long_stop, vote_arithmetic
from arb.models import Deal, Leg
from arb.numbering import leg_label
from arb.prices.base import Quote
from arb.symbols import guess_currency, major_currency

__all__ = ["Book", "LegInfo", "compile_book", "flag_figures", "needed_fx", "needed_fx_unquoted", "symbols_for"]

#: A quote older than this many calendar days at the as-of date is flagged ``stale-price``.
STALE_AFTER_DAYS = 5
#: Plausibility (``implausible``): a spread beyond this fraction of the target price either way...
SPREAD_TOLERANCE = 0.5
#: ...an estimate further than this fraction from the price its proxy gives...
ESTIMATE_TOLERANCE = 0.5
#: ...a target price more than this many times above or below its last stored price.
REFERENCE_TIMES = 10.0
#: Figures whose overflow to infinity is flagged ``overflow`` (and so shown as null).
OVERFLOW_FIGURES = ("spread", "spread_pct", "annualized", "annualized_simple", "implied_probability")


#: Each flag's row of :data:`arb.flags.FLAGS` as :meth:`DealInfo.flag` reads it, keyed by its text: the
#: text, whether each raise blocks one figure only, and the figures it may block (gross, then net).
_FLAG_ROWS: dict[str, tuple[str, bool, tuple[str, ...]]] = {
    str(f): (str(f), spec.one_of, (*spec.blocks, *spec.net_blocks)) for f, spec in FLAGS.items()
}


@dataclass(init=False, repr=False, eq=False)
class LegInfo(ValueFields):
    """How one leg was priced, for ``arb show`` and the JSON detail."""

    index: int
    leg: Leg
    currency: str | None  # the leg's own currency (cash currency, or the security's)
    priced_by: str  # cash | cvr | listing | proxy | price | estimate | none
    symbol: str | None = None  # the listing, or the security name
    hedge_symbol: str | None = None  # the listing to short for this leg
    quote: Quote | None = None  # the listing's or proxy's or security's quote
    proxy_fx: FxRate | None = None  # proxy currency -> security currency
    discount: float = 0.0
    security_price: float = math.nan  # in the security's currency
    fx: FxRate | None = None  # leg currency -> deal currency
    why_estimate: str | None = None  # for a leg valued at its estimate: why no market price was usable
    value_fx: FxRate | None = None  # a fixed value's value_currency -> deal currency
    band: tuple[float, float] | None = None  # the collar band in force: printed, or value / ratio_bounds
    capped_ratio: float | None = None  # a share cap's ratio, when the cap bites
    cap_cash: float = math.nan  # the cash topping up the shares cut by the cap, at today's price (security ccy)
    period: tuple[dt.date, dt.date] | None = None  # a pricing period's first and last trading day
    period_fixed: int = 0  # days of the period whose close is already fixed
    ref_fixed: float = 0.0  # the fixed closes' sum over the period's days
    ref_weight: float = 1.0  # the share of the period's days the current price stands in for

    def __init__(
        self,
        index: int,
        leg: Leg,
        currency: str | None,
        priced_by: str,
        symbol: str | None = None,
        hedge_symbol: str | None = None,
        quote: Quote | None = None,
        proxy_fx: FxRate | None = None,
        discount: float = 0.0,
        security_price: float = math.nan,
        fx: FxRate | None = None,
        why_estimate: str | None = None,
        value_fx: FxRate | None = None,
        band: tuple[float, float] | None = None,
        capped_ratio: float | None = None,
        cap_cash: float = math.nan,
        period: tuple[dt.date, dt.date] | None = None,
        period_fixed: int = 0,
        ref_fixed: float = 0.0,
        ref_weight: float = 1.0,
    ) -> None:
        self.index = index
        self.leg = leg
        self.currency = currency
        self.priced_by = priced_by
        self.symbol = symbol
        self.hedge_symbol = hedge_symbol
        self.quote = quote
        self.proxy_fx = proxy_fx
        self.discount = discount
        self.security_price = security_price
        self.fx = fx
        self.why_estimate = why_estimate
        self.value_fx = value_fx
        self.band = band
        self.capped_ratio = capped_ratio
        self.cap_cash = cap_cash
        self.period = period
        self.period_fixed = period_fixed
        self.ref_fixed = ref_fixed
        self.ref_weight = ref_weight


@dataclass(init=False, repr=False, eq=False)
class DealInfo(ValueFields):
    """Everything about one deal's pricing that is not a number in the engine's tables."""

    deal: Deal
    currency: str | None
    target_quote: Quote | None
    target_fx: FxRate | None
    legs: list[LegInfo] = field(default_factory=list)
    prices: dict[str, Quote] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The figures the flags block (the table's ``blocks``, as each flag was raised).
    blocked: set[str] = field(default_factory=set)
    #: Each note with the flag it was raised with, in order (for one stderr line per case).
    flag_notes: list[tuple[str, str]] = field(default_factory=list)

    def __init__(
        self,
        deal: Deal,
        currency: str | None,
        target_quote: Quote | None,
        target_fx: FxRate | None,
        legs: list[LegInfo] | None = None,
        prices: dict[str, Quote] | None = None,
        flags: list[str] | None = None,
        notes: list[str] | None = None,
        blocked: set[str] | None = None,
        flag_notes: list[tuple[str, str]] | None = None,
    ) -> None:
        # A container left out (or None) starts empty, as the fields' default factories make it.
        self.deal = deal
        self.currency = currency
        self.target_quote = target_quote
        self.target_fx = target_fx
        self.legs = [] if legs is None else legs
        self.prices = {} if prices is None else prices
        self.flags = [] if flags is None else flags
        self.notes = [] if notes is None else notes
        self.blocked = set() if blocked is None else blocked
        self.flag_notes = [] if flag_notes is None else flag_notes

    def flag(self, name: str | Flag, note: str | None = None, *, blocks: str | None = None) -> None:
        """Raise a flag from the table (:data:`arb.flags.FLAGS`) with an optional note.

        ``blocks`` names the figure the flag blocks here when its row blocks one of several (a
        missing price blocks the target price or the deal value); any other row blocks all its
        figures, or none.
        """
        row = _FLAG_ROWS.get(name)  # a Flag is a StrEnum: it hashes and compares as its text
        if row is None:
            raise KeyError(f"flag {name!r} is not in arb.flags.FLAGS: add it there (meaning, figures it blocks)")
        text, one_of, figures = row
        if blocks is not None:
            if not one_of or blocks not in figures:
                raise ValueError(f"flag {name!r} cannot block {blocks!r} alone (its row: {FLAGS[Flag(text)].blocks})")
            self.blocked.add(blocks)
        elif one_of:
            raise ValueError(f"flag {name!r} blocks one of {FLAGS[Flag(text)].blocks}: say which")
        elif figures:
            self.blocked.update(figures)
        if text not in self.flags:
            self.flags.append(text)
        if note and note not in self.notes:
            self.notes.append(note)
            self.flag_notes.append((text, note))

    def notes_for(self, name: str | Flag) -> list[str]:
        """The notes raised with one flag."""
        return [n for f, n in self.flag_notes if f == name]


@dataclass(init=False, repr=False, eq=False)
class Book(Fields):
    """Deals compiled for the engine, with the per-deal pricing detail alongside."""

    legs: LegTable
    deals: DealTable
    dividends: DividendTable
    info: list[DealInfo]
    as_of: dt.date


def symbols_for(deals: Sequence[Deal]) -> list[str]:
    """Every listing and security name the deals need a price for, in first-seen order."""
    out: dict[str, None] = {}
    for deal in deals:
        if deal.target.ticker:
            out[deal.target.ticker] = None
        for leg in deal.consideration:
            if leg.ticker:
                out[leg.ticker] = None
            if leg.security:
                out[leg.security] = None
                proxy = deal.securities[leg.security].proxy
                if proxy:
                    out[proxy] = None
        for div in deal.dividend:
            out[div.ticker] = None
        if deal.acquirer and deal.acquirer.ticker:
            out[deal.acquirer.ticker] = None
    return list(out)


def _unit_of(sym: str, quotes: Mapping[str, Quote], guess_missing: bool = True) -> str | None:
    q = quotes.get(sym)
    if q is not None:
        return q.currency
    if not guess_missing:
        return None
    return _guessed_unit(sym)


def _guessed_unit(sym: str) -> str | None:
    """The unit a quote of ``sym`` in the currency its exchange suffix implies has once in major
    units (pence are pounds); None when the suffix says nothing (:func:`_unit_of` without a quote)."""
    guess = guess_currency(sym)
    return None if guess is None else major_currency(guess)[0]


def deal_currency(deal: Deal, quotes: Mapping[str, Quote]) -> str | None:
    """The deal's currency: as written, else the target's quote currency, else the cash currency."""
    if deal.currency:
        return deal.currency
    if deal.target.ticker and deal.target.ticker in quotes:
        return quotes[deal.target.ticker].currency
    for leg in deal.consideration:
        if leg.currency:
            return leg.currency
    if deal.acquirer and deal.acquirer.ticker and deal.acquirer.ticker in quotes:
        return quotes[deal.acquirer.ticker].currency
    return None


def needed_fx(
    deals: Sequence[Deal], quotes: Mapping[str, Quote], *, guess_missing: bool = True
) -> list[tuple[str, str]]:
    """(from, to) currency pairs the deals need, from quote currencies where known, else guessed.

    With ``guess_missing=False`` a listing without a quote needs no pair: what is left are the
    conversions a valuation actually had to make.
    """
    return needed_fx_unquoted(deals, quotes, guess_missing=guess_missing)[0]


def needed_fx_unquoted(
    deals: Sequence[Deal], quotes: Mapping[str, Quote], *, guess_missing: bool = True
) -> tuple[list[tuple[str, str]], bool]:
    """:func:`needed_fx`, and whether a listing it looked at had no quote.

    When none lacked one, nothing was guessed: the pairs are the same whatever ``guess_missing``.
    """
    pairs: dict[tuple[str, str], None] = {}
    unquoted = False

    def _unit(sym: str) -> str | None:
        nonlocal unquoted
        q = quotes.get(sym)
        if q is not None:
            return q.currency
        unquoted = True
        return _guessed_unit(sym) if guess_missing else None

    get = quotes.get
    for deal in deals:
        # A pair is needed when both currencies are known and differ; each is added in order.
        ccy = deal_currency(deal, quotes)
        ticker = deal.target.ticker
        if ticker:
            q = get(ticker)  # _unit(ticker), the quote looked up here: most listings have one
            unit = q.currency if q is not None else _unit(ticker)
            if ccy is None:
                ccy = unit
            elif unit and ccy and unit != ccy:
                pairs[(unit, ccy)] = None
        for leg in deal.consideration:
            if leg.ticker:
                q = get(leg.ticker)
                unit = q.currency if q is not None else _unit(leg.ticker)
                if unit and ccy and unit != ccy:
                    pairs[(unit, ccy)] = None
            elif leg.security:
                sec = deal.securities[leg.security]
                if sec.currency and ccy and sec.currency != ccy:
                    pairs[(sec.currency, ccy)] = None
                own = quotes.get(leg.security)
                unit = own.currency if own is not None else _unit(sec.proxy) if sec.proxy else None
                if unit and sec.currency and unit != sec.currency:
                    pairs[(unit, sec.currency)] = None
            elif leg.currency and ccy and leg.currency != ccy:
                pairs[(leg.currency, ccy)] = None
            if leg.value_currency and ccy and leg.value_currency != ccy:
                pairs[(leg.value_currency, ccy)] = None
        if ccy:
            for div in deal.dividend:
                if div.currency and div.currency != ccy:
                    pairs[(div.currency, ccy)] = None
    return list(pairs), unquoted


def _leg_currency(leg: Leg, deal: Deal, ccy: str | None, quotes: Mapping[str, Quote]) -> str | None:
    if leg.kind in ("cash", "cvr"):
        return leg.currency or ccy
    if leg.security:
        return deal.securities[leg.security].currency
    assert leg.ticker is not None
    q = quotes.get(leg.ticker)
    return q.currency if q else None


def _record_fx(info: DealInfo, conv: FxRate) -> None:
    """Keep the quotes a conversion came from (both legs of a cross) among the deal's prices."""
    if conv.source is None and not conv.sources:  # a currency into itself: no quote
        return
    for q in conv.quotes:
        info.prices[q.symbol] = q


def _price_security(info: DealInfo, li: LegInfo, leg: Leg, quotes: Mapping[str, Quote], fx: FxTable) -> None:
    """A security's price: its own row, else its proxy converted and discounted, else its estimate.

    A row or proxy that is priced but cannot be converted into the security's currency is named
    in the note: the estimate is then used with ``estimate-used`` saying so, and without an
    estimate the leg is flagged ``no-fx-rate`` (never ``no-price``: the price exists).
    """
    assert leg.security is not None
    sec = info.deal.securities[leg.security]
    li.symbol = leg.security
    li.discount = sec.discount
    own = quotes.get(leg.security)
    proxy_q = quotes.get(sec.proxy) if sec.proxy else None
    unconvertible: list[str] = []
    if own is not None:
        conv = fx.rate(own.currency, sec.currency)
        if conv is None:
            unconvertible.append(
                f"its own price {own.price:g} {own.currency} has no {own.currency}->{sec.currency} rate"
            )
        else:
            li.priced_by, li.quote, li.proxy_fx = "price", own, conv
            li.security_price = own.price * conv.rate
            info.prices[leg.security] = own
            _record_fx(info, conv)
    proxy_price = math.nan  # what the proxy gives, converted and discounted, when it can
    proxy_conv: FxRate | None = None
    if proxy_q is not None:
        proxy_conv = fx.rate(proxy_q.currency, sec.currency)
        if proxy_conv is None:
            unconvertible.append(
                f"proxy {sec.proxy} priced {proxy_q.price:g} {proxy_q.currency} but no "
                f"{proxy_q.currency}->{sec.currency} rate"
            )
        else:
            proxy_price = proxy_q.price * proxy_conv.rate * (1.0 - sec.discount)
    if li.priced_by == "stock" and proxy_conv is not None and proxy_q is not None:
        li.priced_by, li.quote, li.proxy_fx = "proxy", proxy_q, proxy_conv
        li.hedge_symbol = sec.proxy
        li.security_price = proxy_price
        info.prices[proxy_q.symbol] = proxy_q
        _record_fx(info, proxy_conv)
    if sec.estimate is not None and proxy_price > 0 and abs(sec.estimate / proxy_price - 1.0) > ESTIMATE_TOLERANCE:
        info.flag(
            Flag.IMPLAUSIBLE,
            f"{leg.security}: the estimate {sec.estimate:g} {sec.currency} is "
            f"{abs(sec.estimate / proxy_price - 1.0):.0%} away from the {proxy_price:.4g} {sec.currency} "
            f"its proxy {sec.proxy} gives",
        )
    if li.priced_by == "stock" and sec.estimate is not None:
        li.priced_by = "estimate"
        li.security_price = sec.estimate
        reasons = list(unconvertible)
        if sec.proxy and proxy_q is None:
            reasons.append(f"no price for its proxy {sec.proxy}")
        why = "; ".join(reasons) or "it has no proxy"
        li.why_estimate = why
        info.flag(
            Flag.ESTIMATE_USED,
            f"{leg.security} valued at its estimate {sec.estimate:g} {sec.currency}: {why}",
        )
    if li.priced_by == "stock":
        li.priced_by = "none"
        if unconvertible:
            info.flag(Flag.NO_FX_RATE, f"{leg.security}: {'; '.join(unconvertible)}", blocks="deal_value")
        else:
            what = f"{leg.security} or its proxy {sec.proxy}" if sec.proxy else leg.security
            info.flag(Flag.NO_PRICE, f"no price for {what}", blocks="deal_value")


def _price_leg(info: DealInfo, i: int, leg: Leg, quotes: Mapping[str, Quote], fx: FxTable) -> LegInfo:
    deal, ccy = info.deal, info.currency
    li = LegInfo(i, leg, _leg_currency(leg, deal, ccy, quotes), priced_by=leg.kind)
    if leg.kind == "stock":
        if leg.ticker:
            li.symbol = li.hedge_symbol = leg.ticker
            li.quote = quotes.get(leg.ticker)
            if li.quote is None:
                info.flag(Flag.NO_PRICE, f"no price for {leg.ticker}", blocks="deal_value")
                li.priced_by = "none"
            else:
                li.priced_by = "listing"
                li.security_price = li.quote.price
                info.prices[leg.ticker] = li.quote
        else:
            _price_security(info, li, leg, quotes, fx)
        if leg.share_cap is not None and leg.ratio is not None:
            cap = leg.share_cap.max_shares / leg.share_cap.target_shares
            if leg.ratio > cap:
                li.capped_ratio = cap
                li.cap_cash = (leg.ratio - cap) * li.security_price
        if leg.collar is not None and not math.isnan(li.security_price):
            low, high = leg.collar
            if not low <= li.security_price <= high:
                # Both in the security's currency, said once: a collar written in pence for a
                # listing priced in pounds is 100x off, and the unit shows it.
                unit = f" {li.currency}" if li.currency else ""
                info.flag(
                    Flag.OUTSIDE_COLLAR,
                    f"{li.symbol} at {li.security_price:g}{unit} is outside its collar [{low:g}, {high:g}]{unit}",
                )
    if li.currency is None:
        info.flag(Flag.NO_PRICE, f"{leg_label(i)}: currency unknown (no quote)", blocks="deal_value")
    elif ccy is not None:
        li.fx = fx.rate(li.currency, ccy)
        if li.fx is None:
            info.flag(Flag.NO_FX_RATE, f"{leg_label(i)}: no {li.currency}->{ccy} rate", blocks="deal_value")
        else:
            _record_fx(info, li.fx)
    if leg.value_currency is not None and ccy is not None:
        li.value_fx = fx.rate(leg.value_currency, ccy)
        if li.value_fx is None:
            info.flag(
                Flag.NO_FX_RATE,
                f"{leg_label(i)}: no {leg.value_currency}->{ccy} rate for its value",
                blocks="deal_value",
            )
        else:
            _record_fx(info, li.value_fx)
    if leg.collar is not None or leg.ratio_bounds is not None:
        _collar_band(info, li)
    return li


def trading_days_back(end: dt.date, n: int) -> list[dt.date]:
    """``n`` trading days (Monday to Friday) ending on ``end`` or the last one before it, oldest first."""
    day = end
    out: list[dt.date] = []
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day -= dt.timedelta(days=1)
    return out[::-1]


def pricing_window(close: dt.date, days: int, ends_before_close: int) -> list[dt.date]:
    """The trading days of a pricing period: ``days`` of them, ending ``ends_before_close`` trading days
    before the close (0: on the close, or the last trading day before it)."""
    end = trading_days_back(close, ends_before_close + 1)[0]
    return trading_days_back(end, days)


def _price_period(
    info: DealInfo, li: LegInfo, close: dt.date | None, as_of: dt.date, closes: Mapping[str, Mapping[dt.date, float]]
) -> None:
    """A pricing period's reference: the closes already fixed, and the current price for the rest."""
    period = li.leg.pricing_period
    if period is None or close is None or math.isnan(li.security_price):
        return
    window = pricing_window(close, period.days, period.ends_before_close)
    li.period = (window[0], window[-1])
    where = f"{li.symbol}: pricing period {window[0]} to {window[-1]} ({period.days} trading days)"
    if as_of < window[0]:
        info.flag(Flag.PRICING_PERIOD, f"{where} has not started: the spot price stands in for every day")
        return
    known = closes.get(li.symbol or "", {}) if li.priced_by == "listing" else {}
    # The as-of day counts as passed only once its close is known: until then the spot price is
    # that day's price so far, not a missing close.
    passed = [d for d in window if d < as_of or (d == as_of and d in known)]
    fixed = [known[d] for d in passed if d in known]
    li.period_fixed = len(fixed)
    li.ref_fixed = math.fsum(fixed) / period.days
    li.ref_weight = (period.days - len(fixed)) / period.days
    missing = len(passed) - len(fixed)
    if missing:
        why = "" if li.priced_by == "listing" else f" (priced from its {li.priced_by}: no closes of its own)"
        info.flag(
            Flag.PRICING_PERIOD,
            f"{where}: {len(fixed)} days fixed, {missing} passed without a close{why}: the spot price stands in "
            f"for those and the {period.days - len(passed)} to come",
        )


def _collar_band(info: DealInfo, li: LegInfo) -> None:
    """The band of a fixed value with printed ratio bounds and no price band: ``value / (ratio x fx)``.

    Flags the price outside that band (a printed price band is flagged where it is read).
    """
    leg = li.leg
    if leg.collar is not None:
        li.band = leg.collar
        return
    if leg.ratio_bounds is None or leg.value is None or li.fx is None:
        return
    value = _deal_value_of(li)
    r_min, r_max = leg.ratio_bounds
    li.band = (value / (r_max * li.fx.rate), value / (r_min * li.fx.rate))
    low, high = li.band
    if not math.isnan(li.security_price) and not low <= li.security_price <= high:
        info.flag(
            Flag.OUTSIDE_COLLAR,
            f"{li.symbol} at {li.security_price:g} is outside the band [{low:.4f}, {high:.4f}] its ratio bounds "
            f"[{r_min:g}, {r_max:g}] give",
        )


def _deal_value_of(li: LegInfo) -> float:
    """A fixed-value leg's value in the deal currency (NaN when its value_currency has no rate)."""
    leg = li.leg
    if leg.value is None:
        return math.nan
    if leg.value_currency is None:
        return leg.value
    return leg.value * li.value_fx.rate if li.value_fx is not None else math.nan


def _flag_target(info: DealInfo, quotes: Mapping[str, Quote], fx: FxTable, reference: Mapping[str, Quote]) -> float:
    """The target's price in the deal currency (NaN when unknown, with the flag that says why)."""
    deal, ccy, tq = info.deal, info.currency, info.target_quote
    if deal.target.ticker is None:
        info.flag(Flag.TARGET_UNLISTED, "the target has no listing to price")
        return math.nan
    if tq is None:
        info.flag(Flag.NO_PRICE, f"no price for the target {deal.target.ticker}", blocks="target_price")
        return math.nan
    info.prices[tq.symbol] = tq
    ref = reference.get(tq.symbol)
    if ref is not None and ref.currency == tq.currency and ref.price > 0:
        times = max(tq.price / ref.price, ref.price / tq.price)
        if times > REFERENCE_TIMES:
            info.flag(
                Flag.IMPLAUSIBLE,
                f"the target {tq.symbol} at {tq.price:g} {tq.currency} is {times:.0f}x away from its last stored "
                f"price {ref.price:g} {ref.currency}",
            )
    if ccy is None:
        return math.nan
    info.target_fx = fx.rate(tq.currency, ccy)
    if info.target_fx is None:
        info.flag(Flag.NO_FX_RATE, f"no {tq.currency}->{ccy} rate for the target", blocks="target_price")
        return math.nan
    _record_fx(info, info.target_fx)
    return tq.price * info.target_fx.rate


def _as_quotes(reference: Mapping[str, Quote | tuple[float, str]] | None) -> dict[str, Quote]:
    out: dict[str, Quote] = {}
    for sym, ref in (reference or {}).items():
        q = ref if isinstance(ref, Quote) else Quote(sym, float(ref[0]), ref[1], None, "reference")
        out[sym] = q.in_major_units()
    return out


#: The engine's leg columns, in the order compile_book lays out each leg's row.
_LEG_COLUMNS = (
    "weight",
    "ratio",
    "value",
    "amount",
    "probability",
    "low",
    "high",
    "price",
    "fx",
    "hedge_mult",
    "ratio_min",
    "ratio_max",
    "ref_fixed",
    "ref_weight",
)
#: The engine's kind of a leg that is not stock (a stock leg's depends on whether it has a ratio).
_FIXED_KINDS = {"cash": CASH, "cvr": CVR}


def compile_book(
    deals: Sequence[Deal],
    quotes: Mapping[str, Quote],
    as_of: dt.date,
    *,
    reference_prices: Mapping[str, Quote | tuple[float, str]] | None = None,
    closes: Mapping[str, Mapping[dt.date, float]] | None = None,
) -> Book:
    """Resolve prices and conversions for each deal and lay the legs out as arrays.

    ``closes`` (each listing's daily closes, in its quote currency) fix the days of a pricing
    period already passed.

    ``quotes`` must be in major units (see :meth:`Quote.in_major_units`). ``reference_prices``
    (a symbol's last known price, e.g. from the history store, as a quote or ``(price,
    currency)``) lets a target price far from it be flagged ``implausible``.
    """
    fx = FxTable(quotes)
    reference = _as_quotes(reference_prices)
    # One row per leg, in the order of _LEG_COLUMNS; laid out as columns once at the end.
    leg_rows: list[tuple[float, ...]] = []
    leg_deal: list[int] = []
    leg_kind: list[int] = []
    div_deal: list[int] = []
    div_leg: list[int] = []
    div_amount: list[float] = []
    div_ex: list[float] = []
    d_target: list[float] = []
    d_down: list[float] = []
    d_close: list[float] = []
    d_nlegs: list[int] = []
    infos: list[DealInfo] = []
    nan = math.nan
    as_of_ord = float(as_of.toordinal())

    daily = closes or {}
    for d_idx, deal in enumerate(deals):
        ccy = deal_currency(deal, quotes)
        tq = quotes.get(deal.target.ticker) if deal.target.ticker else None
        info = DealInfo(deal, ccy, tq, None)
        infos.append(info)
        target_price = _flag_target(info, quotes, fx, reference)
        if ccy is None and (deal.consideration or deal.dividend):
            info.flag(Flag.NO_DEAL_CURRENCY, "the deal currency is unknown: set currency in the deal file")
        if not deal.consideration:
            info.flag(Flag.TERMS_UNDISCLOSED, "the consideration is not disclosed")
            acq = deal.acquirer.ticker if deal.acquirer else None
            if acq and acq in quotes:
                info.prices[acq] = quotes[acq]
        announced = first_announced(deal)
        if announced is not None and announced > as_of:
            info.flag(
                Flag.NOT_YET_ANNOUNCED,
                f"announced {announced}, after the as-of {as_of}: there were no terms to value on that date",
            )
        close, close_from = close_date(deal)
        said = "expected_close" if close_from == "expected_close" else f"the close ({close_from})"
        if close is None:
            info.flag(Flag.NO_CLOSE_DATE, "no expected_close in the deal file, nor a payment or effective event")
        elif close < as_of:
            info.flag(Flag.CLOSE_DATE_PASSED, f"{said} {close} is before {as_of}")
        elif close == as_of:
            info.flag(Flag.CLOSE_DATE_PASSED, f"{said} {close} is the as-of date itself")
        if deal.downside is None:
            info.flag(Flag.NO_DOWNSIDE, "no downside in the deal file, so no implied probability")
        _flag_lifecycle(info, as_of)

        first_leg = len(leg_deal)
        for i, leg in enumerate(deal.consideration):
            li = _price_leg(info, i, leg, quotes, fx)
            if leg.pricing_period is not None:
                _price_period(info, li, close, as_of, daily)
            info.legs.append(li)
            leg_deal.append(d_idx)
            leg_kind.append(_FIXED_KINDS.get(leg.kind, STOCK_RATIO if leg.ratio is not None else STOCK_VALUE))
            low, high = li.band if li.band else (0.0, math.inf)
            if leg.ratio_bounds is not None and li.band is None:
                low = high = nan  # the band is unknown without the leg's rate: so is its value
            ratio_bounds = leg.ratio_bounds
            leg_rows.append(
                (
                    leg.weight,
                    leg.ratio if leg.ratio is not None else nan,
                    _deal_value_of(li),
                    leg.amount if leg.amount is not None else nan,
                    leg.probability if leg.probability is not None else nan,
                    low,
                    high,
                    li.security_price,
                    li.fx.rate if li.fx else nan,
                    (1.0 - li.discount) if li.priced_by in ("listing", "proxy") else 0.0,
                    ratio_bounds[0] if ratio_bounds else nan,
                    ratio_bounds[1] if ratio_bounds else nan,
                    li.ref_fixed,
                    li.ref_weight,
                )
            )
        d_nlegs.append(len(leg_deal) - first_leg)

        for div in deal.dividend:
            # Counted when as_of < ex_date <= close; without a close, one after as_of may count.
            after = div.ex_date > as_of
            counts = after and close is not None and div.ex_date <= close
            if after and close is None:
                info.flag(
                    Flag.DIVIDENDS_UNKNOWN,
                    f"dividend on {div.ticker} goes ex {div.ex_date}, after {as_of}, and there is no "
                    "expected_close to say whether it is paid before the close",
                )
            conv = fx.rate(div.currency, ccy) if ccy else None
            if conv is not None:
                _record_fx(info, conv)
            elif counts:
                info.flag(
                    Flag.NO_FX_RATE,
                    f"no {div.currency}->{ccy} rate for the dividend on {div.ticker} (ex {div.ex_date})",
                    blocks="dividends",
                )
            amount = div.amount * conv.rate if conv else nan
            if div.ticker == deal.target.ticker:
                targets = [-1]
            else:
                hedged = [li for li in info.legs if li.hedge_symbol == div.ticker]
                targets = [first_leg + li.index for li in hedged]
                if not targets:
                    info.notes.append(f"dividend on {div.ticker} ignored: not a security the hedge is short")
                elif counts and any(li.priced_by == "none" for li in hedged):
                    info.flag(
                        Flag.NO_PRICE,
                        f"dividend on {div.ticker}: the shares short are unknown without its price",
                        blocks="dividends",
                    )
            for t in targets:
                div_deal.append(d_idx)
                div_leg.append(t)
                div_amount.append(amount)
                div_ex.append(float(div.ex_date.toordinal()))
            # Dividend equalisation (IFF/Frutarom): the target's holders get ratio x each dividend the
            # acquirer pays before the close, received like a dividend on the target itself.
            for li in info.legs:
                leg = li.leg
                if leg.dividend_equalisation and leg.ticker == div.ticker and leg.ratio is not None:
                    div_deal.append(d_idx)
                    div_leg.append(-1)
                    div_amount.append(amount * leg.ratio * leg.weight)
                    div_ex.append(float(div.ex_date.toordinal()))

        d_target.append(target_price)
        d_down.append(deal.downside if deal.downside is not None else nan)
        d_close.append(float(close.toordinal()) if close else nan)

        for q in info.prices.values():
            if q.fallback:
                info.flag(Flag.STALE_PRICE, f"{q.symbol}: {q.kind} price used because {q.fallback}")
            age = q.age_days(as_of)
            if age is not None and age > STALE_AFTER_DAYS:
                info.flag(Flag.STALE_PRICE, f"{q.symbol} price is {age} days old at {as_of}")
            if q.synthetic:
                info.flag(Flag.SYNTHETIC_PRICE, f"{q.symbol} price is synthetic test data")
            for name, note in getattr(q, "flags", ()):
                info.flag(name, note)

    # Printed ratio bounds are rare: without any, the engine skips them (None).
    # Each column its own contiguous array (a row of the transposed copy).
    grid = np.array(leg_rows, dtype=np.float64).reshape(len(leg_rows), len(_LEG_COLUMNS)).T.copy()
    cols = dict(zip(_LEG_COLUMNS, grid, strict=True))
    bounds = {k: cols.pop(k) for k in ("ratio_min", "ratio_max", "ref_fixed", "ref_weight")}
    printed = not np.isnan(bounds["ratio_max"]).all()
    periods = bool((bounds["ref_weight"] != 1.0).any())
    legs = LegTable(
        deal=np.asarray(leg_deal, dtype=np.int64),
        kind=np.asarray(leg_kind, dtype=np.int8),
        **cols,
        ratio_min=bounds["ratio_min"] if printed else None,
        ratio_max=bounds["ratio_max"] if printed else None,
        ref_fixed=bounds["ref_fixed"] if periods else None,
        ref_weight=bounds["ref_weight"] if periods else None,
    )
    order = np.argsort(np.asarray(div_deal, dtype=np.int64), kind="stable")
    dividends = DividendTable(
        deal=np.asarray(div_deal, dtype=np.int64)[order],
        leg=np.asarray(div_leg, dtype=np.int64)[order],
        amount=np.asarray(div_amount, dtype=np.float64)[order],
        ex_date=np.asarray(div_ex, dtype=np.float64)[order],
    )
    table = DealTable(
        target_price=np.asarray(d_target, dtype=np.float64),
        downside=np.asarray(d_down, dtype=np.float64),
        as_of=np.full(len(deals), as_of_ord),
        close=np.asarray(d_close, dtype=np.float64),
        n_legs=np.asarray(d_nlegs, dtype=np.int64),
    )
    return Book(legs, table, dividends, infos, as_of)


#: The statuses flagged in every output (each shares its name with its flag): the closed ones,
#: and pre-conditional (the offer is not yet made).
_STATUS_FLAGS = (Flag.COMPLETED, Flag.LAPSED, Flag.TERMINATED, Flag.WITHDRAWN, Flag.PRE_CONDITIONAL)
_STATUS_FLAG = {str(f): f for f in _STATUS_FLAGS}


def _flag_lifecycle(info: DealInfo, as_of: dt.date) -> None:
    """The status flags, and what the timetable, the conditions and the vote say at ``as_of``.

    A closed deal is still valued (its history is kept) but carries its status; the long-stop and
    condition warnings are for a deal still open, where they are news.
    """
    deal = info.deal
    status_flag = _STATUS_FLAG.get(deal.status)
    if status_flag is not None:
        since = f" since {deal.status_date}" if deal.status_date else ""
        note = f"the deal is {deal.status}{since}"
        if deal.paid is not None:
            ccy = deal.paid.currency or deal.currency or ""
            on = f" on {deal.paid.date}" if deal.paid.date else ""
            note += f"; paid {ccy} {deal.paid.amount:g} per share{on}".replace("  ", " ")
        info.flag(status_flag, note)
    for c in deal.conditions:
        if c.status != "failed":
            continue
        by = f" ({c.authority})" if c.authority else ""
        info.flag(Flag.CONDITION_FAILED, f"condition failed on {c.date}: {c.name}{by}")
    if deal.vote is not None and deal.vote.result is not None:
        math_ = vote_arithmetic(deal.vote, None)
        if math_.passed is False:
            when = f" on {deal.vote.result.date}" if deal.vote.result.date else ""
            info.flag(Flag.VOTE_FAILED, f"the {deal.vote.rule} vote failed{when}: {math_.lines[-1]}")
    stop = long_stop(deal)
    if stop is not None and stop <= as_of and not deal.is_closed:
        info.flag(
            Flag.LONG_STOP_PASSED, f"the long-stop date {stop} is on or before {as_of}: either side may walk away"
        )


def flag_figures(book: Book, res: EngineResult) -> None:
    """Flags read off the engine's figures (one scenario): the implied probability's cases, overflows,
    and spreads too wide to be plausible. Each case is a mask over all deals at once."""
    received = res.deal_value + res.dividends
    target, downside = res.target_price, res.downside
    with np.errstate(invalid="ignore"):
        below = received < downside
        at = received == downside
        over = (received > downside) & (target > received)
        under = (received > downside) & (target < downside)
        wide = np.abs(res.spread_pct) > SPREAD_TOLERANCE
    infos = book.info
    # Python floats format as the numpy ones do; reading them once spares a numpy scalar per note.
    received_, downside_, target_ = received.tolist(), downside.tolist(), target.tolist()
    for i in np.flatnonzero(below).tolist():
        infos[i].flag(
            Flag.VALUE_BELOW_DOWNSIDE,
            f"value + dividends {received_[i]:.4g} is below the downside {downside_[i]:.4g}: no implied probability",
        )
    for i in np.flatnonzero(at).tolist():
        infos[i].flag(
            Flag.VALUE_AT_DOWNSIDE,
            f"value + dividends equals the downside {downside_[i]:.4g}: the price cannot say how likely completion is",
        )
    for i in np.flatnonzero(over).tolist():
        infos[i].flag(
            Flag.PRICE_ABOVE_VALUE,
            f"target price {target_[i]:.4g} is above value + dividends {received_[i]:.4g}: the market expects more "
            "(or doubts the terms); no implied probability",
        )
    for i in np.flatnonzero(under).tolist():
        infos[i].flag(
            Flag.PRICE_BELOW_DOWNSIDE,
            f"target price {target_[i]:.4g} is below the downside {downside_[i]:.4g}: no implied probability",
        )
    spread_pct = res.spread_pct.tolist()
    for i in np.flatnonzero(wide).tolist():
        infos[i].flag(
            Flag.IMPLAUSIBLE,
            f"spread {spread_pct[i]:+.1%} of the target price is beyond +/-{SPREAD_TOLERANCE:.0%}: "
            "check the terms, the units and the prices",
        )
    for name in OVERFLOW_FIGURES:
        for i in np.flatnonzero(np.isinf(getattr(res, name))).tolist():
            infos[i].flag(Flag.OVERFLOW, f"{name} is too large to represent", blocks=name)

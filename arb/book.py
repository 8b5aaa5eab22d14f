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

from arb.engine import CASH, CVR, STOCK_RATIO, STOCK_VALUE, DealTable, DividendTable, LegTable
from arb.fx import FxRate, FxTable
from arb.models import Deal, Leg
from arb.prices.base import Quote
from arb.symbols import guess_currency

__all__ = ["Book", "LegInfo", "compile_book", "needed_fx", "symbols_for"]

#: A quote older than this many calendar days at the as-of date is flagged ``stale-price``.
STALE_AFTER_DAYS = 5


@dataclass
class LegInfo:
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


@dataclass
class DealInfo:
    """Everything about one deal's pricing that is not a number in the engine's tables."""

    deal: Deal
    currency: str | None
    target_quote: Quote | None
    target_fx: FxRate | None
    legs: list[LegInfo] = field(default_factory=list)
    prices: dict[str, Quote] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def flag(self, name: str, note: str | None = None) -> None:
        if name not in self.flags:
            self.flags.append(name)
        if note and note not in self.notes:
            self.notes.append(note)


@dataclass
class Book:
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
    guess = guess_currency(sym)
    return None if guess is None else Quote(sym, 1.0, guess, None, "guess").in_major_units().currency


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
    pairs: dict[tuple[str, str], None] = {}

    def _unit(sym: str, quotes: Mapping[str, Quote]) -> str | None:
        return _unit_of(sym, quotes, guess_missing)

    def need(a: str | None, b: str | None) -> None:
        if a and b and a != b:
            pairs[(a, b)] = None

    for deal in deals:
        ccy = deal_currency(deal, quotes)
        if ccy is None and deal.target.ticker:
            ccy = _unit(deal.target.ticker, quotes)
        if deal.target.ticker:
            need(_unit(deal.target.ticker, quotes), ccy)
        for leg in deal.consideration:
            if leg.ticker:
                need(_unit(leg.ticker, quotes), ccy)
            elif leg.security:
                sec = deal.securities[leg.security]
                need(sec.currency, ccy)
                if leg.security in quotes:
                    need(quotes[leg.security].currency, sec.currency)
                elif sec.proxy:
                    need(_unit(sec.proxy, quotes), sec.currency)
            else:
                need(leg.currency, ccy)
        for div in deal.dividend:
            need(div.currency, ccy)
    return list(pairs)


def _leg_currency(leg: Leg, deal: Deal, ccy: str | None, quotes: Mapping[str, Quote]) -> str | None:
    if leg.kind in ("cash", "cvr"):
        return leg.currency or ccy
    if leg.security:
        return deal.securities[leg.security].currency
    assert leg.ticker is not None
    q = quotes.get(leg.ticker)
    return q.currency if q else None


def _price_leg(info: DealInfo, i: int, leg: Leg, quotes: Mapping[str, Quote], fx: FxTable) -> LegInfo:
    deal, ccy = info.deal, info.currency
    li = LegInfo(i, leg, _leg_currency(leg, deal, ccy, quotes), priced_by=leg.kind)
    if leg.kind == "stock":
        if leg.ticker:
            li.symbol = li.hedge_symbol = leg.ticker
            li.quote = quotes.get(leg.ticker)
            if li.quote is None:
                info.flag("no-price", f"no price for {leg.ticker}")
                li.priced_by = "none"
            else:
                li.priced_by = "listing"
                li.security_price = li.quote.price
                info.prices[leg.ticker] = li.quote
        else:
            assert leg.security is not None
            sec = deal.securities[leg.security]
            li.symbol = leg.security
            li.discount = sec.discount
            own = quotes.get(leg.security)
            proxy_q = quotes.get(sec.proxy) if sec.proxy else None
            if own is not None:
                conv = fx.rate(own.currency, sec.currency)
                if conv is None:
                    info.flag("no-fx-rate", f"no {own.currency}->{sec.currency} rate for {leg.security}")
                else:
                    li.priced_by, li.quote, li.proxy_fx = "price", own, conv
                    li.security_price = own.price * conv.rate
                    info.prices[leg.security] = own
            if li.priced_by == "stock" and proxy_q is not None:
                conv = fx.rate(proxy_q.currency, sec.currency)
                if conv is None:
                    info.flag(
                        "no-fx-rate",
                        f"no {proxy_q.currency}->{sec.currency} rate to price {leg.security} from {sec.proxy}",
                    )
                else:
                    li.priced_by, li.quote, li.proxy_fx = "proxy", proxy_q, conv
                    li.hedge_symbol = sec.proxy
                    li.security_price = proxy_q.price * conv.rate * (1.0 - sec.discount)
                    info.prices[proxy_q.symbol] = proxy_q
                    if conv.source is not None:
                        info.prices[conv.source.symbol] = conv.source
            if li.priced_by == "stock" and sec.estimate is not None:
                li.priced_by = "estimate"
                li.security_price = sec.estimate
                why = f"no price for proxy {sec.proxy}" if sec.proxy and proxy_q is None else "no proxy"
                info.flag(
                    "estimate-used", f"{leg.security} priced at its estimate {sec.estimate:g} {sec.currency} ({why})"
                )
            if li.priced_by == "stock":
                li.priced_by = "none"
                info.flag("no-price", f"no price for {leg.security} or its proxy {sec.proxy}")
        if leg.collar is not None and not math.isnan(li.security_price):
            low, high = leg.collar
            if not low <= li.security_price <= high:
                info.flag(
                    "outside-collar", f"{li.symbol} at {li.security_price:g} is outside its collar [{low:g}, {high:g}]"
                )
    if li.currency is None:
        info.flag("no-price", f"leg {i}: currency unknown (no quote)")
    elif ccy is not None:
        li.fx = fx.rate(li.currency, ccy)
        if li.fx is None:
            info.flag("no-fx-rate", f"no {li.currency}->{ccy} rate")
        elif li.fx.source is not None:
            info.prices[li.fx.source.symbol] = li.fx.source
    return li


def compile_book(
    deals: Sequence[Deal],
    quotes: Mapping[str, Quote],
    as_of: dt.date,
) -> Book:
    """Resolve prices and conversions for each deal and lay the legs out as arrays.

    ``quotes`` must be in major units (see :meth:`Quote.in_major_units`).
    """
    fx = FxTable(quotes)
    cols: dict[str, list[float]] = {
        k: [] for k in ("weight", "ratio", "value", "amount", "probability", "low", "high", "price", "fx", "hedge_mult")
    }
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

    for d_idx, deal in enumerate(deals):
        ccy = deal_currency(deal, quotes)
        tq = quotes.get(deal.target.ticker) if deal.target.ticker else None
        info = DealInfo(deal, ccy, tq, None)
        infos.append(info)
        target_price = nan
        if deal.target.ticker is None:
            info.flag("target-unlisted", "the target has no listing to price")
        elif tq is None:
            info.flag("no-price", f"no price for the target {deal.target.ticker}")
        else:
            info.prices[tq.symbol] = tq
            if ccy is not None:
                info.target_fx = fx.rate(tq.currency, ccy)
                if info.target_fx is None:
                    info.flag("no-fx-rate", f"no {tq.currency}->{ccy} rate for the target")
                else:
                    target_price = tq.price * info.target_fx.rate
                    if info.target_fx.source is not None:
                        info.prices[info.target_fx.source.symbol] = info.target_fx.source
        if not deal.consideration:
            info.flag("terms-undisclosed", "the consideration is not disclosed")
            acq = deal.acquirer.ticker if deal.acquirer else None
            if acq and acq in quotes:
                info.prices[acq] = quotes[acq]
        if deal.expected_close is None:
            info.flag("no-close-date", "no expected_close in the deal file")
        elif deal.expected_close < as_of:
            info.flag("close-date-passed", f"expected_close {deal.expected_close} is before {as_of}")
        if deal.status in ("completed", "terminated"):
            info.flag(deal.status, f"the deal is {deal.status}")

        first_leg = len(leg_deal)
        for i, leg in enumerate(deal.consideration):
            li = _price_leg(info, i, leg, quotes, fx)
            info.legs.append(li)
            leg_deal.append(d_idx)
            kind = {"cash": CASH, "cvr": CVR}.get(leg.kind, STOCK_RATIO if leg.ratio is not None else STOCK_VALUE)
            leg_kind.append(kind)
            low, high = leg.collar if leg.collar else (0.0, math.inf)
            cols["weight"].append(leg.weight)
            cols["ratio"].append(leg.ratio if leg.ratio is not None else nan)
            cols["value"].append(leg.value if leg.value is not None else nan)
            cols["amount"].append(leg.amount if leg.amount is not None else nan)
            cols["probability"].append(leg.probability if leg.probability is not None else nan)
            cols["low"].append(low)
            cols["high"].append(high)
            cols["price"].append(li.security_price)
            cols["fx"].append(li.fx.rate if li.fx else nan)
            cols["hedge_mult"].append((1.0 - li.discount) if li.priced_by in ("listing", "proxy") else 0.0)
        d_nlegs.append(len(leg_deal) - first_leg)

        for div in deal.dividend:
            conv = fx.rate(div.currency, ccy) if ccy else None
            if conv is None:
                info.flag("no-fx-rate", f"no {div.currency}->{ccy} rate for the dividend on {div.ticker}")
            elif conv.source is not None:
                info.prices[conv.source.symbol] = conv.source
            amount = div.amount * conv.rate if conv else nan
            if div.ticker == deal.target.ticker:
                targets = [-1]
            else:
                targets = [first_leg + li.index for li in info.legs if li.hedge_symbol == div.ticker]
                if not targets:
                    info.notes.append(f"dividend on {div.ticker} ignored: not a security the hedge is short")
            for t in targets:
                div_deal.append(d_idx)
                div_leg.append(t)
                div_amount.append(amount)
                div_ex.append(float(div.ex_date.toordinal()))

        d_target.append(target_price)
        d_down.append(deal.downside if deal.downside is not None else nan)
        d_close.append(float(deal.expected_close.toordinal()) if deal.expected_close else nan)

        for q in info.prices.values():
            if q.fallback:
                info.flag("stale-price", f"{q.symbol}: {q.kind} price used because {q.fallback}")
            age = q.age_days(as_of)
            if age is not None and age > STALE_AFTER_DAYS:
                info.flag("stale-price", f"{q.symbol} price is {age} days old at {as_of}")
            if q.synthetic:
                info.flag("synthetic-price", f"{q.symbol} price is synthetic test data")

    legs = LegTable(
        deal=np.asarray(leg_deal, dtype=np.int64),
        kind=np.asarray(leg_kind, dtype=np.int8),
        **{k: np.asarray(v, dtype=np.float64) for k, v in cols.items()},
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

"""Price and value deals: fetch the prices they need, compile the book, run the engine, shape the results.

>>> from arb import load_deals, snapshot, value_deals
>>> result = value_deals(load_deals(["seeds"]).deals, snapshot())   # doctest: +SKIP
>>> result.records()[0]["spread_pct"]                                 # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from arb.book import (
    Book,
    DealInfo,
    LegInfo,
    compile_book,
    flag_figures,
    needed_fx,
    needed_fx_unquoted,
    pricing_window,
    symbols_for,
)
from arb.costs import NET_FIGURES, CostRates, Costs, load_config_costs, net_figures, resolve_rates
from arb.engine import FIGURES, EngineResult, edge_deltas, metrics, value_book
from arb.fields import Fields, ValueFields
from arb.flags import Flag, closure, net_closure
from arb.fx import FxTable, pairs_to_fetch
from arb.lifecycle import close_date, deal_at, long_stop
from arb.models import Deal
from arb.prices.base import FetchResult, PriceSource, Quote, fetch_as_of
from arb.prices.deadline import shares_one_deadline
from arb.prices.overrides import Override, apply_overrides, fetch_aliases, parse_override, stamp_overrides
from arb.symbols import fx_pair, is_fx_pair, is_major_unit

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DealResult", "Valuation", "fetch_for", "parse_override", "period_span", "store_closes", "value_deals"]


@dataclass(init=False, repr=False, eq=False)
class DealResult(ValueFields):
    """One deal's figures, flags and pricing detail. Money in ``currency`` per target share."""

    deal: Deal
    currency: str | None
    as_of: dt.date
    figures: dict[str, float | None]
    hedge: dict[str, float]
    info: DealInfo
    leg_figures: list[dict[str, float | None]] = field(default_factory=list)
    #: The net figures (:data:`arb.costs.NET_FIGURES`), or None where no costs are set for the deal.
    net: dict[str, float | None] | None = None
    #: The rates the net figures were worked at, and where each came from.
    cost_rates: CostRates | None = None

    def __init__(
        self,
        deal: Deal,
        currency: str | None,
        as_of: dt.date,
        figures: dict[str, float | None],
        hedge: dict[str, float],
        info: DealInfo,
        leg_figures: list[dict[str, float | None]] | None = None,
        net: dict[str, float | None] | None = None,
        cost_rates: CostRates | None = None,
    ) -> None:
        self.deal = deal
        self.currency = currency
        self.as_of = as_of
        self.figures = figures
        self.hedge = hedge
        self.info = info
        self.leg_figures = [] if leg_figures is None else leg_figures  # left out (or None): none
        self.net = net
        self.cost_rates = cost_rates

    @property
    def id(self) -> str:
        return self.deal.id

    @property
    def flags(self) -> list[str]:
        return self.info.flags

    @property
    def valued(self) -> bool:
        """True when the spread could be computed, or when undisclosed terms leave nothing to value."""
        return self.figures["spread"] is not None or not self.deal.has_terms

    def _repr_html_(self) -> str:
        from arb.display import result_html

        return result_html(self)

    def to_dict(self, *, detail: bool = False) -> dict[str, Any]:
        """The JSON shape of ``arb report --json`` (``detail`` adds the legs, as ``arb show --json``)."""
        f = self.figures
        out: dict[str, Any] = {
            "id": self.deal.id,
            "name": self.deal.name,
            "status": self.deal.status,
            "currency": self.currency,
            "as_of": self.as_of.isoformat(),
            "expected_close": _iso(close_date(self.deal)[0]),
            "target": self.deal.target.ticker,
            "target_price": f["target_price"],
            "deal_value": f["deal_value"],
            "dividends": f["dividends"],
            "spread": f["spread"],
            "spread_pct": f["spread_pct"],
            "days_to_close": None if f["days_to_close"] is None else int(f["days_to_close"]),
            "annualized": f["annualized"],
            "annualized_simple": f["annualized_simple"],
            "downside": f["downside"],
            "implied_probability": f["implied_probability"],
            **{k: f[k] for k in LONG_STOP_FIGURES if k in f},
            "hedge": dict(self.hedge),
            "prices": {sym: _quote_dict(q) for sym, q in self.info.prices.items()},
            "flags": list(self.info.flags),
            "notes": list(self.info.notes),
            "terms_hash": self.deal.terms_hash(),
        }
        if self.net is not None and self.cost_rates is not None:
            # Only where costs are set: a deal nobody asked to cost has no net figures, not null ones.
            out.update(self.net)
            out["cost_rates"] = list(self.cost_rates.lines)
        if detail:
            out["legs"] = [
                _leg_dict(li, lf, self.currency) for li, lf in zip(self.info.legs, self.leg_figures, strict=True)
            ]
            out["sources"] = [s.model_dump(mode="json", exclude_none=True) for s in self.deal.source]
        return out


def _when(q: Quote) -> str | None:
    if q.as_of is None:
        return None
    if q.as_of.time() == dt.time() and q.as_of.tzinfo is None:
        return q.as_of.date().isoformat()
    return q.as_of.isoformat()


def _quote_dict(q: Quote) -> dict[str, Any]:
    out: dict[str, Any] = {"price": q.price, "currency": q.currency, "as_of": _when(q), "source": q.source}
    if q.fallback:
        out["fallback"] = q.fallback
    return out


def _leg_dict(li: LegInfo, lf: Mapping[str, float | None], ccy: str | None) -> dict[str, Any]:
    leg = li.leg
    out: dict[str, Any] = {k: v for k, v in leg.model_dump(exclude_none=True).items()}
    out.update(
        {
            "priced_by": li.priced_by,
            "leg_currency": li.currency,
            "security_price": None if math.isnan(li.security_price) else li.security_price,
            "quote": _quote_dict(li.quote) | {"symbol": li.quote.symbol} if li.quote else None,
            "fx_to_deal": None
            if li.fx is None
            else {"pair": li.fx.symbol, "rate": li.fx.rate, "inverted": li.fx.inverted},
            "proxy_fx": None
            if li.proxy_fx is None
            else {"pair": li.proxy_fx.symbol, "rate": li.proxy_fx.rate, "inverted": li.proxy_fx.inverted},
            "hedge_symbol": li.hedge_symbol,
            "why_estimate": li.why_estimate,
            "deal_currency": ccy,
        }
    )
    out.update(lf)
    return out


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


#: The worst case: the same spread annualised to the long-stop date (only for a deal with a
#: long-stop event; ACT/365 as :mod:`arb.engine`).
LONG_STOP_FIGURES = ("days_to_long_stop", "annualized_long_stop", "annualized_simple_long_stop")


def _long_stop_columns(book: Book, res: EngineResult) -> tuple[list[dt.date | None], dict[str, np.ndarray]]:
    """Each deal's long-stop date, and the spread annualised over the days to it (one engine pass).

    The spread and its dividends are those to the expected close: only the time differs. A long-stop
    on or before the as-of date leaves no days (NaN), as does a deal without one.
    """
    stops = [long_stop(info.deal) for info in book.info]
    if not any(s is not None for s in stops):  # no long-stop event: no figure to work out
        return stops, {}
    days = np.array([math.nan if s is None else float((s - book.as_of).days) for s in stops])
    days[days <= 0] = math.nan
    with np.errstate(invalid="ignore"):
        m = metrics(res.target_price, res.deal_value, res.dividends, res.downside, days)
    return stops, {
        "days_to_long_stop": days,
        "annualized_long_stop": m["annualized"],
        "annualized_simple_long_stop": m["annualized_simple"],
    }


def _long_stop_figures(
    info: DealInfo, i: int, stop: dt.date | None, columns: Mapping[str, np.ndarray], spread_pct: float | None
) -> dict[str, float | None]:
    """One deal's long-stop figures: none without a long-stop event; null when the spread is null or
    the long-stop is on or before the as-of (flagged ``long-stop-passed``, or the closed status)."""
    if stop is None:
        return {}
    out = {name: _opt(float(columns[name][i])) for name in LONG_STOP_FIGURES}
    if spread_pct is None:
        out["annualized_long_stop"] = out["annualized_simple_long_stop"] = None
    for name in ("annualized_long_stop", "annualized_simple_long_stop"):
        if math.isinf(columns[name][i]) and spread_pct is not None:
            info.flag(Flag.IMPLAUSIBLE, f"{name} is too large to represent: shown as null")
    return out


def _opt(x: float) -> float | None:
    return None if not math.isfinite(x) else float(x)


def _opt_rows(columns: Sequence[np.ndarray]) -> list[list[float | None]]:
    """Columns of equal length as rows of Python floats, None where a value is not finite (as :func:`_opt`)."""
    if not len(columns[0]):
        return []
    grid = np.column_stack([np.asarray(c, dtype=np.float64) for c in columns])
    cells = grid.astype(object)
    cells[~np.isfinite(grid)] = None
    rows: list[list[float | None]] = cells.tolist()
    return rows


@functools.lru_cache(maxsize=256)
def _closure(blocked: frozenset[str]) -> frozenset[str]:
    """:func:`arb.flags.closure` of one set of blocked figures (a pure function: the same sets recur)."""
    return frozenset(closure(blocked))


@functools.lru_cache(maxsize=256)
def _nulled(blocked: frozenset[str]) -> tuple[str, ...]:
    """The figures of :data:`~arb.engine.FIGURES` that one set of blocked figures leaves null (its closure)."""
    closed = _closure(blocked)
    return tuple(n for n in FIGURES if n in closed)


@functools.lru_cache(maxsize=256)
def _net_closure(blocked: frozenset[str]) -> frozenset[str]:
    """:func:`arb.flags.net_closure` of one set of blocked figures."""
    return frozenset(net_closure(blocked))


@dataclass(init=False, repr=False, eq=False)
class Valuation(Fields):
    """The result of valuing a set of deals at one as-of date with one price source."""

    results: list[DealResult]
    as_of: dt.date
    source_label: str
    fetch: FetchResult
    book: Book
    engine: EngineResult

    def __iter__(self) -> Any:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def get(self, deal_id: str) -> DealResult:
        for r in self.results:
            if r.deal.id == deal_id:
                return r
        raise KeyError(deal_id)

    def _repr_html_(self) -> str:
        from arb.display import valuation_html

        return valuation_html(self)

    def records(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per deal (the ``arb report --json`` array)."""
        return [r.to_dict() for r in self.results]

    def sorted(self) -> list[DealResult]:
        """Best annualised return first; deals without one last, by id."""

        def key(r: DealResult) -> tuple[int, float, str]:
            a = r.figures["annualized"]
            return (0, -a, r.id) if a is not None else (1, 0.0, r.id)

        return sorted(self.results, key=key)

    def to_frame(self) -> pd.DataFrame:
        """One row per deal, indexed by id, with fixed columns: see :func:`arb.frames.deals_frame`.

        The prices and the hedge are long frames of their own: :meth:`prices_frame`, :meth:`hedges_frame`.
        """
        from arb.frames import deals_frame

        return deals_frame(self)

    def prices_frame(self) -> pd.DataFrame:
        """Every price each deal used, one row per (deal, symbol): see :func:`arb.frames.prices_frame`."""
        from arb.frames import prices_frame

        return prices_frame(self)

    def hedges_frame(self) -> pd.DataFrame:
        """Shares to short per target share, one row per (deal, symbol): see :func:`arb.frames.hedges_frame`."""
        from arb.frames import hedges_frame

        return hedges_frame(self)


@shares_one_deadline  # every round below gets what is left of one --timeout, not a new one
def fetch_for(
    deals: Sequence[Deal],
    source: PriceSource,
    overrides: Mapping[str, Override] | None = None,
    *,
    as_of: dt.date | None = None,
) -> FetchResult:
    """Every quote the deals need, listings first, then the FX pairs their currencies call for.

    Quotes come back in major units. ``overrides`` replace (or add) prices for a what-if. With
    ``as_of``, no quote dated after it is used (see :func:`~arb.prices.base.fetch_as_of`).
    """
    symbols = symbols_for(deals)
    securities = {name: sec for d in deals for name, sec in d.securities.items()}
    result = FetchResult()
    # Ask for the FX pairs we can already guess in the same round as the listings.
    guessed = pairs_to_fetch(needed_fx(deals, {}), {}, set())
    asked = set(symbols) | set(guessed)
    result.merge(fetch_as_of(source, [*symbols, *guessed], as_of))
    fetch_aliases(source, result, symbols, securities, as_of)  # a price row "bigco" prices ticker BIGCO
    apply_overrides(result, overrides or {}, securities)
    result.quotes = _in_major_units(result.quotes)
    # A second (and last) round for pairs only the actual quote currencies reveal, or inverses.
    needed: list[tuple[str, str]] | None = None
    for _ in range(2):
        needed, unquoted = needed_fx_unquoted(deals, result.quotes)
        more = pairs_to_fetch(needed, result.quotes, asked)
        if not more:
            if unquoted:
                needed = None  # a currency was guessed: the valuation's own pairs are worked out below
            break
        needed = None  # worked out from quotes this round adds to
        asked |= set(more)
        extra = fetch_as_of(source, more, as_of)
        extra.quotes = _in_major_units(extra.quotes)
        result.merge(extra)
        apply_overrides(result, {k: v for k, v in (overrides or {}).items() if k in more}, securities)
    # With nothing guessed, the pairs the last round worked out from the final quotes are those the
    # valuation needs (needed_fx with guess_missing=False).
    result.failures = _fx_failures_that_matter(deals, result, needed)
    return result


def _in_major_units(quotes: Mapping[str, Quote]) -> dict[str, Quote]:
    """Each quote in major units (:meth:`Quote.in_major_units`), whether each unit is a major one
    asked once (a thousand quotes share a few currencies); a quote already in one is kept as it is."""
    major: dict[str, bool] = {}
    out: dict[str, Quote] = {}
    for sym, q in quotes.items():
        unit = q.currency
        known = major.get(unit)
        if known is None:
            known = major[unit] = is_major_unit(unit)
        out[sym] = q if known else q.in_major_units()
    return out


def _fx_failures_that_matter(
    deals: Sequence[Deal], result: FetchResult, needed: Sequence[tuple[str, str]] | None = None
) -> dict[str, str]:
    """Drop the FX probes that did not matter; name each conversion that failed once.

    FX pairs are asked for speculatively (guessed currencies, then inverses), so a failed pair
    is only news when the valuation needed that conversion and neither direction was priced.
    ``needed`` is ``needed_fx(deals, result.quotes, guess_missing=False)`` when already known.
    """
    kept = {s: why for s, why in result.failures.items() if not is_fx_pair(s)}
    table = FxTable(result.quotes)
    if needed is None:
        needed = needed_fx(deals, result.quotes, guess_missing=False)
    for base, quote in needed:
        if table.rate(base, quote) is None:
            direct, inverse = fx_pair(base, quote), fx_pair(quote, base)
            reasons = [f"{s}: {result.failures[s]}" for s in (direct, inverse) if s in result.failures]
            kept[direct] = "; ".join(reasons) or "not priced by the source"
    return kept


def _default_as_of(source: PriceSource, quotes: Iterable[Quote], today: dt.date) -> dt.date:
    """Today, or for a dated source the latest price date that is not after today.

    A price dated in the future (a typo'd year) never moves the as-of: price files refuse such
    rows, and this keeps any other source from doing it.
    """
    if not source.dated:
        return today
    dates = [d for q in quotes if q.as_of is not None and q.kind != "override" and (d := q.as_of.date()) <= today]
    return max(dates) if dates else today


def _flag_later_prices(book: Book, fetched: FetchResult, as_of: dt.date) -> None:
    """Flag ``price-after-as-of`` on each deal that needed a symbol priced only after the as-of."""
    later = fetched.later
    if not later:
        return
    fx_later = any(is_fx_pair(s) for s in later)  # else no pair a deal needs can be among them
    for info in book.info:
        needed = set(symbols_for([info.deal]))
        if fx_later:
            needed |= {p for b, q in needed_fx([info.deal], fetched.quotes) for p in (fx_pair(b, q), fx_pair(q, b))}
        for sym in sorted(s for s in needed if s in later):
            when = later[sym].as_of
            day = when.date() if when else "?"
            info.flag(
                Flag.PRICE_AFTER_AS_OF,
                f"{sym}: priced only after the as-of {as_of} (on {day}); a later price is never used",
            )


def period_span(deals: Sequence[Deal]) -> tuple[list[str], dt.date, dt.date] | None:
    """The listings a pricing period of ``deals`` averages, and the first and last day of their windows.

    Every set of terms counts (a revision's legs too, for an as-of before its bump). None when no
    leg with a ticker has a pricing period, or no such deal has a close date: then no close is needed.
    """
    symbols: set[str] = set()
    days: list[dt.date] = []
    for d in deals:
        averaged = [leg for leg in d.consideration if leg.pricing_period is not None and leg.ticker]
        for rev in d.revisions:
            averaged += [leg for leg in rev.consideration if leg.pricing_period is not None and leg.ticker]
        if not averaged:
            continue  # most deals: no close date needed
        close, _ = close_date(d)
        if close is None:
            continue
        for leg in averaged:
            period = leg.pricing_period
            assert period is not None and leg.ticker is not None
            symbols.add(leg.ticker)
            window = pricing_window(close, period.days, period.ends_before_close)
            days += (window[0], window[-1])
    if not symbols:
        return None
    return sorted(symbols), min(days), max(days)


def store_closes(deals: Sequence[Deal], store: Any) -> dict[str, dict[dt.date, Quote]]:
    """The history store's daily closes of the listings whose pricing periods ``deals`` average, over
    those periods' days, for ``value_deals(closes=...)``; ``store`` is a
    :class:`~arb.store.HistoryStore` or its path.

    Without a pricing period the store is not opened. Raises :class:`~arb.store.StoreError` when
    the store cannot be read; a missing store gives nothing.
    """
    span = period_span(deals)
    if span is None:
        return {}
    from arb.store import HistoryStore

    if isinstance(store, HistoryStore):
        return store.daily_closes(*span)
    with HistoryStore(store, create=False) as opened:
        return opened.daily_closes(*span)


def _period_closes(
    deals: Sequence[Deal],
    source: PriceSource,
    quotes: Mapping[str, Quote],
    given: Mapping[str, Mapping[dt.date, float | Quote]] | None,
) -> dict[str, dict[dt.date, float]]:
    """The daily closes of each listing a pricing period needs, by precedence: a close given as a
    number, then the source's own history (a price file's dated rows), then a close given as a
    quote (the history store's).

    A quote counts only in the spot's unit once in major units (``GBp`` pence become ``GBP``); one
    in another currency is left out, so its day is flagged as passed without a close.
    """
    wanted = {leg.ticker for d in deals for leg in d.consideration if leg.pricing_period and leg.ticker}
    history = getattr(source, "history", None)
    out: dict[str, dict[dt.date, float]] = {}
    for sym in sorted(wanted):
        spot = quotes.get(sym)
        given_days = (given or {}).get(sym, {})
        days: dict[dt.date, float] = {}
        dated = [(d, q) for d, q in given_days.items() if isinstance(q, Quote)]
        if callable(history) and spot is not None:
            dated += [(q.as_of.date(), q) for q in history(sym) if q.as_of is not None]
        for day, q in dated:
            q = q.in_major_units()
            if spot is not None and q.currency == spot.currency:
                days[day] = q.price
        days.update((d, float(v)) for d, v in given_days.items() if not isinstance(v, Quote))
        out[sym] = days
    return out


def _net_figures(
    book: Book, res: EngineResult, fallback: Costs | None, fallback_label: str = "config"
) -> tuple[dict[str, np.ndarray], list[CostRates | None], np.ndarray]:
    """The net figures of every deal with costs set (one vectorised pass), flagging what they lack."""
    legs = book.legs
    n_deals = len(book.info)
    rates: list[CostRates | None] = []
    funding = np.full(n_deals, np.nan)
    buy = np.full(n_deals, np.nan)
    prob = np.full(n_deals, np.nan)
    borrow = np.zeros(len(legs))
    rebate = np.zeros(len(legs))
    sell = np.zeros(len(legs))
    pay_days = np.full(len(legs), np.nan)  # days from the as-of to a leg paid on its own date
    k = 0
    for i, info in enumerate(book.info):
        n_legs = len(info.legs)
        if info.deal.costs is None and fallback is None:
            rates.append(None)
            k += n_legs
            continue
        hedges = [
            (li.hedge_symbol, li.quote.currency if li.quote else None)
            if li.hedge_symbol and li.priced_by in ("listing", "proxy")
            else (None, None)
            for li in info.legs
        ]
        r = resolve_rates(
            info.deal.costs,
            fallback,
            currency=info.currency,
            target=info.deal.target.ticker,
            hedges=hedges,
            config_label=fallback_label,
        )
        rates.append(r)
        funding[i], buy[i], prob[i] = r.funding_rate, r.target_buy, r.probability
        borrow[k : k + n_legs] = r.leg_borrow
        rebate[k : k + n_legs] = r.leg_rebate
        sell[k : k + n_legs] = r.leg_sell
        for j, li in enumerate(info.legs):
            if li.leg.payment_date is not None:
                pay_days[k + j] = float((li.leg.payment_date - book.as_of).days)
        k += n_legs
        if r.missing:
            info.flag(Flag.NO_COST_RATE, "no rate for " + ", ".join(r.missing) + ": set it in [costs]")
        if r.defaulted:
            info.flag(Flag.COSTS_DEFAULT, "built-in cost rates used: " + ", ".join(r.defaulted))
        if math.isnan(r.probability):
            info.flag(Flag.NO_PROBABILITY, "no probability in [costs]: no net expected return")
    if not any(r is not None for r in rates):  # no deal has costs set: no net figure to work out
        return {}, rates, np.zeros(len(legs))
    with np.errstate(invalid="ignore"):
        # The value shorted per target share: the hedge's shares at the security's price in the deal currency.
        short_value = np.where(legs.hedge_mult > 0, legs.weight * res.leg_delta * legs.price * legs.fx, 0.0)
    days = book.deals.close - book.deals.as_of
    nets = net_figures(
        target_price=res.target_price,
        deal_value=res.deal_value,
        dividends=res.dividends,
        downside=res.downside,
        days=days,
        funding_rate=funding,
        target_buy=buy,
        probability=prob,
        short_value=short_value,
        leg_borrow=borrow,
        leg_rebate=rebate,
        leg_sell=sell,
        leg_deal=legs.deal,
        leg_value=legs.weight * res.leg_value,
        leg_pay_days=pay_days,
    )
    for i, (info, costed) in enumerate(zip(book.info, rates, strict=True)):
        if costed is None:
            continue
        blocked = net_closure(info.blocked)
        if "break_even_days" not in blocked and math.isnan(nets["break_even_days"][i]):
            spread = nets["net_spread"][i] + nets["carry_cost"][i]
            info.flag(
                Flag.NO_BREAK_EVEN,
                f"the trading costs {nets['trading_cost'][i]:.4g} exceed the spread {spread:.4g}: the net spread is "
                "below zero even at a close today"
                if nets["trading_cost"][i] > spread
                else "carrying the position costs nothing a day: no break-even date",
            )
        if "net_annualized" not in blocked and np.isnan(nets["net_annualized"][i]):
            net_pct = nets["net_spread_pct"][i]
            why = (
                f"the net spread {net_pct:+.1%} loses more than the price paid"
                if net_pct <= -1
                else "the dated cash flows have no rate from -99% to 999,900% a year"
            )
            info.flag(Flag.NO_NET_ANNUALIZED, f"{why}: no compound annualised net return")
        for name in ("net_annualized", "net_annualized_simple"):
            if np.isinf(nets[name][i]):
                info.flag(Flag.OVERFLOW, f"{name} is too large to represent", blocks=name)
    return nets, rates, short_value


def value_deals(
    deals: Sequence[Deal],
    source: PriceSource,
    *,
    as_of: dt.date | None = None,
    overrides: Mapping[str, Override] | None = None,
    today: dt.date | None = None,
    reference_prices: Mapping[str, Quote | tuple[float, str]] | None = None,
    costs: Costs | None = None,
    read_config: bool = True,
    closes: Mapping[str, Mapping[dt.date, float | Quote]] | None = None,
) -> Valuation:
    """Value ``deals`` with prices from ``source``.

    ``as_of`` defaults to today, or, for a source whose prices carry dates (a snapshot, a price
    file), to the latest price date. ``overrides`` maps a symbol to ``(price, currency or None)``.
    ``reference_prices`` (each symbol's last known price, as a quote or ``(price, currency)``)
    flags a target price more than 10x away from it ``implausible``.

    ``costs`` is the ``[costs]`` every deal's own table falls back on; by default (and with
    ``read_config``) that of the config file. A deal gets net figures (:mod:`arb.costs`) when it or
    the fallback sets costs.

    ``closes`` (a listing's daily closes by date) fix the passed days of a leg's pricing period:
    a number is in the spot's major unit (pounds, not pence) and wins; a source with a
    ``history(symbol)`` method (a price file) gives closes next; a :class:`Quote` (the history
    store's, :func:`store_closes`) fills the days left, once in major units and only in the
    spot's currency.

    Every figure is finite and follows its definition (:mod:`arb.engine`), or is None, and then
    one of the deal's flags blocks it (:data:`arb.flags.FLAGS`).
    """
    # Before a bump (a revision's superseded date), the terms then in force are valued; a deal
    # that closed after the as-of is valued as the open deal it was (lifecycle.deal_at).
    deals = [deal_at(d, as_of) for d in deals]
    fetched = fetch_for(deals, source, overrides, as_of=as_of)
    today = today or dt.date.today()
    if as_of is None:
        # The source's own dates decide the default as-of, including those of quotes an override replaced.
        as_of = _default_as_of(source, [*fetched.quotes.values(), *fetched.replaced.values()], today)
        dated = [deal_at(d, as_of) for d in deals]
        if any(a.consideration is not b.consideration for a, b in zip(dated, deals, strict=True)):
            fetched = fetch_for(dated, source, overrides, as_of=as_of)  # the prices predate a bump: fetch again
        deals = dated
    stamp_overrides(fetched, as_of)
    daily = _period_closes(deals, source, fetched.quotes, closes)
    book = compile_book(deals, fetched.quotes, as_of, reference_prices=reference_prices, closes=daily)
    _flag_later_prices(book, fetched, as_of)
    res = value_book(book.legs, book.deals, book.dividends)
    flag_figures(book, res)
    label = "costs="
    if costs is None and read_config:
        costs, label = load_config_costs(), "config"
    nets, rates, short_value = _net_figures(book, res, costs, label)
    below, above = edge_deltas(book.legs)
    results: list[DealResult] = []
    leg_start = np.concatenate(([0], np.cumsum(book.deals.n_legs))).tolist()
    names = FIGURES
    # Every figure as Python floats, None where not finite: one row per deal, in the order of names.
    deal_rows = _opt_rows([getattr(res, n) for n in names])
    with np.errstate(invalid="ignore", over="ignore"):
        weights = book.legs.weight
        leg_rows = _opt_rows([res.leg_value, res.leg_value * weights, res.leg_delta, res.leg_hedge, below, above])
    leg_keys = ("leg_value", "weighted_value", "delta", "hedge_shares", "delta_below", "delta_above")
    hedges = res.leg_hedge.tolist()
    shorts = short_value.tolist()
    net_rows = _opt_rows([nets[n] for n in NET_FIGURES]) if any(r is not None for r in rates) else []
    stops, stop_columns = _long_stop_columns(book, res)
    for i, info in enumerate(book.info):
        figures = dict(zip(names, deal_rows[i], strict=True))
        if info.blocked:
            for n in _nulled(frozenset(info.blocked)):
                figures[n] = None
        hedge: dict[str, float] = {}
        leg_figs: list[dict[str, float | None]] = []
        costed = rates[i] is not None
        k = leg_start[i]
        for li in info.legs:
            # on a collar bound: delta_below and delta_above, the delta on each side of the kink (else None)
            lf = dict(zip(leg_keys, leg_rows[k], strict=True))
            symbol = li.hedge_symbol
            if not symbol:
                lf["hedge_shares"] = None
            elif li.priced_by in ("listing", "proxy"):
                h = hedges[k]
                hedge[symbol] = hedge.get(symbol, 0.0) + h if math.isfinite(h) else math.nan
            if costed:  # the value shorted per target share, for the cost arithmetic
                lf["short_value"] = _opt(shorts[k])
            leg_figs.append(lf)
            k += 1
        # No position before the terms were announced, so nothing to hedge (the shares would tell
        # the terms: a look-ahead like the figures not-yet-announced blocks).
        if hedge:
            hedge = (
                {s: v for s, v in hedge.items() if math.isfinite(v)} if Flag.NOT_YET_ANNOUNCED not in info.flags else {}
            )
        net: dict[str, float | None] | None = None
        if costed:
            net = dict(zip(NET_FIGURES, net_rows[i], strict=True))
            if info.blocked:
                for n in _net_closure(frozenset(info.blocked)):
                    if n in net:
                        net[n] = None
        if stops[i] is not None:
            figures.update(_long_stop_figures(info, i, stops[i], stop_columns, figures["spread_pct"]))
        results.append(DealResult(info.deal, info.currency, as_of, figures, hedge, info, leg_figs, net, rates[i]))
    return Valuation(results, as_of, source.label, fetched, book, res)

"""The price-source interface: symbols in, quotes (price, currency, time, provenance) out.

Every source, the bundled snapshot, a CSV file, a dict, Yahoo, the history store, implements
:class:`PriceSource`. The engine never sees a source; it sees numbers the valuation layer took
from the quotes, so a new source plugs in without touching the engine.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol, runtime_checkable

from arb.symbols import MAX_PER_SHARE, is_major_unit, major_currency, price_in_range

__all__ = [
    "ChainSource",
    "FetchResult",
    "MemorySource",
    "PriceSource",
    "Quote",
    "bad_price_reason",
    "fallback_summary",
    "fetch_as_of",
]


@dataclass(frozen=True, init=False)
class Quote:
    """One price with its provenance.

    ``currency`` is the unit the price is quoted in, which may be a minor unit (``GBp``); call
    :meth:`in_major_units` before doing arithmetic. ``kind`` says what sort of source gave it
    (``snapshot``, ``file``, ``yahoo``, ``store``, ``override``, ``memory``); ``origin`` says
    which one (a path, an article, a URL). ``fallback`` holds why the preferred source failed
    when this quote came from a later one. ``flags`` holds ``(flag, note)`` pairs the source
    raised about this price (``possibly-suspended``), for the valuation to put on the deal.
    """

    symbol: str
    price: float
    currency: str
    as_of: dt.datetime | None
    kind: str
    origin: str = ""
    fallback: str | None = None
    synthetic: bool = False
    flags: tuple[tuple[str, str], ...] = ()

    def __init__(
        self,
        symbol: str,
        price: float,
        currency: str,
        as_of: dt.datetime | None,
        kind: str,
        origin: str = "",
        fallback: str | None = None,
        synthetic: bool = False,
        flags: tuple[tuple[str, str], ...] = (),
    ) -> None:
        # The fields in one step: a frozen dataclass's own __init__ sets them one by one through
        # object.__setattr__, which made building a price file's quotes a quarter of its read.
        self.__dict__.update(
            symbol=symbol,
            price=price,
            currency=currency,
            as_of=as_of,
            kind=kind,
            origin=origin,
            fallback=fallback,
            synthetic=synthetic,
            flags=flags,
        )

    def in_major_units(self) -> Quote:
        """The same quote in the ISO currency: ``123.0 GBp`` -> ``1.23 GBP``."""
        if is_major_unit(self.currency):
            return self
        code, divisor = major_currency(self.currency)
        return Quote(
            self.symbol,
            self.price / divisor,
            code,
            self.as_of,
            self.kind,
            self.origin,
            self.fallback,
            self.synthetic,
            self.flags,
        )

    @property
    def source(self) -> str:
        """``kind`` and ``origin`` in one short label, e.g. ``snapshot (seeds/prices.csv)``."""
        text = f"{self.kind} ({self.origin})" if self.origin else self.kind
        if self.synthetic:
            text += " [synthetic]"
        return text

    def age_days(self, today: dt.date) -> int | None:
        return None if self.as_of is None else (today - self.as_of.date()).days


@dataclass
class FetchResult:
    """What a source returned: quotes by symbol, and a reason for each symbol it could not price."""

    quotes: dict[str, Quote] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    #: Quotes a ``--price`` override replaced: their dates still say when the source's prices are from.
    replaced: dict[str, Quote] = field(default_factory=dict)
    #: Symbols priced only after the valuation's as-of: the earliest such quote, never used for a figure.
    later: dict[str, Quote] = field(default_factory=dict)

    def merge(self, other: FetchResult) -> None:
        self.quotes.update(other.quotes)
        for sym, why in other.failures.items():
            if sym not in self.quotes:
                self.failures[sym] = why
        # What is now priced is no longer a failure or a later-only price. Those are few and the
        # quotes many: look among them, not up every quote.
        for kept in (self.failures, self.later):
            for sym in [s for s in kept if s in other.quotes]:
                del kept[sym]
        for sym, q in other.later.items():
            if sym not in self.quotes:
                self.later.setdefault(sym, q)


@runtime_checkable
class PriceSource(Protocol):
    """Anything that prices symbols: Yahoo symbols, FX pairs (``CNYHKD=X``) or security names."""

    #: A short description for the report header, e.g. ``snapshot seeds/prices.csv``.
    label: str
    #: True when the source's prices carry their own dates, so the report's default as-of is
    #: the latest price date rather than today.
    dated: bool

    def fetch(self, symbols: Collection[str]) -> FetchResult:
        """Price the symbols it can; name a reason for every other symbol. Never raises for one symbol."""
        ...


def fetch_as_of(source: PriceSource, symbols: Collection[str], as_of: dt.date | None) -> FetchResult:
    """Quotes for a valuation as of ``as_of``: never one dated after it (no look-ahead).

    A source that keeps prices for several dates (a price file, the store) has a
    ``fetch_at(symbols, as_of)`` method and answers with the latest price on or before the
    date; any other source is asked with ``fetch``. Either way a quote dated after ``as_of``
    is moved out of ``quotes`` into ``later`` and ``failures`` (the valuation flags
    ``price-after-as-of``). Undated quotes and ``as_of=None`` pass as they are.
    """
    if as_of is None:
        return source.fetch(symbols)
    at = getattr(source, "fetch_at", None)
    got = at(symbols, as_of) if callable(at) else source.fetch(symbols)
    late = [(s, q.as_of.date()) for s, q in got.quotes.items() if q.as_of is not None and q.as_of.date() > as_of]
    for sym, day in late:
        got.later.setdefault(sym, got.quotes.pop(sym))
        got.failures[sym] = f"no price on or before the as-of {as_of} (one dated {day})"
    return got


def fallback_summary(quotes: Iterable[Quote], as_of: dt.date) -> str | None:
    """One line saying that prices fell back from the preferred source, why, and the oldest one's age.

    None when no quote fell back. The preferred source's reason is named once (the commonest,
    with a count of the others), not once per symbol.
    """
    fell = [q for q in quotes if q.fallback]
    if not fell:
        return None
    reasons = Counter((q.fallback or "").split("; ")[0] for q in fell)
    (why, n_why), *others = reasons.most_common()
    if others:
        n_other = len(fell) - n_why
        why += f" (for {n_why}; {n_other} other{'s' if n_other != 1 else ''} failed for other reasons)"
    dated = [q for q in fell if q.as_of is not None]
    if dated:
        oldest = min(dated, key=_day)
        age = oldest.age_days(as_of)
        when = f"the oldest is {age} day{'s' if age != 1 else ''} old ({oldest.symbol}, {_day(oldest)})"
    else:
        when = "their dates are unknown"
    kinds = " and ".join(sorted({q.kind for q in fell}))
    return f"{len(fell)} price{'s' if len(fell) != 1 else ''} not live, taken from the {kinds}: {why}; {when}"


def _day(q: Quote) -> str:
    return "undated" if q.as_of is None else q.as_of.date().isoformat()


def bad_price_reason(price: object) -> str | None:
    """Why a price is unusable (None when it is fine): not a number, NaN, infinite, zero, negative,
    or above :data:`arb.symbols.MAX_PER_SHARE`."""
    if isinstance(price, bool) or not isinstance(price, (int, float)):
        return f"not a number: {price!r}"
    value = float(price)
    if price_in_range(value):
        return None
    if math.isnan(value):
        return "price is NaN"
    if math.isinf(value):
        return "price is infinite"
    if value <= 0:
        return f"price must be above zero, got {value:g}"
    return f"price {value:g} is above {MAX_PER_SHARE:g}; no share trades there"


class MemorySource:
    """Prices held in memory: for tests, notebooks and what-ifs.

    ``prices`` maps a symbol to a price (then ``currency`` is required per symbol through
    ``currencies`` or a default) or to a :class:`Quote`.
    """

    dated = False

    def __init__(
        self,
        prices: Mapping[str, float | Quote],
        currencies: Mapping[str, str] | None = None,
        *,
        as_of: dt.datetime | None = None,
        label: str = "memory",
        synthetic: bool = False,
    ) -> None:
        self.label = label
        self._quotes: dict[str, Quote] = {}
        currencies = currencies or {}
        for sym, p in prices.items():
            if isinstance(p, Quote):
                self._quotes[sym] = p
                continue
            if sym not in currencies:
                raise ValueError(f"MemorySource: no currency for {sym!r}; pass currencies={{{sym!r}: 'HKD'}}")
            self._quotes[sym] = Quote(sym, float(p), currencies[sym], as_of, "memory", label, synthetic=synthetic)
        self.dated = as_of is not None

    def fetch(self, symbols: Collection[str]) -> FetchResult:
        out = FetchResult()
        for sym in symbols:
            q = self._quotes.get(sym)
            why = "not in the price set" if q is None else bad_price_reason(q.price)
            if q is not None and why is None:
                out.quotes[sym] = q
            else:
                out.failures[sym] = why or "not in the price set"
        return out


class ChainSource:
    """Ask sources in order; a symbol the first cannot price is asked of the next.

    Quotes from any source but the first carry ``fallback`` = the earlier sources' reasons, so
    the report can flag them.
    """

    def __init__(self, sources: Iterable[PriceSource]) -> None:
        self.sources = list(sources)
        if not self.sources:
            raise ValueError("ChainSource needs at least one source")
        self.label = " -> ".join(s.label for s in self.sources)
        self.dated = self.sources[0].dated

    def fetch(self, symbols: Collection[str]) -> FetchResult:
        return self.fetch_at(symbols, None)

    def fetch_at(self, symbols: Collection[str], as_of: dt.date | None) -> FetchResult:
        """Each source in turn, each asked as of ``as_of`` (see :func:`fetch_as_of`)."""
        out = FetchResult()
        todo = list(dict.fromkeys(symbols))
        reasons: dict[str, list[str]] = {}
        for i, source in enumerate(self.sources):
            if not todo:
                break
            got = fetch_as_of(source, todo, as_of)
            for sym, q in got.later.items():
                out.later.setdefault(sym, q)
            for sym, q in got.quotes.items():
                if i > 0:
                    q = replace(q, fallback="; ".join(reasons.get(sym, [])) or "earlier source had no price")
                out.quotes[sym] = q
            for sym, why in got.failures.items():
                reasons.setdefault(sym, []).append(f"{source.label}: {why}")
            todo = [s for s in todo if s not in out.quotes]
        for sym in todo:
            out.failures[sym] = "; ".join(reasons.get(sym, ["no source priced it"]))
        out.later = {s: q for s, q in out.later.items() if s not in out.quotes}
        return out

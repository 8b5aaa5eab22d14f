"""Currency conversion from the quotes a price source returned.

A rate from ``base`` to ``quote`` is found, in this order, from: the pair itself (``GBPJPY=X``);
its inverse as 1/x (``JPYGBP=X``); or, when neither is priced, the cross through US dollars from
both currencies' pairs against USD, each in either orientation (``GBPUSD=X`` x ``USDJPY=X``).
A rate not found is ``None``: a missing rate is never taken as 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from arb.fields import FrozenValueFields
from arb.prices.base import Quote
from arb.symbols import fx_pair

__all__ = ["CROSS_VIA", "FxRate", "FxTable", "fx_candidates", "pairs_to_fetch"]

#: The currency cross rates go through: every currency has a pair against it.
CROSS_VIA = "USD"


@dataclass(init=False, repr=False, eq=False)
class FxRate(FrozenValueFields):
    """``rate`` units of ``quote`` currency per one unit of ``base``, and the quotes it came from.

    ``symbol`` is the pair used (None when ``base == quote``); for a cross rate it names both
    legs, e.g. ``GBPUSD=X x USDJPY=X``, and ``sources`` holds both legs' quotes.
    """

    base: str
    quote: str
    rate: float
    symbol: str | None  # the pair used (None when base == quote)
    inverted: bool = False
    source: Quote | None = None
    sources: tuple[Quote, ...] = ()

    @property
    def quotes(self) -> tuple[Quote, ...]:
        """Every quote this rate was worked out from (none, one, or two for a cross)."""
        if self.sources:
            return self.sources
        return () if self.source is None else (self.source,)

    @property
    def cross(self) -> bool:
        return len(self.sources) > 1


class FxTable:
    """Looks up conversion rates among the quotes: the pair, its inverse, or the cross through USD.

    Each rate is worked out once per table (a rate is a frozen :class:`FxRate`, so the same one is
    handed out again): a table stands for the quotes as they are while it is used, so make a new
    one when the quotes change.
    """

    def __init__(self, quotes: Mapping[str, Quote]) -> None:
        self._quotes = quotes
        self._found: dict[tuple[str, str], FxRate | None] = {}

    def _pair(self, base: str, quote: str) -> FxRate | None:
        """The pair itself or its inverse, never a cross."""
        if base == quote:
            return FxRate(base, quote, 1.0, None)
        direct = self._quotes.get(fx_pair(base, quote))
        if direct is not None:
            return FxRate(base, quote, direct.price, direct.symbol, False, direct)
        inverse = self._quotes.get(fx_pair(quote, base))
        if inverse is not None:
            return FxRate(base, quote, 1.0 / inverse.price, inverse.symbol, True, inverse)
        return None

    def rate(self, base: str, quote: str) -> FxRate | None:
        key = (base, quote)
        try:
            return self._found[key]
        except KeyError:
            found = self._found[key] = self._rate(base, quote)
            return found

    def _rate(self, base: str, quote: str) -> FxRate | None:
        found = self._pair(base, quote)
        if found is not None or CROSS_VIA in (base, quote):
            return found
        first, second = self._pair(base, CROSS_VIA), self._pair(CROSS_VIA, quote)
        if first is None or second is None or first.source is None or second.source is None:
            return None
        name = f"{_leg_name(first)} x {_leg_name(second)}"
        return FxRate(base, quote, first.rate * second.rate, name, False, first.source, (first.source, second.source))


def _leg_name(r: FxRate) -> str:
    return f"1/{r.symbol}" if r.inverted else str(r.symbol)


def fx_candidates(base: str, quote: str) -> list[str]:
    """Every symbol that can price ``base -> quote``, in the order tried: pair, inverse, USD legs."""
    if base == quote:
        return []
    out = [fx_pair(base, quote), fx_pair(quote, base)]
    if CROSS_VIA not in (base, quote):
        for ccy in (base, quote):
            out += [fx_pair(ccy, CROSS_VIA), fx_pair(CROSS_VIA, ccy)]
    return out


def pairs_to_fetch(needed: Iterable[tuple[str, str]], have: Mapping[str, Quote], asked: set[str]) -> list[str]:
    """FX symbols still worth asking for, for each needed pair not priced yet.

    The pair itself first. Once it has been asked for (and is still not priced): its inverse
    together with both currencies' pairs against USD (both orientations, skipping a leg already
    priced), so that a cross rate needs no further round.
    """
    table = FxTable(have)
    out: list[str] = []

    def add(sym: str) -> None:
        if sym not in asked and sym not in out:
            out.append(sym)

    for base, quote in needed:
        if base == quote or table.rate(base, quote) is not None:
            continue
        direct, inverse, *legs = fx_candidates(base, quote)
        if direct not in asked:
            add(direct)
            continue
        add(inverse)
        for ccy in (base, quote):
            if ccy != CROSS_VIA and table.rate(ccy, CROSS_VIA) is None:
                for sym in legs:
                    if ccy in (sym[:3], sym[3:6]):
                        add(sym)
    return out

"""Currency conversion from the quotes a price source returned."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from arb.prices.base import Quote
from arb.symbols import fx_pair

__all__ = ["FxRate", "FxTable", "pairs_to_fetch"]


@dataclass(frozen=True)
class FxRate:
    """``rate`` units of ``quote`` currency per one unit of ``base``, and the quote it came from."""

    base: str
    quote: str
    rate: float
    symbol: str | None  # the pair used (None when base == quote)
    inverted: bool = False
    source: Quote | None = None


class FxTable:
    """Looks up conversion rates among the quotes: a direct pair, or the inverse pair as 1/x.

    A pair not found is ``None``: a missing rate is never taken as 1.0.
    """

    def __init__(self, quotes: Mapping[str, Quote]) -> None:
        self._quotes = quotes

    def rate(self, base: str, quote: str) -> FxRate | None:
        if base == quote:
            return FxRate(base, quote, 1.0, None)
        direct = self._quotes.get(fx_pair(base, quote))
        if direct is not None:
            return FxRate(base, quote, direct.price, direct.symbol, False, direct)
        inverse = self._quotes.get(fx_pair(quote, base))
        if inverse is not None:
            return FxRate(base, quote, 1.0 / inverse.price, inverse.symbol, True, inverse)
        return None


def pairs_to_fetch(needed: Iterable[tuple[str, str]], have: Mapping[str, Quote], asked: set[str]) -> list[str]:
    """FX symbols still worth asking for: the direct pair first, then its inverse."""
    out: list[str] = []
    for base, quote in needed:
        if base == quote or FxTable(have).rate(base, quote) is not None:
            continue
        for sym in (fx_pair(base, quote), fx_pair(quote, base)):
            if sym not in asked and sym not in out:
                out.append(sym)
                break
    return out

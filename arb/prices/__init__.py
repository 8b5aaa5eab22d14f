"""Price sources behind one interface (see :mod:`arb.prices.base`)."""

from arb.prices.base import ChainSource, FetchResult, MemorySource, PriceSource, Quote, bad_price_reason
from arb.prices.csvfile import CsvSource, snapshot

__all__ = [
    "ChainSource",
    "CsvSource",
    "FetchResult",
    "MemorySource",
    "PriceSource",
    "Quote",
    "bad_price_reason",
    "snapshot",
]

"""arb: merger arbitrage spreads from deal terms.

Load deals from TOML files, value them with a price source, get the figures as records or a
DataFrame::

    import arb
    deals = arb.load_deals([arb.seeds_dir()]).deals
    v = arb.value_deals(deals, arb.snapshot())
    v.to_frame()
"""

from arb.api import expected_return, history, load, prices_from, valuation, value
from arb.errors import ArbError, DealFileError, PriceFileError, PriceSourceError, UnknownDealError
from arb.loader import LoadResult, load_deal, load_deals
from arb.models import Deal, Dividend, Leg, Security, Source, Target
from arb.prices.base import ChainSource, FetchResult, MemorySource, PriceSource, Quote
from arb.prices.csvfile import CsvSource, snapshot
from arb.resources import seeds_dir
from arb.scenarios import scenarios
from arb.symbols import normalize_symbol
from arb.valuation import DealResult, Valuation, value_deals

__all__ = [
    "ArbError",
    "ChainSource",
    "CsvSource",
    "Deal",
    "DealFileError",
    "DealResult",
    "Dividend",
    "FetchResult",
    "Leg",
    "LoadResult",
    "MemorySource",
    "PriceFileError",
    "PriceSource",
    "PriceSourceError",
    "Quote",
    "Security",
    "Source",
    "Target",
    "UnknownDealError",
    "Valuation",
    "expected_return",
    "history",
    "load",
    "load_deal",
    "load_deals",
    "normalize_symbol",
    "prices_from",
    "scenarios",
    "seeds_dir",
    "snapshot",
    "valuation",
    "value",
    "value_deals",
]

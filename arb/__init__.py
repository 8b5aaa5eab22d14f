"""arb: merger arbitrage spreads from deal terms.

Load deals from TOML files, value them with a price source, get the figures as records or a
DataFrame::

    import arb
    deals = arb.load_deals([arb.seeds_dir()]).deals
    v = arb.value_deals(deals, arb.snapshot())
    v.to_frame()
"""

from arb.errors import ArbError, DealFileError, PriceFileError, PriceSourceError, UnknownDealError
from arb.loader import LoadResult, load_deal, load_deals
from arb.models import Deal, Dividend, Leg, Security, Source, Target
from arb.prices.base import ChainSource, FetchResult, MemorySource, PriceSource, Quote
from arb.prices.csvfile import CsvSource, snapshot
from arb.resources import seeds_dir
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
    "load_deal",
    "load_deals",
    "normalize_symbol",
    "seeds_dir",
    "snapshot",
    "value_deals",
]

"""arb: merger arbitrage spreads from deal terms.

Load deals from TOML files, value them with a price source, get the figures as a DataFrame::

    import arb
    deals = arb.load()                       # the bundled seeds, or arb.load(["my-deals/"])
    arb.value(deals, prices="snapshot")      # one row per deal

The names below are imported on first use (PEP 562), so ``import arb`` and ``arb --help`` stay
fast; ``from arb import value`` works as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    "ArbError": "arb.errors",
    "ChainSource": "arb.prices.base",
    "CsvSource": "arb.prices.csvfile",
    "Deal": "arb.models",
    "DealFileError": "arb.errors",
    "DealResult": "arb.pricing",
    "Dividend": "arb.models",
    "FetchResult": "arb.prices.base",
    "Leg": "arb.models",
    "LoadResult": "arb.loader",
    "MemorySource": "arb.prices.base",
    "PriceFileError": "arb.errors",
    "PriceSource": "arb.prices.base",
    "PriceSourceError": "arb.errors",
    "Quote": "arb.prices.base",
    "Security": "arb.models",
    "Source": "arb.models",
    "Target": "arb.models",
    "UnknownDealError": "arb.errors",
    "Valuation": "arb.pricing",
    "conditions": "arb.api",
    "events": "arb.api",
    "expected_return": "arb.api",
    "history": "arb.api",
    "load": "arb.api",
    "load_deal": "arb.loader",
    "load_deals": "arb.loader",
    "normalize_symbol": "arb.symbols",
    "prices_from": "arb.api",
    "scenarios": "arb.grid",
    "seeds_dir": "arb.resources",
    "snapshot": "arb.prices.csvfile",
    "valuation": "arb.api",
    "value": "arb.api",
    "value_deals": "arb.pricing",
    "__version__": "arb",  # from the installed package's metadata, on first use
}

#: Submodules the README and docs name as ``arb.X.name`` after a plain ``import arb``
#: (``arb.charts.payoff``, ``arb.frames.DEAL_COLUMNS``, ``arb.flags.FLAGS``): imported on first use.
_SUBMODULES = frozenset({"charts", "flags", "frames"})

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
    "__version__",
    "conditions",
    "events",
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


def _version() -> str:
    """The installed distribution's version (``0+unknown`` when arb runs from a bare source tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("arb")
    except PackageNotFoundError:
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = found = _version()
        return found
    if name in _SUBMODULES:
        return importlib.import_module(f"arb.{name}")  # the import sets arb.<name> itself
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'arb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    __version__: str
    from arb.api import conditions, events, expected_return, history, load, prices_from, valuation, value
    from arb.errors import ArbError, DealFileError, PriceFileError, PriceSourceError, UnknownDealError
    from arb.grid import scenarios
    from arb.loader import LoadResult, load_deal, load_deals
    from arb.models import Deal, Dividend, Leg, Security, Source, Target
    from arb.prices.base import ChainSource, FetchResult, MemorySource, PriceSource, Quote
    from arb.prices.csvfile import CsvSource, snapshot
    from arb.pricing import DealResult, Valuation, value_deals
    from arb.resources import seeds_dir
    from arb.symbols import normalize_symbol

"""The door of ``prices/``: anything a user has at hand turned into a price source.

``as_source`` is used by the Python API (``prices=``), the scenario grid and the charts; the
CLI's ``--prices FILE`` is a path, which ends up here too.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard

from arb.errors import PriceFileError, PriceSourceError
from arb.prices.base import ChainSource, MemorySource, PriceSource, Quote
from arb.prices.csvfile import CsvSource, normalize_price_symbol, parse_when, snapshot
from arb.symbols import fx_unit_problem, guess_currency, minor_unit_problem, preview, read_price

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NAMED_SOURCES", "PricesLike", "as_source", "quote_from"]

#: What ``prices=`` accepts; see :func:`as_source`.
PricesLike: TypeAlias = "PriceSource | Mapping[str, Any] | pd.DataFrame | str | Path | Sequence[Any]"

#: Named price sources accepted as strings.
NAMED_SOURCES = ("snapshot", "yahoo", "store")


def as_source(
    prices: PricesLike,
    currencies: Mapping[str, str] | None = None,
    *,
    as_of: dt.date | dt.datetime | str | None = None,
    label: str | None = None,
    on_bad_row: Callable[[PriceFileError], None] | None = None,
) -> PriceSource:
    """A price source from whatever is at hand.

    - a :class:`~arb.prices.base.PriceSource`: returned as it is;
    - ``"snapshot"`` (the bundled article prices), ``"yahoo"`` (live), ``"store"`` (the history
      store's latest prices);
    - a path to a CSV price file (``symbol,price,currency[,as_of,source]``); bad rows are
      skipped, each passed to ``on_bad_row`` (default: a warning; the CLI prints an error line);
    - a dict ``{symbol: price}`` (currency from ``currencies``, else guessed from the exchange
      suffix: ``.HK`` HKD, ``.SS`` CNY, ``CNYHKD=X`` HKD), ``{symbol: (price, currency)}``,
      ``{symbol: "4.90GBP"}`` or ``{symbol: Quote}``. A bare number for a listing quoted in a
      minor unit (``VOD.L``: pence) is refused: give the unit;
    - a DataFrame with columns ``symbol, price, currency`` and optionally ``as_of, source``;
    - a list of any of these: asked in order, a later one filling what an earlier one lacks.

    ``as_of`` dates the prices of a dict (so the valuation's default as-of is that date);
    ``label`` names the source in reports. A ``source`` containing "synthetic" marks its
    quotes synthetic, and every deal priced from them is flagged ``synthetic-price``.
    """
    if isinstance(prices, PriceSource):
        return prices
    if isinstance(prices, str) and prices in NAMED_SOURCES:
        return _named_source(prices)
    if isinstance(prices, (str, Path)):
        path = Path(prices)
        try:
            missing = not path.exists()
        except OSError:  # a path too long to look up: CsvSource says so in one line
            missing = False
        if missing:
            named = f"; or name a source: {', '.join(NAMED_SOURCES)}" if isinstance(prices, str) else ""
            raise PriceFileError(path, None, f"no such price file{named}")
        source = CsvSource(path, label=label)
        for e in source.errors:
            if on_bad_row is None:
                warnings.warn(f"skipped {e}", stacklevel=2)
            else:
                on_bad_row(e)
        return source
    if isinstance(prices, Mapping):
        return _from_mapping(prices, currencies or {}, as_of, label or "memory")
    if _is_frame(prices):
        return _from_frame(prices, as_of, label or "DataFrame")
    if isinstance(prices, Sequence):
        return ChainSource([as_source(p, currencies, as_of=as_of) for p in prices])
    raise TypeError(f"prices: cannot make a price source from {type(prices).__name__}")


def quote_from(
    symbol: str, price: Any, currency: str | None, *, as_of: Any = None, origin: str = "", label: str = "memory"
) -> Quote:
    """One quote from loose Python values, checked like a price-file row.

    ``price`` is a number or a price with its unit (``"490GBp"``); the unit is ``currency``,
    else the one in ``price``, else the exchange suffix's guess, unless that is a minor unit.
    """
    try:
        sym = normalize_price_symbol(str(symbol))
        value, unit = read_price(price, currency)
    except ValueError as exc:
        raise PriceSourceError(f"{label}: {preview(symbol)}: {exc}") from None
    problem = minor_unit_problem(sym, value, unit, None, python=True) or fx_unit_problem(sym, unit)
    if problem:
        raise PriceSourceError(f"{label}: {problem}")
    unit = unit or guess_currency(sym)
    if unit is None:
        raise PriceSourceError(
            f"{label}: no currency for {sym!r}; give it as {{{sym!r}: ({value:g}, 'HKD')}} or in currencies="
        )
    when: dt.datetime | None = None
    # NaN, NaT (a datetime subclass) and numpy's NaT are each unequal to themselves: no date given.
    if as_of is not None and as_of == as_of:
        if isinstance(as_of, dt.datetime):
            when = as_of.replace(tzinfo=None) if as_of.tzinfo is None else as_of
        elif isinstance(as_of, dt.date):
            when = dt.datetime.combine(as_of, dt.time())
        else:
            when = parse_when(str(as_of))
    origin = origin or ("" if label == "memory" else label)
    return Quote(sym, value, unit, when, "memory", origin, synthetic="synthetic" in origin.lower())


def _named_source(name: str) -> PriceSource:
    if name == "snapshot":
        return snapshot()
    if name == "yahoo":
        from arb.prices.yahoo import YahooSource

        return YahooSource()
    from arb.paths import store_path
    from arb.store import StoreSource

    return StoreSource(store_path())


def _is_frame(obj: object) -> TypeGuard[pd.DataFrame]:
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "columns")


def _memory(quotes: dict[str, Quote], label: str, dated: bool) -> MemorySource:
    source = MemorySource(dict(quotes), label=label)
    source.dated = dated
    return source


def _from_mapping(prices: Mapping[str, Any], currencies: Mapping[str, str], as_of: Any, label: str) -> MemorySource:
    quotes: dict[str, Quote] = {}
    for sym, p in prices.items():
        if isinstance(p, Quote):
            quotes[normalize_price_symbol(sym)] = p
            continue
        price, ccy = p if isinstance(p, tuple) else (p, currencies.get(sym))
        q = quote_from(sym, price, ccy, as_of=as_of, label=label)
        quotes[q.symbol] = q
    return _memory(quotes, label, as_of is not None)


def _from_frame(frame: pd.DataFrame, as_of: Any, label: str) -> MemorySource:
    missing = [c for c in ("symbol", "price") if c not in frame.columns]
    if missing:
        raise PriceSourceError(f"{label}: missing column(s) {', '.join(missing)}; need symbol, price, currency")
    quotes: dict[str, Quote] = {}
    dated = as_of is not None or "as_of" in frame.columns
    for row in frame.to_dict("records"):
        when = row.get("as_of", as_of)
        ccy = row.get("currency")
        ccy = None if ccy is None or (isinstance(ccy, float) and math.isnan(ccy)) else str(ccy)
        q = quote_from(row["symbol"], row["price"], ccy, as_of=when, origin=str(row.get("source") or ""), label=label)
        if q.symbol in quotes:
            raise PriceSourceError(f"{label}: {q.symbol} appears twice; keep one row per symbol")
        quotes[q.symbol] = q
    return _memory(quotes, label, dated)

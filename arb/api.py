"""The Python API for notebooks and scripts: deals in, pandas out.

Everything ``arb report`` does, in a few lines::

    import arb
    deals = arb.load()                        # the bundled seeds, or files and folders
    frame = arb.value(deals, prices="snapshot")
    frame.loc["enn-energy", "spread_pct"]     # 0.2307... (a fraction, not a percent)

Money is per target share in each deal's currency; fractions (``spread_pct``, probabilities,
discounts) are fractions, never percents; days are calendar days (ACT/365).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard

import numpy as np

from arb.errors import ArbError, DealFileError, PriceFileError, PriceSourceError
from arb.loader import load_deals
from arb.models import Deal
from arb.prices.base import ChainSource, MemorySource, PriceSource, Quote, bad_price_reason
from arb.prices.csvfile import CsvSource, normalize_price_symbol, parse_when, snapshot
from arb.pricing import DealResult, Valuation, value_deals
from arb.symbols import guess_currency, quote_unit

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DealsLike",
    "PricesLike",
    "expected_return",
    "history",
    "load",
    "prices_from",
    "valuation",
    "value",
]

#: Where deals can come from: Deal objects, or deal files and folders of them.
DealsLike: TypeAlias = "Deal | str | Path | Iterable[Deal | str | Path]"

#: What ``prices=`` accepts; see :func:`prices_from`.
PricesLike: TypeAlias = "PriceSource | Mapping[str, Any] | pd.DataFrame | str | Path | Sequence[Any]"

#: Named price sources accepted as strings.
NAMED_SOURCES = ("snapshot", "yahoo", "store")


def load(paths: str | Path | Iterable[str | Path] | None = None, *, skip_bad: bool = False) -> list[Deal]:
    """Load deals from deal files (``*.toml``) and folders of them; default: the bundled seeds.

    A bad file raises :class:`~arb.errors.DealFileError` naming the first bad file, its key and
    the problem (and how many other files were bad). With ``skip_bad=True`` each bad file is a
    warning instead and the good deals are returned.
    """
    from arb.resources import seeds_dir

    if paths is None:
        paths = [seeds_dir()]
    elif isinstance(paths, (str, Path)):
        paths = [paths]
    paths = list(paths)
    loaded = load_deals(paths)
    if loaded.errors:
        if not skip_bad:
            first = loaded.errors[0]
            more = loaded.errors[1:]
            extra = (
                f" (and {len(more)} more bad deal file{'s' if len(more) > 1 else ''}: "
                + ", ".join(str(e.path) for e in more)
                + ")"
                if more
                else ""
            )
            raise DealFileError(first.path, first.key, first.problem + extra)
        for e in loaded.errors:
            warnings.warn(f"skipped {e}", stacklevel=2)
    if not loaded.deals and not loaded.errors:
        raise ArbError(f"no deal files (*.toml) under {', '.join(str(p) for p in paths)}")
    return loaded.deals


def _as_deals(deals: DealsLike) -> list[Deal]:
    if isinstance(deals, Deal):
        return [deals]
    if isinstance(deals, (str, Path)):
        return load(deals)
    out: list[Deal] = []
    files: list[str | Path] = []
    for item in deals:
        if isinstance(item, Deal):
            out.append(item)
        else:
            files.append(item)
    return out + (load(files) if files else [])


def _as_date(when: dt.date | str | None) -> dt.date | None:
    if when is None or (isinstance(when, dt.date) and not isinstance(when, dt.datetime)):
        return when
    if isinstance(when, dt.datetime):
        return when.date()
    try:
        return dt.date.fromisoformat(str(when))
    except ValueError:
        raise ArbError(f"as_of {when!r} is not a date; write YYYY-MM-DD") from None


def _quote_from(
    symbol: str, price: Any, currency: str | None, *, as_of: Any = None, origin: str = "", label: str = "memory"
) -> Quote:
    """One quote from loose Python values, checked like a price-file row."""
    sym = normalize_price_symbol(str(symbol))
    why = bad_price_reason(float(price) if isinstance(price, (int, float, np.number)) else price)
    if why:
        raise PriceSourceError(f"{label}: {sym}: {why}")
    unit = currency or guess_currency(sym)
    if unit is None:
        raise PriceSourceError(
            f"{label}: no currency for {sym!r}; give it as {{{sym!r}: ({float(price):g}, 'HKD')}} or in currencies="
        )
    checked = quote_unit(unit)
    if checked is None:
        raise PriceSourceError(f"{label}: {sym}: unknown currency {unit!r}")
    unit = checked
    when: dt.datetime | None = None
    if as_of is not None and not (isinstance(as_of, float) and math.isnan(as_of)):
        if isinstance(as_of, dt.datetime):
            when = as_of.replace(tzinfo=None) if as_of.tzinfo is None else as_of
        elif isinstance(as_of, dt.date):
            when = dt.datetime.combine(as_of, dt.time())
        else:
            when = parse_when(str(as_of))
    origin = origin or ("" if label == "memory" else label)
    return Quote(sym, float(price), unit, when, "memory", origin, synthetic="synthetic" in origin.lower())


def _named_source(name: str) -> PriceSource:
    if name == "snapshot":
        return snapshot()
    if name == "yahoo":
        from arb.prices.yahoo import YahooSource

        return YahooSource()
    from arb.paths import store_path
    from arb.store import StoreSource

    return StoreSource(store_path())


def prices_from(
    prices: PricesLike,
    currencies: Mapping[str, str] | None = None,
    *,
    as_of: dt.date | dt.datetime | str | None = None,
    label: str | None = None,
) -> PriceSource:
    """A price source from whatever is at hand.

    - a :class:`~arb.prices.base.PriceSource`: returned as it is;
    - ``"snapshot"`` (the bundled article prices), ``"yahoo"`` (live), ``"store"`` (the history
      store's latest prices);
    - a path to a CSV price file (``symbol,price,currency[,as_of,source]``); bad rows are
      skipped with a warning each, as ``arb report --prices`` does;
    - a dict ``{symbol: price}`` (currency from ``currencies``, else guessed from the exchange
      suffix: ``.HK`` HKD, ``.SS`` CNY, ``CNYHKD=X`` HKD), ``{symbol: (price, currency)}`` or
      ``{symbol: Quote}``;
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
        if not path.exists():
            raise PriceFileError(path, None, f"no such price file; or name a source: {', '.join(NAMED_SOURCES)}")
        source = CsvSource(path, label=label)
        for e in source.errors:
            warnings.warn(f"skipped {e}", stacklevel=2)
        return source
    if isinstance(prices, Mapping):
        return _from_mapping(prices, currencies or {}, as_of, label or "memory")
    if _is_frame(prices):
        return _from_frame(prices, as_of, label or "DataFrame")
    if isinstance(prices, Sequence):
        return ChainSource([prices_from(p, currencies, as_of=as_of) for p in prices])
    raise TypeError(f"prices: cannot make a price source from {type(prices).__name__}")


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
        q = _quote_from(sym, price, ccy, as_of=as_of, label=label)
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
        q = _quote_from(row["symbol"], row["price"], ccy, as_of=when, origin=str(row.get("source") or ""), label=label)
        if q.symbol in quotes:
            raise PriceSourceError(f"{label}: {q.symbol} appears twice; keep one row per symbol")
        quotes[q.symbol] = q
    return _memory(quotes, label, dated)


def _overrides(overrides: Mapping[str, Any] | None) -> dict[str, tuple[float, str | None]]:
    out: dict[str, tuple[float, str | None]] = {}
    for sym, v in (overrides or {}).items():
        price, ccy = v if isinstance(v, tuple) else (v, None)
        why = bad_price_reason(float(price))
        if why:
            raise ArbError(f"override {sym}: {why}")
        out[normalize_price_symbol(sym)] = (float(price), ccy)
    return out


def valuation(
    deals: DealsLike | None = None,
    prices: PricesLike = "snapshot",
    *,
    as_of: dt.date | str | None = None,
    overrides: Mapping[str, float | tuple[float, str]] | None = None,
) -> Valuation:
    """Value deals and keep the objects: results with their pricing detail (HTML in Jupyter).

    ``overrides`` replaces single prices for a what-if: ``{"2688.HK": 66}`` or
    ``{"600803.SS": (13.1, "CNY")}``. ``as_of`` defaults to the latest price date for dated
    prices (a snapshot, a price file), else today.
    """
    deal_list = load() if deals is None else _as_deals(deals)
    return value_deals(deal_list, prices_from(prices), as_of=_as_date(as_of), overrides=_overrides(overrides))


def value(
    deals: DealsLike | None = None,
    prices: PricesLike = "snapshot",
    *,
    as_of: dt.date | str | None = None,
    overrides: Mapping[str, float | tuple[float, str]] | None = None,
) -> pd.DataFrame:
    """One row per deal, indexed by id, with the figures of ``arb report --json``.

    Columns: name, status, currency, as_of, expected_close, target, target_price, deal_value,
    dividends, spread, spread_pct, days_to_close, annualized, annualized_simple, downside,
    implied_probability, flags and notes (joined strings), terms_hash; then ``hedge.SYMBOL``
    (shares to short per target share) and ``price.SYMBOL``, ``price_currency.SYMBOL``,
    ``price_source.SYMBOL`` for every price used. A figure that cannot be computed is NaN.
    See :func:`valuation` for the arguments.
    """
    return valuation(deals, prices, as_of=as_of, overrides=overrides).to_frame()


def _figures(obj: Any) -> tuple[Any, Any, Any, Any]:
    """(value received, target price, downside, index) from a result, a record, a row or a frame."""
    if isinstance(obj, DealResult):
        f = obj.figures
        rec: Mapping[str, Any] = {k: (math.nan if v is None else v) for k, v in f.items()}
        return rec["deal_value"] + rec["dividends"], rec["target_price"], rec["downside"], None
    if isinstance(obj, Mapping):

        def num(k: str) -> float:
            v = obj.get(k)
            return math.nan if v is None else float(v)

        return num("deal_value") + num("dividends"), num("target_price"), num("downside"), None
    if hasattr(obj, "columns") or hasattr(obj, "index"):  # a DataFrame or a Series (a row)
        get = obj.__getitem__
        dividends = get("dividends") if "dividends" in obj else 0.0
        index = obj.index if hasattr(obj, "columns") else None
        return get("deal_value") + dividends, get("target_price"), get("downside"), index
    raise TypeError(f"expected_return: cannot read figures from {type(obj).__name__}")


def expected_return(
    result: DealResult | Mapping[str, Any] | pd.DataFrame | pd.Series,
    probability: float | Sequence[float] | np.ndarray,
    downside: float | None = None,
) -> Any:
    """Expected return to completion for a chosen probability of completion.

    ``(p V + (1 - p) D - P) / P`` with V the value received (deal value plus dividends), P the
    target price and D the downside (``downside`` here, else the deal's own), all in the deal
    currency; a fraction, not annualised. ``result`` is a :class:`DealResult`, a record of
    ``arb report --json``, a row of :func:`value`, or a frame of rows (then a Series comes back).
    A scalar probability gives a float for one deal; an array gives an array.
    """
    received, price, down, index = _figures(result)
    if downside is not None:
        down = downside
    p = np.asarray(probability, dtype=np.float64)
    if np.any((p < 0) | (p > 1)):
        raise ArbError("probability must be a fraction from 0 to 1")
    if index is not None:
        import pandas as pd

        received, price, down = (np.asarray(x, dtype=np.float64) for x in (received, price, down))
        return pd.Series((p * received + (1 - p) * down - price) / price, index=index, name="expected_return")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (p * np.asarray(received, np.float64) + (1 - p) * np.asarray(down, np.float64) - price) / price
    return float(out) if out.ndim == 0 else out


def history(deal_id: str, store: Any = None, *, since: dt.date | str | None = None) -> pd.DataFrame:
    """A deal's stored valuations over time, one row per refresh, oldest first.

    ``store`` is a :class:`~arb.store.HistoryStore` or the path of one (default: the user's
    store). Columns: ``as_of`` and ``refreshed`` (datetimes), ``source``, every figure of
    :func:`value` (``spread_pct`` a fraction), ``flags`` (a list), ``stale`` (True when a
    price the row used fell back, came from the store or the snapshot, or was old: its figures
    are not live), ``price_age_days`` (its oldest price's age at ``as_of``), ``terms_hash`` and
    ``terms_changed`` (True on the first row under new terms: a price bump, a new close date).
    :func:`arb.charts.spread_history` draws the stale rows hollow.
    Raises :class:`~arb.errors.ArbError` when the store holds nothing for the deal.
    """
    import pandas as pd

    from arb.paths import store_path
    from arb.store import HistoryStore

    opened = store if isinstance(store, HistoryStore) else HistoryStore(store or store_path(), create=False)
    rows = opened.deal_history(deal_id, since=_as_date(since))
    if not rows:
        what = "no history store yet" if not opened.exists() else f"no stored valuation of {deal_id!r}"
        raise ArbError(f"{opened.path}: {what}; run `arb refresh` (or back-fill it with --prices FILE) first")
    frame = pd.DataFrame(rows)
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    frame["refreshed"] = pd.to_datetime(frame["refreshed"], utc=True)
    if "expected_close" in frame:
        frame["expected_close"] = pd.to_datetime(frame["expected_close"])
    return frame

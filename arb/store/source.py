"""Prices from the history store, behind the common price-source interface."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from pathlib import Path

from arb.prices.base import FetchResult, Quote
from arb.store.db import HistoryStore, parse_time
from arb.store.schema import StoreError

__all__ = ["StoreSource"]


class StoreSource:
    """Prices from the history store: the latest stored price of each symbol (kind ``store``).

    The quote's origin names the source that first gave the price and its age, so a report that
    falls back on it says how old it is. A missing store prices nothing (and creates nothing).
    """

    dated = True

    def __init__(self, store: HistoryStore | Path | str, *, today: dt.date | None = None, label: str = "store") -> None:
        self.store = store if isinstance(store, HistoryStore) else HistoryStore(store, create=False)
        self.label = label
        self.today = today

    def fetch(self, symbols: Collection[str]) -> FetchResult:
        out = FetchResult()
        if not self.store.exists():
            for sym in symbols:
                out.failures[sym] = "no history store yet"
            return out
        try:
            rows = self.store.latest_prices(symbols)
        except StoreError as exc:
            for sym in symbols:
                out.failures[sym] = str(exc)
            return out
        today = self.today or dt.date.today()
        for sym in symbols:
            row = rows.get(sym)
            if row is None:
                out.failures[sym] = "never stored"
                continue
            when = parse_time(row["time"])
            age = "" if when is None else f", {(today - when.date()).days} days old"
            out.quotes[sym] = Quote(
                sym,
                float(row["price"]),
                row["currency"],
                when,
                "store",
                f"last {row['source']} price, {row['time'][:10]}{age}",
                synthetic="synthetic" in (row["origin"] or "").lower(),
            )
        return out

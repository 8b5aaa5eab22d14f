"""Prices from the history store, behind the common price-source interface."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from arb.prices.base import FetchResult, Quote
from arb.store.db import HistoryStore, parse_time
from arb.store.schema import StoreError

__all__ = ["StoreSource"]

#: The latest price of each asked symbol stored with a time before a bound (the day after the as-of).
_BEFORE_SQL = (
    "SELECT symbol, time, price, currency, source, origin FROM prices p WHERE id = ("
    " SELECT id FROM prices q WHERE q.symbol = p.symbol AND q.time < ? ORDER BY q.time DESC, q.id DESC LIMIT 1)"
    " AND symbol IN ({marks})"
)


class StoreSource:
    """Prices from the history store: the latest stored price of each symbol (kind ``store``).

    :meth:`fetch_at` gives the latest price on or before a date instead, so a valuation as of a
    past date never sees a price stored after it. The quote's origin names the source that first
    gave the price and its age, so a report that falls back on it says how old it is. A missing
    store prices nothing (and creates nothing).
    """

    dated = True

    def __init__(self, store: HistoryStore | Path | str, *, today: dt.date | None = None, label: str = "store") -> None:
        self.store = store if isinstance(store, HistoryStore) else HistoryStore(store, create=False)
        self.label = label
        self.today = today

    def fetch(self, symbols: Collection[str]) -> FetchResult:
        return self.fetch_at(symbols, None)

    def fetch_at(self, symbols: Collection[str], as_of: dt.date | None) -> FetchResult:
        """The latest stored price of each symbol dated on or before ``as_of`` (None: the latest of all).

        A symbol stored only after ``as_of`` comes back with its latest price, for
        :func:`arb.prices.base.fetch_as_of` to set aside as dated after the as-of.
        """
        out = FetchResult()
        if not self.store.exists():
            for sym in symbols:
                out.failures[sym] = "no history store yet"
            return out
        try:
            rows = self.store.latest_prices(symbols)
            if as_of is not None:
                rows.update(self._latest_before(symbols, as_of + dt.timedelta(days=1)))
        except (StoreError, sqlite3.Error) as exc:
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

    def _latest_before(self, symbols: Collection[str], bound: dt.date) -> Mapping[str, dict[str, Any]]:
        wanted = sorted(set(symbols))
        if not wanted:
            return {}
        # Stored times are ISO text (a date, or a date-time in the price's own zone), so the
        # text order is the date order and "< the next day" keeps every time on the as-of day.
        with self.store.connect(readonly=True) as conn:
            found = conn.execute(_BEFORE_SQL.format(marks=", ".join("?" * len(wanted))), [bound.isoformat(), *wanted])
            return {r["symbol"]: {k: r[k] for k in ("price", "currency", "time", "source", "origin")} for r in found}

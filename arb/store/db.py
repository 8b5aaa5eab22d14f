"""The history store (:class:`HistoryStore`): every refresh's prices and valuations in one SQLite file.

One refresh is one transaction: its row in ``refreshes``, one row per deal in ``valuations``
(every figure of :meth:`arb.pricing.DealResult.to_dict`, its flags and the deal's terms hash)
and the first-hand prices it fetched in ``prices``. Either all of it lands or none of it does,
so a refresh killed half-way leaves the store as it was.

- WAL mode, so a report can read while a refresh writes; writers take the lock up front
  (``BEGIN IMMEDIATE``) and wait up to ``timeout`` seconds for each other, so two refreshes
  started at once both land, one after the other.
- The schema version is ``PRAGMA user_version``; opening an older store migrates it in place
  (one transaction per step) and keeps every row. A store from a newer arb is refused.
- Duplicates: a price is unique by (symbol, time, source); a valuation by (deal, refresh). A
  *back-fill* (a refresh fed from a dated price file) is keyed by its as-of date: running the
  back-fill for the same date again **replaces** the earlier one (the newer file wins), so
  repeating a back-fill never doubles rows. Live refreshes are never merged: two refreshes on
  one day are two snapshots.

Times are ISO 8601 text: ``started``/``finished`` in UTC, price times as the source gave them,
``as_of`` a date. Money is in the deal's currency per target share; fractions are fractions.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arb.prices.base import Quote
from arb.store.schema import METRICS, StoreError, create_schema

if TYPE_CHECKING:
    from arb.pricing import Valuation

__all__ = ["HistoryStore", "RefreshInfo"]

NOT_STORED_KINDS = frozenset({"store", "snapshot", "override"})
#: Test hook: ``SECONDS`` or ``SECONDS:MARKER`` makes a refresh touch MARKER and sleep inside
#: its write transaction, so tests can kill it there or make refreshes overlap.
PAUSE_ENV = "ARB_STORE_TEST_PAUSE"


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _when(q: Quote, fallback: str) -> str:
    if q.as_of is None:
        return fallback
    if q.as_of.tzinfo is None and q.as_of.time() == dt.time():
        return q.as_of.date().isoformat()
    return q.as_of.isoformat()


def parse_time(text: str) -> dt.datetime | None:
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _pause_hook() -> None:
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    seconds, _, marker = spec.partition(":")
    if marker:
        Path(marker).write_text(str(os.getpid()))
    time.sleep(float(seconds))


@dataclass(frozen=True)
class RefreshInfo:
    """One refresh as stored: when, as of which day, from which source, with what counts."""

    id: int
    started: str
    finished: str
    as_of: str
    source: str
    backfill_of: str | None
    n_deals: int
    n_valued: int
    n_prices: int
    n_fallback: int
    n_failed: int
    #: The id of the back-fill this one replaced (only on the value :meth:`record_refresh` returns).
    replaced: int | None = None


#: One deal's valuations, oldest first; every ``v.`` column is in the covering index
#: ``valuations_history``, so the table itself (and its large ``record``) is never read.
HISTORY_SQL = (
    "SELECT v.refresh_id, r.finished AS refreshed, r.source, v.as_of, v.name, v.status, v.currency,"
    f" v.target, v.expected_close, {', '.join('v.' + m for m in METRICS)}, v.flags, v.terms_hash"
    " FROM valuations v JOIN refreshes r ON r.id = v.refresh_id"
    " WHERE v.deal_id = ? ORDER BY v.as_of, v.refresh_id"
)


class HistoryStore:
    """A history store at ``path`` (see the module docstring for the schema and its rules).

    Each method opens its own short connection, so one object can be shared freely and several
    processes can use the same file at once. ``create=False`` opens an existing store only:
    :meth:`exists` is False and reads return nothing when there is no file yet.
    """

    def __init__(self, path: Path | str, *, timeout: float = 30.0, create: bool = True) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.create = create
        self._ready = False

    def __repr__(self) -> str:
        return f"HistoryStore({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.is_file()

    # -- connections ---------------------------------------------------------------------------

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode (transactions are explicit), the schema up to date."""
        if not self.exists():
            if not self.create:
                raise StoreError(f"{self.path}: no history store yet; run `arb refresh` first")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.path.parent}: cannot create the data folder ({exc.strerror or exc})") from None
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the history store ({exc})") from None
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            if not self._ready:
                self._prepare(conn)
            yield conn
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}") from None
        finally:
            conn.close()

    def _prepare(self, conn: sqlite3.Connection) -> None:
        # Switching to WAL needs a moment alone with the file; another process creating the
        # store at the same instant can make it report "locked" at once, so retry briefly.
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        create_schema(conn)
        self._ready = True

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- writing -------------------------------------------------------------------------------

    def record_refresh(
        self,
        valuation: Valuation,
        *,
        started: dt.datetime | str | None = None,
        backfill: bool = False,
    ) -> RefreshInfo:
        """Append one refresh (its prices and every deal's valuation) in one transaction.

        ``backfill=True`` keys the refresh by its as-of date and replaces an earlier back-fill
        of the same date.
        """
        started_text = (
            started.isoformat(timespec="seconds") if isinstance(started, dt.datetime) else (started or _utc_now())
        )
        as_of = valuation.as_of.isoformat()
        quotes = valuation.fetch.quotes
        n_fallback = sum(1 for q in quotes.values() if q.fallback)
        records = [(r, r.to_dict()) for r in valuation.results]
        with self._write() as conn:
            replaced = None
            if backfill:
                row = conn.execute("SELECT id FROM refreshes WHERE backfill_of = ?", (as_of,)).fetchone()
                if row is not None:
                    replaced = int(row[0])
                    conn.execute("DELETE FROM refreshes WHERE id = ?", (replaced,))
            cur = conn.execute(
                "INSERT INTO refreshes (started, finished, as_of, source, backfill_of, n_deals, n_valued, n_prices,"
                " n_fallback, n_failed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    started_text,
                    started_text,
                    as_of,
                    valuation.source_label,
                    as_of if backfill else None,
                    len(records),
                    sum(1 for r, _ in records if r.valued),
                    len(quotes),
                    n_fallback,
                    len(valuation.fetch.failures),
                ),
            )
            refresh_id = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT INTO prices (symbol, time, price, currency, source, origin, refresh_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (symbol, time, source) DO UPDATE SET price = excluded.price,"
                " currency = excluded.currency, origin = excluded.origin, refresh_id = excluded.refresh_id",
                [
                    (q.symbol, _when(q, started_text), q.price, q.currency, q.kind, q.origin, refresh_id)
                    for q in quotes.values()
                    if q.kind not in NOT_STORED_KINDS and not q.fallback
                ],
            )
            conn.executemany(
                "INSERT INTO valuations (refresh_id, deal_id, as_of, name, status, currency, target, expected_close,"
                f" {', '.join(METRICS)}, flags, terms_hash, record)"
                f" VALUES ({', '.join(['?'] * (11 + len(METRICS)))})",
                [
                    (
                        refresh_id,
                        rec["id"],
                        as_of,
                        rec["name"],
                        rec["status"],
                        rec["currency"],
                        rec["target"],
                        rec["expected_close"],
                        *(rec[m] for m in METRICS),
                        json.dumps(rec["flags"]),
                        rec["terms_hash"],
                        json.dumps(rec, ensure_ascii=False, allow_nan=False, separators=(",", ":")),
                    )
                    for _, rec in records
                ],
            )
            _pause_hook()
            finished = _utc_now()
            conn.execute("UPDATE refreshes SET finished = ? WHERE id = ?", (finished, refresh_id))
            row = conn.execute("SELECT * FROM refreshes WHERE id = ?", (refresh_id,)).fetchone()
        return RefreshInfo(**dict(row), replaced=replaced)

    # -- reading -------------------------------------------------------------------------------

    def latest_prices(self, symbols: Collection[str] | None = None) -> dict[str, dict[str, Any]]:
        """The latest stored price per symbol: ``{symbol: {price, currency, time, source, origin}}``.

        Latest by the price's own time, then by when it was stored. Empty when there is no store.
        """
        if not self.exists():
            return {}
        query = (
            "SELECT symbol, time, price, currency, source, origin FROM prices p WHERE id = ("
            " SELECT id FROM prices q WHERE q.symbol = p.symbol ORDER BY q.time DESC, q.id DESC LIMIT 1)"
        )
        params: list[str] = []
        if symbols is not None:
            wanted = sorted(set(symbols))
            if not wanted:
                return {}
            query += f" AND symbol IN ({', '.join('?' * len(wanted))})"
            params = wanted
        with self.connect() as conn:
            rows = conn.execute(query, params).fetchall()
        return {r["symbol"]: {k: r[k] for k in ("price", "currency", "time", "source", "origin")} for r in rows}

    def deal_history(self, deal_id: str, *, since: dt.date | None = None) -> list[dict[str, Any]]:
        """One dict per stored valuation of ``deal_id``, oldest first (by as-of, then refresh).

        Keys: ``refresh_id``, ``refreshed`` (UTC), ``source``, ``as_of``, ``currency``, every metric,
        ``flags`` (a list), ``terms_hash`` and ``terms_changed`` (True when the hash differs from the
        row before; the first row is False). ``since`` keeps rows with ``as_of >= since`` (the term
        change is still judged against the row before ``since``).
        """
        if not self.exists():
            return []
        with self.connect() as conn:
            rows = conn.execute(HISTORY_SQL, (deal_id,)).fetchall()
        out: list[dict[str, Any]] = []
        previous_hash: str | None = None
        cutoff = since.isoformat() if since else None
        for r in rows:
            rec = dict(r)
            rec["flags"] = json.loads(rec["flags"] or "[]")
            rec["terms_changed"] = (
                previous_hash is not None and rec["terms_hash"] is not None and rec["terms_hash"] != previous_hash
            )
            if rec["terms_hash"] is not None:
                previous_hash = rec["terms_hash"]
            if cutoff is None or rec["as_of"] >= cutoff:
                out.append({"deal_id": deal_id, **rec})
        return out

    def previous_valuations(
        self, deal_ids: Collection[str], as_of: dt.date, refresh_id: int
    ) -> dict[str, dict[str, Any]]:
        """Each deal's stored valuation just before (``as_of``, ``refresh_id``): the one to compare with."""
        if not self.exists() or not deal_ids:
            return {}
        out: dict[str, dict[str, Any]] = {}
        day = as_of.isoformat()
        with self.connect() as conn:
            for deal_id in deal_ids:
                row = conn.execute(
                    "SELECT v.refresh_id, v.as_of, r.finished AS refreshed, v.currency, v.terms_hash,"
                    f" {', '.join('v.' + m for m in METRICS)}"
                    " FROM valuations v JOIN refreshes r ON r.id = v.refresh_id"
                    " WHERE v.deal_id = ? AND (v.as_of < ? OR (v.as_of = ? AND v.refresh_id < ?))"
                    " ORDER BY v.as_of DESC, v.refresh_id DESC LIMIT 1",
                    (deal_id, day, day, refresh_id),
                ).fetchone()
                if row is not None:
                    out[deal_id] = dict(row)
        return out

    def refreshes(self, *, limit: int | None = None) -> list[RefreshInfo]:
        """Stored refreshes, newest first."""
        if not self.exists():
            return []
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM refreshes ORDER BY id DESC" + (" LIMIT ?" if limit else ""),
                (limit,) if limit else (),
            ).fetchall()
        return [RefreshInfo(**dict(r)) for r in rows]

    def deal_ids(self) -> list[str]:
        """Every deal id with at least one stored valuation, sorted."""
        if not self.exists():
            return []
        with self.connect() as conn:
            return [r[0] for r in conn.execute("SELECT DISTINCT deal_id FROM valuations ORDER BY deal_id")]

    def counts(self) -> dict[str, int]:
        """Rows per table: ``{"refreshes": n, "valuations": n, "prices": n}``."""
        if not self.exists():
            return {"refreshes": 0, "valuations": 0, "prices": 0}
        with self.connect() as conn:
            return {
                t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("refreshes", "valuations", "prices")
            }

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``"ok"`` for a sound file."""
        with self.connect() as conn:
            return "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check"))

    def schema_version(self) -> int:
        with self.connect() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

"""The history store (:class:`HistoryStore`): every refresh's prices and valuations in one SQLite file.

One refresh is one transaction: its row in ``refreshes``, one row per deal in ``valuations``
(the whole record of :meth:`arb.pricing.DealResult.to_dict`, kept once: see
:mod:`arb.store.record`; :meth:`HistoryStore.stored_record` gives it back) and the first-hand
prices it fetched in ``prices``. Either all of it lands or none of it does, so a refresh killed
half-way leaves the store as it was.

- One connection per kind (read-only, writable) per store object, opened on first use and kept
  until :meth:`HistoryStore.close`: a command opens the file once.
- WAL mode, so a report can read while a refresh writes: readers open the file read-only and
  never take a lock a writer holds; writers take the lock up front
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

import atexit
import bisect
import datetime as dt
import json
import os
import shutil
import sqlite3
import threading
import time
import weakref
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from arb.store.record import COLUMNS as RECORD_COLUMNS
from arb.store.record import pack_extra, record_from_row
from arb.store.schema import (
    METRICS,
    QUOTES_SQL,
    SCHEMA_VERSION,
    STALE_FLAG,
    V5_COLUMNS,
    StoreDamagedError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    create_schema,
    label_id,
    store_quotes,
    version_problem,
)

if TYPE_CHECKING:
    from arb.prices.base import Quote
    from arb.pricing import DealResult, Valuation

__all__ = ["HistoryStore", "RefreshInfo", "StoreCheck", "is_stale", "oldest_price"]

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


def is_stale(result: DealResult) -> bool:
    """True when a deal's figures are not live: a price it used fell back, came from the store or
    the snapshot rather than first-hand, or is flagged old (``stale-price``).

    The one test of staleness: the store's ``stale`` column, the refresh's alert check and its
    JSON all use it.
    """
    if STALE_FLAG in result.flags:
        return True
    return any(q.fallback or q.kind in NOT_STORED_KINDS - {"override"} for q in result.info.prices.values())


def oldest_price(result: DealResult) -> tuple[Quote, int] | None:
    """The oldest dated price a deal's valuation used and its age in days at the valuation's as-of date."""
    dated = [(q, age) for q in result.info.prices.values() if (age := q.age_days(result.as_of)) is not None]
    if not dated:
        return None
    return max(dated, key=lambda qa: (qa[1], qa[0].symbol))


def _label(rec: dict[str, Any]) -> tuple[Any, ...]:
    """A record's values of LABEL_COLUMNS (flags as JSON text)."""
    return (rec["name"], rec["status"], rec["currency"], rec["target"], rec["expected_close"],
            json.dumps(rec["flags"]), rec["terms_hash"])  # fmt: skip


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


#: One deal's valuations, oldest first: a range of ``valuations``, which is clustered by
#: (deal, as-of, refresh), so no sort and no second lookup per row. The refreshes' times and
#: sources and the few labels are read apart and joined in Python: cheaper than a join per row.
HISTORY_COLUMNS = (
    "refresh_id", "refreshed", "source", "as_of", "name", "status", "currency", "target", "expected_close",
    *METRICS, "flags", "terms_hash", "stale", "price_age_days",
)  # fmt: skip
HISTORY_SQL = (
    f"SELECT v.refresh_id, v.as_of, v.label_id, {', '.join('v.' + m for m in METRICS)}, v.stale, v.price_age_days"
    " FROM valuations v WHERE v.deal_id = ? ORDER BY v.as_of, v.refresh_id"
)
_N_METRICS = len(METRICS)
#: Where each column is in HISTORY_SQL's tuples, and in a label's.
_RAW_INDEX = {"refresh_id": 0, "as_of": 1, **{m: 3 + i for i, m in enumerate(METRICS)},
              "stale": 3 + len(METRICS), "price_age_days": 4 + len(METRICS)}  # fmt: skip
_LABEL_INDEX = {c: i for i, c in enumerate(("name", "status", "currency", "target", "expected_close", "flags",
                                            "terms_hash"))}  # fmt: skip


class HistoryRows:
    """One deal's stored valuations as plain tuples, oldest first, for tables and sparklines.

    ``columns`` names each tuple's fields: HISTORY_COLUMNS, then ``terms_changed``. In the tuples
    ``flags`` is still its stored JSON text and ``stale`` 0 or 1; :meth:`dicts` gives the
    finished rows (flags a list, stale a bool) of :meth:`HistoryStore.deal_history`.
    """

    columns = (*HISTORY_COLUMNS, "terms_changed")
    _index: ClassVar[dict[str, int]] = {name: i for i, name in enumerate(columns)}

    def __init__(self, deal_id: str, rows: list[tuple[Any, ...]]) -> None:
        self.deal_id = deal_id
        self._rows: list[tuple[Any, ...]] | None = rows
        self._raw: list[tuple[Any, ...]] = []
        self._labels: dict[int, tuple[Any, ...]] = {}
        self._refreshes: dict[int, tuple[Any, ...]] = {}
        self._changed: list[bool] = []

    @classmethod
    def _from_store(
        cls,
        deal_id: str,
        raw: list[tuple[Any, ...]],
        labels: dict[int, tuple[Any, ...]],
        refreshes: dict[int, tuple[Any, ...]],
        changed: list[bool],
    ) -> HistoryRows:
        """Rows kept as the store read them (HISTORY_SQL's tuples, labels and refreshes by id):
        a column is read straight from them, and whole tuples are made only when asked for."""
        out = cls(deal_id, [])
        out._rows = None
        out._raw, out._labels, out._refreshes, out._changed = raw, labels, refreshes, changed
        return out

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """Every row as one tuple of ``columns``."""
        if self._rows is None:
            m_end = 3 + _N_METRICS
            refreshes, labels = self._refreshes, self._labels
            self._rows = [
                (r[0], *refreshes[r[0]], r[1], *labels[r[2]][:5], *r[3:m_end], *labels[r[2]][5:], *r[m_end:], c)
                for r, c in zip(self._raw, self._changed, strict=True)
            ]
        return self._rows

    @classmethod
    def from_dicts(cls, deal_id: str, rows: Sequence[Mapping[str, Any]]) -> HistoryRows:
        """The inverse of :meth:`dicts` (missing keys are None; flags back to JSON text)."""
        i_flags = cls._index["flags"]
        out = []
        for r in rows:
            values = [r.get(c) for c in cls.columns]
            values[i_flags] = json.dumps(list(values[i_flags] or []))
            out.append(tuple(values))
        return cls(deal_id, out)

    def __len__(self) -> int:
        return len(self._raw) if self._rows is None else len(self._rows)

    def column(self, name: str) -> list[Any]:
        """One field of every row."""
        if self._rows is None:
            if name == "terms_changed":
                return list(self._changed)
            if name in _RAW_INDEX:
                i = _RAW_INDEX[name]
                return [r[i] for r in self._raw]
            if name in _LABEL_INDEX:
                i, labels = _LABEL_INDEX[name], self._labels
                return [labels[r[2]][i] for r in self._raw]
            i, refreshes = ("refreshed", "source").index(name), self._refreshes
            return [refreshes[r[0]][i] for r in self._raw]
        i = self._index[name]
        return [r[i] for r in self._rows]

    def dicts(self, start: int = 0) -> list[dict[str, Any]]:
        """The rows from ``start`` on as dicts (``deal_id`` first)."""
        i_flags, i_stale = self._index["flags"], self._index["stale"]
        out = []
        if self._rows is None:  # only the rows asked for become tuples
            s = slice(start, None)
            part = HistoryRows._from_store(self.deal_id, self._raw[s], self._labels, self._refreshes, self._changed[s])
            rows = part.rows
        else:
            rows = self._rows[start:]
        for r in rows:
            rec = dict(zip(self.columns, r, strict=True))
            rec["flags"] = json.loads(r[i_flags] or "[]")
            rec["stale"] = bool(r[i_stale])
            out.append({"deal_id": self.deal_id, **rec})
        return out


#: Stores with a connection open, closed by an exit handler whatever still holds them: the ``arb``
#: command ends its process without freeing what it made (:func:`arb.cli.run`), so ``__del__``
#: would not close them, and closing a store is what puts its WAL into its file (:meth:`HistoryStore.close`).
_open_stores: weakref.WeakSet[HistoryStore] = weakref.WeakSet()


@atexit.register
def _close_open_stores() -> None:
    """Close every store still open (an exit handler)."""
    for store in list(_open_stores):
        with suppress(Exception):  # an exit handler raises nothing
            store.close()


class HistoryStore:
    """A history store at ``path`` (see the module docstring for the schema and its rules).

    It opens one read-only and one writable connection (per thread) on first use and keeps them
    until :meth:`close` (or ``with HistoryStore(...) as store``); several processes can use the
    same file at once. ``create=False`` opens an existing store only:
    :meth:`exists` is False and reads return nothing when there is no file yet.
    """

    def __init__(self, path: Path | str, *, timeout: float = 30.0, create: bool = True) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.create = create
        self._ready = False
        self._conns: dict[tuple[bool, int], sqlite3.Connection] = {}

    def __repr__(self) -> str:
        return f"HistoryStore({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.is_file()

    # -- connections ---------------------------------------------------------------------------

    def problem(self) -> str | None:
        """What is wrong with the file's shape, read from its header without SQLite; None if nothing.

        Cheap enough for every open: a store is whole pages behind a SQLite header, so a file cut
        short (to 0 bytes, or by one byte, which ``PRAGMA quick_check`` does not always notice)
        is caught before SQLite reads zeros where the missing bytes were.
        """
        try:
            size = self.path.stat().st_size
            with self.path.open("rb") as fh:
                header = fh.read(100)
        except OSError as exc:
            return f"cannot be read ({exc.strerror or exc})"
        if size == 0:
            return "the file is empty (0 bytes)"
        if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
            return "the file is not a SQLite database"
        page_size = int.from_bytes(header[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        if page_size < 512 or page_size & (page_size - 1):
            return f"its header is damaged (page size {page_size})"
        if size % page_size:
            return f"the file ends part-way through a page ({size} bytes, pages of {page_size})"
        pages = int.from_bytes(header[28:32], "big")
        header_count_valid = header[92:96] == header[24:28]
        wal = self.path.with_name(self.path.name + "-wal")
        pending = wal.exists() and wal.stat().st_size > 0  # pages past the file's end may be in the WAL
        if header_count_valid and not pending and pages * page_size > size:
            return f"the file is cut short ({size // page_size} of {pages} pages)"
        return None

    def _damaged(self, why: str) -> StoreDamagedError:
        return StoreDamagedError(
            f"{self.path}: the history store is damaged ({why}); restore it from a backup, or move it "
            f"aside to start a new one (`arb store check` shows what is wrong)"
        )

    def _explain(self, exc: BaseException, *, writing: bool) -> StoreError:
        """One line for an error SQLite (or the OS) raised on this store, naming the file and the fix."""
        if isinstance(exc, StoreError):
            text = str(exc)
            if text.startswith(str(self.path)):
                return exc
            return type(exc)(f"{self.path}: {text}")
        text = str(exc) if not isinstance(exc, OSError) else (exc.strerror or str(exc))
        low = text.lower()
        errno_ = exc.errno if isinstance(exc, OSError) else None
        io_error = "disk i/o error" in low or errno_ == 5
        full = errno_ == 28 or "disk is full" in low or "no space" in low or (io_error and self._disk_full())
        kept = "nothing of this write was kept and what was stored before is intact"
        if full:
            if not writing:
                return StoreFullError(
                    f"{self.path}: the disk is full ({text}) and the store could not be read; free some space"
                )
            return StoreFullError(f"{self.path}: the disk is full ({text}); {kept}; free some space and run it again")
        if errno_ in (30, 13, 1) or "readonly" in low or "read-only" in low or (writing and "unable to open" in low):
            return StoreReadOnlyError(
                f"{self.path}: the history store cannot be written: its folder (or the file) is read-only "
                f"({text}); make it writable, or set ARB_HOME to a writable folder"
            )
        if io_error:
            what = f"{kept}; check the disk and run it again" if writing else "check the disk"
            return StoreFullError(f"{self.path}: disk I/O error ({text}); {what}")
        if "malformed" in low or "not a database" in low or "corrupt" in low:
            return self._damaged(text)
        return StoreError(f"{self.path}: {text}")

    def _disk_full(self) -> bool:
        """True when the store's file system has no room left for a page (an I/O error's likely cause)."""
        try:
            return shutil.disk_usage(self.path.parent).free < 64 * 1024
        except OSError:
            return False

    def _check_file(self) -> None:
        why = self.problem()
        if why is not None:
            raise self._damaged(why)

    @contextmanager
    def connect(self, *, readonly: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode (transactions are explicit), the schema up to date.

        ``readonly=True`` opens the file read-only (``mode=ro``): it never takes a write lock, so
        it reads while a refresh writes, and works in a read-only folder or mount and on a full
        disk; a store whose schema is older than this arb's is migrated first through a writable
        connection.

        The store opens each kind of connection once (per thread) and reuses it until
        :meth:`close`, so a command pays for opening the file once and a write does not pay a
        WAL checkpoint on closing. The file's shape is still checked on every use.
        """
        if not self.exists():
            self.close()
            if readonly or not self.create:
                raise StoreError(f"{self.path}: no history store yet; run `arb refresh` first")
            self._create_file()
        self._check_file()
        if readonly and not self._ready:
            self._migrate_if_needed()
        key = (readonly, threading.get_ident())
        conn = self._cached(readonly)
        try:
            yield conn
        except (sqlite3.Error, StoreError, OSError) as exc:
            self._forget(key, conn)
            raise self._explain(exc, writing=not readonly) from None
        except BaseException:
            self._forget(key, conn)
            raise

    def _cached(self, readonly: bool) -> sqlite3.Connection:
        """This thread's open connection of that kind, opened (and the schema prepared) on first use."""
        key = (readonly, threading.get_ident())
        conn = self._conns.get(key)
        if conn is not None:
            return conn
        try:
            conn = self._open(readonly)
        except sqlite3.Error as exc:
            raise self._explain(exc, writing=not readonly) from None
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            if not readonly and not self._ready:
                self._prepare(conn)
        except (sqlite3.Error, StoreError, OSError) as exc:
            conn.close()
            raise self._explain(exc, writing=not readonly) from None
        except BaseException:
            conn.close()
            raise
        self._conns[key] = conn
        _open_stores.add(self)
        return conn

    def _forget(self, key: tuple[bool, int], conn: sqlite3.Connection) -> None:
        """Close a connection after an error, so the next use starts from a fresh one."""
        if self._conns.get(key) is conn:
            del self._conns[key]
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        conn.close()

    def close(self) -> None:
        """Close the store's open connections: the read-only ones first, then each writable one
        after a checkpoint that does not wait.

        The checkpoint copies what the WAL holds into the store's file, so a copy of the file alone
        holds every refresh. Closing the last connection would do it too, but only if no reader
        here or in another process is still open; one that cannot be made now (another process is
        reading) is left to SQLite, as before. A connection that cannot be closed (one made in
        another thread) does not keep the others open.
        """
        conns, self._conns = self._conns, {}
        for (readonly, _), conn in sorted(conns.items(), key=lambda item: not item[0][0]):
            with suppress(sqlite3.Error):
                if not readonly and not conn.in_transaction:
                    conn.execute("PRAGMA busy_timeout = 0")  # never wait for another process's reader
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            with suppress(sqlite3.Error):  # ProgrammingError (another thread's) is one
                conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with suppress(Exception):  # at interpreter exit sqlite3 may be half torn down
            self.close()

    def _open(self, readonly: bool) -> sqlite3.Connection:
        if not readonly:
            return sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        uri = self.path.absolute().as_uri() + "?mode=ro"
        conn = None
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=self.timeout, isolation_level=None)
            conn.execute("PRAGMA user_version").fetchone()
            return conn
        except sqlite3.OperationalError as exc:
            if conn is not None:
                conn.close()
            # Reading a WAL store needs its -shm file, which a read-only folder or a full disk
            # cannot give. With no pending WAL (nothing committed outside the file), the file as
            # it stands is the whole store: read it as immutable. Otherwise the error stands.
            low = str(exc).lower()
            if not any(w in low for w in ("unable to open", "readonly", "disk i/o error", "disk is full")):
                raise
            wal = self.path.with_name(self.path.name + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise
        return sqlite3.connect(uri + "&immutable=1", uri=True, timeout=self.timeout, isolation_level=None)

    def _migrate_if_needed(self) -> None:
        conn = self._cached(True)  # kept: the reads that follow use it
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.Error as exc:
            self._forget((True, threading.get_ident()), conn)
            raise self._explain(exc, writing=False) from None
        if version == SCHEMA_VERSION:
            self._ready = True
            return
        problem = version_problem(version)
        if problem is not None:
            raise self._explain(problem, writing=False)
        try:
            with self.connect() as writer:  # migrates, then forgets the writable connection
                self._forget((False, threading.get_ident()), writer)
        except StoreReadOnlyError:
            raise StoreReadOnlyError(
                f"{self.path}: the history store has schema version {version} and must be migrated to "
                f"{SCHEMA_VERSION} once where it can be written; make its folder writable and run "
                "`arb history` or `arb refresh` once"
            ) from None

    def _create_file(self) -> None:
        """Build a new, empty store beside the path and move it into place whole.

        So a store file is never seen half-made (a 0-byte file is always a damaged one), and of
        two processes creating the store at once, the first to link its file wins.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._explain(exc, writing=True) from None
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.new")
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                create_schema(conn)
            finally:
                conn.close()
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass  # another process made it first: use theirs
            except OSError:  # a file system without hard links: a plain rename, unless one appeared
                if not self.path.exists():
                    os.replace(tmp, self.path)
        except (OSError, sqlite3.Error) as exc:
            raise self._explain(exc, writing=True) from None
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
                leftover.unlink(missing_ok=True)

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
        """One write transaction, after ``PRAGMA quick_check``: a damaged store is refused, not appended to."""
        with self.connect() as conn:
            # Checked before taking the write lock (about 2 s a GB), so other writers need not wait on it.
            check = [r[0] for r in conn.execute("PRAGMA quick_check(3)")]
            if check != ["ok"]:
                raise self._damaged("quick_check: " + "; ".join(check))
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:  # a full disk may have rolled it back already
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
            shared: dict[str, tuple[Any, ...]] = {}
            labels: dict[tuple[Any, ...], int] = {}
            rows = [
                (
                    rec["id"],
                    as_of,
                    refresh_id,
                    label_id(conn, _label(rec), labels),
                    *(rec[m] for m in METRICS),
                    int(is_stale(r)),
                    None if (oldest := oldest_price(r)) is None else oldest[1],
                    pack_extra(rec, shared),
                )
                for r, rec in records
            ]
            store_quotes(conn, refresh_id, shared, {})
            conn.executemany(
                f"INSERT INTO valuations ({', '.join(V5_COLUMNS)}, extra)"
                f" VALUES ({', '.join(['?'] * (len(V5_COLUMNS) + 1))})",
                rows,
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
        with self.connect(readonly=True) as conn:
            rows = conn.execute(query, params).fetchall()
        return {r["symbol"]: {k: r[k] for k in ("price", "currency", "time", "source", "origin")} for r in rows}

    def daily_closes(self, symbols: Collection[str], start: dt.date, end: dt.date) -> dict[str, dict[dt.date, Quote]]:
        """Each symbol's close on each day from ``start`` to ``end`` (both included) the store holds:
        ``{symbol: {day: quote}}``, days without a stored price left out. Read-only; empty when there
        is no store.

        A day's close is the last price stored for it, by the price's own time and then by when it
        was stored. The day is the price's own date, not the refresh's: a Saturday refresh that
        fetched Friday's close keeps it under Friday. Quotes stay in the unit they were quoted in
        (``GBp`` is pence; :meth:`~arb.prices.base.Quote.in_major_units` converts), kind ``store``.

        Only first-hand prices are read (the ``prices`` table): a refresh stores no price that fell
        back to a later source, nor one it re-used from the store or the snapshot, nor an override,
        so a stale price never stands as the close of a day it was not quoted on.
        """
        from arb.prices.base import Quote

        wanted = sorted(set(symbols))
        if not wanted or start > end or not self.exists():
            return {}
        # Stored times are ISO text (a date, or a date-time in the price's own zone): the text order
        # is the date order, and "< the day after end" keeps every time on the end day.
        query = (
            "SELECT symbol, time, price, currency, source, origin FROM prices"
            f" WHERE symbol IN ({', '.join('?' * len(wanted))}) AND time >= ? AND time < ?"
            " ORDER BY symbol, time, id"
        )
        params = [*wanted, start.isoformat(), (end + dt.timedelta(days=1)).isoformat()]
        with self.connect(readonly=True) as conn:
            rows = conn.execute(query, params).fetchall()
        out: dict[str, dict[dt.date, Quote]] = {}
        for r in rows:
            text = str(r["time"])
            out.setdefault(r["symbol"], {})[dt.date.fromisoformat(text[:10])] = Quote(
                r["symbol"],
                float(r["price"]),
                r["currency"],
                parse_time(text),
                "store",
                f"{r['source']} close of {text[:10]}",
                synthetic="synthetic" in (r["origin"] or "").lower(),
            )
        return out

    def history_rows(self, deal_id: str, *, since: dt.date | None = None) -> HistoryRows:
        """One deal's stored valuations as tuples (:class:`HistoryRows`), oldest first.

        ``terms_changed`` is True when the terms hash differs from the last known one before it
        (the first row is False). ``since`` keeps rows with ``as_of >= since``; the term change
        is still judged against the row before ``since``.
        """
        if not self.exists():
            return HistoryRows(deal_id, [])
        with self.connect(readonly=True) as conn:
            cur = conn.cursor()
            cur.row_factory = None  # plain tuples: no sqlite3.Row per row
            rows = cur.execute(HISTORY_SQL, (deal_id,)).fetchall()
            ids = sorted({r[2] for r in rows})
            labels = {
                r[0]: r[1:]
                for r in cur.execute(
                    "SELECT id, name, status, currency, target, expected_close, flags, terms_hash FROM labels"
                    f" WHERE id IN ({', '.join('?' * len(ids))})",
                    ids,
                )
            }
            refreshes = {r[0]: r[1:] for r in cur.execute("SELECT id, finished, source FROM refreshes")}
        changed: list[bool] = []
        previous: str | None = None
        for r in rows:
            h = labels[r[2]][6]
            changed.append(previous is not None and h is not None and h != previous)
            if h is not None:
                previous = h
        if since is not None:  # rows are in as-of order; the change is judged before cutting
            first = bisect.bisect_left([r[1] for r in rows], since.isoformat())
            rows, changed = rows[first:], changed[first:]
        return HistoryRows._from_store(deal_id, rows, labels, refreshes, changed)

    def deal_history(self, deal_id: str, *, since: dt.date | None = None) -> list[dict[str, Any]]:
        """One dict per stored valuation of ``deal_id``, oldest first (by as-of, then refresh).

        Keys: ``refresh_id``, ``refreshed`` (UTC), ``source``, ``as_of``, ``currency``, every metric,
        ``flags`` (a list), ``stale`` (True when a price it used fell back or was old: the figures
        are not live), ``price_age_days`` (the oldest price's age at ``as_of``; None when unknown),
        ``terms_hash`` and ``terms_changed`` (True when the hash differs from the
        row before; the first row is False). ``since`` keeps rows with ``as_of >= since`` (the term
        change is still judged against the row before ``since``).
        """
        return self.history_rows(deal_id, since=since).dicts()

    def stored_record(self, deal_id: str, refresh_id: int) -> dict[str, Any] | None:
        """The record of one stored valuation, as the refresh had it: the dict of
        :meth:`arb.pricing.DealResult.to_dict` (``arb report --json``), rebuilt from the columns,
        the refresh's quotes and the row's ``extra``. None when there is no such valuation.
        """
        if not self.exists():
            return None
        cols = ", ".join("v.deal_id AS id" if c == "id" else c for c in RECORD_COLUMNS)
        with self.connect(readonly=True) as conn:
            row = conn.execute(
                f"SELECT {cols}, l.flags, l.terms_hash, v.extra FROM valuations v JOIN labels l ON l.id = v.label_id"
                " WHERE v.deal_id = ? AND v.refresh_id = ?",
                (deal_id, refresh_id),
            ).fetchone()
            if row is None:
                return None
            quotes = {q[0]: tuple(q[1:]) for q in conn.execute(QUOTES_SQL, (refresh_id,))}
        return record_from_row(row, row["flags"], row["terms_hash"], row["extra"], quotes)

    def previous_valuations(
        self, deal_ids: Collection[str], as_of: dt.date, refresh_id: int
    ) -> dict[str, dict[str, Any]]:
        """Each deal's stored valuation just before (``as_of``, ``refresh_id``): the one to compare with."""
        if not self.exists() or not deal_ids:
            return {}
        out: dict[str, dict[str, Any]] = {}
        day = as_of.isoformat()
        with self.connect(readonly=True) as conn:
            for deal_id in deal_ids:
                row = conn.execute(
                    "SELECT v.refresh_id, v.as_of, r.finished AS refreshed, l.currency, l.terms_hash, v.stale,"
                    f" {', '.join('v.' + m for m in METRICS)}"
                    " FROM valuations v JOIN refreshes r ON r.id = v.refresh_id JOIN labels l ON l.id = v.label_id"
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
        with self.connect(readonly=True) as conn:
            rows = conn.execute(
                "SELECT * FROM refreshes ORDER BY id DESC" + (" LIMIT ?" if limit else ""),
                (limit,) if limit else (),
            ).fetchall()
        return [RefreshInfo(**dict(r)) for r in rows]

    def deal_ids(self) -> list[str]:
        """Every deal id with at least one stored valuation, sorted."""
        if not self.exists():
            return []
        with self.connect(readonly=True) as conn:
            return [r[0] for r in conn.execute("SELECT DISTINCT deal_id FROM valuations ORDER BY deal_id")]

    def counts(self) -> dict[str, int]:
        """Rows per table: ``{"refreshes": n, "valuations": n, "prices": n}``."""
        if not self.exists():
            return {"refreshes": 0, "valuations": 0, "prices": 0}
        with self.connect(readonly=True) as conn:
            return {
                t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("refreshes", "valuations", "prices")
            }

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``"ok"`` for a sound file."""
        with self.connect(readonly=True) as conn:
            return "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check"))

    def schema_version(self) -> int:
        with self.connect(readonly=True) as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def check(self) -> StoreCheck:
        """Check the file without changing it: its shape, ``PRAGMA integrity_check``, schema, rows.

        Nothing is migrated or written, so a damaged store is looked at as it is.
        """
        if not self.exists():
            raise StoreError(f"{self.path}: no history store here; run `arb refresh` to start one")
        problems: list[str] = []
        shape = self.problem()
        if shape is not None:
            problems.append(shape)
        version: int | None = None
        integrity = "not run"
        counts: dict[str, int] = {}
        step = "open"
        try:
            with closing(self._open(True)) as conn:
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                step = "integrity_check"
                integrity = "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check(20)"))
                step = "count rows"
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                for t in ("refreshes", "valuations", "prices"):
                    if t in tables:
                        counts[t] = int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
        except sqlite3.Error as exc:
            problems.append(f"{step}: {exc}")
        if integrity not in ("ok", "not run"):
            problems.append(f"integrity_check: {integrity}")
        if version is not None and (wrong := version_problem(version)) is not None:
            problems.append(str(wrong))
        return StoreCheck(self.path, self.path.stat().st_size, version, integrity, counts, problems)

    def size(self) -> int:
        """Bytes on disk: the file and its WAL."""
        wal = self.path.with_name(self.path.name + "-wal")
        return sum(p.stat().st_size for p in (self.path, wal) if p.is_file())

    def stats(self) -> dict[str, Any]:
        """Size, bytes per valuation, rows per table, the oldest and newest refresh, deals, stale rows."""
        size = self.size() if self.exists() else 0
        with self.connect(readonly=True) as conn:
            first, last, n = conn.execute("SELECT min(as_of), max(as_of), count(*) FROM refreshes").fetchone()
            oldest, newest = conn.execute("SELECT min(started), max(finished) FROM refreshes").fetchone()
            deals, stale = conn.execute(
                "SELECT count(DISTINCT deal_id), coalesce(sum(stale), 0) FROM valuations"
            ).fetchone()
            rows = {
                t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
                for t in ("refreshes", "valuations", "prices", "quotes")
            }
        return {
            "path": str(self.path),
            "bytes": size,
            "bytes_per_valuation": round(size / rows["valuations"]) if rows["valuations"] else None,
            "schema_version": SCHEMA_VERSION,
            "rows": rows,
            "first_as_of": first,
            "last_as_of": last,
            "oldest_refresh": oldest,
            "newest_refresh": newest,
            "refreshes": int(n),
            "deals": int(deals),
            "stale_valuations": int(stale),
        }

    def vacuum(self) -> tuple[int, int]:
        """Rewrite the file without its free pages (``VACUUM``), then ``ANALYZE``: (bytes before, after).

        Takes the write lock for as long as it runs (about as long as copying the file) and
        needs that much free space beside it; a damaged store is refused, as by every write.
        """
        if not self.exists():
            raise StoreError(f"{self.path}: no history store here; run `arb refresh` to start one")
        before = self.size()
        with self.connect() as conn:
            check = [r[0] for r in conn.execute("PRAGMA quick_check(3)")]
            if check != ["ok"]:
                raise self._damaged("quick_check: " + "; ".join(check))
            conn.execute("VACUUM")
            conn.execute("ANALYZE")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return before, self.size()


@dataclass(frozen=True)
class StoreCheck:
    """What :meth:`HistoryStore.check` found: the file's size, schema version, integrity and rows."""

    path: Path
    size: int
    version: int | None
    integrity: str
    counts: dict[str, int]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def needs_migration(self) -> bool:
        return self.version is not None and 0 <= self.version < SCHEMA_VERSION

"""The history store's schema: each version's tables and the migrations between them.

The version is ``PRAGMA user_version``. Migrations run one step per transaction and keep every
row; v1 is the first release's schema (one row per deal and day, no refreshes table).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from arb.errors import ArbError

__all__ = [
    "LABEL_COLUMNS",
    "METRICS",
    "QUOTES_SQL",
    "SCHEMA_VERSION",
    "V5_COLUMNS",
    "StoreDamagedError",
    "StoreError",
    "StoreFullError",
    "StoreReadOnlyError",
    "create_schema",
    "label_id",
    "store_quotes",
    "version_problem",
]

SCHEMA_VERSION = 5

#: The figures kept as columns of ``valuations`` (the rest of the record: see :mod:`arb.store.record`).
#: Deliberately not ``engine.FIGURES``: the columns belong to this schema version, and a new
#: figure becomes a column only through a migration (a test checks the two lists agree).
METRICS = (
    "target_price",
    "deal_value",
    "dividends",
    "spread",
    "spread_pct",
    "days_to_close",
    "annualized",
    "annualized_simple",
    "downside",
    "implied_probability",
)
#: The flag a valuation carries when a price it used fell back or is old (see :mod:`arb.book`).
STALE_FLAG = "stale-price"


class StoreError(ArbError):
    """A history store that cannot be opened, migrated or written."""


class StoreDamagedError(StoreError):
    """A history store file that is damaged: truncated, not SQLite, or failing its check."""


class StoreReadOnlyError(StoreError):
    """A history store that must be written but sits in a read-only file, folder or mount."""


class StoreFullError(StoreError):
    """A write that failed because the disk is full (or failing); nothing of it was kept."""


# Schema v1: the first release kept one row per deal and day, no refreshes.
_V1 = """
CREATE TABLE prices (
    symbol TEXT NOT NULL,
    time TEXT NOT NULL,
    price REAL NOT NULL,
    currency TEXT NOT NULL,
    source TEXT NOT NULL,
    UNIQUE (symbol, time, source)
);
CREATE TABLE valuations (
    deal_id TEXT NOT NULL,
    as_of TEXT NOT NULL,
    target_price REAL,
    deal_value REAL,
    spread REAL,
    spread_pct REAL,
    annualized REAL,
    terms_hash TEXT,
    UNIQUE (deal_id, as_of)
);
"""

# Schema v2: refreshes as first-class rows; every metric; the full record as JSON.
_V2_TABLES = """
CREATE TABLE refreshes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    as_of TEXT NOT NULL,
    source TEXT NOT NULL,
    backfill_of TEXT UNIQUE,
    n_deals INTEGER NOT NULL DEFAULT 0,
    n_valued INTEGER NOT NULL DEFAULT 0,
    n_prices INTEGER NOT NULL DEFAULT 0,
    n_fallback INTEGER NOT NULL DEFAULT 0,
    n_failed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE prices (
    id INTEGER PRIMARY KEY,
    symbol TEXT NOT NULL,
    time TEXT NOT NULL,
    price REAL NOT NULL CHECK (price > 0),
    currency TEXT NOT NULL,
    source TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT '',
    refresh_id INTEGER REFERENCES refreshes (id) ON DELETE SET NULL,
    UNIQUE (symbol, time, source)
);
CREATE TABLE valuations (
    id INTEGER PRIMARY KEY,
    refresh_id INTEGER NOT NULL REFERENCES refreshes (id) ON DELETE CASCADE,
    deal_id TEXT NOT NULL,
    as_of TEXT NOT NULL,
    name TEXT,
    status TEXT,
    currency TEXT,
    target TEXT,
    expected_close TEXT,
    target_price REAL,
    deal_value REAL,
    dividends REAL,
    spread REAL,
    spread_pct REAL,
    days_to_close INTEGER,
    annualized REAL,
    annualized_simple REAL,
    downside REAL,
    implied_probability REAL,
    flags TEXT NOT NULL DEFAULT '[]',
    terms_hash TEXT,
    record TEXT NOT NULL DEFAULT '{}',
    UNIQUE (deal_id, refresh_id)
);
CREATE INDEX valuations_deal_as_of ON valuations (deal_id, as_of);
CREATE INDEX valuations_refresh ON valuations (refresh_id);
"""

# v1 -> v2: rebuild the tables (SQLite cannot change a UNIQUE constraint in place). Each v1 day
# becomes one refresh, so every v1 row is kept and the history reads the same.
_V1_TO_V2 = (
    "ALTER TABLE prices RENAME TO prices_v1",
    "ALTER TABLE valuations RENAME TO valuations_v1",
    *[s.strip() for s in _V2_TABLES.split(";") if s.strip()],
    """INSERT INTO refreshes (started, finished, as_of, source, n_deals, n_valued)
       SELECT as_of || 'T00:00:00+00:00', as_of || 'T00:00:00+00:00', as_of, 'migrated from schema v1',
              count(*), count(spread)
       FROM valuations_v1 GROUP BY as_of ORDER BY as_of""",
    """INSERT INTO valuations (refresh_id, deal_id, as_of, target_price, deal_value, spread, spread_pct,
                               annualized, terms_hash)
       SELECT r.id, v.deal_id, v.as_of, v.target_price, v.deal_value, v.spread, v.spread_pct, v.annualized,
              v.terms_hash
       FROM valuations_v1 v JOIN refreshes r ON r.as_of = v.as_of
       ORDER BY v.as_of, v.deal_id""",
    """INSERT INTO prices (symbol, time, price, currency, source)
       SELECT symbol, time, price, currency, source FROM prices_v1 ORDER BY rowid""",
    "DROP TABLE prices_v1",
    "DROP TABLE valuations_v1",
)


# v2 -> v3: a covering index for a deal's history. Rows of one deal lie on a different page for
# every day (each refresh writes all deals together), so reading ten years of one deal through
# the old (deal_id, as_of) index touched thousands of table pages, each dragging in the large
# ``record``. Every column ``deal_history`` reads is now in the index, stored in deal order.
_V2_TO_V3 = (
    "DROP INDEX valuations_deal_as_of",
    """CREATE INDEX valuations_history ON valuations (
        deal_id, as_of, refresh_id, name, status, currency, target, expected_close,
        target_price, deal_value, dividends, spread, spread_pct, days_to_close, annualized,
        annualized_simple, downside, implied_probability, flags, terms_hash)""",
)


# v3 -> v4: each valuation says whether a price it used was stale (fell back to the store or the
# snapshot, or older than the stale limit) and how old its oldest price was at its as-of date,
# so the history, the charts and the alerts can tell a stale figure from a live one. Rows stored
# before v4 are judged from what they kept: the stale-price flag, each price's source and
# fallback, and the price dates in the record (rows migrated from v1 kept no record: they stay
# unmarked and their age unknown).
_V3_TO_V4 = (
    "ALTER TABLE valuations ADD COLUMN stale INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE valuations ADD COLUMN price_age_days INTEGER",
    f"""UPDATE valuations SET stale = EXISTS (
        SELECT 1 FROM json_each(CASE WHEN json_valid(flags) THEN flags ELSE '[]' END)
        WHERE value = '{STALE_FLAG}')""",
    # The rule of arb.store.db.is_stale, from the record: a price that fell back or was not first-hand.
    """UPDATE valuations SET stale = 1 WHERE stale = 0 AND json_valid(record)
       AND json_type(record, '$.prices') = 'object' AND EXISTS (
        SELECT 1 FROM json_each(json_extract(record, '$.prices')) p
        WHERE json_extract(p.value, '$.fallback') IS NOT NULL
           OR json_extract(p.value, '$.source') LIKE 'store%'
           OR json_extract(p.value, '$.source') LIKE 'snapshot%')""",
    """UPDATE valuations SET price_age_days = (
        SELECT CAST(max(julianday(valuations.as_of) - julianday(substr(json_extract(p.value, '$.as_of'), 1, 10)))
                    AS INTEGER)
        FROM json_each(json_extract(record, '$.prices')) p
        WHERE json_extract(p.value, '$.as_of') IS NOT NULL)
       WHERE json_valid(record) AND json_type(record, '$.prices') = 'object'""",
    "DROP INDEX valuations_history",
    """CREATE INDEX valuations_history ON valuations (
        deal_id, as_of, refresh_id, name, status, currency, target, expected_close,
        target_price, deal_value, dividends, spread, spread_pct, days_to_close, annualized,
        annualized_simple, downside, implied_probability, flags, terms_hash, stale, price_age_days)""",
)


# Schema v5: each valuation keeps only what no other row holds (see arb.store.record). The JSON
# record (about 860 bytes a row, 58% of it repeating the row's own columns) is gone: each price a
# refresh used is one row of ``quotes`` (its currency, source and fallback one row of
# ``quote_kinds``), shared by every deal of the refresh that used it; a deal's names, dates,
# flags and terms hash are one row of ``labels`` for as long as they stay the same; the hedge,
# the notes and the row's symbols go into a small compressed ``extra``. ``valuations`` is
# clustered by (deal, as-of, refresh) (WITHOUT ROWID), so one deal's history is a range of the
# table itself and the covering index that doubled every row is gone. About 570 bytes a
# valuation at 1e5 to 1e6 rows, every table counted (v4: about 1,850).
_V5_TABLES = (
    # What a price's currency, source label and fallback reason were: the same few for many rows.
    """CREATE TABLE quote_kinds (
        id INTEGER PRIMARY KEY,
        currency TEXT NOT NULL,
        source TEXT NOT NULL,
        fallback TEXT NOT NULL DEFAULT '',
        UNIQUE (currency, source, fallback)
    )""",
    """CREATE TABLE quotes (
        refresh_id INTEGER NOT NULL REFERENCES refreshes (id) ON DELETE CASCADE,
        symbol TEXT NOT NULL,
        price REAL,
        as_of TEXT,
        kind_id INTEGER NOT NULL REFERENCES quote_kinds (id),
        PRIMARY KEY (refresh_id, symbol)
    ) WITHOUT ROWID""",
    # A deal's names, dates, flags and terms hash change seldom from one refresh to the next: each
    # different set is one row here, and a valuation refers to it.
    """CREATE TABLE labels (
        id INTEGER PRIMARY KEY,
        name TEXT,
        status TEXT,
        currency TEXT,
        target TEXT,
        expected_close TEXT,
        flags TEXT NOT NULL DEFAULT '[]',
        terms_hash TEXT
    )""",
    "CREATE INDEX labels_all ON labels (name, status, currency, target, expected_close, flags, terms_hash)",
    f"""CREATE TABLE valuations_v5 (
        deal_id TEXT NOT NULL,
        as_of TEXT NOT NULL,
        refresh_id INTEGER NOT NULL REFERENCES refreshes (id) ON DELETE CASCADE,
        label_id INTEGER NOT NULL REFERENCES labels (id),
        {", ".join(m + (" INTEGER" if m == "days_to_close" else " REAL") for m in METRICS)},
        stale INTEGER NOT NULL DEFAULT 0,
        price_age_days INTEGER,
        extra BLOB,
        PRIMARY KEY (deal_id, as_of, refresh_id)
    ) WITHOUT ROWID""",
)
#: The columns of ``labels`` (a v4 valuation had each of them).
LABEL_COLUMNS = ("name", "status", "currency", "target", "expected_close", "flags", "terms_hash")
#: The columns of v5's ``valuations`` before ``extra``, in order.
V5_COLUMNS = ("deal_id", "as_of", "refresh_id", "label_id", *METRICS, "stale", "price_age_days")
_LABEL_FIND = "SELECT id FROM labels WHERE " + " AND ".join(f"{c} IS ?" for c in LABEL_COLUMNS) + " LIMIT 1"
_LABEL_ADD = f"INSERT INTO labels ({', '.join(LABEL_COLUMNS)}) VALUES ({', '.join('?' * len(LABEL_COLUMNS))})"


def label_id(conn: sqlite3.Connection, label: tuple[Any, ...], cache: dict[tuple[Any, ...], int]) -> int:
    """The id of the ``labels`` row holding ``label`` (LABEL_COLUMNS' values), added if new."""
    found = cache.get(label)
    if found is None:
        row = conn.execute(_LABEL_FIND, label).fetchone()
        found = int(row[0]) if row is not None else int(conn.execute(_LABEL_ADD, label).lastrowid or 0)
        cache[label] = found
    return found


def store_quotes(
    conn: sqlite3.Connection,
    refresh_id: int,
    quotes: dict[str, tuple[Any, ...]],
    kinds: dict[tuple[str, str, str], int],
) -> None:
    """Insert a refresh's quotes (by symbol: price, currency, as_of, source, fallback), each
    (currency, source, fallback) once in ``quote_kinds``; ``kinds`` caches their ids across calls."""
    if not kinds:
        kinds.update(
            {(c, s, f): i for i, c, s, f in conn.execute("SELECT id, currency, source, fallback FROM quote_kinds")}
        )
    rows = []
    for sym, (price, currency, as_of, source, fallback) in quotes.items():
        key = (currency or "", source or "", fallback or "")
        if key not in kinds:
            cur = conn.execute("INSERT INTO quote_kinds (currency, source, fallback) VALUES (?, ?, ?)", key)
            kinds[key] = int(cur.lastrowid or 0)
        rows.append((refresh_id, sym, price, as_of, kinds[key]))
    conn.executemany("INSERT INTO quotes (refresh_id, symbol, price, as_of, kind_id) VALUES (?, ?, ?, ?, ?)", rows)


#: A quote as the record has it: (price, currency, as_of, source, fallback), from quotes and its kind.
QUOTES_SQL = (
    "SELECT q.symbol, q.price, k.currency, q.as_of, k.source, nullif(k.fallback, '')"
    " FROM quotes q JOIN quote_kinds k ON k.id = q.kind_id WHERE q.refresh_id = ?"
)

_NOT_IN_RECORD = frozenset({"deal_id", "as_of", "refresh_id", "stale", "price_age_days"})


def _v4_to_v5(conn: sqlite3.Connection) -> None:
    """Move every v4 row into the v5 tables, its JSON record split into quotes and ``extra``."""
    from arb.store.record import pack_extra

    for statement in _V5_TABLES:
        conn.execute(statement)
    v4_columns = ("deal_id", "as_of", "refresh_id", *METRICS, "stale", "price_age_days")
    insert = (
        f"INSERT INTO valuations_v5 ({', '.join(V5_COLUMNS)}, extra) VALUES ({', '.join('?' * (len(V5_COLUMNS) + 1))})"
    )
    current: int | None = None
    shared: dict[str, tuple[Any, ...]] = {}
    stored: set[str] = set()
    kinds: dict[tuple[str, str, str], int] = {}
    labels: dict[tuple[Any, ...], int] = {}

    def flush_quotes() -> None:
        store_quotes(conn, current or 0, {s: q for s, q in shared.items() if s not in stored}, kinds)
        stored.update(shared)

    n_v4 = len(v4_columns)
    cursor = conn.execute(
        f"SELECT {', '.join(v4_columns)}, {', '.join(LABEL_COLUMNS)}, record FROM valuations"
        " ORDER BY refresh_id, deal_id"
    )
    while batch := cursor.fetchmany(2000):
        out = []
        for row in batch:
            refresh_id = row[2]
            if refresh_id != current:
                if current is not None:
                    flush_quotes()
                current, shared, stored = refresh_id, {}, set()
            try:
                rec = json.loads(row[-1] or "{}")
            except ValueError:
                rec = {}
            if not isinstance(rec, dict):
                rec = {}
            values = list(row[:n_v4])
            label = list(row[n_v4:-1])
            # A column older code left empty, which its record held (v2 and v3 wrote only some).
            for i, col in enumerate(v4_columns):
                key = "id" if col == "deal_id" else col
                if col not in _NOT_IN_RECORD and values[i] is None and rec.get(key) is not None:
                    values[i] = rec[key]
            for i, col in enumerate(LABEL_COLUMNS):
                if label[i] is None and rec.get(col) is not None:
                    label[i] = json.dumps(rec[col]) if col == "flags" else rec[col]
            lid = label_id(conn, tuple(label), labels)
            out.append((*values[:3], lid, *values[3:], pack_extra(rec, shared)))
        conn.executemany(insert, out)
        flush_quotes()
    conn.execute("DROP TABLE valuations")
    conn.execute("ALTER TABLE valuations_v5 RENAME TO valuations")
    conn.execute("CREATE INDEX valuations_refresh ON valuations (refresh_id)")


def version_problem(version: int) -> StoreError | None:
    """The error for a schema version this arb cannot use (newer, or one no arb writes); else None."""
    if version > SCHEMA_VERSION:
        return StoreError(
            f"the history store has schema version {version}, newer than this arb understands "
            f"({SCHEMA_VERSION}); upgrade arb (pip install -U arb) to use it"
        )
    if version < 0:
        return StoreDamagedError(
            f"the history store has schema version {version}, which no arb writes: it is damaged or not an "
            "arb history store; move it aside (`arb store check` shows what is wrong)"
        )
    return None


def create_schema(conn: sqlite3.Connection, version: int = SCHEMA_VERSION) -> None:
    """Bring an open connection's schema up to ``version``, one transaction per step.

    ``version=1`` builds the first schema, which the migration tests start from.
    """
    steps: dict[int, tuple[str | Callable[[sqlite3.Connection], None], ...]] = {
        1: tuple(s.strip() for s in _V1.split(";") if s.strip()),
        2: _V1_TO_V2,
        3: _V2_TO_V3,
        4: _V3_TO_V4,
        5: (_v4_to_v5,),
    }
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            problem = version_problem(current)
            if problem is not None:
                raise problem
            if current >= version:
                conn.execute("COMMIT")
                return
            for step in steps[current + 1]:
                if callable(step):
                    step(conn)
                else:
                    conn.execute(step)
            conn.execute(f"PRAGMA user_version = {current + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite may have rolled back already (a full disk, an I/O error)
                conn.execute("ROLLBACK")
            raise

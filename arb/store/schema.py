"""The history store's schema: each version's tables and the migrations between them.

The version is ``PRAGMA user_version``. Migrations run one step per transaction and keep every
row; v1 is the first release's schema (one row per deal and day, no refreshes table).
"""

from __future__ import annotations

import sqlite3

from arb.errors import ArbError

__all__ = ["METRICS", "SCHEMA_VERSION", "StoreError", "create_schema"]

SCHEMA_VERSION = 3

#: The figures kept as columns of ``valuations`` (the rest of the record is kept as JSON).
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
#: Quote kinds that are not first-hand prices and so are not written to ``prices`` again.


class StoreError(ArbError):
    """A history store that cannot be opened, migrated or written."""


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


def create_schema(conn: sqlite3.Connection, version: int = SCHEMA_VERSION) -> None:
    """Bring an open connection's schema up to ``version``, one transaction per step.

    ``version=1`` builds the first schema, which the migration tests start from.
    """
    steps: dict[int, tuple[str, ...]] = {
        1: tuple(s.strip() for s in _V1.split(";") if s.strip()),
        2: _V1_TO_V2,
        3: _V2_TO_V3,
    }
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"the history store has schema version {current}, newer than this arb understands "
                    f"({SCHEMA_VERSION}); upgrade arb"
                )
            if current >= version:
                conn.execute("COMMIT")
                return
            for statement in steps[current + 1]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {current + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

"""The history store: every refresh's prices and valuations in one SQLite file.

:class:`HistoryStore` reads and writes it (see :mod:`arb.store.db` for the rules on transactions,
duplicates, back-fills and damaged files), :mod:`arb.store.schema` holds the versioned schema and
its migrations, and :class:`StoreSource` prices symbols from it like any other price source.
"""

from arb.store.db import HistoryStore, RefreshInfo, StoreCheck
from arb.store.schema import (
    SCHEMA_VERSION,
    StoreDamagedError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    create_schema,
)
from arb.store.source import StoreSource

__all__ = [
    "SCHEMA_VERSION",
    "HistoryStore",
    "RefreshInfo",
    "StoreCheck",
    "StoreDamagedError",
    "StoreError",
    "StoreFullError",
    "StoreReadOnlyError",
    "StoreSource",
    "create_schema",
]

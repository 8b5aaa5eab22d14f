"""The history store: every refresh's prices and valuations in one SQLite file.

:class:`HistoryStore` reads and writes it (see :mod:`arb.store.db` for the rules on transactions,
duplicates and back-fills), :mod:`arb.store.schema` holds the versioned schema and its
migrations, and :class:`StoreSource` prices symbols from it like any other price source.
"""

from arb.store.db import HistoryStore, RefreshInfo
from arb.store.schema import SCHEMA_VERSION, StoreError, create_schema
from arb.store.source import StoreSource

__all__ = ["SCHEMA_VERSION", "HistoryStore", "RefreshInfo", "StoreError", "StoreSource", "create_schema"]

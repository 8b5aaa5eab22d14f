"""The history store: every refresh's prices and valuations in one SQLite file.

:class:`HistoryStore` reads and writes it (see :mod:`arb.store.db` for the rules on transactions,
duplicates, back-fills and damaged files), :mod:`arb.store.schema` holds the versioned schema and
its migrations, and :class:`StoreSource` prices symbols from it like any other price source.
"""

from typing import TYPE_CHECKING

from arb.store.db import HistoryStore, RefreshInfo, StoreCheck
from arb.store.schema import (
    SCHEMA_VERSION,
    StoreDamagedError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    create_schema,
)

if TYPE_CHECKING:
    from arb.store.source import StoreSource


def __getattr__(name: str) -> object:
    # StoreSource pulls in the price sources; `arb history` and `arb store` never need them.
    if name == "StoreSource":
        from arb.store.source import StoreSource

        return StoreSource
    raise AttributeError(f"module 'arb.store' has no attribute {name!r}")


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

"""Where arb keeps its files: the data folder (history store, watchlist) and the cache folder.

The data folder is platformdirs' ``user_data_dir("arb")``; ``ARB_HOME`` overrides it. The cache
folder (Yahoo's time-zone and cookie caches) is ``ARB_CACHE_DIR`` or ``user_cache_dir("arb")``.
Nothing here creates a folder until a caller asks to write there.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "data_dir", "store_path", "watchlist_path"]

STORE_NAME = "history.sqlite3"
WATCHLIST_NAME = "watchlist.toml"


def data_dir() -> Path:
    """The data folder: ``$ARB_HOME`` when set, else the platform's user data folder for arb."""
    home = os.environ.get("ARB_HOME", "").strip()
    if home:
        return Path(home).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("arb", appauthor=False))


def cache_dir() -> Path:
    """The cache folder: ``$ARB_CACHE_DIR`` when set, else the platform's user cache folder for arb."""
    cache = os.environ.get("ARB_CACHE_DIR", "").strip()
    if cache:
        return Path(cache).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("arb", appauthor=False))


def store_path() -> Path:
    """The history store, ``<data>/history.sqlite3``."""
    return data_dir() / STORE_NAME


def watchlist_path() -> Path:
    """The default watchlist, ``<data>/watchlist.toml``."""
    return data_dir() / WATCHLIST_NAME

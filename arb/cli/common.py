"""What every command shares: consoles, deal loading, the price source, error reporting."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from arb.errors import ArbError

if TYPE_CHECKING:  # the library is imported inside the commands, so `arb --help` starts fast
    from arb.loader import LoadResult
    from arb.prices.base import PriceSource

__all__ = ["err", "fail", "load", "out", "parse_date", "price_source", "warn"]

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    """One line on stderr (the message is plain text, never markup)."""
    err.print(Text("warning: ", style="yellow") + Text(message), highlight=False)


def error(message: str) -> None:
    """One line on stderr (the message is plain text, never markup)."""
    err.print(Text("error: ", style="red") + Text(message), highlight=False)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one error line and return the Exit to raise."""
    error(message)
    return typer.Exit(code)


def parse_date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date; write YYYY-MM-DD", param_hint=option) from None


def load(paths: Sequence[Path] | None) -> LoadResult:
    """Load deal files (default: the bundled seeds), printing one error line per bad file."""
    from arb.loader import load_deals
    from arb.resources import seeds_dir

    result = load_deals(list(paths) if paths else [seeds_dir()])
    for e in result.errors:
        error(str(e))
    return result


def price_source(
    prices: Path | None,
    *,
    offline: bool = False,
    timeout: float = 20.0,
    progress: Callable[[str, bool], None] | None = None,
) -> tuple[PriceSource, bool]:
    """The price source for a command and whether a price file had bad rows.

    ``--prices FILE`` uses only that file. Otherwise live: per symbol Yahoo, then the history
    store's last price, then the bundled snapshot; ``offline`` (or ``ARB_OFFLINE=1``) skips Yahoo.
    """
    from arb.prices.csvfile import CsvSource

    if prices is None:
        from arb.paths import store_path
        from arb.refresh import default_source
        from arb.store import HistoryStore

        offline = offline or os.environ.get("ARB_OFFLINE", "") not in ("", "0")
        store = HistoryStore(store_path(), create=False)
        return default_source(store, offline=offline, timeout=timeout, progress=progress), False
    try:
        source = CsvSource(prices)
    except ArbError as exc:
        raise fail(str(exc)) from None
    for e in source.errors:
        error(str(e))
    return source, bool(source.errors)


OfflineOpt = Annotated[
    bool, typer.Option("--offline", help="Skip the network: the history store's last prices, then the snapshot.")
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", min=0.1, metavar="SECONDS", help="Seconds the live price fetch may take in all.")
]

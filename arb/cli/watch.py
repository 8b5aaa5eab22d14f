"""``arb watch add|list|remove``: edit and show the watchlist."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from arb.cli.common import err, error, note, out
from arb.cli.refresh import WatchlistOpt
from arb.errors import ArbError
from arb.text import safe

__all__ = ["app"]

app = typer.Typer(
    name="watch",
    help="The watchlist: which deal files `arb refresh` follows, and their alerts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _file(watchlist: Path | None) -> Path:
    from arb.paths import watchlist_path

    return watchlist if watchlist is not None else watchlist_path()


@app.command("add")
def add(
    path: Annotated[Path, typer.Argument(help="A deal file, or a folder of them.", show_default=False)],
    entry_id: Annotated[
        str | None, typer.Option("--id", help="The entry's id (default: the deal id or folder name).")
    ] = None,
    watchlist: WatchlistOpt = None,
) -> None:
    """Follow a deal file or folder (checked first: every deal in it must load)."""
    from arb.watchlist import add_entry

    target = _file(watchlist)
    try:
        new = not target.exists()
    except OSError:  # a path the system cannot look up: add_entry says so
        new = False
    try:
        entry = add_entry(target, path, entry_id=entry_id)
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    note(f"watching {entry.path} as {entry.id!r} in {target}")
    if new:
        err.print(
            "created the watchlist; the bundled seed deals are no longer followed unless you add them", highlight=False
        )


@app.command("list")
def list_(watchlist: WatchlistOpt = None) -> None:
    """Show the followed deal files and folders, the deals they hold, and the alert rules."""
    from arb.loader import load_deals
    from arb.watchlist import load_watchlist

    try:
        wl = load_watchlist(watchlist)
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    if wl.follows_seeds:
        out.print(safe(f"No watchlist at {_file(None)}: following the bundled seed deals."), highlight=False)
    else:
        out.print(safe(f"Watchlist: {wl.path}"), highlight=False)
    table = Table(header_style="bold", pad_edge=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("Path", overflow="fold")
    table.add_column("Deals", overflow="fold")
    table.add_column("Alerts", overflow="fold")
    entries = [(e.id, e.path) for e in wl.entries] if not wl.follows_seeds else [("seeds", wl.deal_paths()[0])]
    bad = False
    for ident, path in entries:
        loaded = load_deals([path])
        deals = Text(safe(", ".join(d.id for d in loaded.deals)))
        for e in loaded.errors:
            bad = True
            deals.append(("\n" if deals else "") + safe(f"error: {e}"), style="red")
        alerts = "\n".join(safe(f"{d.id}: {r.kind} {r.written}") for d in loaded.deals for r in wl.rules_for(d.id))
        table.add_row(safe(ident), safe(path), deals, alerts)
    if entries:
        out.print(table)
    else:
        out.print("No entries: add one with `arb watch add PATH`.", highlight=False)
    raise typer.Exit(1 if bad else 0)


@app.command("remove")
def remove(
    entry_id: Annotated[str, typer.Argument(help="The entry's id, as `arb watch list` shows it.", show_default=False)],
    watchlist: WatchlistOpt = None,
) -> None:
    """Stop following an entry. Its alerts stay in the file (they apply again if it comes back)."""
    from arb.watchlist import remove_entry

    target = _file(watchlist)
    try:
        missing = not target.exists()
    except OSError:  # a path the system cannot look up: remove_entry says so
        missing = False
    if missing:
        error(f"{target}: no watchlist yet (following the bundled seeds); nothing to remove")
        raise typer.Exit(1)
    try:
        entry = remove_entry(target, entry_id)
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    note(f"stopped watching {entry.id!r} ({entry.path})")

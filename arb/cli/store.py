"""``arb store check|stats|vacuum``: look at the history store, or compact it."""

from __future__ import annotations

from typing import Annotated

import typer

from arb.cli.common import error, out, print_json

__all__ = ["app"]

app = typer.Typer(
    name="store",
    help="The history store: check a file that refresh or history refused, count what it holds, compact it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


@app.command("check")
def check(json_out: JsonOpt = False) -> None:
    """Check the store file as it is (integrity_check, schema version, rows); nothing is changed.

    Exit 0 when it is sound, 1 when it is damaged, from a newer arb, or missing.
    """
    from arb.errors import ArbError
    from arb.paths import store_path
    from arb.store import SCHEMA_VERSION, HistoryStore

    store = HistoryStore(store_path(), create=False)
    try:
        found = store.check()
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    if json_out:
        print_json(
            {
                "path": str(found.path),
                "bytes": found.size,
                "schema_version": found.version,
                "integrity": found.integrity,
                "rows": found.counts,
                "ok": found.ok,
                "problems": found.problems,
            }
        )
    else:
        version = "unreadable" if found.version is None else str(found.version)
        lines = [
            f"store:          {found.path} ({found.size:,} bytes)",
            f"schema version {version} (this arb writes {SCHEMA_VERSION})"
            + ("; migrated on the next refresh" if found.needs_migration else ""),
            f"integrity:      {found.integrity}",
            "rows:           " + (", ".join(f"{n:,} {table}" for table, n in found.counts.items()) or "none readable"),
        ]
        for line in lines:
            out.print(line)
    if not found.ok:
        error(
            f"{found.path}: {'; '.join(found.problems)}; restore it from a backup, or move it aside "
            "(the next `arb refresh` starts a new store)"
        )
        raise typer.Exit(1)
    raise typer.Exit(0)


@app.command("stats")
def stats(json_out: JsonOpt = False) -> None:
    """What the store holds: size, rows per table, refreshes and their dates, deals, stale rows."""
    from arb.errors import ArbError
    from arb.paths import store_path
    from arb.store import HistoryStore

    store = HistoryStore(store_path(), create=False)
    try:
        found = store.stats()
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    if json_out:
        print_json(found)
        raise typer.Exit(0)
    rows = found["rows"]
    per_row = found["bytes_per_valuation"]
    for line in (
        f"store:       {found['path']} ({found['bytes']:,} bytes"
        + (f", {per_row:,} per valuation)" if per_row else ")"),
        f"refreshes:   {found['refreshes']:,}, as of {found['first_as_of'] or '-'} to {found['last_as_of'] or '-'}",
        f"oldest:      {found['oldest_refresh'] or '-'}",
        f"newest:      {found['newest_refresh'] or '-'}",
        f"deals:       {found['deals']:,}",
        f"valuations:  {rows['valuations']:,}, of which stale {found['stale_valuations']:,}",
        f"prices:      {rows['prices']:,} first-hand, {rows['quotes']:,} used by valuations",
    ):
        out.print(line, highlight=False)
    raise typer.Exit(0)


@app.command("vacuum")
def vacuum(json_out: JsonOpt = False) -> None:
    """Compact the store (VACUUM, then ANALYZE) and report its size before and after.

    It holds the write lock while it runs (a refresh started meanwhile waits) and needs free space
    about the size of the store.
    """
    from arb.errors import ArbError
    from arb.paths import store_path
    from arb.store import HistoryStore

    store = HistoryStore(store_path(), create=False)
    try:
        before, after = store.vacuum()
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    finally:
        store.close()
    if json_out:
        print_json({"path": str(store.path), "bytes_before": before, "bytes_after": after})
    else:
        out.print(
            f"{store.path}: {before:,} bytes before, {after:,} after ({before - after:+,} bytes freed)", highlight=False
        )
    raise typer.Exit(0)

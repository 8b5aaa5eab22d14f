"""``arb watch add|list|remove``: edit and show the watchlist."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from arb.cli.common import err, error, note, out, warn
from arb.cli.refresh import WatchlistOpt
from arb.errors import ArbError
from arb.text import safe

__all__ = ["WATCH_COLUMNS", "app"]

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


#: The columns of ``arb watch list --json/--csv/--nl``: one record per watchlist entry.
WATCH_COLUMNS = ("id", "path", "deals", "alerts", "errors")


@app.command("list", epilog="Example: arb watch list --csv > watched.csv")
def list_(
    watchlist: WatchlistOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the entries as a JSON array.")] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print the entries as CSV (the --json columns).")] = False,
    nl_out: Annotated[bool, typer.Option("--nl", help="Print one JSON object per entry per line.")] = False,
) -> None:
    """Show the followed deal files and folders, the deals they hold, and the alert rules."""
    from arb.cli.listing import choose, emit
    from arb.loader import load_deals
    from arb.watchlist import load_watchlist

    fmt = choose(json_out, csv_out, nl_out)
    try:
        wl = load_watchlist(watchlist)
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    entries = [(e.id, e.path) for e in wl.entries] if not wl.follows_seeds else [("seeds", wl.deal_paths()[0])]
    records = []
    for ident, path in entries:
        loaded = load_deals([path])
        records.append(
            {
                "id": ident,
                "path": str(path),
                "deals": [d.id for d in loaded.deals],
                "alerts": [f"{d.id}: {r.kind} {r.written}" for d in loaded.deals for r in wl.rules_for(d.id)],
                "errors": [line for e in loaded.errors for line in e.lines()],
            }
        )
    bad = any(rec["errors"] for rec in records)
    if fmt:
        emit(records, WATCH_COLUMNS, fmt)
        raise typer.Exit(1 if bad else 0)
    if wl.follows_seeds:
        out.print(safe(f"No watchlist at {_file(None)}: following the bundled seed deals."), highlight=False)
    else:
        out.print(safe(f"Watchlist: {wl.path}"), highlight=False)
    table = Table(header_style="bold", pad_edge=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("Path", overflow="fold")
    table.add_column("Deals", overflow="fold")
    table.add_column("Alerts", overflow="fold")
    for rec in records:
        deals = Text(safe(", ".join(rec["deals"])))
        for e in rec["errors"]:
            deals.append(("\n" if deals else "") + safe(f"error: {e}"), style="red")
        table.add_row(safe(rec["id"]), safe(rec["path"]), deals, "\n".join(safe(a) for a in rec["alerts"]))
    if entries:
        out.print(table)
    else:
        out.print("No entries: add one with `arb watch add PATH`.", highlight=False)
    if wl.targets:
        out.print(safe("Alerts are also sent to: " + ", ".join(wl.targets)), highlight=False)
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


alert_app = typer.Typer(
    name="alert",
    help="Alert rules: when `arb refresh` and `arb watch live` flag a deal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(alert_app, name="alert")

_RULE_HELP = (
    "spread_pct_below, spread_pct_above, annualized_above (or annualised_above), spread_widens_by, spread_pct_widens_by"
)


@alert_app.command(
    "add",
    epilog="Example: arb watch alert add enn-energy spread_pct_below 5   (fires under 5%)",
)
def alert_add(
    deal: Annotated[
        str, typer.Argument(metavar="DEAL", help='The deal id, or "*" for every deal.', show_default=False)
    ],
    rule: Annotated[str, typer.Argument(metavar="RULE", help=_RULE_HELP + ".", show_default=False)],
    level: Annotated[
        str,
        typer.Argument(
            metavar="LEVEL",
            help="A percent for spread % and annualised rules (5 or 5%), points for spread_pct_widens_by (2 or 2pp), "
            "money per target share for spread_widens_by.",
            show_default=False,
        ),
    ],
    watchlist: WatchlistOpt = None,
) -> None:
    """Set an alert rule on a deal (replacing the same rule if it is set)."""
    from arb.watchlist import SEEDS_ENTRY, add_rule

    target = _file(watchlist)
    new = not target.exists()
    try:
        rule_set = add_rule(target, deal, rule, level)
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    note(f"alert {rule_set.deal} {rule_set.kind} = {rule_set.written} in {target}")
    if new:
        note(
            f"created the watchlist; it follows the bundled seed deals as before, as the entry {SEEDS_ENTRY!r} "
            f"(`arb watch remove {SEEDS_ENTRY}` stops that)"
        )
    _warn_if_unwatched(rule_set.deal, target)


def _warn_if_unwatched(deal: str, target: Path) -> None:
    """A rule for an id no watched deal has never fires: a typo would pass for a set alert."""
    import difflib

    from arb.loader import load_deals
    from arb.watchlist import load_watchlist

    if deal == "*":
        return
    try:
        ids = load_deals(load_watchlist(target).deal_paths()).paths
    except ArbError:
        return  # the watchlist's own problems are reported by the commands that read it
    if deal in ids:
        return
    close = difflib.get_close_matches(deal, list(ids), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    warn(
        f"no watched deal has the id {deal!r}, so the rule fires for none; {hint}"
        "it applies once a deal of that id is watched (`arb watch list` shows the ids)"
    )


#: The columns of ``arb watch alert list --csv/--nl``: one record per rule (``--json`` adds the targets).
RULE_COLUMNS = ("deal", "rule", "level", "written")


@alert_app.command("list", epilog="Example: arb watch alert list --csv > rules.csv")
def alert_list(
    watchlist: WatchlistOpt = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the rules and the targets alerts go to as a JSON object.")
    ] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print the rules as CSV: deal, rule, level, written.")] = False,
    nl_out: Annotated[bool, typer.Option("--nl", help="Print one JSON object per rule per line.")] = False,
) -> None:
    """Show every alert rule: deal, rule, level as written and as a number."""
    from arb.cli.common import print_json
    from arb.cli.listing import choose, emit
    from arb.watchlist import load_watchlist

    fmt = choose(json_out, csv_out, nl_out)
    try:
        wl = load_watchlist(watchlist)
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    rules = [{"deal": r.deal, "rule": r.kind, "level": r.level, "written": r.written} for r in wl.rules]
    if fmt in ("csv", "nl"):
        emit(rules, RULE_COLUMNS, fmt)
        return
    if json_out:
        print_json({"rules": rules, "targets": list(wl.targets)})
        return
    if not wl.rules:
        out.print("No alert rules: add one with `arb watch alert add DEAL RULE LEVEL`.", highlight=False)
    else:
        table = Table(header_style="bold", pad_edge=False)
        table.add_column("Deal", no_wrap=True)
        table.add_column("Rule", no_wrap=True)
        table.add_column("Level", no_wrap=True)
        for r in wl.rules:
            table.add_row(safe(r.deal), r.kind, safe(r.written))
        out.print(table)
        if any(r.kind == "spread_widens_by" for r in wl.rules):
            out.print("spread_widens_by: money per target share, in each deal's own currency.", highlight=False)
    if wl.targets:
        out.print(safe("Sent to: " + ", ".join(wl.targets)), highlight=False)


@alert_app.command("remove", epilog="Example: arb watch alert remove enn-energy spread_pct_below")
def alert_remove(
    deal: Annotated[str, typer.Argument(metavar="DEAL", help='The deal id, or "*".', show_default=False)],
    rule: Annotated[
        str | None, typer.Argument(metavar="RULE", help="The rule to remove (default: every rule of the deal).")
    ] = None,
    watchlist: WatchlistOpt = None,
) -> None:
    """Remove one alert rule of a deal, or all of them."""
    from arb.watchlist import remove_rules

    target = _file(watchlist)
    try:
        missing = not target.exists()
    except OSError:
        missing = False
    if missing:
        error(f"{target}: no watchlist yet; nothing to remove")
        raise typer.Exit(1)
    try:
        gone = remove_rules(target, deal, rule)
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    for r in gone:
        note(f"removed alert {r.deal} {r.kind} = {r.written}")


@app.command("live", epilog="Example: arb watch live --every 5m --fail-on-alert")
def live(
    every: Annotated[
        str | None,
        typer.Option(
            "--every",
            metavar="DURATION",
            help="Time between refreshes: 300, 90s, 5m, 1h; at least 60 s (default: [watch] interval, 5m).",
        ),
    ] = None,
    watchlist: WatchlistOpt = None,
    prices: Annotated[
        Path | None,
        typer.Option("--prices", metavar="FILE", help="Price from this CSV, re-read each refresh, instead of Yahoo."),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Skip the network: the history store's last prices, then the snapshot.")
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", min=0.1, metavar="SECONDS", help="Seconds each live fetch may take (default: 20)."),
    ] = None,
    store_stale: Annotated[
        bool, typer.Option("--store-stale", help="Store a refresh even when no price was live (marked stale).")
    ] = False,
    fail_on_alert: Annotated[
        bool, typer.Option("--fail-on-alert", help="Exit 3 when any alert fired during the session.")
    ] = False,
    cycles: Annotated[
        int | None,
        typer.Option("--cycles", min=1, metavar="N", help="Stop after N refreshes (default: until Ctrl-C)."),
    ] = None,
) -> None:
    """Re-price the watchlist on a schedule in a full-screen table; each refresh is stored.

    Shows each spread, its change since the session opened and since the last refresh, stale
    prices dimmed with their age, and alerts as they fire (also sent to the watchlist's
    [notify] targets). Ctrl-C leaves.
    """
    from arb.cli.live import run_command

    run_command(
        watchlist=watchlist,
        every=every,
        prices=prices,
        offline=offline,
        timeout=timeout,
        store_stale=store_stale,
        fail_on_alert=fail_on_alert,
        cycles=cycles,
    )

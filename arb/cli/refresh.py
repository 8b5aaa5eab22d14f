"""``arb refresh``: price the watchlist, store one snapshot, show what changed and which alerts fired."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from arb.cli.common import (
    OfflineOpt,
    TimeoutOpt,
    Uncut,
    error,
    out,
    parse_date,
    price_source,
    print_json,
    warn,
)
from arb.cli.format import DASH, money, pct
from arb.errors import ArbError
from arb.text import safe

if TYPE_CHECKING:  # the library is imported inside the command, so `arb --help` starts fast
    from arb.refresh import RefreshResult

#: Seconds the live fetch may take in all (the same default as arb.refresh.DEFAULT_TIMEOUT).
DEFAULT_TIMEOUT = 20.0

__all__ = ["WatchlistOpt", "refresh", "render_changes", "render_refresh"]

WatchlistOpt = Annotated[
    Path | None,
    typer.Option("--watchlist", help="Watchlist TOML to use (default: <data folder>/watchlist.toml, else the seeds)."),
]


def _signed(text: str, x: float | None) -> Text:
    if x is None or text == DASH:
        return Text(text, style="dim")
    return Text(text, style="green" if x > 0 else "red" if x < 0 else "")


def _points(x: float | None) -> str:
    return DASH if x is None else f"{x * 100:+.1f}pp"


def render_changes(result: RefreshResult) -> RenderableType:
    """Spread and spread % now, at the previous refresh, and the difference, one row per deal."""
    if not result.changes:
        return Text("No previous refresh to compare with.", style="dim")
    table = Table(
        title="Since the previous refresh",
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    longest = max((len(r.id) for r in result.valuation.results), default=4)
    dates = {c.previous_as_of for c in result.changes.values()}
    one_date = len(dates) == 1
    any_terms = any(c.terms_changed for c in result.changes.values())
    if one_date:
        table.title = f"Since the previous refresh (as of {next(iter(dates))})"
    table.add_column("Deal", overflow="fold", min_width=min(longest, 16))
    if not one_date:
        table.add_column("Since", no_wrap=True)
    table.add_column("Ccy", no_wrap=True)
    for name in ("Spread", "Now", "Change", "Spread %", "Now", "Change"):
        table.add_column(name, justify="right", no_wrap=True)
    if any_terms:
        table.add_column("Terms", no_wrap=True)
    for r in result.valuation.sorted():
        c = result.changes.get(r.id)
        if c is None:
            first: list[str | Text] = [safe(r.id), *([] if one_date else [""]), Text("first refresh", style="dim")]
            table.add_row(*first, *([""] * (6 + any_terms)))
            continue
        f = r.figures
        table.add_row(
            safe(r.id),
            *([] if one_date else [c.previous_as_of]),
            r.currency or DASH,
            money(c.previous_spread, None),
            money(f["spread"], None),
            _signed(money(c.spread, None, sign=True), c.spread),
            pct(c.previous_spread_pct),
            pct(f["spread_pct"]),
            _signed(_points(c.spread_pct), c.spread_pct),
            *([Text("changed", style="bold yellow") if c.terms_changed else ""] if any_terms else []),
        )
    return Uncut(table)


def _price_problems(result: RefreshResult) -> None:
    """One line a symbol whose price fell back or is missing, and why. A reason the first source
    gave for several symbols (Yahoo unreachable, say) is said once, with its count, and left out
    of their own lines, which keep what the later sources said."""
    from collections import Counter

    problems = [(sym, why, True) for sym, why in result.fallbacks.items()]
    problems += [(sym, why, False) for sym, why in result.failures.items()]
    firsts = Counter(why.split("; ")[0] for _, why, _ in problems)
    shared = {first for first, n in firsts.items() if n > 1}
    for first, n in firsts.most_common():
        if first in shared:
            warn(f"{first} (for {n} symbols)")
    for sym, why, fell in problems:
        head, _, rest = why.partition("; ")
        left = rest if head in shared else why
        because = f" ({left})" if left else ""
        if fell:
            warn(f"{sym}: not live, fell back to {result.valuation.fetch.quotes[sym].source}{because}")
        else:
            error(f"{sym}: no price{because}")


def render_refresh(
    result: RefreshResult, width: int | None = None, columns: Sequence[str] | None = None
) -> RenderableType:
    """The report table (in ``columns``, as ``arb report`` shows it), the change since the previous
    refresh, the alerts, and where it was stored."""
    from arb.cli.render import render_report

    table = render_report(result.valuation, width=width, columns=columns)
    parts: list[RenderableType] = [table, Text(""), render_changes(result)]
    if result.alerts:
        alerts = Text()
        alerts.append(f"Alerts ({len(result.alerts)})", style="bold red")
        for a in result.alerts:
            alerts.append(f"\n  ! {safe(a.message)}", style="red")
        parts.append(alerts)
    elif not result.not_checked:
        parts.append(Text("No alerts fired.", style="dim"))
    if result.not_checked:
        skipped = Text()
        skipped.append(f"Alerts not checked ({len(result.not_checked)} deals)", style="bold yellow")
        for n in result.not_checked:
            line = safe(f"{n.deal_id}: {', '.join(n.rules)}: not checked: {n.reason}")
            skipped.append(f"\n  ? {line}", style="yellow")
        parts.append(skipped)
    s = result.stored
    if s is None:
        parts.append(Text("Not stored: no price was live (see stderr).", style="yellow"))
        return Group(*parts)
    where = "" if result.rescued is None else f" in {safe(result.rescued)}"
    kept = f"Stored refresh #{s.id}{where} (as of {s.as_of}, {s.n_deals} deal{'' if s.n_deals == 1 else 's'})"
    if s.replaced is not None:
        kept += f", replacing the earlier back-fill #{s.replaced} of that date"
    parts.append(Text(kept, style="dim"))
    return Group(*parts)


def _deliver(result: RefreshResult, targets: list[str]) -> None:
    """Send fired alerts to the watchlist's targets (else the config's); wait a bounded time for them."""
    if not result.alerts:
        return
    from arb.config import load_config
    from arb.notify import Notifier

    try:
        targets = targets or list(load_config().watch_targets)
    except ArbError as exc:
        warn(f"alerts not delivered: {exc}")
        return
    if targets:
        notifier = Notifier(targets)
        notifier.send([a.message for a in result.alerts])
        if not notifier.close(wait=30.0):
            warn("alert delivery still running after 30 s; stopped")
        for d in notifier.deliveries:
            if not d.ok:
                warn(f"alert not delivered to {d.target} after {d.tries} tries: {d.problem}")


@contextmanager
def _progress(total: int, show: bool) -> Iterator[Callable[[str, bool], None] | None]:
    """A progress bar of symbols fetched and failed, or nothing when not shown."""
    if not show:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    failed = 0
    with Progress(
        TextColumn("Fetching prices"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]}"),
        TimeElapsedColumn(),
        console=out,
        transient=True,
    ) as bar:
        task = bar.add_task("fetch", total=max(total, 1), failed="")

        def tick(symbol: str, ok: bool) -> None:
            nonlocal failed
            failed += 0 if ok else 1
            t = bar.tasks[0]
            if t.completed + 1 > (t.total or 0):  # a second round for FX pairs the quotes revealed
                bar.update(task, total=t.completed + 1)
            bar.update(task, advance=1, failed=f"[red]{failed} failed[/red]" if failed else "")

        yield tick


def refresh(
    watchlist: WatchlistOpt = None,
    prices: Annotated[
        Path | None,
        typer.Option(
            "--prices", metavar="FILE", help="Feed the refresh from this CSV of prices instead of Yahoo (back-filling)."
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="Value as of this date, YYYY-MM-DD (default: today; with --prices, its date).",
        ),
    ] = None,
    offline: OfflineOpt = False,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print JSON: the refresh, the records with change and alerts.")
    ] = False,
    store_stale: Annotated[
        bool,
        typer.Option("--store-stale", help="Store the refresh even when no price was live (marked stale)."),
    ] = False,
    fail_on_alert: Annotated[
        bool, typer.Option("--fail-on-alert", help="Exit 3 when any alert fired (for cron jobs and CI).")
    ] = False,
    every: Annotated[
        str | None,
        typer.Option(
            "--every", metavar="DURATION", help="Refresh again every DURATION (5m, at least 1m): `arb watch live`."
        ),
    ] = None,
) -> None:
    """Price every watched deal, store one snapshot in the history, show changes and fired alerts.

    Exit 0 when every price was live (or, with --prices, in the file); 1 when some price fell
    back to the store or the snapshot, or could not be found (each named on stderr), or the
    store could not be written; 3 with --fail-on-alert when any alert fired. A refresh with no
    live price at all is not stored unless --store-stale is given.
    """
    from arb.loader import load_deals
    from arb.paths import store_path
    from arb.refresh import expected_symbols, run_refresh
    from arb.store import HistoryStore
    from arb.watchlist import load_watchlist

    if every is not None:
        if prices is not None or as_of is not None or json_out:
            raise typer.BadParameter("--every runs live: it takes no --prices, --as-of or --json", param_hint="--every")
        from arb.cli.live import run_command

        run_command(
            watchlist=watchlist,
            every=every,
            prices=None,
            offline=offline,
            timeout=timeout,
            store_stale=store_stale,
            fail_on_alert=fail_on_alert,
            cycles=None,
        )
    day = parse_date(as_of, "--as-of")
    if day is not None and day > dt.date.today():
        # The history records what was known on a day; a day still to come has no prices yet.
        raise typer.BadParameter(
            f"{day} is after today ({dt.date.today()}): a refresh stores what was known on its day; "
            "`arb report --as-of` values at a later date without storing it",
            param_hint="--as-of",
        )
    try:
        wl = load_watchlist(watchlist)
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    loaded = load_deals(wl.deal_paths())
    for e in loaded.errors:
        for line in e.lines():  # every problem of a bad file, one line each (as `arb validate` prints them)
            error(line)
    if not loaded.deals:
        error(f"{wl.path}: the watchlist follows no deal that loads; add one with `arb watch add PATH`")
        raise typer.Exit(1)
    show = not json_out and prices is None and not offline and out.is_terminal
    try:
        with _progress(expected_symbols(loaded.deals), show) as tick:
            source, bad_prices = price_source(prices, offline=offline, timeout=timeout, progress=tick)
            result = run_refresh(
                loaded.deals,
                source,
                HistoryStore(store_path()),
                wl,
                as_of=day,
                backfill=prices is not None,
                store_stale=store_stale,
            )
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    result.load_errors = list(loaded.errors)
    if json_out:
        print_json(result.to_dict())
    else:
        from arb.cli.report import _table_columns

        # The table as arb report shows it: the `columns` setting, and never cut (crop=False: a table
        # too wide for even its kept columns runs past the width).
        out.print(render_refresh(result, width=out.width, columns=_table_columns(None)), crop=False)
    for w in result.warnings:
        warn(w)
    _price_problems(result)
    if result.not_stored is not None:
        warn(result.not_stored)
    if result.store_error is not None:
        error(result.store_error)
    _deliver(result, wl.targets)
    if fail_on_alert and result.alerts:
        # Stale figures are never checked, so a fired alert rests on live prices: it wins over 1.
        raise typer.Exit(3)
    bad = bad_prices or bool(loaded.errors) or result.store_error is not None or result.not_stored is not None
    raise typer.Exit(0 if result.all_live and not bad else 1)

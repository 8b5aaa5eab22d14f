"""``arb history [DEAL]``: one deal's spread over time from the history store, or every watched deal's line."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from arb.cli.common import Uncut, error, out, parse_date
from arb.cli.format import money, pct
from arb.cli.listing import choose, columns_of, emit
from arb.text import safe

if TYPE_CHECKING:
    from arb.store.db import HistoryRows

__all__ = ["BOOK_COLUMNS", "CSV_COLUMNS", "history", "render_book", "render_history", "sparkline"]

BLOCKS = "▁▂▃▄▅▆▇█"

CSV_COLUMNS = (
    "deal_id", "as_of", "refresh_id", "refreshed", "source", "currency", "target_price", "deal_value",
    "dividends", "spread", "spread_pct", "days_to_close", "annualized", "annualized_simple", "downside",
    "implied_probability", "terms_hash", "terms_changed", "stale", "price_age_days", "flags",
)  # fmt: skip


def sparkline(values: Sequence[float | None], width: int | None = None) -> str:
    """One block character per value, lowest ``▁`` to highest ``█``; a gap for a missing value.

    With ``width`` and more values than that, consecutive values are averaged into ``width``
    buckets, so ten years of daily rows still fit on a line. A flat series is drawn mid-height.
    """
    vals = [v if v is not None and math.isfinite(v) else None for v in values]
    if width is not None and width > 0 and len(vals) > width:
        n, buckets = len(vals), []
        for i in range(width):
            chunk = [v for v in vals[i * n // width : (i + 1) * n // width] if v is not None]
            buckets.append(sum(chunk) / len(chunk) if chunk else None)
        vals = buckets
    finite = [v for v in vals if v is not None]
    if not finite:
        return " " * len(vals)
    lo, hi = min(finite), max(finite)
    top = len(BLOCKS) - 1
    chars = []
    for v in vals:
        if v is None:
            chars.append(" ")
        elif hi == lo:
            chars.append(BLOCKS[top // 2])
        else:
            chars.append(BLOCKS[round((v - lo) / (hi - lo) * top)])
    return "".join(chars)


#: Refreshes further apart than this (calendar days) get a blank in the sparkline between them.
GAP_DAYS = 5


def _with_gaps(as_of: list[str], values: list[float | None], width: int) -> list[float | None]:
    """Spread % per row, with a gap (None) between rows more than GAP_DAYS apart when they fit."""
    if len(values) > width:
        return values  # averaged into buckets: a blank would stand for a bucket, not a gap
    out: list[float | None] = []
    for i, day in enumerate(as_of):
        if i and (dt.date.fromisoformat(day) - dt.date.fromisoformat(as_of[i - 1])).days > GAP_DAYS:
            out.append(None)
        out.append(values[i])
    return out if len(out) <= width else values


def render_history(
    deal_id: str, rows: HistoryRows | Sequence[Mapping[str, Any]], *, last: int = 30, width: int = 80
) -> RenderableType:
    """A sparkline of spread % over every row, then a table of the last ``last`` rows (0: all).

    ``rows`` is what :meth:`~arb.store.HistoryStore.history_rows` returns (plain tuples, read
    column by column: only the rows shown become dicts), or the dicts of ``deal_history``.
    """
    from arb.store.db import HistoryRows

    if not isinstance(rows, HistoryRows):
        rows = HistoryRows.from_dicts(deal_id, rows)
    n_rows = len(rows)
    as_of = rows.column("as_of")
    spark_width = max(10, min(width - 2, 120))
    values = _with_gaps(as_of, rows.column("spread_pct"), spark_width)
    finite = [v for v in values if v is not None and math.isfinite(v)]
    head = Text()
    head.append(safe(deal_id), style="bold")
    n = f"{n_rows} refresh{'es' if n_rows != 1 else ''}"
    head.append(f"  spread % from {as_of[0]} to {as_of[-1]}, {n}\n", style="dim")
    head.append(sparkline(values, spark_width), style="cyan")
    if finite:
        head.append(
            f"\nfirst {pct(finite[0])}  last {pct(finite[-1])}  low {pct(min(finite))}  high {pct(max(finite))}",
            style="dim",
        )
    n_stale = sum(1 for s in rows.column("stale") if s)
    if n_stale:
        head.append(
            f"\n{n_stale} of {n_rows} rows are stale (a price fell back to the store or the snapshot, "
            "or was old): marked in the Prices column",
            style="yellow",
        )
    changed = rows.column("terms_changed")
    if any(changed):
        ids = rows.column("refresh_id")
        head.append(
            "\nTerms changed: " + ", ".join(f"{as_of[i]} (#{ids[i]})" for i, c in enumerate(changed) if c),
            style="yellow",
        )

    shown = rows.dicts(0 if last <= 0 else max(0, n_rows - last))
    any_terms = any(r["terms_changed"] for r in shown)
    wide = width >= 100  # below that, flags would be squeezed to a sliver: leave them to --json
    cells: dict[str, list[str | Text]] = {
        "As of": [r["as_of"] for r in shown],
        "#": [str(r["refresh_id"]) for r in shown],
        "Ccy": [r["currency"] or "—" for r in shown],
        "Target": [money(r["target_price"], None) for r in shown],
        "Value": [money(r["deal_value"], None) for r in shown],
        "Spread": [money(r["spread"], None, sign=True) for r in shown],
        "Spread %": [pct(r["spread_pct"], sign=True) for r in shown],
        "Ann. %": [pct(r["annualized"]) for r in shown],
        "Prices": [_prices_cell(r) for r in shown],
    }
    if any_terms:
        cells["Terms"] = [Text("◆ changed", style="bold yellow") if r["terms_changed"] else "" for r in shown]
    if wide:
        cells["Flags"] = [", ".join(r["flags"]) for r in shown]
    # the Flags column wraps between flags, never inside one: at least as wide as the longest
    flags_min = max([10, *(len(f) for r in shown for f in r["flags"])]) if wide else 10
    keys, dropped = _fit_history(cells, width, flags_min)
    table = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    for key in keys:
        if key == "Flags":
            table.add_column(key, overflow="fold", min_width=flags_min)
        else:
            table.add_column(key, justify="left" if key in HISTORY_LEFT else "right", no_wrap=True)
    for i in range(len(shown)):
        table.add_row(*(cells[k][i] for k in keys))
    parts: list[RenderableType] = [head, Uncut(table, _history_width(cells, keys, flags_min))]
    if dropped:
        parts.append(Text(f"Not shown at this width: {', '.join(dropped)} (--json has every figure).", style="dim"))
    if len(shown) < n_rows:
        parts.append(Text(f"Showing the last {len(shown)} of {n_rows} rows; --rows 0 shows all.", style="dim"))
    return Group(*parts)


#: History columns set to the left; the others are figures, set to the right.
HISTORY_LEFT = frozenset({"As of", "Ccy", "Prices", "Terms", "Flags"})
#: The order in which the history table's columns are left out as the width shrinks (Ccy goes
#: with the last money column). As of, Spread %, Ann. %, Prices and Terms always stay.
HISTORY_DROP = ("#", "Value", "Spread", "Target")


def _history_width(cells: Mapping[str, Sequence[str | Text]], keys: Sequence[str], flags_min: int = 10) -> int:
    """The table's line width: an edge space each side and three cells between columns (the
    Flags column counted at ``flags_min``, its longest flag: it wraps between flags)."""
    from rich.cells import cell_len

    def column(k: str) -> int:
        widest = max((cell_len(c.plain if isinstance(c, Text) else c) for c in cells[k]), default=0)
        return flags_min if k == "Flags" else max(cell_len(k), widest)  # flags wrap into what is left

    return 2 + sum(column(k) for k in keys) + 3 * max(len(keys) - 1, 0)


def _fit_history(
    cells: Mapping[str, Sequence[str | Text]], width: int, flags_min: int = 10
) -> tuple[list[str], list[str]]:
    """The columns that fit ``width``, whole ones left out in :data:`HISTORY_DROP`, and those left out."""
    keys = list(cells)
    order = [k for k in HISTORY_DROP if k in keys]
    while _history_width(cells, keys, flags_min) > width and order:
        keys.remove(order.pop(0))
        if not {"Target", "Value", "Spread"} & set(keys):
            keys = [k for k in keys if k != "Ccy"]
    return keys, [k for k in cells if k not in keys and k != "Ccy"]


def _prices_cell(row: Mapping[str, Any]) -> Text:
    """``live``, or ``stale 741d``: whether the row's prices were live, else its oldest price's age;
    ``, synthetic`` after either when a price was made-up test data (a first-hand file price can be)."""
    from arb.flags import Flag

    synthetic = Flag.SYNTHETIC_PRICE in (row.get("flags") or ())
    if row.get("stale"):
        age = row.get("price_age_days")
        text, style = ("stale" if age is None else f"stale {age}d"), "bold yellow"
    else:
        text, style = "live", "dim"
    if synthetic:
        return Text(f"{text}, synthetic", style="bold yellow")
    return Text(text, style=style)


def render_book(lines: list[tuple[str, list[dict[str, Any]]]], *, width: int = 80) -> RenderableType:
    """One line per deal: id, a sparkline of spread %, the last spread %, the low and high, the count."""
    longest = max((len(safe(d)) for d, _ in lines), default=4)
    spark_width = max(10, min(40, width - longest - 48))
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, show_edge=False)
    table.add_column("Deal", no_wrap=True, min_width=min(longest, 40))
    table.add_column("Spread %", no_wrap=True)
    for name in ("Last", "Low", "High"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("Since", no_wrap=True)
    table.add_column("Rows", justify="right", no_wrap=True)
    for deal, rows in lines:
        if not rows:
            table.add_row(safe(deal), Text("no history", style="dim"), "", "", "", "", "0")
            continue
        values = _with_gaps([r["as_of"] for r in rows], [r["spread_pct"] for r in rows], spark_width)
        finite = [v for v in values if v is not None]
        last = rows[-1]
        stale = Text(" stale", style="bold yellow") if last.get("stale") else Text("")
        table.add_row(
            safe(deal),
            Text(sparkline(values, spark_width), style="cyan"),
            Text(pct(last["spread_pct"])) + stale,
            pct(min(finite)) if finite else "—",
            pct(max(finite)) if finite else "—",
            rows[0]["as_of"],
            str(len(rows)),
        )
    return Uncut(table)


#: The columns of ``arb history`` with no deal, in every format.
BOOK_COLUMNS = (
    "deal_id", "rows", "first_as_of", "last_as_of", "last_spread_pct", "low_spread_pct", "high_spread_pct",
    "last_stale",
)  # fmt: skip


def _book(since: dt.date | None, watchlist: Path | None, fmt: str | None) -> NoReturn:
    """``arb history`` with no deal: every watched deal, one line each."""
    from arb.errors import ArbError
    from arb.loader import load_deals
    from arb.paths import store_path
    from arb.store import HistoryStore
    from arb.watchlist import load_watchlist

    try:
        wl = load_watchlist(watchlist)
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    loaded = load_deals(wl.deal_paths())
    for e in loaded.errors:
        for line in e.lines():
            error(line)
    store = HistoryStore(store_path(), create=False)
    if not store.exists():
        error(f"{store.path}: no history yet; run `arb refresh` first")
        raise typer.Exit(1)
    try:
        lines = [(d.id, store.deal_history(d.id, since=since)) for d in loaded.deals]
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    summary = []
    for deal, rows in lines:
        values = [r["spread_pct"] for r in rows if r["spread_pct"] is not None]
        summary.append(
            {
                "deal_id": deal,
                "rows": len(rows),
                "first_as_of": rows[0]["as_of"] if rows else None,
                "last_as_of": rows[-1]["as_of"] if rows else None,
                "last_spread_pct": rows[-1]["spread_pct"] if rows else None,
                "low_spread_pct": min(values) if values else None,
                "high_spread_pct": max(values) if values else None,
                "last_stale": bool(rows[-1].get("stale")) if rows else None,
            }
        )
    if fmt:
        emit(summary, BOOK_COLUMNS, fmt)
    elif not lines:
        out.print("The watchlist follows no deal that loads; add one with `arb watch add PATH`.", highlight=False)
    else:
        out.print(render_book(lines, width=out.width), crop=False)
    raise typer.Exit(1 if loaded.errors else 0)


def history(
    deal: Annotated[
        str | None,
        typer.Argument(
            metavar="DEAL", help="The deal id (default: every watched deal, one line each).", show_default=False
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only rows as of this date or later, YYYY-MM-DD.")
    ] = None,
    rows: Annotated[int, typer.Option("--rows", min=0, help="Table rows to show, the latest (0: all).")] = 30,
    json_out: Annotated[bool, typer.Option("--json", help="Print every row as a JSON array.")] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print every row as CSV, the same columns as --json.")] = False,
    nl_out: Annotated[bool, typer.Option("--nl", help="Print every row as one JSON object per line.")] = False,
    watchlist: Annotated[
        Path | None,
        typer.Option("--watchlist", help="Without DEAL: the watchlist whose deals to show (default: the usual one)."),
    ] = None,
) -> None:
    """A deal's spread over time, or with no deal every watched deal's sparkline on one line.

    With DEAL: a sparkline of spread % and a table, stale rows and term changes marked.
    """
    from arb.errors import ArbError
    from arb.paths import store_path
    from arb.store import HistoryStore

    fmt = choose(json_out, csv_out, nl_out)
    day = parse_date(since, "--since")
    if deal is None:
        _book(day, watchlist, fmt)
    store = HistoryStore(store_path(), create=False)
    if not store.exists():
        error(f"{store.path}: no history yet; run `arb refresh` first")
        raise typer.Exit(1)
    try:
        found = store.history_rows(deal, since=day)
        known = store.deal_ids() if not len(found) else []
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    if not len(found) and deal not in known:
        error(f"no history for {deal!r} (stored deals: {', '.join(known) or 'none'})")
        raise typer.Exit(1)
    if fmt:
        records = found.dicts()
        emit(records, columns_of(records, CSV_COLUMNS), fmt)
    elif not len(found):
        out.print(safe(f"{deal}: no rows as of {since} or later"), highlight=False)
    else:
        out.print(render_history(deal, found, last=rows, width=out.width), crop=False)
    raise typer.Exit(0)

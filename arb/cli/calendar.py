"""``arb calendar``: the coming events of the watched deals, as a table, JSON or an .ics file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from arb.cli.common import error, load, note, out, parse_date
from arb.cli.refresh import WatchlistOpt
from arb.errors import ArbError
from arb.text import safe

if TYPE_CHECKING:
    import datetime as dt

    from arb.calendar import CalendarEntry

__all__ = ["CALENDAR_COLUMNS", "calendar", "render_calendar"]

#: The columns of every ``arb calendar`` format (see :meth:`arb.calendar.CalendarEntry.to_dict`).
#: The longest --days: a century (a date past year 9999 does not exist).
MAX_DAYS = 36_500

CALENDAR_COLUMNS = ("deal", "name", "status", "kind", "date", "days", "confirmed", "note", "source", "uid")


def render_calendar(items: list[CalendarEntry], as_of: dt.date, days: int, width: int | None = None) -> RenderableType:
    """One row per event, soonest first: date (~ before an expected one), days away, deal, event, note.

    With ``width``, every column that can hold long text has a maximum, so a long id, note or
    address folds inside its column instead of pushing the table past the terminal's edge, where
    the end of each line would be cut off.
    """
    import datetime as dt

    end = as_of + dt.timedelta(days=days)
    head = Text(f"Events from {as_of} to {end} ({days} day{'s' if days != 1 else ''})", style="dim")
    if not items:
        return Group(head, Text("No events in this window.", style="dim"))
    side = 16 if width is None or width >= 80 else 12  # the Deal and Event columns at most
    note = None if width is None else max(8, width - (10 + 5 + 2 * side) - 2 * 4 - 3)
    table = Table(header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("Date", no_wrap=True)
    table.add_column("In", justify="right", no_wrap=True)
    table.add_column("Deal", overflow="fold", max_width=side)
    table.add_column("Event", overflow="fold", max_width=side)
    table.add_column("Note", overflow="fold", max_width=note)
    for e in items:
        away = e.days_from(as_of)
        # the kind with spaces, so that a long one wraps between words (JSON keeps the exact kind)
        event = Text(safe(e.kind.replace("-", " ")))
        # an expected date is marked ~ before it, as the report's Next column marks it: the event
        # keeps its one word and does not wrap at 80 columns
        when = e.date.isoformat() if e.confirmed else f"~{e.date.isoformat()}"
        table.add_row(when, "today" if away == 0 else f"{away}d", safe(e.deal_id), event, safe(e.note or ""))
    if any(not e.confirmed for e in items):
        return Group(head, table, Text("~: an expected date, not yet confirmed.", style="dim"))
    return Group(head, table)


def _refuse_other_file(path: Path) -> None:
    """A re-export replaces the calendar it wrote; a file that is not an iCalendar (a deal file, a
    price CSV given to --ics by mistake) is never replaced."""
    try:
        with path.open("rb") as f:
            head = f.read(64).lstrip(b"\xef\xbb\xbf").lstrip()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return  # nothing there to lose (or write_ics says what is wrong)
    except OSError:
        return
    if head and not head.upper().startswith(b"BEGIN:VCALENDAR"):
        error(
            f"{path}: is not an iCalendar file, so it is not replaced; give --ics a new file or the calendar it wrote"
        )
        raise typer.Exit(1)


def calendar(
    paths: Annotated[
        list[Path] | None,
        typer.Option("--deals", metavar="PATH", help="Deal files or folders (default: the watchlist's deals)."),
    ] = None,
    watchlist: WatchlistOpt = None,
    days: Annotated[
        int,
        typer.Option(
            "--days", min=0, max=MAX_DAYS, metavar="N", help="How many days ahead to list (at most a century)."
        ),
    ] = 30,
    as_of: Annotated[
        str | None, typer.Option("--as-of", metavar="DATE", help="Count from this date, YYYY-MM-DD (default: today).")
    ] = None,
    all_deals: Annotated[
        bool,
        typer.Option("--all", help="Include closed deals (completed, lapsed...) and those announced after the as-of."),
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON array of the events.")] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print the events as CSV (the --json columns).")] = False,
    nl_out: Annotated[bool, typer.Option("--nl", help="Print one JSON object per event per line.")] = False,
    ics: Annotated[
        Path | None,
        typer.Option(
            "--ics",
            metavar="FILE",
            help="Also write every event of the deals (past and future) to FILE as an iCalendar file "
            "to import or subscribe to; re-exports update the same entries.",
        ),
    ] = None,
) -> None:
    """Upcoming deal events (meetings, hearings, payments, long-stops), soonest first."""
    import datetime as dt

    from arb.calendar import entries, upcoming, write_ics
    from arb.cli.listing import choose, emit

    fmt = choose(json_out, csv_out, nl_out)
    day = parse_date(as_of, "--as-of") or dt.date.today()
    if paths:
        loaded = load(paths)
    else:
        from arb.watchlist import load_watchlist

        try:
            wl = load_watchlist(watchlist)
        except ArbError as exc:
            error(str(exc))
            raise typer.Exit(1) from None
        loaded = load(wl.deal_paths())
    items = upcoming(loaded.deals, as_of=day, days=days, include_closed=all_deals)
    if ics is not None:
        from arb.lifecycle import closed_at

        chosen = [d for d in loaded.deals if all_deals or not closed_at(d, day)]
        every = entries(chosen)
        _refuse_other_file(ics)
        try:
            write_ics(every, ics)
        except ArbError as exc:
            error(str(exc))
            raise typer.Exit(1) from None
        note(f"wrote {len(every)} event{'s' if len(every) != 1 else ''} to {ics}")
    if fmt:
        emit([e.to_dict(day) for e in items], CALENDAR_COLUMNS, fmt)
    else:
        out.print(render_calendar(items, day, days, out.width))
    raise typer.Exit(0 if loaded.ok else 1)

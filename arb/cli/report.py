"""``arb report``, ``arb show`` and ``arb validate``."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from arb.cli.common import (
    OfflineOpt,
    TimeoutOpt,
    error,
    hold,
    load,
    note,
    out,
    parse_date,
    price_source,
    print_json,
    start_load,
    warn,
    warn_each,
)
from arb.errors import ArbError
from arb.text import safe

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from arb.models import Deal
    from arb.prices.base import Quote
    from arb.pricing import DealResult, Valuation

PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Deal files or folders of them (default: the bundled seeds).", show_default=False, metavar="PATH..."
    ),
]
PricesOpt = Annotated[
    Path | None,
    typer.Option(
        "--prices", metavar="FILE", help="CSV of prices (symbol,price,currency[,as_of,source]); only this file is used."
    ),
]
PriceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--price",
        metavar="SYMBOL=VALUE[CCY]",
        help="Override one price for a what-if: SYMBOL=VALUE, or with its unit SYMBOL=VALUECCY "
        "(VOD.L=4.90GBP or =490GBp; SYMBOL=VALUE:CCY too). A listing quoted in pence needs its unit. Repeatable.",
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        help="Value as of this date, YYYY-MM-DD (default: today; for dated prices, the latest price date).",
    ),
]


def csv_columns() -> tuple[str, ...]:
    """The ``--csv`` header: the JSON keys, hedge and flags flattened (net figures empty where no costs are set)."""
    from arb.costs import NET_FIGURES
    from arb.engine import FIGURES
    from arb.pricing import LONG_STOP_FIGURES

    return (
        "id", "name", "status", "currency", "as_of", *FIGURES, *NET_FIGURES, *LONG_STOP_FIGURES, *LIFECYCLE_COLUMNS,
        "hedge", "flags",
    )  # fmt: skip


#: The timetable columns a report record adds (see :func:`arb.calendar.lifecycle_fields`).
LIFECYCLE_COLUMNS = ("next_event", "next_event_date", "conditions_met", "conditions_total", "long_stop")


def _record(r: DealResult) -> dict[str, Any]:
    """The report record of one deal: its JSON shape plus the next event and the conditions met."""
    from arb.calendar import lifecycle_fields

    rec = r.to_dict()
    for key, val in lifecycle_fields(r.deal, r.as_of).items():
        rec.setdefault(key, val)
    return rec


def _value(
    paths: list[Path] | None,
    prices: Path | None,
    price: list[str] | None,
    as_of: str | None,
    offline: bool = False,
    timeout: float = 20.0,
    include_closed: bool = True,
) -> tuple[Valuation, bool, dict[str, Deal]]:
    """Load, price and value; returns the valuation, whether any input was bad, and the deals as
    their files have them, by id (a result's deal carries the terms in force at the as-of).

    ``include_closed=False`` leaves out closed deals (completed, lapsed, terminated, withdrawn),
    with one note on stderr saying how many and how to see them.
    """
    day = parse_date(as_of, "--as-of")
    overrides: dict[str, Any] = {}
    if price:  # the price code is imported only with one (else after the helper starts, to read prices)
        from arb.prices.overrides import parse_override

        try:
            overrides = dict(parse_override(p) for p in price)
        except ArbError as exc:
            raise typer.BadParameter(safe(str(exc)), param_hint="--price") from None
    # The deal files are looked up, and a helper process may start reading them, before the price
    # file is read and the imports below (numpy and the pricing code): on two cores they overlap.
    # What reading the prices says is printed where it always was, after the deal files' errors.
    finish_loading = start_load(paths)
    priced = hold(lambda: price_source(prices, offline=offline, timeout=timeout))
    from arb.flags import Flag
    from arb.pricing import value_deals

    loaded = finish_loading()
    deals = loaded.deals
    _warn_unused_overrides(overrides, deals)
    if not include_closed:
        import datetime as dt

        from arb.lifecycle import closed_at

        # Closed on the --as-of (a deal that closed after it was open then); without one, closed today
        # (a dated price file's as-of is known only once priced, and is never after today).
        on = day or dt.date.today()
        closed = sorted(d.id for d in deals if closed_at(d, on))
        deals = [d for d in deals if d.id not in closed]
        if closed:
            plural = "s" if len(closed) != 1 else ""
            when = f"the as-of {on}" if day else f"today ({on})"
            named = ", ".join(closed[:5]) + (f" and {len(closed) - 5} more" if len(closed) > 5 else "")
            note(f"{len(closed)} deal{plural} closed by {when} not shown ({named}); --all shows them")
    source, bad_prices = priced()
    closes = _period_closes(deals)
    try:
        valuation = value_deals(
            deals, source, as_of=day, overrides=overrides, reference_prices=_reference_prices(deals), closes=closes
        )
        # The as-of is known only now (a dated source sets it): a deal announced after it had no
        # terms on that day, so the default report leaves it out, as it does closed deals.
        later = {r.deal.id for r in valuation.results if Flag.NOT_YET_ANNOUNCED in r.info.flags}
        if later and not include_closed:
            deals = [d for d in deals if d.id not in later]
            plural = "s" if len(later) != 1 else ""
            note(
                f"{len(later)} deal{plural} announced after the as-of {valuation.as_of} not shown "
                f"({', '.join(sorted(later))}); --all shows them"
            )
            # Each deal's result is its own (the engine's rows do not mix deals), so the shown
            # deals' results are left as they are; valuing them again would fetch every price twice.
            # The book and engine arrays still hold the hidden deals: the report reads results only.
            shown = [r for r in valuation.results if r.id not in later]
            valuation = dataclasses.replace(valuation, results=shown)
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    return valuation, bad_prices or not loaded.ok, {d.id: d for d in deals}


def _warn_unused_overrides(overrides: dict[str, Any], deals: Sequence[Deal]) -> None:
    """A ``--price`` for a symbol no deal is priced from changes nothing: a typo would pass for a what-if."""
    if not overrides:
        return
    from arb.prices.overrides import unused_overrides

    for problem in unused_overrides(overrides, deals):
        warn(f"--price {problem}")


def _warn_if_not_live(v: Valuation, results: list[DealResult]) -> None:
    """One warning line when a price these deals used fell back from the live source.

    It names the live source's failure once and the oldest fallen-back price's age at the as-of.
    """
    from arb.prices.base import fallback_summary

    used = {sym: q for r in results for sym, q in r.info.prices.items()}
    line = fallback_summary(used.values(), v.as_of)
    if line:
        warn(line)


def _reference_prices(deals: Sequence[Deal]) -> dict[str, tuple[float, str]]:
    """Each target's last price in the history store (read-only), to flag a target price 10x away.

    Nothing when there is no store; a store that cannot be read is reported where prices are
    read from it, and here only means no reference.
    """
    from arb.paths import store_path

    path = store_path()
    if not path.is_file():  # no store yet: nothing to read (and SQLite not loaded for nothing)
        return {}
    from arb.store import HistoryStore

    tickers = [d.target.ticker for d in deals if d.target.ticker]
    try:
        rows = HistoryStore(path, create=False).latest_prices(tickers)
    except ArbError:
        return {}
    return {sym: (float(row["price"]), str(row["currency"])) for sym, row in rows.items()}


def _period_closes(deals: Sequence[Deal]) -> dict[str, dict[dt.date, Quote]]:
    """The history store's closes for the deals' pricing periods (read-only; no read without one).

    A store that cannot be read gives none, with one warning: the days stay unfixed, flagged.
    """
    from arb.paths import store_path
    from arb.pricing import store_closes

    path = store_path()
    if not path.exists():  # no store yet: no closes (store_closes would look over every deal first)
        return {}
    try:
        return store_closes(deals, path)
    except ArbError as exc:
        warn(f"pricing periods: the history store's closes were not read ({exc})")
        return {}


def _warn_implausible(results: list[DealResult]) -> None:
    """One stderr line per implausible figure: the figure is still shown, and the line says why to doubt it."""
    from arb.flags import Flag

    flag = str(Flag.IMPLAUSIBLE)  # the notes of one flag, as DealInfo.notes_for gives them, without a list per deal
    warn_each(f"{r.deal.id}: implausible: {why}" for r in results for f, why in r.info.flag_notes if f == flag)


def _looks_up(path: Path) -> bool:
    """``path.exists()``, True for a path too long to look up, so the loader reports it as a file."""
    try:
        return path.exists()
    except OSError:
        return True


def _exit_code(v: Valuation, bad_input: bool) -> int:
    from arb.flags import Flag

    # A deal announced after the as-of is not a failure to value: there was nothing to value yet.
    failed = [r for r in v.results if not r.valued and Flag.NOT_YET_ANNOUNCED not in r.flags]
    for r in failed:
        error(f"{r.id}: could not be valued ({', '.join(r.flags)}): {'; '.join(r.info.notes)}")
    return 1 if failed or bad_input else 0


def report_columns(records: Sequence[dict[str, Any]]) -> list[str]:
    """The columns of every report format: the records' keys as JSON writes them, then the
    figures a record may leave out (net figures without costs), so --json, --csv and --nl agree."""
    from arb.cli.listing import columns_of

    return columns_of([*records, dict.fromkeys(csv_columns())])


#: Report columns that hold lists or mappings: no order to sort by.
_UNSORTABLE = frozenset({"hedge", "prices", "flags", "notes"})


def sort_records(records: list[dict[str, Any]], column: str | None, *, reverse: bool = False) -> list[dict[str, Any]]:
    """``records`` ordered by ``column`` (ascending; ``reverse`` for descending), ties and blanks by id.

    A record without a value in the column goes last either way. With no column the records keep
    the default order they came in (best annualised return first, then by id: ``Valuation.sorted``).
    Raises ``typer.BadParameter`` naming the columns allowed for an unknown one.
    """
    if column is None:
        if reverse:
            raise typer.BadParameter("--reverse needs --sort COLUMN", param_hint="--reverse")
        return records
    allowed = [c for c in report_columns(records) if c not in _UNSORTABLE]
    name = column.strip().lower().replace("-", "_").replace("annualised", "annualized")
    if name not in allowed:
        raise typer.BadParameter(
            f"no column {safe(column)!r} to sort by; choose one of: {', '.join(allowed)}", param_hint="--sort"
        )

    def key(rec: dict[str, Any]) -> tuple[int, float, str]:
        val = rec[name]
        return (0, float(val), "") if isinstance(val, (int, float)) else (1, 0.0, str(val))

    present = sorted((r for r in records if r.get(name) is not None), key=lambda r: str(r.get("id")))
    blank = sorted((r for r in records if r.get(name) is None), key=lambda r: str(r.get("id")))
    present.sort(key=key, reverse=reverse)  # stable: equal values keep their ids ascending, either way
    return present + blank


def report(
    paths: PathsArg = None,
    prices: PricesOpt = None,
    price: PriceOpt = None,
    as_of: AsOfOpt = None,
    offline: OfflineOpt = False,
    timeout: TimeoutOpt = 20.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON array (fractions, not percents).")] = False,
    csv_out: Annotated[
        bool, typer.Option("--csv", help="Print CSV: the --json columns, nested values flattened (fractions).")
    ] = False,
    nl_out: Annotated[bool, typer.Option("--nl", help="Print one JSON object per deal per line (NDJSON).")] = False,
    all_deals: Annotated[
        bool, typer.Option("--all", help="Include closed deals (completed, lapsed, terminated, withdrawn).")
    ] = False,
    sort: Annotated[
        str | None,
        typer.Option(
            "--sort",
            metavar="COLUMN",
            help="Order by this --json column, ascending (spread_pct, days_to_close, next_event_date, id...). "
            "Default: best annualised return first, deals without one last, ties by id.",
        ),
    ] = None,
    reverse: Annotated[bool, typer.Option("--reverse", help="With --sort: descending.")] = False,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            metavar="NAMES",
            help="The table's columns, in order, comma-separated: deal, ccy, target, value, div, spread, "
            "'spread %', days, 'ann. %', 'net %', 'net ann. %', prob., cond., next, flags "
            "(default: the `columns` setting, else all). A narrow terminal leaves whole columns out, Div first.",
        ),
    ] = None,
) -> None:
    """One row per deal: target price, deal value, spread, annualised return, implied probability, flags.

    Rows come best annualised return first (deals without one last, ties by id); --sort COLUMN
    orders them by any column of --json instead. Every cell stays on one line: on a narrow
    terminal whole columns are left out (Div first, then Spread, Next, Cond., Prob., ...) and the
    footnote names them; --json, --csv and --nl always carry every figure.
    """
    from arb.cli.listing import choose, emit

    fmt = choose(json_out, csv_out, nl_out)
    shown = _table_columns(columns)
    v, bad, _ = _value(paths, prices, price, as_of, offline, timeout, include_closed=all_deals)
    _warn_if_not_live(v, v.results)
    _warn_implausible(v.results)
    ranked = v.sorted()
    # The table in the default order needs no records (a thousand deals' to_dict is ~30 ms).
    default_order = not fmt and sort is None and not reverse
    records = [] if default_order else sort_records([_record(r) for r in ranked], sort, reverse=reverse)
    if fmt:
        emit(records, report_columns(records), fmt)
    else:
        from arb.cli.render import render_report

        if default_order:
            order = ranked
        else:
            by_id = {r.id: r for r in ranked}
            order = [by_id[rec["id"]] for rec in records]
        # crop=False: a table too wide for even its kept columns runs past the width, never cut
        out.print(render_report(v, width=out.width, order=order, columns=shown), crop=False)
    raise typer.Exit(_exit_code(v, bad))


def _table_columns(option: str | None) -> tuple[str, ...]:
    """The report table's columns: ``--columns``, else the ``columns`` setting (empty: all of them)."""
    from arb.cli.common import _config
    from arb.config import parse_columns

    if option is None:
        return tuple(_config().columns)
    try:
        return parse_columns(option)
    except ValueError as exc:
        raise typer.BadParameter(safe(str(exc)), param_hint="--columns") from None


def _find_deal(deal_id: str, watchlist: Path | None) -> tuple[list[Path] | None, list[str]]:
    """The file that holds ``deal_id``, looked up as ``arb refresh`` finds deals: the watchlist's
    files and folders first (the seeds when there is none), then the config's deal folders.

    None when neither holds it: the caller then loads the default folders and names the ids it knows,
    with the watched ids (returned second, sorted).
    Files that fail to load are skipped silently here; they are reported where they are used.
    """
    from arb.loader import load_deals
    from arb.watchlist import load_watchlist

    try:
        wl = load_watchlist(watchlist)
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    watched = load_deals(wl.deal_paths()).paths
    found = watched.get(deal_id)
    if found is None:
        from arb.cli.common import _config

        folders = _config().deal_paths
        found = load_deals(list(folders)).paths.get(deal_id) if folders else None
    return ([found] if found is not None else None), sorted(watched)


def dividend_rows(r: DealResult) -> list[dict[str, Any]]:
    """Each dividend of the deal: its security, amount, ex-date, who owes or receives it, and whether it counts.

    ``side`` is ``received`` (a dividend on the target, or one the acquirer's holders are equalised
    for), ``owed`` (on a security the hedge is short: the short owes it) or ``ignored``; ``legs``
    numbers the legs 1, 2, ... as ``arb show`` prints them. A dividend counts when it goes ex
    after the as-of and on or before the expected close (``counted``; ``why`` says otherwise).
    """
    from arb.lifecycle import close_date
    from arb.numbering import number

    close, _ = close_date(r.deal)
    rows = []
    for div in r.deal.dividend:
        if div.ticker == r.deal.target.ticker:
            side, legs = "received", []
            who = "received on the target held long"
        else:
            short = [number(li.index) for li in r.info.legs if li.hedge_symbol == div.ticker]
            equalised = [
                number(li.index)
                for li in r.info.legs
                if li.leg.dividend_equalisation and li.leg.ticker == div.ticker and li.leg.ratio is not None
            ]
            legs = short + equalised
            if short:
                side = "owed"
                who = "owed by the short of " + _legs_text(short)
                if equalised:
                    who += "; equalised for the target's holders on " + _legs_text(equalised)
            elif equalised:
                side, who = "received", "received by equalisation on " + _legs_text(equalised)
            else:
                side, who = "ignored", "ignored: not a security the hedge is short"
        if div.ex_date <= r.as_of:
            counted, why = False, f"went ex on or before the as-of {r.as_of}"
        elif close is None:
            counted, why = False, "no expected close to say whether it goes ex before the close"
        elif div.ex_date > close:
            counted, why = False, f"goes ex after the expected close {close}"
        else:
            counted, why = side != "ignored", "ex-date in (as-of, close]" if side != "ignored" else who
        rows.append(
            {
                "ticker": div.ticker,
                "amount": div.amount,
                "currency": div.currency,
                "ex_date": div.ex_date.isoformat(),
                "side": side,
                "legs": legs,
                "who": who,
                "counted": counted,
                "why": why,
                "note": div.note,
            }
        )
    return rows


def _legs_text(numbers: list[int]) -> str:
    return ("leg " if len(numbers) == 1 else "legs ") + ", ".join(str(n) for n in numbers)


def render_dividends(rows: list[dict[str, Any]], currency: str | None) -> Any:
    """The deal's dividends, one line each: ex-date, security, amount, who owes it, counted or why not."""
    from rich.table import Table

    from arb.cli.format import amount

    table = Table(title="Dividends", title_justify="left", title_style="bold", box=None, pad_edge=False)
    table.add_column("Ex-date", no_wrap=True)
    table.add_column("Security", no_wrap=True)
    table.add_column("Amount", justify="right", no_wrap=True)
    table.add_column("Who", overflow="fold", min_width=16, ratio=1)
    table.add_column("Counted", overflow="fold", min_width=10, ratio=1)
    for row in sorted(rows, key=lambda x: x["ex_date"]):
        table.add_row(
            row["ex_date"],
            safe(row["ticker"]),
            safe(f"{row['currency']} {amount(row['amount'])}"),
            safe(row["who"]),
            "yes" if row["counted"] else safe(f"no: {row['why']}"),
        )
    return table


def show(
    deal: Annotated[str, typer.Argument(help="A deal id, or a deal file.")],
    paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--deals",
            help="Where to look for the deal id (default: the watchlist's deals, as `arb refresh` finds them, "
            "then the config's deal folders or the bundled seeds).",
        ),
    ] = None,
    watchlist: Annotated[
        Path | None,
        typer.Option("--watchlist", help="Without --deals: the watchlist to look in (default: the usual one)."),
    ] = None,
    prices: PricesOpt = None,
    price: PriceOpt = None,
    as_of: AsOfOpt = None,
    offline: OfflineOpt = False,
    timeout: TimeoutOpt = 20.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the deal as JSON, legs included.")] = False,
) -> None:
    """One deal leg by leg: each price and its source, the FX conversion, the arithmetic, the hedge, the dividends."""
    as_file = Path(deal)
    watched: list[str] = []  # the watchlist's ids, named with the others if the deal is nowhere
    if as_file.suffix == ".toml" and _looks_up(as_file):
        paths, wanted = [as_file], None
    elif as_file.suffix == ".toml":  # no id ends in .toml: a file name, mistyped or moved
        error(f"{deal}: no such deal file; pass a deal file, or a deal's id")
        raise typer.Exit(1)
    else:
        wanted = deal
        if not paths:
            paths, watched = _find_deal(deal, watchlist)
    v, bad, filed = _value(paths, prices, price, as_of, offline, timeout)
    if wanted is None:
        if not v.results:
            raise typer.Exit(1)
        result = v.results[0]
    else:
        try:
            result = v.get(wanted)
        except KeyError:
            import difflib

            ids = list(dict.fromkeys([*watched, *(r.id for r in v.results)]))
            close = difflib.get_close_matches(wanted, ids, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            try:
                folder = Path(wanted).is_dir()
            except OSError:
                folder = False
            if folder:
                hint = f"; {wanted} is a folder: `arb show ID --deals {wanted}` shows one of its deals"
            where = "" if paths else " in the watchlist or the default deal folders"
            error(
                f"no deal with id {wanted!r}{where}{hint} (known: {', '.join(ids) or 'none'}); "
                "pass a deal file, or --deals FOLDER"
            )
            raise typer.Exit(1) from None
    _warn_if_not_live(v, [result])
    _warn_implausible([result])
    if json_out:
        from arb.calendar import lifecycle_detail

        rec = result.to_dict(detail=True)
        as_filed = filed.get(result.id, result.deal)
        rec["lifecycle"] = lifecycle_detail(as_filed, result.as_of, result.figures["target_price"], result.currency)
        rec["dividend_list"] = dividend_rows(result)
        print_json(rec)
    else:
        from arb.cli.render import render_deal

        out.print(render_deal(result, v, filed=filed.get(result.id)))
        if result.deal.dividend:
            out.print(render_dividends(dividend_rows(result), result.currency))
    code = 0 if result.valued else 1
    if not result.valued:
        error(f"{result.id}: could not be valued ({', '.join(result.flags)})")
    raise typer.Exit(1 if bad else code)


def validate(
    paths: Annotated[list[Path], typer.Argument(help="Deal files or folders to check.", show_default=False)],
) -> None:
    """Check deal files (syntax, keys, types, references) without pricing them."""
    loaded = load(paths)
    for d in loaded.deals:
        legs = f"{len(d.consideration)} leg{'s' if len(d.consideration) != 1 else ''}"
        out.print(safe(f"ok  {loaded.paths[d.id]}  ({d.id}: {legs})"), highlight=False)
    n_bad = len(loaded.errors)
    out.print(f"{len(loaded.deals)} valid, {n_bad} invalid", highlight=False)
    raise typer.Exit(1 if n_bad or not (loaded.deals or loaded.errors) else 0)

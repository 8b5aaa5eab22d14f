"""The spread report's table, laid out by hand: every cell on one line, whole columns left out to fit.

Rich's Table measures, wraps and folds every cell, which splits a long deal id over two lines at
80 columns and costs seconds over a thousand rows. Here each cell is one string whose width is
known (``cell_len``, so CJK names count two cells a character); each column is as wide as its
widest cell, and the columns that do not fit the width are left out whole, lowest priority first
(:data:`DROP_ORDER`), and named in a footnote. The lines are written as segments, one per cell.

Column keys are the names the ``columns`` setting uses (:data:`arb.config.COLUMNS`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style

from arb.book import STALE_AFTER_DAYS
from arb.cli.format import DASH, money, pct
from arb.text import safe

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

    from arb.models import Deal
    from arb.pricing import DealResult

__all__ = ["DROP_ORDER", "HEADERS", "KEPT", "Layout", "ReportTable", "fit", "report_table"]

#: A cell: its text (already through ``safe``, one line) and its style ("" for none).
Cell = tuple[str, str]

#: Each column's key (as the ``columns`` setting names it) and heading, in the default order.
HEADERS: dict[str, str] = {
    "deal": "Deal",
    "ccy": "Ccy",
    "target": "Target",
    "value": "Value",
    "div": "Div",
    "spread": "Spread",
    "spread %": "Spread %",
    "days": "Days",
    "ann. %": "Ann. %",
    "net %": "Net %",
    "net ann. %": "Net ann. %",
    "prob.": "Prob.",
    "cond.": "Cond.",
    "next": "Next",
    "flags": "Flags",
}
#: Columns whose text starts at the left edge; every other one is a figure, set to the right.
LEFT = frozenset({"deal", "ccy", "next", "flags"})
#: The order in which columns are left out as the width shrinks, first to go first. The deal, its
#: spread % and its annualised return are never left out. Ccy goes when no money column is left.
#: Flags are never left out: without room for their column they are listed under the table.
DROP_ORDER = ("div", "spread", "next", "cond.", "prob.", "net %", "days", "net ann. %", "value", "target")
KEPT = ("deal", "spread %", "ann. %")
#: The columns in the deal's currency: the Ccy column names it, so it goes with the last of them.
MONEY = frozenset({"target", "value", "div", "spread"})
#: When columns must be left out, the Deal column is at most this wide: a longer id takes a line of
#: its own above its row's figures (whole, never split), so one long id does not cost every column.
DEAL_CAP = 24
#: Spaces before each line, and between two columns when there is room (else the narrow gap).
INDENT = 1
GAP, NARROW_GAP = 3, 2

#: Event kinds as the Next column names them (at most 10 characters).
EVENT_ABBREV = {
    "announcement": "announced",
    "scheme-document": "scheme doc",
    "record-date": "record",
    "meeting": "meeting",
    "sanction-hearing": "sanction",
    "effective": "effective",
    "last-trading": "last trade",
    "delisting": "delisting",
    "payment": "payment",
    "offer-close": "offer ends",
    "long-stop": "long-stop",
    "pre-condition-long-stop": "pre-LS",
    "other": "other",
}


def _signed(text: str, x: float | None) -> Cell:
    if x is None or text == DASH:
        return text, "dim"
    return text, "green" if x > 0 else "red" if x < 0 else ""


def _plain(text: str) -> Cell:
    return text, "dim" if text == DASH else ""


def _conditions(deal: Deal) -> Cell:
    """``3/4``: conditions met or waived of those listed; red when one failed, green when all are met."""
    from arb.lifecycle import conditions_met

    met, total = conditions_met(deal)
    if not total:
        return DASH, "dim"
    failed = any(c.status == "failed" for c in deal.conditions)
    return f"{met}/{total}", "red" if failed else "green" if met == total else ""


def _next(deal: Deal, as_of: dt.date) -> Cell:
    """The next event's kind and date (``~`` before an expected date); a dash when none is left."""
    from arb.lifecycle import next_event

    event = next_event(deal, as_of)
    if event is None:
        return DASH, "dim"
    kind = safe(EVENT_ABBREV.get(event.kind, event.kind))
    mark = "" if event.confirmed else "~"
    return f"{kind} {mark}{event.date.isoformat()}", "" if event.confirmed else "dim"


def _target(r: DealResult) -> Cell:
    """The target's price, dim when it is stale: a fallback from the live source, or older than
    the stale-price flag allows (:data:`arb.book.STALE_AFTER_DAYS`)."""
    text, style = _plain(money(r.figures["target_price"], None))
    q = r.info.target_quote
    age = None if q is None else q.age_days(r.as_of)
    if q is not None and (q.fallback or (age is not None and age > STALE_AFTER_DAYS)):
        style = "dim"
    return text, style


def _days(r: DealResult) -> Cell:
    days = r.figures["days_to_close"]
    return _plain(DASH if days is None else str(int(days)))


def _net(r: DealResult, key: str, sign: bool) -> Cell:
    n = r.net or {}
    return _signed(pct(n.get(key), sign=sign), n.get(key))


#: How each column's cell is made from a deal's result.
CELLS: dict[str, Callable[[DealResult], Cell]] = {
    "deal": lambda r: (safe(r.deal.id), ""),
    "ccy": lambda r: _plain(safe(r.currency or DASH)),
    "target": _target,
    "value": lambda r: _plain(money(r.figures["deal_value"], None)),
    "div": lambda r: _plain(money(r.figures["dividends"], None)),
    "spread": lambda r: _signed(money(r.figures["spread"], None, sign=True), r.figures["spread"]),
    "spread %": lambda r: _signed(pct(r.figures["spread_pct"], sign=True), r.figures["spread_pct"]),
    "days": _days,
    "ann. %": lambda r: _signed(pct(r.figures["annualized"]), r.figures["annualized"]),
    "net %": lambda r: _net(r, "net_spread_pct", True),
    "net ann. %": lambda r: _net(r, "net_annualized", False),
    "prob.": lambda r: _plain(pct(r.figures["implied_probability"])),
    "cond.": lambda r: _conditions(r.deal),
    "next": lambda r: _next(r.deal, r.as_of),
    "flags": lambda r: (safe(" ".join(r.flags)), "yellow"),
}


@dataclass(frozen=True)
class Layout:
    """The columns shown (in order), the spaces between them, whether the flags have a column,
    and the columns left out for want of room (in the order they would have been shown)."""

    shown: tuple[str, ...]
    gap: int
    dropped: tuple[str, ...]

    @property
    def flags_inline(self) -> bool:
        return "flags" in self.shown


def _line_width(keys: Sequence[str], widths: dict[str, int], gap: int) -> int:
    return INDENT + sum(widths[k] for k in keys) + gap * max(len(keys) - 1, 0)


def fit(wanted: Sequence[str], widths: dict[str, int], width: int | None) -> Layout:
    """The widest layout of ``wanted`` (column keys, in order) whose lines fit ``width`` cells.

    Flags keep their column only when every other column fits beside it at the wide gap; else
    they go under the table. Then whole columns are left out in :data:`DROP_ORDER` (each at the
    wide gap, then the narrow) until the line fits. When even the kept columns do not fit, they
    are shown anyway and the lines run past the width: a figure is never cut.
    """
    wanted = tuple(wanted)
    if width is None or _line_width(wanted, widths, GAP) <= width:
        return Layout(wanted, GAP, ())
    keys = [k for k in wanted if k != "flags"]
    order = [k for k in DROP_ORDER if k in keys]
    while True:
        for gap in (GAP, NARROW_GAP):
            if _line_width(keys, widths, gap) <= width:
                return _layout(wanted, keys, gap)
        if not order:
            return _layout(wanted, keys, NARROW_GAP)
        keys.remove(order.pop(0))
        if "ccy" in keys and not MONEY & set(keys):
            keys.remove("ccy")


def _layout(wanted: tuple[str, ...], keys: list[str], gap: int) -> Layout:
    dropped = tuple(k for k in wanted if k not in keys and k != "flags")
    return Layout(tuple(keys), gap, dropped)


def _wrap_words(words: list[tuple[str, str]], width: int | None, indent: str) -> list[list[tuple[str, str]]]:
    """``words`` (text, style) in lines of at most ``width`` cells, broken only between words;
    a continuation line starts with ``indent``. A word longer than a line has a line of its own."""
    lines: list[list[tuple[str, str]]] = [[]]
    used = 0
    for text, style in words:
        size = _cells(text)
        if lines[-1] and width is not None and used + 1 + size > width:
            lines.append([(indent, "")])
            used = len(indent)
        elif lines[-1]:
            lines[-1].append((" ", ""))
            used += 1
        lines[-1].append((text, style))
        used += size
    return lines


Piece = tuple[str, str]
#: A cell as laid out: its text, style and width in cells.
Sized = tuple[str, str, int]


class ReportTable:
    """The laid-out table as a rich renderable: a header, a rule, one line per deal (two for an id
    longer than :data:`DEAL_CAP` when room is short), then the flags of each flagged deal when they
    have no column. Nothing here wraps or folds a cell.

    On a console without colour (a pipe, a file) each line is one segment; on a terminal, one
    segment per cell, so the styles reach it.
    """

    def __init__(self, layout: Layout, widths: dict[str, int], rows: list[dict[str, Sized]], width: int | None) -> None:
        self.layout = layout
        self.widths = widths
        self.rows = rows
        self.width = width

    def _pieces(self, cells: Sequence[Sized]) -> list[Piece]:
        """One line's pieces: each cell with the spaces before it (none after the last)."""
        keys, widths, gap = self.layout.shown, self.widths, self.layout.gap
        pad = INDENT
        pieces: list[Piece] = []
        last = len(keys) - 1
        for i, (key, (text, style, size)) in enumerate(zip(keys, cells, strict=True)):
            room = widths[key] - size
            if key in LEFT:
                pieces += [(" " * pad, ""), (text, style)]
                pad = gap + room if i < last else 0
            else:
                pieces += [(" " * (pad + room), ""), (text, style)]
                pad = gap
        while pieces and not pieces[-1][0].strip():  # nothing trails a line, on a terminal too
            pieces.pop()
        return pieces

    def lines(self) -> Iterator[list[Piece]]:
        """Every line of the table as its pieces (text, style name)."""
        keys = self.layout.shown
        yield self._pieces([(HEADERS[k], "bold", _cells(HEADERS[k])) for k in keys])
        yield [(" " * INDENT + "─" * (_line_width(keys, self.widths, self.layout.gap) - INDENT), "")]
        room = self.widths["deal"]
        for row in self.rows:
            deal_id, _, size = row["deal"]
            if "deal" in keys and size > room:  # a long id on a line of its own, then its figures
                yield [(" " * INDENT + deal_id, "")]
                yield self._pieces([("", "", 0) if k == "deal" else row[k] for k in keys])
            else:
                yield self._pieces([row[k] for k in keys])
        yield []
        flagged = [(row["deal"][0], row["flags"][0]) for row in self.rows if row["flags"][0]]
        if self.layout.flags_inline or not flagged:
            return
        yield [("Flags", "bold")]
        for deal_id, flags in flagged:
            words = [(deal_id + ":", "bold"), *((f, "yellow") for f in flags.split(" "))]
            yield from _wrap_words(words, self.width, "  ")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        newline = Segment.line()
        if console.color_system is None:
            for pieces in self.lines():
                yield Segment("".join(text for text, _ in pieces))
                yield newline
            return
        for pieces in self.lines():
            for text, style in pieces:
                yield Segment(text, _style(style))
            yield newline


def _cells(text: str) -> int:
    """The cells ``text`` takes on a terminal (two for a wide CJK character)."""
    return len(text) if text.isascii() else cell_len(text)


_STYLES: dict[str, Style] = {}


def _style(name: str) -> Style | None:
    if not name:
        return None
    style = _STYLES.get(name)
    if style is None:
        style = _STYLES[name] = Style.parse(name)
    return style


def report_table(results: Sequence[DealResult], wanted: Sequence[str], width: int | None) -> ReportTable:
    """The table of ``results`` (in that order) with the ``wanted`` columns that fit ``width``.

    ``width=None`` means no limit: every wanted column, flags in their column.
    """
    made = dict.fromkeys([*wanted, "deal", "flags"])  # the flags are listed under the table when not in a column
    rows: list[dict[str, Sized]] = []
    for r in results:
        row = {}
        for k in made:
            text, style = CELLS[k](r)
            row[k] = (text, style, len(text) if text.isascii() else cell_len(text))
        rows.append(row)
    widths = {k: max(_cells(HEADERS[k]), max((row[k][2] for row in rows), default=0)) for k in made}
    if not any(row["flags"][0] for row in rows):
        wanted = [k for k in wanted if k != "flags"]  # an empty column says nothing
    layout = fit(wanted, widths, width)
    if layout.dropped and widths["deal"] > DEAL_CAP:
        short = [row["deal"][2] for row in rows if row["deal"][2] <= DEAL_CAP]
        widths["deal"] = max([_cells(HEADERS["deal"]), *short])
        layout = fit(wanted, widths, width)
    return ReportTable(layout, widths, rows, width)

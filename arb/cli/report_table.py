"""The spread report's table, laid out by hand: every cell on one line, whole columns left out to fit.

Rich's Table measures, wraps and folds every cell, which splits a long deal id over two lines at
80 columns and costs seconds over a thousand rows. Here each cell is one string whose width is
known (``cell_len``, so CJK names count two cells a character); each column is as wide as its
widest cell, and the columns that do not fit the width are left out whole, lowest priority first
(:data:`DROP_ORDER`), and named in a footnote. The cells are made and padded a column at a
time; without colour the whole table is one segment, on a terminal one per styled cell.

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
from arb.cli.format import DASH, money, money_each, pct, pct_each
from arb.fields import FrozenValueFields
from arb.lifecycle import conditions_met, next_event
from arb.text import safe, safe_each

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
    met, total = conditions_met(deal)
    if not total:
        return DASH, "dim"
    failed = any(c.status == "failed" for c in deal.conditions)
    return f"{met}/{total}", "red" if failed else "green" if met == total else ""


def _next(deal: Deal, as_of: dt.date) -> Cell:
    """The next event's kind and date (``~`` before an expected date); a dash when none is left."""
    event = next_event(deal, as_of)
    if event is None:
        return DASH, "dim"
    kind = safe(EVENT_ABBREV.get(event.kind, event.kind))
    mark = "" if event.confirmed else "~"
    return f"{kind} {mark}{event.date.isoformat()}", "" if event.confirmed else "dim"


def _target(r: DealResult) -> Cell:
    """The target's price, dim when it is stale: a fallback from the live source, or older than
    the stale-price flag allows (:data:`arb.book.STALE_AFTER_DAYS`)."""
    text = money(r.figures["target_price"], None)
    return text, _target_style(r, text)


def _target_style(r: DealResult, text: str, ages: dict[tuple[object, object], int | None] | None = None) -> str:
    """Dim for a missing or stale target price (``ages``: a memo of the quote's age by its date
    and the as-of, for a column of them)."""
    q = r.info.target_quote
    if text == DASH or (q is not None and q.fallback):
        return "dim"
    if q is None:
        return ""
    if ages is None:
        age = q.age_days(r.as_of)
    else:
        key = (q.as_of, r.as_of)
        age = ages[key] if key in ages else ages.setdefault(key, q.age_days(r.as_of))
    return "dim" if age is not None and age > STALE_AFTER_DAYS else ""


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


def _column(key: str, results: Sequence[DealResult]) -> list[Cell]:
    """One column's cells, top to bottom, as :data:`CELLS` makes them; the figures, ids, currencies
    and flags a column at a time (a thousand deals make some ten thousand cells)."""
    if key in _FIGURES:
        figure, form, signed = _FIGURES[key]
        xs = [r.figures[figure] for r in results]
        if not signed:
            return [(text, "dim" if text == DASH else "") for text in form(xs)]
        return [
            (text, "dim" if x is None or text == DASH else "green" if x > 0 else "red" if x < 0 else "")
            for x, text in zip(xs, form(xs), strict=True)
        ]
    if key == "deal":
        return [(text, "") for text in safe_each([r.deal.id for r in results])]
    if key == "ccy":
        return [(text, "dim" if text == DASH else "") for text in safe_each([r.currency or DASH for r in results])]
    if key == "flags":
        return [(text, "yellow") for text in safe_each([" ".join(r.flags) for r in results])]
    if key == "target":
        texts = money_each([r.figures["target_price"] for r in results])
        ages: dict[tuple[object, object], int | None] = {}  # the quotes share a few dates and one as-of
        return [(text, _target_style(r, text, ages)) for r, text in zip(results, texts, strict=True)]
    make = CELLS[key]
    return [make(r) for r in results]


#: The figure columns :func:`_column` formats a column at a time: the figure, how a column of it
#: is written, and whether its sign colours it (else it is plain), as their :data:`CELLS` entries do.
_FIGURES: dict[str, tuple[str, Callable[[list[float | None]], list[str]], bool]] = {
    "value": ("deal_value", money_each, False),
    "div": ("dividends", money_each, False),
    "spread": ("spread", lambda xs: money_each(xs, sign=True), True),
    "spread %": ("spread_pct", lambda xs: pct_each(xs, sign=True), True),
    "ann. %": ("annualized", pct_each, True),
    "prob.": ("implied_probability", pct_each, False),
}


@dataclass(init=False, repr=False, eq=False)  # the methods from FrozenValueFields: nothing compiled at import
class Layout(FrozenValueFields):
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


class ReportTable:
    """The laid-out table as a rich renderable: a header, a rule, one line per deal (two for an id
    longer than :data:`DEAL_CAP` when room is short), then the flags of each flagged deal when they
    have no column. Nothing here wraps or folds a cell.

    ``cells`` and ``sizes`` hold each column's cells, top to bottom, and their widths in cells.
    On a console without colour (a pipe, a file) the whole table is one segment, its lines built
    a column at a time (:meth:`text`); on a terminal, one segment per styled cell, so the styles
    reach it (:meth:`lines`). Both give the same text.
    """

    def __init__(
        self,
        layout: Layout,
        widths: dict[str, int],
        cells: dict[str, list[Cell]],
        sizes: dict[str, list[int]],
        width: int | None,
    ) -> None:
        self.layout = layout
        self.widths = widths
        self.cells = cells
        self.sizes = sizes
        self.width = width

    def _pieces(self, cells: Sequence[tuple[str, str, int]]) -> list[Piece]:
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

    def _long_ids(self) -> list[bool]:
        """For each row: whether its id takes a line of its own above its figures."""
        room = self.widths["deal"]
        if "deal" not in self.layout.shown:
            return [False] * len(self.sizes["deal"])
        return [size > room for size in self.sizes["deal"]]

    def _row(self, i: int, long_id: bool) -> list[tuple[str, str, int]]:
        """Row ``i``'s cells in the order shown (the deal's blank when its id has a line of its own)."""
        cells, sizes = self.cells, self.sizes
        return [("", "", 0) if long_id and k == "deal" else (*cells[k][i], sizes[k][i]) for k in self.layout.shown]

    def _head(self) -> Iterator[list[Piece]]:
        keys = self.layout.shown
        yield self._pieces([(HEADERS[k], "bold", _cells(HEADERS[k])) for k in keys])
        yield [(" " * INDENT + "─" * (_line_width(keys, self.widths, self.layout.gap) - INDENT), "")]

    def _flagged(self) -> list[tuple[str, str]]:
        """Each flagged deal's id and flags, when the flags are listed under the table (else none)."""
        if self.layout.flags_inline:
            return []
        pairs = zip(self.cells["deal"], self.cells["flags"], strict=True)
        return [(deal[0], flags[0]) for deal, flags in pairs if flags[0]]

    def _rows(self) -> Iterator[list[Piece]]:
        """The deals' lines as :meth:`_pieces` makes them (a long id first on a line of its own),
        the spaces before each cell worked out a column at a time."""
        keys, widths, gap = self.layout.shown, self.widths, self.layout.gap
        long_ids = self._long_ids()
        carry = [INDENT] * len(long_ids)  # the spaces owed before the next cell: the gap, and a left cell's room
        columns: list[tuple[list[str], list[Cell]]] = []
        for key in keys:
            cells, sizes, w = self.cells[key], self.sizes[key], widths[key]
            if key == "deal" and any(long_ids):
                cells = [("", "") if long else cell for cell, long in zip(cells, long_ids, strict=True)]
                sizes = [0 if long else size for size, long in zip(sizes, long_ids, strict=True)]
            if key in LEFT:
                columns.append(([" " * c for c in carry], cells))
                carry = [gap + w - size for size in sizes]
            else:
                columns.append(([" " * (c + w - size) for c, size in zip(carry, sizes, strict=True)], cells))
                carry = [gap] * len(sizes)
        for i, long_id in enumerate(long_ids):
            if long_id:
                yield [(" " * INDENT + self.cells["deal"][i][0], "")]
            pieces: list[Piece] = []
            for pads, cells in columns:
                pieces += [(pads[i], ""), cells[i]]
            while pieces and not pieces[-1][0].strip():  # nothing trails a line, on a terminal too
                pieces.pop()
            yield pieces

    def lines(self) -> Iterator[list[Piece]]:
        """Every line of the table as its pieces (text, style name)."""
        yield from self._head()
        yield from self._rows()
        yield []
        flagged = self._flagged()
        if not flagged:
            return
        yield [("Flags", "bold")]
        for deal_id, flags in flagged:
            words = [(deal_id + ":", "bold"), *((f, "yellow") for f in flags.split(" "))]
            yield from _wrap_words(words, self.width, "  ")

    def text(self) -> str:
        """The table as plain text, every line ending in a line break: the text of :meth:`lines`,
        built a column at a time (padding each column's cells in one pass) rather than a piece at a time."""
        keys, widths, gap = self.layout.shown, self.widths, self.layout.gap
        out = ["".join(text for text, _ in pieces) for pieces in self._head()]
        long_ids = self._long_ids()
        last = len(keys) - 1
        columns: list[list[str]] = []
        for i, key in enumerate(keys):
            texts = [text for text, _ in self.cells[key]]
            sizes = self.sizes[key]
            if key == "deal" and any(long_ids):
                texts = ["" if long else text for text, long in zip(texts, long_ids, strict=True)]
                sizes = [0 if long else size for size, long in zip(sizes, long_ids, strict=True)]
            w = widths[key]
            if key not in LEFT:
                columns.append([" " * (w - size) + text for text, size in zip(texts, sizes, strict=True)])
            elif i < last:
                columns.append([text + " " * (w - size) for text, size in zip(texts, sizes, strict=True)])
            else:
                columns.append(texts)
        indent, sep = " " * INDENT, " " * gap
        ends = columns[-1] if columns else []
        for i, parts in enumerate(zip(*columns, strict=True)):
            if long_ids[i]:
                out.append(indent + self.cells["deal"][i][0])
            if ends[i].strip():
                out.append(indent + sep.join(parts))
            else:  # a blank last cell: the spaces before it go too, as in lines()
                out.append("".join(text for text, _ in self._pieces(self._row(i, long_ids[i]))))
        out.append("")
        flagged = self._flagged()
        if flagged:
            out.append("Flags")
            for deal_id, flags in flagged:
                line = f"{deal_id}: {flags}"
                if self.width is None or _cells(line) <= self.width:  # fits: no break is made
                    out.append(line)
                else:
                    words = [(deal_id + ":", ""), *((f, "") for f in flags.split(" "))]
                    out += ["".join(text for text, _ in pieces) for pieces in _wrap_words(words, self.width, "  ")]
        return "\n".join(out) + "\n"

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if console.color_system is None:
            yield Segment(self.text())
            return
        # Unstyled pieces side by side are one segment: the same text, a third of the segments.
        plain: list[str] = []
        for pieces in self.lines():
            for text, style in pieces:
                if style:
                    if plain:
                        yield Segment("".join(plain))
                        plain = []
                    yield Segment(text, _style(style))
                else:
                    plain.append(text)
            plain.append("\n")
        if plain:
            yield Segment("".join(plain))


def _cells(text: str) -> int:
    """The cells ``text`` takes on a terminal (two for a wide CJK character)."""
    return len(text) if text.isascii() else cell_len(text)


def _sizes(cells: list[Cell]) -> list[int]:
    """The width in cells of each of ``cells`` (by its length when the whole column is ASCII)."""
    texts = [text for text, _ in cells]
    if "".join(texts).isascii():
        return [len(text) for text in texts]
    return [len(text) if text.isascii() else cell_len(text) for text in texts]


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
    cells = {k: _column(k, results) for k in made}
    sizes = {k: _sizes(column) for k, column in cells.items()}
    widths = {k: max(_cells(HEADERS[k]), max(sizes[k], default=0)) for k in made}
    if not any(text for text, _ in cells["flags"]):
        wanted = [k for k in wanted if k != "flags"]  # an empty column says nothing
    layout = fit(wanted, widths, width)
    if layout.dropped and widths["deal"] > DEAL_CAP:
        short = [size for size in sizes["deal"] if size <= DEAL_CAP]
        widths["deal"] = max([_cells(HEADERS["deal"]), *short])
        layout = fit(wanted, widths, width)
    return ReportTable(layout, widths, cells, sizes, width)

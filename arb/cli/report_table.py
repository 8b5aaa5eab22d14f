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

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style

from arb.book import STALE_AFTER_DAYS
from arb.cli.format import DASH, money_each, pct_each
from arb.fields import FrozenValueFields
from arb.lifecycle import conditions_met, next_event
from arb.text import safe, safe_each

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

    from arb.pricing import DealResult

__all__ = ["DROP_ORDER", "HEADERS", "KEPT", "Layout", "ReportTable", "fit", "report_table"]

#: A cell: its text (already through ``safe``, one line) and its style ("" for none).
Cell = tuple[str, str]
#: A piece of a line: its text and its style ("" for none); a cell, or the spaces before it.
Piece = tuple[str, str]
#: How a column's texts are made from the deals' results, top to bottom (each through ``safe``, one line)...
Texts = Callable[[Sequence["DealResult"]], list[str]]
#: ...and their styles, from the results and those texts ("" for none).
Styles = Callable[[Sequence["DealResult"], list[str]], list[str]]

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


def _unstyled(results: Sequence[DealResult], texts: list[str]) -> list[str]:
    return [""] * len(texts)


def _dim_dash(results: Sequence[DealResult], texts: list[str]) -> list[str]:
    """No colour, a dash dim."""
    return ["dim" if text == DASH else "" for text in texts]


def _by_sign(values: Callable[[Sequence[DealResult]], list[float | None]]) -> Styles:
    """Green above zero and red below, a missing figure dim (``values`` reads the figures shown)."""

    def styles(results: Sequence[DealResult], texts: list[str]) -> list[str]:
        return [
            "dim" if x is None or text == DASH else "green" if x > 0 else "red" if x < 0 else ""
            for x, text in zip(values(results), texts, strict=True)
        ]

    return styles


def _figures(name: str) -> Callable[[Sequence[DealResult]], list[float | None]]:
    return lambda results: [r.figures[name] for r in results]


def _nets(name: str) -> Callable[[Sequence[DealResult]], list[float | None]]:
    return lambda results: [None if r.net is None else r.net.get(name) for r in results]


def _figure(name: str, form: Callable[[list[float | None]], list[str]], signed: bool) -> tuple[Texts, Styles]:
    """The column of the figure ``name``, written by ``form``, coloured by its sign or plain."""
    values = _figures(name)
    return (lambda results: form(values(results))), (_by_sign(values) if signed else _dim_dash)


def _net(name: str, sign: bool) -> tuple[Texts, Styles]:
    """The column of a net figure (a dash where the deal has no costs)."""
    values = _nets(name)
    return (lambda results: pct_each(values(results), sign=sign)), _by_sign(values)


def _target_styles(results: Sequence[DealResult], texts: list[str]) -> list[str]:
    """The target's price dim when it is missing or stale: a fallback from the live source, or
    older than the stale-price flag allows (:data:`arb.book.STALE_AFTER_DAYS`)."""
    styles: list[str] = []
    for r, text in zip(results, texts, strict=True):
        q = r.info.target_quote
        if text == DASH or (q is not None and q.fallback):
            style = "dim"
        else:
            age = None if q is None else q.age_days(r.as_of)
            style = "dim" if age is not None and age > STALE_AFTER_DAYS else ""
        styles.append(style)
    return styles


def _conditions(results: Sequence[DealResult]) -> list[str]:
    """``3/4``: conditions met or waived of those listed."""
    texts: list[str] = []
    for r in results:
        met, total = conditions_met(r.deal)
        texts.append(f"{met}/{total}" if total else DASH)
    return texts


def _condition_styles(results: Sequence[DealResult], texts: list[str]) -> list[str]:
    """Red when a condition failed, green when all are met, a dash dim."""
    styles: list[str] = []
    for r in results:
        met, total = conditions_met(r.deal)
        if not total:
            styles.append("dim")
            continue
        failed = any(c.status == "failed" for c in r.deal.conditions)
        styles.append("red" if failed else "green" if met == total else "")
    return styles


def _next(results: Sequence[DealResult]) -> list[str]:
    """The next event's kind and date (``~`` before an expected date); a dash when none is left."""
    texts: list[str] = []
    for r in results:
        event = next_event(r.deal, r.as_of)
        if event is None:
            texts.append(DASH)
        else:
            kind = safe(EVENT_ABBREV.get(event.kind, event.kind))
            mark = "" if event.confirmed else "~"
            texts.append(f"{kind} {mark}{event.date.isoformat()}")
    return texts


def _next_styles(results: Sequence[DealResult], texts: list[str]) -> list[str]:
    """An expected date (not yet confirmed) dim, and the dash when none is left."""
    styles: list[str] = []
    for r in results:
        event = next_event(r.deal, r.as_of)
        styles.append("dim" if event is None or not event.confirmed else "")
    return styles


#: How each column's texts are made from the deals' results, a column at a time (a thousand deals
#: make some ten thousand cells), and their styles, worked out only for a terminal with colour;
#: one row's cell is its column made of that row alone.
CELLS: dict[str, tuple[Texts, Styles]] = {
    "deal": (lambda results: safe_each([r.deal.id for r in results]), _unstyled),
    "ccy": (lambda results: safe_each([r.currency or DASH for r in results]), _dim_dash),
    "target": (lambda results: money_each(_figures("target_price")(results)), _target_styles),
    "value": _figure("deal_value", money_each, False),
    "div": _figure("dividends", money_each, False),
    "spread": _figure("spread", lambda xs: money_each(xs, sign=True), True),
    "spread %": _figure("spread_pct", lambda xs: pct_each(xs, sign=True), True),
    "days": _figure("days_to_close", lambda xs: [DASH if x is None else str(int(x)) for x in xs], False),
    "ann. %": _figure("annualized", pct_each, True),
    "net %": _net("net_spread_pct", True),
    "net ann. %": _net("net_annualized", False),
    "prob.": _figure("implied_probability", pct_each, False),
    "cond.": (_conditions, _condition_styles),
    "next": (_next, _next_styles),
    "flags": (
        lambda results: safe_each([" ".join(r.flags) for r in results]),
        lambda results, texts: ["yellow"] * len(texts),
    ),
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


def _wrap_words(words: list[Piece], width: int | None, indent: str) -> list[list[Piece]]:
    """``words`` (text, style) in lines of at most ``width`` cells, broken only between words;
    a continuation line starts with ``indent``. A word longer than a line has a line of its own."""
    lines: list[list[Piece]] = [[]]
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


class ReportTable:
    """The laid-out table as a rich renderable: a header, a rule, one line per deal (two for an id
    longer than :data:`DEAL_CAP` when room is short), then the flags of each flagged deal when they
    have no column. Nothing here wraps or folds a cell.

    ``texts`` and ``sizes`` hold each column's texts, top to bottom, and their widths in cells;
    ``styles`` gives a column's styles, asked for only when the cells are (:attr:`cells`).
    :meth:`lines` lays them out; on a console without colour (a pipe, a file) the whole table is
    one segment, their text (:meth:`text`, which needs no style), on a terminal one segment per
    styled cell.
    """

    def __init__(
        self,
        layout: Layout,
        widths: dict[str, int],
        texts: dict[str, list[str]],
        sizes: dict[str, list[int]],
        width: int | None,
        styles: Callable[[str], list[str]] | None = None,
    ) -> None:
        self.layout = layout
        self.widths = widths
        self.texts = texts
        self.sizes = sizes
        self.width = width
        self._styles = styles
        self._cells: dict[str, list[Cell]] | None = None

    @property
    def cells(self) -> dict[str, list[Cell]]:
        """Each column's cells, top to bottom: its texts with their styles (worked out when first asked for)."""
        if self._cells is None:
            styles = self._styles
            self._cells = {
                key: list(zip(texts, styles(key) if styles else [""] * len(texts), strict=True))
                for key, texts in self.texts.items()
            }
        return self._cells

    def _grid(self, styled: bool = True) -> Iterator[tuple[Any, ...]]:
        """The heading's line, the rule and each deal's line: each cell with the spaces before it,
        worked out a column at a time (a figure set to the right of its column, a left cell's room
        carried to the next), and nothing after the last cell that is not blank. A deal whose id is
        wider than its column has the id on a line of its own first, and a blank cell under Deal.

        A line is its pieces, the spaces before a cell one and the cell another; without ``styled``,
        the texts of those pieces (one text, them joined, for a line that ends in a cell's text)."""
        keys, gap, ids = self.layout.shown, self.layout.gap, self.texts["deal"]
        # The lines (the heading's is 0) whose id has a line of its own.
        long_ids = {i + 1 for i, size in enumerate(self.sizes["deal"]) if size > self.widths["deal"] and "deal" in keys}
        carry = [INDENT] * (len(ids) + 1)  # the spaces owed before the next cell: the gap, and a left cell's room
        # Before a cell: at most the indent or the gap, a left cell's room, and a figure's room.
        spaces = [" " * n for n in range(INDENT + gap + 2 * max(self.widths.values(), default=0) + 1)]
        columns: list[list[Any]] = []
        blank: Any = ("", "") if styled else ""
        for key in keys:
            sizes = [_cells(HEADERS[key]), *self.sizes[key]]
            cells: list[Any] = (
                [(HEADERS[key], "bold"), *self.cells[key]] if styled else [HEADERS[key], *self.texts[key]]
            )
            for i in long_ids if key == "deal" else ():
                cells[i], sizes[i] = blank, 0
            w = self.widths[key]
            if key in LEFT:
                pads = [spaces[c] for c in carry]
                carry = [gap + w - size for size in sizes]
            else:
                pads = [spaces[c + w - size] for c, size in zip(carry, sizes, strict=True)]
                carry = [gap] * len(sizes)
            if styled:
                columns += [[(pad, "") for pad in pads], cells]
            else:
                columns += [pads, cells]
        rule = " " * INDENT + "─" * (_line_width(keys, self.widths, gap) - INDENT)
        for i, line in enumerate(zip(*columns, strict=True)):  # no columns shown: no lines
            if i in long_ids:
                long_id = " " * INDENT + ids[i - 1]
                yield ((long_id, ""),) if styled else (long_id,)
            if not styled:
                whole = "".join(line)
                if not whole[-1:].isspace():  # it ends in a cell's text: no blank piece has any text after it
                    yield (whole,)
                    if not i:
                        yield (rule,)
                    continue
            end = len(line)
            while end and not (line[end - 1][0] if styled else line[end - 1]).strip():  # nothing trails a line
                end -= 1
            yield line[:end]
            if not i:
                yield ((rule, ""),) if styled else (rule,)

    def _notes(self, styled: bool = True) -> Iterator[list[Piece]]:
        """A blank line, then each flagged deal's id and flags when they have no column; without
        ``styled``, a line that needs no break is one piece of the same text."""
        yield []
        if self.layout.flags_inline:
            return
        flagged = list(zip(self.texts["deal"], self.texts["flags"], strict=True))
        if not any(flags for _, flags in flagged):
            return
        yield [("Flags", "bold")]
        for deal_id, flags in flagged:
            if not flags:
                continue
            line = f"{deal_id}: {flags}"
            fits = self.width is None or _cells(line) <= self.width
            if fits and not styled:
                yield [(line, "")]
                continue
            words = [(deal_id + ":", "bold"), *((f, "yellow") for f in flags.split(" "))]
            yield from _wrap_words(words, None if fits else self.width, "  ")  # a line that fits is not broken

    def lines(self) -> Iterator[list[Piece]]:
        """Every line of the table as its pieces (text, style name)."""
        for line in self._grid():
            yield list(line)
        yield from self._notes()

    def text(self) -> str:
        """The table as plain text: the text of :meth:`lines`, every line ending in a line break."""
        out = ["".join(texts) for texts in self._grid(styled=False)]
        out += [
            pieces[0][0] if len(pieces) == 1 else "".join([text for text, _ in pieces])  # one piece: a line that fits
            for pieces in self._notes(styled=False)
        ]
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


def _sizes(texts: list[str]) -> list[int]:
    """The width in cells of each of ``texts`` (by its length when the whole column is ASCII)."""
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
    texts = {k: CELLS[k][0](results) for k in made}
    sizes = {k: _sizes(column) for k, column in texts.items()}
    widths = {k: max(_cells(HEADERS[k]), max(sizes[k], default=0)) for k in made}
    if not any(texts["flags"]):
        wanted = [k for k in wanted if k != "flags"]  # an empty column says nothing
    layout = fit(wanted, widths, width)
    if layout.dropped and widths["deal"] > DEAL_CAP:
        short = [size for size in sizes["deal"] if size <= DEAL_CAP]
        widths["deal"] = max([_cells(HEADERS["deal"]), *short])
        layout = fit(wanted, widths, width)
    return ReportTable(layout, widths, texts, sizes, width, lambda key: CELLS[key][1](results, texts[key]))

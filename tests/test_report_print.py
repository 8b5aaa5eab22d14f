"""The report's printing done a column or a batch at a time gives what the one-at-a-time forms give."""

from __future__ import annotations

import re
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from arb.cli import common
from arb.cli.common import SafeConsole, error, note, warn, warn_each
from arb.cli.format import DASH, money, money_each, pct, pct_each
from arb.cli.report_table import report_table
from arb.rounding import fixed, fixed_each
from arb.text import safe, safe_each

_PIECES = st.sampled_from(["\x1b", "\r", "\n", "\t", "\x9b", "\u202e", "\u200b", "\udcff", "中文", "é", "a", "-", " "])
TEXTS = st.lists(st.lists(st.one_of(_PIECES, st.characters()), max_size=8).map("".join), max_size=12)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_safe_each_is_safe_of_each(texts: list[str]) -> None:
    assert safe_each(texts) == [safe(t) for t in texts]


def test_safe_each_escapes_the_one_bad_text_among_good_ones() -> None:
    assert safe_each(["ok", "bad\x1b[2J", "中文"]) == ["ok", "bad\\x1b[2J", "中文"]
    assert safe_each(iter(["a", "b"])) == ["a", "b"]
    assert safe_each([]) == []


# Ties (2.675, 0.0125), short decimals, the thousands, the HUGE edge, tiny numbers repr writes
# with an exponent, NaN and infinities, None, and ints: everything fixed() sees from a report.
FIGURES = st.one_of(
    st.none(),
    st.floats(),
    st.decimals(min_value=-100_000, max_value=100_000, places=4).map(float),
    st.decimals(min_value=-2_000, max_value=2_000, places=2).map(float),
    st.sampled_from([0.0, -0.0, 999.995, -999.995, 1000.0, 1e-05, -4.5e-06, 1e13, 9.99e14, 1e15, -1e15, 5e-324]),
    st.floats(min_value=9e12, max_value=2e15),
    st.integers(-10_000, 10_000),
)


@settings(max_examples=1500, deadline=None)
@given(
    xs=st.lists(FIGURES, max_size=10),
    digits=st.integers(0, 6),
    sign=st.booleans(),
    scale=st.sampled_from([0, 2]),
    group=st.booleans(),
)
def test_fixed_each_is_fixed_of_each(xs: list[float | None], digits: int, sign: bool, scale: int, group: bool) -> None:
    expected = [None if x is None else fixed(x, digits, sign=sign, scale=scale, group=group) for x in xs]
    assert fixed_each(xs, digits, sign=sign, scale=scale, group=group) == expected


@settings(max_examples=500, deadline=None)
@given(xs=st.lists(FIGURES, max_size=10), sign=st.booleans(), digits=st.integers(0, 3))
def test_money_each_and_pct_each_are_money_and_pct_of_each(xs: list[float | None], sign: bool, digits: int) -> None:
    assert money_each(xs, sign=sign) == [money(x, None, sign=sign) for x in xs]
    assert pct_each(xs, digits, sign=sign) == [pct(x, digits, sign=sign) for x in xs]


def test_fixed_each_rounds_ties_away_from_zero_and_never_writes_minus_zero() -> None:
    assert fixed_each([2.675, -2.675, 0.125, -0.001, None, float("nan")], 2) == [
        "2.68", "-2.68", "0.13", "0.00", None, None,
    ]  # fmt: skip
    assert fixed_each([0.0125, -0.00049, 1234.5], 1, scale=2, group=False, sign=True) == ["+1.3", "0.0", "+123450.0"]
    assert fixed_each([1234.5, 1234.567], 2, sign=True) == ["+1,234.50", "+1,234.57"]


@settings(max_examples=1500, deadline=None)
@given(
    n=st.one_of(st.integers(-(10**9), 10**9), st.integers(-(2**53), 2**53)),
    places=st.integers(0, 7),
    digits=st.integers(0, 4),
    scale=st.sampled_from([0, 2]),
    sign=st.booleans(),
)
def test_short_decimals_round_from_their_own_digits(n: int, places: int, digits: int, scale: int, sign: bool) -> None:
    """A figure whose shortest decimal has few places (a price file's 18.802, a tie such as 2.675,
    a large number near 2**50 times a power of ten) is read from its digits, as fixed() reads it."""
    x = float(f"{n / 10**places:.{places}f}")
    assert fixed_each([x, -x], digits, sign=sign, scale=scale) == [
        fixed(x, digits, sign=sign, scale=scale),
        fixed(-x, digits, sign=sign, scale=scale),
    ]


def _fake(deal_id: str, spread_pct: float | None, flags: list[str]) -> Any:
    annualized = None if spread_pct is None else spread_pct * 3
    figures = {"spread_pct": spread_pct, "annualized": annualized, "dividends": 0.0, "deal_value": 1234.5}
    return SimpleNamespace(deal=SimpleNamespace(id=deal_id), figures=figures, flags=flags, net=None)


_IDS = st.text(st.sampled_from("ab-9收购中 "), min_size=0, max_size=34)
_ROWS = st.lists(
    st.tuples(
        _IDS,
        st.one_of(st.none(), st.floats(-2, 2)),
        st.lists(st.sampled_from(["stale-price", "implausible", "x", ""]), max_size=4),
    ),
    max_size=6,
)


@settings(max_examples=400, deadline=None)
@given(
    rows=_ROWS,
    wanted=st.permutations(["deal", "div", "value", "spread %", "ann. %", "flags"]),
    width=st.one_of(st.none(), st.integers(4, 120)),
)
def test_the_table_text_is_the_text_of_its_pieces(
    rows: list[tuple[str, float | None, list[str]]], wanted: list[str], width: int | None
) -> None:
    """The plain text, built a column at a time, is what the styled pieces say: with ids too long
    for their column, blank ids and flags (a blank last cell), wide characters, flags listed under
    the table and wrapped, and any column last."""
    table = report_table([_fake(*row) for row in rows], wanted, width)
    assert list(table.lines()) == _lines_row_by_row(table)
    pieces = "".join("".join(text for text, _ in line) + "\n" for line in table.lines())
    assert table.text() == pieces
    plain, coloured = StringIO(), StringIO()
    Console(file=plain, width=width or 80, color_system=None).print(table, crop=False)
    Console(file=coloured, width=width or 80, force_terminal=True, color_system="standard").print(table, crop=False)
    assert plain.getvalue() == pieces
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured.getvalue()) == pieces


def _pieces_of_row(table: Any, cells: list[tuple[str, str, int]]) -> list[tuple[str, str]]:
    """One line's pieces laid out on its own, as the table once did it: each cell (text, style,
    size) with the spaces before it, none after the last cell that is not blank."""
    keys, widths, gap = table.layout.shown, table.widths, table.layout.gap
    pad, pieces = 1, []
    for i, (key, (text, style, size)) in enumerate(zip(keys, cells, strict=True)):
        room = widths[key] - size
        if key in ("deal", "ccy", "next", "flags"):  # set to the left
            pieces += [(" " * pad, ""), (text, style)]
            pad = gap + room if i < len(keys) - 1 else 0
        else:
            pieces += [(" " * (pad + room), ""), (text, style)]
            pad = gap
    while pieces and not pieces[-1][0].strip():
        pieces.pop()
    return pieces


def _lines_row_by_row(table: Any) -> list[Any]:
    """``table.lines()`` with the heading and each deal's line laid out on its own, as it once was."""
    from arb.cli.report_table import HEADERS, _cells

    keys = table.layout.shown
    rows = [_pieces_of_row(table, [(HEADERS[k], "bold", _cells(HEADERS[k])) for k in keys])]
    rows.append([(" " + "─" * (sum(table.widths[k] for k in keys) + table.layout.gap * max(len(keys) - 1, 0)), "")])
    for i, (deal_id, _) in enumerate(table.cells["deal"]):
        long_id = "deal" in keys and table.sizes["deal"][i] > table.widths["deal"]
        if long_id:
            rows.append([(" " + deal_id, "")])
        cells = [("", "", 0) if long_id and k == "deal" else (*table.cells[k][i], table.sizes[k][i]) for k in keys]
        rows.append(_pieces_of_row(table, cells))
    lines = list(table.lines())
    return rows + lines[len(rows) :]


class _PieceByPiece:
    """The table the way it used to be printed: each line laid out on its own, a segment per
    piece, then a line break."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def __rich_console__(self, console: Console, options: Any) -> Any:
        from rich.segment import Segment
        from rich.style import Style

        for pieces in _lines_row_by_row(self.table):
            for text, style in pieces:
                yield Segment(text, Style.parse(style) if style else None)
            yield Segment.line()


@settings(max_examples=150, deadline=None)
@given(
    rows=_ROWS,
    wanted=st.permutations(["deal", "div", "value", "spread %", "ann. %", "flags"]),
    width=st.integers(4, 170),  # up to a wide terminal
    colour=st.sampled_from([None, "standard", "truecolor"]),
    crop=st.booleans(),
)
def test_the_table_prints_as_it_did_a_piece_at_a_time(
    rows: list[tuple[str, float | None, list[str]]], wanted: list[str], width: int, colour: Any, crop: bool
) -> None:
    """The same bytes as a segment per piece, with colour or without, cut at the width or not."""
    table = report_table([_fake(*row) for row in rows], wanted, width)
    got, expected = StringIO(), StringIO()
    for buf, renderable in ((got, table), (expected, _PieceByPiece(table))):
        console = Console(file=buf, width=width, force_terminal=colour is not None, color_system=colour)
        console.print(renderable, crop=crop)
    assert got.getvalue() == expected.getvalue()


def test_a_long_id_takes_a_line_of_its_own_and_a_flagless_last_column_trails_nothing() -> None:
    long_id = "a-deal-id-longer-than-the-cap-of-24"
    results = [_fake(long_id, 0.05, ["stale-price"]), _fake("short", -0.01, [])]
    table = report_table(results, ["deal", "value", "div", "spread %", "ann. %", "flags"], 60)
    assert table.widths["deal"] == len("short")  # too narrow for all: the Deal column is capped
    text = table.text()
    assert f"\n {long_id}\n" in text and "Flags\n" in text
    wide = report_table(results, ["deal", "spread %", "ann. %", "flags"], None).text()
    assert all(line == line.rstrip() for line in wide.splitlines())
    assert any(line.startswith(" short") and line.endswith("%") for line in wide.splitlines())


_MESSAGES = ["synthetic-0002: implausible: spread +68.7%", "bad\x1b[2J id", "trailing spaces  ", "中文 [red]x[/]", ""]


def test_warn_each_writes_what_a_warn_for_each_writes(capsys: pytest.CaptureFixture[str]) -> None:
    for m in _MESSAGES:
        warn(m)
    one_by_one = capsys.readouterr().err
    warn_each(iter(_MESSAGES))
    assert capsys.readouterr().err == one_by_one
    assert one_by_one.count("\n") == len(_MESSAGES) and "\x1b" not in one_by_one
    warn_each([])
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("force_terminal", [True, False])
def test_on_a_terminal_the_lines_are_what_rich_prints_for_each(
    monkeypatch: pytest.MonkeyPatch, force_terminal: bool
) -> None:
    """The segments written for a batch are those ``err.print(Text(head, style) + Text(body))``
    gives line by line, in colour; and for ``error`` and ``note`` too."""

    def console(buf: StringIO) -> SafeConsole:
        return SafeConsole(file=buf, force_terminal=force_terminal, color_system="standard", soft_wrap=True, width=30)

    monkeypatch.delenv("NO_COLOR", raising=False)
    got, expected = StringIO(), StringIO()
    monkeypatch.setattr(common, "err", console(got))
    warn_each(_MESSAGES)
    error("no such file\x07")
    note("3 deals closed")
    rich = console(expected)
    for m in _MESSAGES:
        rich.print(Text("warning: ", style="yellow") + Text(safe(m)))
    rich.print(Text("error: ", style="red") + Text(safe("no such file\x07")))
    rich.print(Text("", style="") + Text("3 deals closed"))
    assert got.getvalue() == expected.getvalue()
    assert "\x1b[33mwarning: synthetic-0002" in got.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(" \na-中"), max_size=40))
def test_untrailed_drops_the_spaces_before_each_line_break_only(text: str) -> None:
    assert common._untrailed(text) == re.sub(r" +\n", "\n", text)


def _signed(text: str, x: float | None) -> tuple[str, str]:
    return text, "dim" if x is None or text == DASH else "green" if x > 0 else "red" if x < 0 else ""


def _plain(text: str) -> tuple[str, str]:
    return text, "dim" if text == DASH else ""


def _target(r: Any) -> tuple[str, str]:
    from arb.book import STALE_AFTER_DAYS

    text, q = money(r.figures["target_price"], None), r.info.target_quote
    stale = q is not None and (
        q.fallback or (q.as_of is not None and (r.as_of - q.as_of.date()).days > STALE_AFTER_DAYS)
    )
    return text, "dim" if text == DASH or stale else ""


def _next(r: Any) -> tuple[str, str]:
    from arb.cli.report_table import EVENT_ABBREV
    from arb.lifecycle import next_event

    event = next_event(r.deal, r.as_of)
    if event is None:
        return DASH, "dim"
    mark = "" if event.confirmed else "~"
    return f"{safe(EVENT_ABBREV.get(event.kind, event.kind))} {mark}{event.date}", "" if event.confirmed else "dim"


def _conditions(r: Any) -> tuple[str, str]:
    statuses = [c.status for c in r.deal.conditions]
    met = sum(s in ("met", "waived") for s in statuses)
    if not statuses:
        return DASH, "dim"
    return f"{met}/{len(statuses)}", "red" if "failed" in statuses else "green" if met == len(statuses) else ""


#: Each column's cell made from one deal's result, written out cell by cell: the reference the
#: table's column-at-a-time cells are checked against.
ROW_CELLS: dict[str, Any] = {
    "deal": lambda r: (safe(r.deal.id), ""),
    "ccy": lambda r: _plain(safe(r.currency or DASH)),
    "target": _target,
    "value": lambda r: _plain(money(r.figures["deal_value"], None)),
    "div": lambda r: _plain(money(r.figures["dividends"], None)),
    "spread": lambda r: _signed(money(r.figures["spread"], None, sign=True), r.figures["spread"]),
    "spread %": lambda r: _signed(pct(r.figures["spread_pct"], sign=True), r.figures["spread_pct"]),
    "days": lambda r: _plain(DASH if r.figures["days_to_close"] is None else str(int(r.figures["days_to_close"]))),
    "ann. %": lambda r: _signed(pct(r.figures["annualized"]), r.figures["annualized"]),
    "net %": lambda r: _signed(
        pct((r.net or {}).get("net_spread_pct"), sign=True), (r.net or {}).get("net_spread_pct")
    ),
    "net ann. %": lambda r: _signed(pct((r.net or {}).get("net_annualized")), (r.net or {}).get("net_annualized")),
    "prob.": lambda r: _plain(pct(r.figures["implied_probability"])),
    "cond.": _conditions,
    "next": _next,
    "flags": lambda r: (safe(" ".join(r.flags)), "yellow"),
}


@pytest.mark.parametrize("day", ["2025-06-20", "2026-01-01"])
def test_each_column_made_at_once_is_its_cells_made_row_by_row(day: str) -> None:
    """The columns made a column at a time (figures, ids, currencies, flags, the target's stale
    dimming, conditions, next events) give exactly what each row's cell written out alone gives,
    on the bundled deals; and a column of one row is that row's cell."""
    import datetime as dt

    from arb.cli.report_table import CELLS, HEADERS
    from arb.loader import load_deals
    from arb.prices.csvfile import snapshot
    from arb.pricing import value_deals
    from arb.resources import seeds_dir

    v = value_deals(load_deals([seeds_dir()]).deals, snapshot(), today=dt.date.fromisoformat(day))
    results = v.sorted()
    assert len(results) > 5
    assert set(CELLS) == set(HEADERS) == set(ROW_CELLS)

    def column(key: str, rows: list[Any]) -> list[tuple[str, str]]:
        texts_of, styles_of = CELLS[key]
        texts = texts_of(rows)
        return list(zip(texts, styles_of(rows, texts), strict=True))

    for key in HEADERS:
        expected = [ROW_CELLS[key](r) for r in results]
        assert column(key, results) == expected, key
        assert [column(key, [r])[0] for r in results] == expected, key
    styles = {style for key in HEADERS for _, style in column(key, results)}
    assert {
        "dim",
        "yellow",
        "",
        "green",
        "red",
    } <= styles  # missing figures, flags, plain and signed cells were all met


def test_the_plain_text_works_out_no_style_and_the_cells_ask_once() -> None:
    """Without colour (a file, a pipe) the table is its texts: no column's styles are worked out;
    the styled lines ask each column's styles once, and give the same text."""
    results = [_fake("a-deal", 0.05, ["stale-price"]), _fake("b", None, [])]
    table = report_table(results, ["deal", "value", "spread %", "ann. %", "flags"], 80)
    asked: list[str] = []
    styles = table._styles
    assert styles is not None

    def spy(key: str) -> list[str]:
        asked.append(key)
        return styles(key)

    table._styles = spy
    text = table.text()
    plain = StringIO()
    Console(file=plain, width=80, color_system=None).print(table, crop=False)
    assert asked == [] and plain.getvalue() == text
    assert "".join("".join(t for t, _ in line) + "\n" for line in table.lines()) == text
    assert sorted(asked) == sorted(table.texts) and table.cells["spread %"][0] == ("+5.0%", "green")
    list(table.lines())
    assert len(asked) == len(table.texts)  # kept once worked out


def test_the_implausible_warnings_are_each_deals_implausible_notes_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    from arb.book import DealInfo
    from arb.cli.report import _warn_implausible
    from arb.flags import Flag

    infos = [DealInfo(SimpleNamespace(id=f"d{i}"), "HKD", None, None) for i in range(3)]  # type: ignore[arg-type]
    infos[0].flag(Flag.IMPLAUSIBLE, "first")
    infos[0].flag(Flag.STALE_PRICE, "not this one")
    infos[0].flag(Flag.IMPLAUSIBLE, "second")
    infos[2].flag(Flag.SYNTHETIC_PRICE, "nor this")
    infos[2].flag(Flag.IMPLAUSIBLE, "third")
    results = [SimpleNamespace(deal=info.deal, id=info.deal.id, info=info) for info in infos]
    _warn_implausible(results)  # type: ignore[arg-type]
    expected = [f"warning: {r.id}: implausible: {n}" for r in results for n in r.info.notes_for(Flag.IMPLAUSIBLE)]
    assert (
        capsys.readouterr().err.splitlines()
        == expected
        == [
            "warning: d0: implausible: first",
            "warning: d0: implausible: second",
            "warning: d2: implausible: third",
        ]
    )

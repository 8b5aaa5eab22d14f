"""The report table at any width: every cell on one line, whole columns left out and named.

Issue 13: at 80 columns (and piped, where rich assumes 80) no id is split and no % sign is lost;
the columns left out for want of room are named in the footnote; the ``columns`` setting,
``ARB_COLUMNS`` and ``--columns`` choose the columns. Rows are read back by splitting on runs of
two or more spaces: no cell holds two spaces running, and columns are at least two apart.
"""

from __future__ import annotations

import math
import re
import shutil
from decimal import ROUND_HALF_UP, Decimal, localcontext
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from arb.cli import app
from arb.cli.report_table import DROP_ORDER, HEADERS, KEPT, fit, report_table
from arb.config import COLUMNS
from arb.resources import seeds_dir, snapshot_path
from arb.rounding import HUGE, fixed

LONG_ID = "hong-kong-and-shanghai-hotels-privatisation-by-the-kadoorie-fam"  # 64 characters, the most allowed
LONG_DEAL = f"""\
id = "{LONG_ID}"
name = "香港上海大酒店有限公司 私有化"
status = "pending"
announced = 2025-03-01
expected_close = 2025-12-31
currency = "HKD"

[target]
ticker = "0045.HK"

[[consideration]]
kind = "cash"
amount = 8.50
currency = "HKD"
"""
SPLIT = re.compile(r"\s{2,}")
#: Every column the seeds have (they list events and conditions; no deal has costs set).
SEED_COLUMNS = [HEADERS[k] for k in COLUMNS if k not in ("net %", "net ann. %")]


@pytest.fixture
def deals(tmp_path: Path) -> tuple[Path, Path]:
    """The bundled seeds and a deal whose id is 64 characters long and whose name is Chinese."""
    folder = tmp_path / "deals"
    shutil.copytree(seeds_dir(), folder, ignore=shutil.ignore_patterns("*.csv"))
    (folder / "long.toml").write_text(LONG_DEAL, encoding="utf-8")
    prices = tmp_path / "prices.csv"
    text = snapshot_path().read_text(encoding="utf-8")
    prices.write_text(text.rstrip("\n") + "\n0045.HK,6.20,HKD,2025-06-20,synthetic\n", encoding="utf-8")
    return folder, prices


def _report(deals: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, width: int | None, *extra: str) -> Any:
    if width is None:
        monkeypatch.delenv("COLUMNS", raising=False)  # piped: rich assumes 80
    else:
        monkeypatch.setenv("COLUMNS", str(width))
    folder, prices = deals
    res = CliRunner().invoke(app, ["report", str(folder), "--prices", str(prices), "--all", *extra])
    assert res.exit_code in (0, 1), res.stderr
    return res


def _table(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header's column names and each row as name -> cell."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines[:-1]) if lines[i + 1].startswith(" ─"))
    head = SPLIT.split(lines[at].strip())
    rows = []
    body = iter(lines[at + 2 :])
    for line in body:
        if not line.strip():
            break
        cells = SPLIT.split(line.strip())
        if len(cells) == 1 and len(head) > 1:  # an id too long for the column: its figures on the next line
            assert len(cells[0]) > 24 and cells[0] == line.strip(), line
            figures = next(body)
            assert figures.startswith(" " * 17), figures  # under their columns, the Deal column left blank
            cells += SPLIT.split(figures.strip())
        assert len(cells) == len(head), line  # one cell per column, none folded onto a second line
        rows.append(dict(zip(head, cells, strict=True)))
    return head, rows


def _left_out(text: str) -> list[str]:
    flat = " ".join(text.split())
    found = re.search(r"Not shown at this width: (.*?) \(a wider terminal", flat)
    return found.group(1).split(", ") if found else []


@pytest.mark.parametrize("width", [80, 100, 120, 160, None])
def test_every_cell_whole_and_the_left_out_columns_named(
    deals: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, width: int | None
) -> None:
    res = _report(deals, monkeypatch, width)
    text, limit = res.stdout, width or 80
    head, rows = _table(text)
    assert all(cell_len(line) <= limit for line in text.splitlines()), text
    assert all(line == line.rstrip(" ") for line in text.splitlines())  # nothing trails a line
    assert "…" not in text
    ids = [row["Deal"] for row in rows]
    assert LONG_ID in ids and "black-sesame-soc" in ids and "norfolk-southern" in ids  # ids whole
    assert len(ids) == 9
    for row in rows:
        for name, cell in row.items():
            if name.endswith("%") or name == "Prob.":
                assert cell.endswith("%") or cell == "—", (name, cell)
    long_row = next(row for row in rows if row["Deal"] == LONG_ID)
    assert long_row["Spread %"] == "+37.1%" and long_row["Ann. %"].endswith("%")  # 8.50 / 6.20 - 1
    # the footnote names exactly the columns missing from the table, in the table's order
    missing = [name for name in SEED_COLUMNS if name not in head and name != "Flags"]
    assert _left_out(text) == missing
    # ... and they are the first ones of the documented order
    assert [k for k in DROP_ORDER if HEADERS[k] in missing] == list(DROP_ORDER[: len(missing)])
    if "Flags" not in head:  # no room for the flags' column: each flagged deal's flags under the table
        assert "\nFlags\n" in text and f"\n{LONG_ID}: no-downside" in text


def test_the_widths_leave_out_more_as_they_shrink(deals: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    heads = {w: _table(_report(deals, monkeypatch, w).stdout)[0] for w in (60, 80, 100, 120, 250)}
    assert heads[250] == SEED_COLUMNS  # room for all, the flags too
    assert heads[120] == SEED_COLUMNS[:-1]
    assert heads[100] == [h for h in SEED_COLUMNS[:-1] if h not in ("Div", "Spread")]
    for wide, narrow in ((250, 120), (120, 100), (100, 80), (80, 60)):
        assert set(heads[narrow]) <= set(heads[wide])


def test_too_narrow_for_the_kept_columns_runs_past_the_width_uncut(
    deals: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    res = _report(deals, monkeypatch, 30)
    head, rows = _table(res.stdout)  # every row read back whole: nothing cut, nothing folded
    assert head == [HEADERS[k] for k in KEPT]
    assert {row["Deal"] for row in rows} >= {LONG_ID, "black-sesame-soc"}
    assert all(row["Ann. %"].endswith("%") or row["Ann. %"] == "—" for row in rows)
    enn = next(line for line in res.stdout.splitlines() if line.startswith(" enn-energy "))
    assert len(enn) > 30 and enn.endswith("47.8%")  # longer than the terminal, not cropped
    assert _left_out(res.stdout) == [h for h in SEED_COLUMNS if h not in head and h != "Flags"]


def test_config_columns_choose_and_order_the_table(
    deals: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('columns = ["Ann. %", "deal", "spread %", "prob."]\n', encoding="utf-8")
    res = _report(deals, monkeypatch, 160)
    head, _ = _table(res.stdout)
    assert head == ["Ann. %", "Deal", "Spread %", "Prob."]  # the user's order
    assert _left_out(res.stdout) == []
    assert "Flags" in res.stdout  # flags not chosen as a column are still listed under the table

    monkeypatch.setenv("ARB_COLUMNS", "spread %,next,cond.")  # the environment wins over the file
    head, _ = _table(_report(deals, monkeypatch, 160).stdout)
    assert head == ["Deal", "Spread %", "Next", "Cond."]  # the id always shows, first unless placed

    head, _ = _table(_report(deals, monkeypatch, 160, "--columns", "deal, days ,TARGET").stdout)
    assert head == ["Deal", "Ccy", "Days", "Target"]  # the option wins over both; a price brings its currency


def test_chosen_columns_too_wide_lose_the_lowest_priority_first(
    deals: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    res = _report(deals, monkeypatch, 60, "--columns", "deal,next,spread %,ann. %,prob.,div,flags")
    head, _ = _table(res.stdout)
    assert head == ["Deal", "Spread %", "Ann. %", "Prob."]
    assert _left_out(res.stdout) == ["Next", "Div"]  # in the user's order; Flags listed under the table


def test_unknown_column_is_a_usage_error(deals: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    folder, prices = deals
    res = CliRunner().invoke(app, ["report", str(folder), "--prices", str(prices), "--columns", "deal,sprad %"])
    assert res.exit_code == 2
    assert "--columns" in res.stderr and "'sprad %' is not a report column; did you mean 'spread %'?" in res.stderr
    assert "Traceback" not in res.stderr


def test_flags_take_a_column_only_when_it_fits(deals: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    res = _report(deals, monkeypatch, 250)
    head, rows = _table(res.stdout)
    assert head[-1] == "Flags" and "\nFlags\n" not in res.stdout
    flags = next(row["Flags"] for row in rows if row["Deal"] == "black-sesame-soc")
    assert flags.startswith("target-unlisted terms-undisclosed")


def test_the_config_names_are_the_report_headings() -> None:
    assert tuple(HEADERS) == COLUMNS
    assert all(HEADERS[k].lower() == k for k in COLUMNS)
    assert set(DROP_ORDER) | set(KEPT) | {"ccy", "flags"} == set(COLUMNS)


def _fake(deal_id: str, spread_pct: float | None, flags: list[str]) -> Any:
    figures = {"spread_pct": spread_pct, "annualized": None if spread_pct is None else spread_pct * 2}
    return SimpleNamespace(deal=SimpleNamespace(id=deal_id), figures=figures, flags=flags, net=None)


def test_wide_characters_count_two_cells_and_the_columns_line_up() -> None:
    results = [_fake("收购-中国", 0.05, []), _fake("ascii-only", -0.012, ["stale-price"]), _fake("x", None, [])]
    table = report_table(results, ["deal", "spread %", "ann. %", "flags"], 80)
    buf = StringIO()
    Console(file=buf, width=80, color_system=None).print(table)
    lines = [line for line in buf.getvalue().splitlines() if line.strip()]
    assert table.widths["deal"] == 10  # the header or an id: 收购-中国 is 4 characters, 9 cells
    body = lines[2:5]
    ends = {cell_len(line[: line.index("%") + 1]) for line in body if "%" in line}
    assert len(ends) == 1  # Spread % ends at the same cell on every row, past a wide id or not
    assert body[0].startswith(" 收购-中国 ") and "+5.0%" in body[0]


def test_a_terminal_gets_the_colours_a_pipe_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR")
    results = [_fake("up", 0.05, []), _fake("down", -0.05, ["stale-price"]), _fake("none", None, [])]
    table = report_table(results, ["deal", "spread %", "ann. %", "flags"], 80)
    buf = StringIO()
    Console(file=buf, width=80, force_terminal=True, color_system="standard").print(table)
    raw = buf.getvalue()
    assert "\x1b[32m+5.0%" in raw and "\x1b[31m-5.0%" in raw and "\x1b[33mstale-price" in raw
    assert "\x1b[2m—" in raw  # a missing figure is dim
    plain = StringIO()
    Console(file=plain, width=80, color_system=None).print(table)
    assert "\x1b" not in plain.getvalue()
    assert re.sub(r"\x1b\[[0-9;]*m", "", raw) == plain.getvalue()  # the same text either way


@settings(max_examples=300, deadline=None)
@given(
    widths=st.fixed_dictionaries({k: st.integers(3, 30) for k in COLUMNS}),
    wanted=st.permutations(list(COLUMNS)),
    a=st.integers(10, 300),
    b=st.integers(10, 300),
)
def test_fit_keeps_fewer_columns_as_the_width_shrinks(
    widths: dict[str, int], wanted: list[str], a: int, b: int
) -> None:
    wide, narrow = fit(wanted, widths, max(a, b)), fit(wanted, widths, min(a, b))
    assert set(narrow.shown) <= set(wide.shown)
    for layout, width in ((wide, max(a, b)), (narrow, min(a, b))):
        assert [k for k in wanted if k in layout.shown] == list(layout.shown)  # the user's order kept
        assert set(KEPT) <= set(layout.shown)
        size = 1 + sum(widths[k] for k in layout.shown) + layout.gap * (len(layout.shown) - 1)
        assert size <= width or set(layout.shown) == set(KEPT)
        assert set(layout.dropped) == set(wanted) - set(layout.shown) - {"flags"}


def _decimal_fixed(x: float, digits: int, sign: bool, scale: int, group: bool) -> str:
    """The rounding ``fixed`` promises, done the slow way: Decimal on the float's repr."""
    scaled = Decimal(repr(x)).scaleb(scale)
    if abs(scaled) >= HUGE:
        text = f"{scaled:.4g}"
        return "+" + text if sign and scaled > 0 else text
    with localcontext() as ctx:
        ctx.prec = 60
        r = scaled.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    r = abs(r) if r == 0 else r
    body = f"{r:,.{digits}f}" if group else f"{r:.{digits}f}"
    return "+" + body if sign and r > 0 else body


@settings(max_examples=2000, deadline=None)
@given(
    x=st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.decimals(min_value=-10_000, max_value=10_000, places=4).map(float),  # ties: 2.675, 0.0125
    ),
    digits=st.integers(0, 6),
    sign=st.booleans(),
    scale=st.sampled_from([0, 2]),
    group=st.booleans(),
)
def test_fixed_rounds_as_decimal_does(x: float, digits: int, sign: bool, scale: int, group: bool) -> None:
    assert math.isfinite(x)
    assert fixed(x, digits, sign=sign, scale=scale, group=group) == _decimal_fixed(x, digits, sign, scale, group)


def test_the_docs_give_the_columns_and_the_order_they_are_left_out_in() -> None:
    docs = " ".join((Path(__file__).parents[1] / "docs" / "config.md").read_text(encoding="utf-8").split())
    found = re.search(r"first to go first: (.*?) \(`ccy` goes", docs)
    assert found is not None
    assert tuple(re.findall(r"`([^`]+)`", found.group(1))) == DROP_ORDER
    row = next(line for line in docs.split("| `columns` |")[1:2])
    assert tuple(re.findall(r"`([^`]+)`", row.split("in order:")[1].split("|")[0])) == COLUMNS
    assert all(f"`{k}`" in docs.split("always stay")[0][-40:] for k in KEPT)


def test_a_stale_target_price_is_dim_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from arb.cli.render import render_report
    from arb.loader import load_deals
    from arb.prices.csvfile import snapshot
    from arb.pricing import value_deals

    monkeypatch.delenv("NO_COLOR")
    v = value_deals(load_deals([seeds_dir()]).deals, snapshot(), today=dt.date(2026, 1, 1))
    buf = StringIO()
    Console(file=buf, width=160, force_terminal=True, color_system="standard").print(render_report(v, width=160))
    raw = buf.getvalue()
    # Henlius's price is from 2025-01-22, 149 days before the as-of; ENN's is of the day
    assert "\x1b[2m17.10\x1b[0m" in raw
    assert "65.00" in raw and "\x1b[2m65.00" not in raw

"""Listing formats: ``--json``, ``--csv`` and ``--nl`` carry the same columns in every listing command.

The CSV cells are checked against the JSON values they flatten, and CSV floats are written
without binary noise (``csv_number``) yet read back to the same figure.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from arb.cli import app
from arb.cli.listing import csv_cell, csv_number
from arb.resources import seeds_dir, snapshot_path

DATA = Path(__file__).parent / "data" / "refresh"
DEALS = DATA / "deals"
DAY1 = DATA / "prices-2025-06-02.csv"
DAY2 = DATA / "prices-2025-06-03.csv"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ARB_OFFLINE", "1")
    return tmp_path / "home"


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


Records = list[dict[str, Any]]


def three(*args: str | Path, codes: tuple[int, ...] = (0,)) -> tuple[Records, list[dict[str, str]], list[str], Records]:
    """The command's --json records, its --csv rows and header, and its --nl records."""
    outs = {}
    for flag in ("--json", "--csv", "--nl"):
        res = run(*args, flag)
        assert res.exit_code in codes, (flag, res.stdout, res.stderr)
        outs[flag] = res.stdout
    as_json = json.loads(outs["--json"])
    reader = csv.DictReader(io.StringIO(outs["--csv"]))
    rows = list(reader)
    header = list(reader.fieldnames or [])
    nl = [json.loads(line) for line in outs["--nl"].splitlines()]
    return as_json, rows, header, nl


def same_value(json_value: Any, cell: str) -> None:
    """A CSV cell says what the JSON value says."""
    if json_value is None:
        assert cell == ""
    elif isinstance(json_value, bool):
        assert cell == str(json_value)
    elif isinstance(json_value, float):
        assert float(cell) == pytest.approx(json_value, rel=1e-11, abs=1e-300)
    elif isinstance(json_value, (int, str)):
        assert cell == str(json_value)
    else:
        assert cell == csv_cell(json_value)


def check_agree(as_json: list[dict[str, Any]], rows: list[dict[str, str]], header: list[str], nl: list[dict]) -> None:
    assert as_json == nl
    assert len(rows) == len(as_json)
    for rec, row in zip(as_json, rows, strict=True):
        assert list(rec) == header
        for key, val in rec.items():
            same_value(val, row[key])


# -- the number format -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (1.5999999999999943, "1.6"),
        (0.1 + 0.2, "0.3"),
        (79.999322, "79.999322"),
        (65.0, "65.0"),
        (-2.0000000000000004, "-2.0"),
        (0.123456789012345, "0.123456789012"),
        (1e-15, "1e-15"),
        (123456789012.0, "123456789012.0"),
        (2.5e20, "2.5e+20"),
        (0.0, "0.0"),
        (math.nan, ""),
        (math.inf, ""),
    ],
)
def test_csv_number(x: float, text: str) -> None:
    assert csv_number(x) == text


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_csv_number_keeps_twelve_significant_digits(x: float) -> None:
    back = float(csv_number(x))
    assert back == pytest.approx(x, rel=5e-12, abs=0)
    # and it is the shortest such text: nothing past the 12th significant digit
    mantissa = csv_number(x).lstrip("-").split("e")[0].removesuffix(".0").replace(".", "").strip("0")
    assert len(mantissa) <= 12


def test_csv_cell_flattens_nested_values() -> None:
    assert csv_cell(["a", "b"]) == "a;b"
    assert csv_cell({"VOD.L": 0.30000000000000004}) == "VOD.L=0.3"
    assert csv_cell([]) == ""
    assert csv_cell(True) == "True"
    # a ';' inside an item would make the join ambiguous: compact JSON instead
    assert json.loads(csv_cell(["a;b", "c"])) == ["a;b", "c"]
    assert json.loads(csv_cell({"X": {"price": 1.5}})) == {"X": {"price": 1.5}}


# -- the commands ------------------------------------------------------------------------------


def test_report_formats_have_the_same_columns(home: Path) -> None:
    # some seeds cannot be valued (exit 1), but every format still lists every deal
    as_json, rows, header, nl = three("report", "--all", "--prices", snapshot_path(), codes=(0, 1))
    check_agree(as_json, rows, header, nl)
    assert {"expected_close", "target", "net_spread", "hedge", "flags"} <= set(header)
    assert rows and any(r["expected_close"] for r in rows) and any(r["target"] for r in rows)
    # no float noise: every number cell is at most 12 significant digits
    for row in rows:
        for key in ("spread", "spread_pct", "annualized", "deal_value"):
            if row[key]:
                digits = row[key].lstrip("-").split("e")[0].removesuffix(".0").replace(".", "").strip("0")
                assert len(digits) <= 12


def test_more_than_one_format_is_refused(home: Path) -> None:
    for cmd in (["report"], ["history"], ["calendar"], ["watch", "list"]):
        res = run(*cmd, "--json", "--nl")
        assert res.exit_code == 2, cmd
        assert "choose one of --json, --csv and --nl" in res.stderr


def test_calendar_formats(home: Path) -> None:
    args = ("--deals", seeds_dir(), "--as-of", "2025-01-01", "--days", "3650", "--all")
    as_json, rows, header, nl = three("calendar", *args)
    assert as_json, "the seeds have events"
    check_agree(as_json, rows, header, nl)
    assert header[:5] == ["deal", "name", "status", "kind", "date"]


def test_watch_list_formats(home: Path, tmp_path: Path) -> None:
    wl = tmp_path / "wl.toml"
    wl.write_text(f'[[watch]]\nid = "valid"\npath = "{DEALS}"\n', encoding="utf-8")
    as_json, rows, header, nl = three("watch", "list", "--watchlist", wl)
    check_agree(as_json, rows, header, nl)
    assert header == ["id", "path", "deals", "alerts", "errors"]
    assert as_json[0]["id"] == "valid" and as_json[0]["deals"]
    assert rows[0]["deals"].split(";") == as_json[0]["deals"]


def test_history_formats(home: Path, tmp_path: Path) -> None:
    deal = tmp_path / "alpha.toml"
    deal.write_text((DEALS / "alpha.toml").read_text())
    wl = tmp_path / "wl.toml"
    wl.write_text(f'[[watch]]\nid = "alpha"\npath = "{deal}"\n')
    for day in (DAY1, DAY2):
        assert run("refresh", "--watchlist", wl, "--prices", day).exit_code == 0
    as_json, rows, header, nl = three("history", "alpha")
    check_agree(as_json, rows, header, nl)
    assert len(rows) == 2
    assert {"name", "target", "expected_close", "spread_pct"} <= set(header)  # --csv used to lack the first three
    book_json, book_rows, book_header, book_nl = three("history", "--watchlist", wl)
    check_agree(book_json, book_rows, book_header, book_nl)
    assert book_json[0]["deal_id"] == "alpha" and book_json[0]["rows"] == 2


# -- report --sort -----------------------------------------------------------------------------


TEST_DEALS = Path(__file__).parent / "data" / "deals"
SORT_BASE = ("report", TEST_DEALS / "valid", "--prices", TEST_DEALS / "prices.csv", "--all")


def report_json(*args: str | Path) -> list[dict[str, Any]]:
    res = run(*SORT_BASE, "--json", *args)
    assert res.exit_code in (0, 1), res.stderr
    return json.loads(res.stdout)


def test_report_default_order_is_best_annualised_first_then_id(home: Path) -> None:
    recs = report_json()
    valued = [r["annualized"] for r in recs if r["annualized"] is not None]
    assert valued == sorted(valued, reverse=True) and len(valued) >= 2
    first_blank = next(i for i, r in enumerate(recs) if r["annualized"] is None)
    assert all(r["annualized"] is None for r in recs[first_blank:])
    blanks = [r["id"] for r in recs[first_blank:]]
    assert blanks == sorted(blanks)
    repeated = {a for a in valued if valued.count(a) > 1}
    assert repeated, "the test deals include two with the same return"
    for a in repeated:  # equal returns: by id
        tied = [r["id"] for r in recs if r["annualized"] == a]
        assert tied == sorted(tied)


@pytest.mark.parametrize("reverse", [False, True])
def test_report_sort_by_a_column(home: Path, reverse: bool) -> None:
    recs = report_json("--sort", "days_to_close", *(["--reverse"] if reverse else []))
    days = [r["days_to_close"] for r in recs]
    have = [d for d in days if d is not None]
    assert have == sorted(have, reverse=reverse) and len(set(have)) >= 2
    assert days[: len(have)] == have  # deals without a value come last, whichever the direction
    ids = [r["id"] for r in recs]
    assert sorted(ids) == sorted(r["id"] for r in report_json())  # the same deals, reordered
    # the table follows the same order
    res = run(*SORT_BASE, "--sort", "days_to_close", *(["--reverse"] * reverse))
    at = [res.stdout.find(i[:8]) for i in ids]
    assert -1 not in at and at == sorted(at)


def test_report_sort_by_text_and_the_british_spelling(home: Path) -> None:
    assert [r["id"] for r in report_json("--sort", "id")] == sorted(r["id"] for r in report_json())
    by_uk = report_json("--sort", "annualised", "--reverse")
    assert [r["id"] for r in by_uk] == [r["id"] for r in report_json()]  # the default order, spelled out


def test_report_sort_unknown_column_names_the_allowed_ones(home: Path) -> None:
    res = run("report", "--prices", snapshot_path(), "--sort", "yield")
    assert res.exit_code == 2
    msg = " ".join(res.stderr.split())
    assert "no column 'yield' to sort by" in msg
    assert "spread_pct" in msg and "days_to_close" in msg and "expected_close" in msg
    assert "flags" not in msg.split("choose one of:")[1]  # a list cannot be sorted by
    res = run("report", "--prices", snapshot_path(), "--reverse")
    assert res.exit_code == 2 and "--reverse needs --sort" in " ".join(res.stderr.split())


# -- arb show: found through the watchlist, dividends listed ----------------------------------------


def test_show_finds_the_deal_through_the_watchlist(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "div.toml").write_text((TEST_DEALS / "valid" / "dividends.toml").read_text(), encoding="utf-8")
    prices = TEST_DEALS / "prices.csv"
    # not in the seeds: without a watchlist that follows it, the id is unknown
    res = run("show", "dividends", "--prices", prices)
    assert res.exit_code == 1 and "no deal with id 'dividends' in the watchlist" in " ".join(res.stderr.split())
    home.mkdir(parents=True, exist_ok=True)
    (home / "watchlist.toml").write_text(f'[[watch]]\nid = "mine"\npath = "{folder}"\n', encoding="utf-8")
    res = run("show", "dividends", "--prices", prices)
    assert res.exit_code == 0, res.stderr
    assert "Stock deal with dividends on both sides" in res.stdout
    other = tmp_path / "other.toml"
    other.write_text(f'[[watch]]\nid = "x"\npath = "{TEST_DEALS / "valid" / "cash.toml"}"\n', encoding="utf-8")
    res = run("show", "cash-deal", "--prices", prices, "--watchlist", other)
    assert res.exit_code == 0, res.stderr


def test_show_lists_each_dividend_with_its_ex_date_and_who_owes_it(home: Path) -> None:
    args = ("show", "dividends", "--deals", TEST_DEALS / "valid", "--prices", TEST_DEALS / "prices.csv")
    rec = json.loads(run(*args, "--json").stdout)
    rows = {(d["ticker"], d["ex_date"]): d for d in rec["dividend_list"]}
    assert set(rows) == {("DIVT", "2025-09-15"), ("DIVT", "2026-03-15"), ("BIGCO", "2025-08-01")}
    assert rows["BIGCO", "2025-08-01"]["side"] == "owed" and rows["BIGCO", "2025-08-01"]["legs"] == [1]
    assert rows["DIVT", "2025-09-15"]["side"] == "received" and rows["DIVT", "2025-09-15"]["counted"] is True
    late = rows["DIVT", "2026-03-15"]
    assert late["counted"] is False and "after the expected close 2025-12-31" in late["why"]
    # the counted ones are what the Dividends figure adds up: 0.40 received less 0.5 x 0.30 owed
    assert rec["dividends"] == pytest.approx(0.40 - 0.5 * 0.30, rel=1e-12)
    text = " ".join(run(*args).stdout.split())
    assert "Dividends Ex-date Security Amount Who Counted" in text
    assert "2025-08-01 BIGCO USD 0.30 owed by the short of leg 1 yes" in text
    assert "no: goes ex after the expected close 2025-12-31" in text


# -- arb validate: one line per problem ------------------------------------------------------------

BAD_DEAL = """id = "x"
name = "X"
announced = "2025-01-01"
currency = "USD"
[target]
ticker = "T"
[[consideration]]
kind = "cash"
amount = "10"
[[consideration]]
kind = "cash"
amount = 5
weight = 3
"""


def test_validate_prints_one_line_per_problem(tmp_path: Path) -> None:
    from arb.errors import DealFileError
    from arb.loader import load_deal

    path = tmp_path / "bad.toml"
    path.write_text(BAD_DEAL, encoding="utf-8")
    res = run("validate", path)
    assert res.exit_code == 1
    lines = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 3, res.stderr
    assert all(line.startswith(f"error: {path}: ") for line in lines)
    keys = [line.removeprefix(f"error: {path}: ").split(": ")[0] for line in lines]
    assert keys == ["announced", "consideration #1.amount", "consideration #2.weight"]
    assert "; also" not in res.stderr and "more)" not in res.stderr
    assert "remove the quotes (amount = 10)" in lines[1]
    assert "remove the quotes (announced = 2025-01-01)" in lines[0]
    assert "0 valid, 1 invalid" in res.stdout
    # the library's error is still one line, and says how many more there are
    with pytest.raises(DealFileError) as info:
        load_deal(path)
    assert "\n" not in str(info.value) and "(and 2 more problems in this file" in str(info.value)
    assert [k for k, _ in info.value.problems] == keys


@pytest.mark.parametrize(
    ("value", "quotes"),
    [('"10"', True), ('"1_000.5"', True), ('"-2e3"', True), ('"ten"', False), ('"nan"', False), ("true", False)],
)
def test_a_quoted_number_says_to_remove_the_quotes(tmp_path: Path, value: str, quotes: bool) -> None:
    path = tmp_path / "q.toml"
    path.write_text(BAD_DEAL.replace('"2025-01-01"', "2025-01-01").replace('"10"', value), encoding="utf-8")
    res = run("validate", path)
    line = next(x for x in res.stderr.splitlines() if "consideration #1.amount" in x)
    assert ("remove the quotes" in line) is quotes, line


def test_every_todo_is_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "todo.toml"
    path.write_text(BAD_DEAL.replace('name = "X"', 'name = "TODO: the name"').replace('"T"', '"TODO: ticker"'))
    res = run("validate", path)
    todo_lines = [x for x in res.stderr.splitlines() if "still a TODO" in x]
    assert [x.split(": ")[2] for x in todo_lines] == ["name", "target.ticker"]


# -- no trailing spaces when piped -------------------------------------------------------------------


def test_the_console_strips_trailing_spaces_only_when_piped() -> None:
    from rich.table import Table

    from arb.cli.common import SafeConsole

    table = Table("Deal", "Spread %", box=None)  # no right edge: rich pads the last column with spaces
    table.add_row("a-long-deal-id", "1.0%")
    table.add_row("b", "")
    piped = io.StringIO()
    SafeConsole(file=piped, width=60, color_system=None).print(table)
    assert piped.getvalue() == " Deal            Spread %\n a-long-deal-id  1.0%\n b\n"
    assert not any(line != line.rstrip(" ") for line in piped.getvalue().splitlines())
    tty = io.StringIO()
    SafeConsole(file=tty, width=60, force_terminal=True, color_system=None).print(table)
    assert any(line.endswith(" ") for line in tty.getvalue().splitlines())  # a terminal gets rich's layout as is
    # a piece of a line still to be continued keeps its space
    piece = io.StringIO()
    console = SafeConsole(file=piece, width=60, color_system=None)
    console.print("left ", end="")
    console.print("right")
    assert piece.getvalue() == "left right\n"


@pytest.mark.parametrize("width", ["80", "100", "160"])
def test_report_and_show_piped_have_no_trailing_spaces(home: Path, monkeypatch: pytest.MonkeyPatch, width: str) -> None:
    monkeypatch.setenv("COLUMNS", width)
    for args in (
        ("report", "--all", "--prices", snapshot_path()),
        ("show", "enn-energy", "--prices", snapshot_path()),
        ("show", "dividends", "--deals", TEST_DEALS / "valid", "--prices", TEST_DEALS / "prices.csv"),
        ("calendar", "--deals", seeds_dir(), "--as-of", "2025-01-01", "--days", "3650", "--all"),
    ):
        res = run(*args)
        assert res.stdout.count("\n") > 3, args
        bad = [line for line in res.stdout.splitlines() if line != line.rstrip(" ")]
        assert not bad, (args, bad[:3])

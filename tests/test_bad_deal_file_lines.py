"""A bad deal file beside good ones: refresh, report and show print every problem, one line each,
and still value the deals that load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from arb.cli import app

DATA = Path(__file__).parent / "data" / "refresh"
PRICES = DATA / "prices-2025-06-02.csv"

# Three problems in one file, each in a different place.
BAD = """\
id = "gamma"
name = "Three problems"
currency = "HKD"
expected_close = 2025-12-31

[target]
ticker = "4444.HK"

[[consideration]]
kind = "cash"
amount = "ten"
currency = "HKD"

[[consideration]]
kind = "cash"
amount = 1.0
currency = "USX"

[[event]]
kind = "meeting"
date = 2025-08-01
confirmd = true
"""
PROBLEMS = (
    "consideration #1.amount: input should be a valid number",
    "consideration #2.currency: unknown currency code 'USX'",
    "event #1.confirmd: unknown key; did you mean 'confirmed'?",
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    deals = tmp_path / "deals"
    shutil.copytree(DATA / "deals", deals)
    (deals / "gamma.toml").write_text(BAD, encoding="utf-8")
    return deals


def _run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def _problem_lines(stderr: str, bad: Path) -> list[str]:
    return [line for line in stderr.splitlines() if str(bad) in line]


def _assert_every_problem(stderr: str, bad: Path) -> None:
    lines = _problem_lines(stderr, bad)
    assert len(lines) == len(PROBLEMS), stderr
    for line, problem in zip(lines, PROBLEMS, strict=True):
        assert f"{bad}: {problem}" in line
    assert "more problem" not in stderr  # nothing is left for `arb validate` to say


def test_refresh_prints_every_problem_and_values_the_rest(home: Path, folder: Path, tmp_path: Path) -> None:
    watchlist = tmp_path / "watchlist.toml"
    watchlist.write_text(f'[[watch]]\nid = "deals"\npath = "{folder}"\n', encoding="utf-8")
    res = _run("refresh", "--watchlist", watchlist, "--prices", PRICES)
    assert res.exit_code == 1
    _assert_every_problem(res.stderr, folder / "gamma.toml")
    assert "alpha" in res.stdout and "beta" in res.stdout

    res = _run("refresh", "--watchlist", watchlist, "--prices", PRICES, "--json")
    assert res.exit_code == 1
    got = json.loads(res.stdout)
    assert sorted(d["id"] for d in got["deals"]) == ["alpha", "beta"]
    assert len(got["deal_file_errors"]) == len(PROBLEMS)
    for line, problem in zip(got["deal_file_errors"], PROBLEMS, strict=True):
        assert line.startswith(f"{folder / 'gamma.toml'}: {problem}")
    _assert_every_problem(res.stderr, folder / "gamma.toml")


def test_report_prints_every_problem_and_values_the_rest(folder: Path) -> None:
    res = _run("report", folder, "--prices", PRICES, "--json")
    assert res.exit_code == 1
    assert sorted(d["id"] for d in json.loads(res.stdout)) == ["alpha", "beta"]
    _assert_every_problem(res.stderr, folder / "gamma.toml")


def test_show_prints_every_problem_and_shows_the_deal_asked_for(folder: Path) -> None:
    res = _run("show", "beta", "--deals", folder, "--prices", PRICES)
    assert "Leg 1:" in res.stdout and "[beta]" in res.stdout
    _assert_every_problem(res.stderr, folder / "gamma.toml")


def test_the_live_screen_lists_every_problem(home: Path, folder: Path, tmp_path: Path) -> None:
    import datetime as dt
    import io

    from rich.console import Console

    from arb.cli.live import LiveSession, render_live, run_live
    from arb.loader import load_deals
    from arb.prices.csvfile import CsvSource
    from arb.store import HistoryStore
    from arb.watchlist import load_watchlist

    today = dt.date.today().isoformat()  # the live screen values as of today: fresh prices
    prices = tmp_path / "today.csv"
    prices.write_text(
        f"symbol,price,currency,as_of\n1111.HK,9,HKD,{today}\n2222.HK,6,HKD,{today}\n3333.HK,9,HKD,{today}\n"
    )
    watchlist = tmp_path / "watchlist.toml"
    watchlist.write_text(f'[[watch]]\nid = "deals"\npath = "{folder}"\n', encoding="utf-8")

    def load() -> tuple[Any, Any]:
        wl = load_watchlist(watchlist)
        return wl, load_deals(wl.deal_paths())

    session = LiveSession(load, lambda: CsvSource(prices), HistoryStore(tmp_path / "h.sqlite3"), next_event=None)  # type: ignore[arg-type]
    screens: list[str] = []

    def show(s: LiveSession) -> None:
        console = Console(file=io.StringIO(), width=400, color_system=None)
        console.print(render_live(s, width=400))
        screens.append(console.file.getvalue())  # type: ignore[attr-defined]

    run_live(session, interval=300, show=show, sleep=lambda _: None, cycles=1)
    [screen] = screens
    bad = folder / "gamma.toml"
    lines = [line.strip() for line in screen.splitlines() if str(bad) in line]
    assert len(lines) == len(PROBLEMS)
    for line, problem in zip(lines, PROBLEMS, strict=True):
        assert line.startswith(f"error: {bad}: {problem}")
    assert any(line.startswith("alpha") for line in screen.splitlines())

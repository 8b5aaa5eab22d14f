"""What a new user's first day with the command line turned up (QA, 2026-12-01).

Each test names the command a careless user typed and what it must do; each failed before its fix.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import DEALS
from typer.testing import CliRunner

from arb.cli import app

CASH = DEALS / "valid" / "cash.toml"
TEST_PRICES = DEALS / "prices.csv"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARB_OFFLINE", "1")


def invoke(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("command", ["validate", "report"])
def test_an_empty_folder_is_named_not_passed_over(command: str, tmp_path: Path) -> None:
    empty = tmp_path / "my-deals"
    (empty / "sub").mkdir(parents=True)
    (empty / "_draft.toml").write_text('id = "draft"\n', encoding="utf-8")  # skipped by its name
    res = invoke(command, empty)
    assert res.exit_code == 1
    lines = res.stderr.splitlines()
    assert lines == [
        f"error: {empty}: holds no deal files (*.toml; names starting with '.' or '_' are skipped); "
        "give the folder your deal files are in, or write one with `arb new ID -o FOLDER`"
    ]


def test_an_empty_folder_never_stops_the_deals_beside_it(tmp_path: Path) -> None:
    deals = tmp_path / "deals"
    deals.mkdir()
    shutil.copy(CASH, deals / "cash.toml")
    (tmp_path / "empty").mkdir()
    res = invoke("report", deals, tmp_path / "empty", "--prices", TEST_PRICES, "--json")
    assert res.exit_code == 1  # an input was bad, and the good deal is still reported
    assert [r["id"] for r in json.loads(res.stdout)] == ["cash-deal"]
    assert f"{tmp_path / 'empty'}: holds no deal files" in res.stderr
    assert str(deals) not in res.stderr  # a folder with a deal file is not called empty


@pytest.mark.parametrize("chosen", ["deal,spread,value", "value,spread", "spread %,target"])
def test_chosen_money_columns_bring_their_currency(chosen: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # `arb report --columns deal,spread,value` showed USD and HKD figures side by side with no currency.
    monkeypatch.setenv("COLUMNS", "160")
    res = invoke("report", DEALS / "valid", "--prices", TEST_PRICES, "--columns", chosen)
    lines = res.stdout.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.strip().startswith("─"))
    head = re.split(r" {2,}", lines[rule - 1].strip())
    assert head[head.index("Deal") + 1] == "Ccy"
    rows = [re.split(r" {2,}", line.strip()) for line in lines[rule + 1 :] if line.strip()]
    rows = [row for row in rows if len(row) == len(head)]
    currencies = {row[head.index("Ccy")] for row in rows}
    assert {"USD", "HKD"} <= currencies  # the folder's deals are in more than one currency
    assert "Not shown" not in res.stdout  # Ccy, added, is never named as left out

"""One numbering of legs and other listed items: from 1, in file order, in every view (issue 13)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import arb
from arb.cli import app
from arb.display import deal_html, result_html
from arb.errors import DealFileError
from arb.loader import load_deal
from arb.numbering import item_key, key_path, leg_label, legs_label, number

# Leg 2 is the interesting one everywhere: a stock leg on ACME, quoted in USD with no USD->HKD rate
# (a flag note names the leg), shorted as the hedge (so ACME's dividend is owed by leg 2's short).
DEAL = """\
id = "two-legs"
name = "Two legs"
currency = "HKD"
expected_close = 2026-06-30
downside = 5.0

[target]
ticker = "0001.HK"

[[consideration]]
kind = "cash"
amount = 1.0
currency = "HKD"

[[consideration]]
kind = "stock"
ticker = "ACME"
ratio = {ratio}

[[dividend]]
ticker = "ACME"
amount = 0.1
currency = "USD"
ex_date = 2026-03-02
"""
PRICES = "symbol,price,currency,as_of\n0001.HK,10,HKD,2026-01-05\nACME,15,USD,2026-01-05\n"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good" / "two-legs.toml"
    bad = tmp_path / "bad" / "two-legs.toml"
    good.parent.mkdir()
    bad.parent.mkdir()
    good.write_text(DEAL.format(ratio="0.5"))
    bad.write_text(DEAL.format(ratio='"half"'))
    prices = tmp_path / "prices.csv"
    prices.write_text(PRICES)
    return {"good": good, "bad": bad, "prices": prices}


def _invoke(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def _cells(html: str) -> list[list[str]]:
    """The text of each table row's cells (header rows included)."""
    rows = re.findall(r"<tr>(.*?)</tr>", html)
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row) for row in rows]


def test_the_same_leg_has_the_same_number_in_every_view(files: dict[str, Path]) -> None:
    # validate: the error in the second [[consideration]] table names it #2
    res = _invoke("validate", files["bad"])
    assert res.exit_code == 1
    assert f"{files['bad']}: consideration #2.ratio: input should be a valid number" in res.stderr
    with pytest.raises(DealFileError) as info:
        load_deal(files["bad"])
    assert info.value.key == "consideration #2.ratio"

    # show: the block of that leg, its flag note, and the dividend its short owes
    res = _invoke("show", "two-legs", "--deals", files["good"], "--prices", files["prices"])
    lines = res.output.splitlines()
    assert any(line.startswith("Leg 2: stock ACME") for line in lines), res.output
    assert any(line.startswith("Leg 1: cash") for line in lines)
    assert "leg 2: no USD->HKD rate" in res.output
    assert "owed by the short of leg 2" in res.output
    assert "Leg 0" not in res.output and "leg 0" not in res.output

    # the JSON detail's dividend list numbers the leg the same way
    res = _invoke("show", "two-legs", "--deals", files["good"], "--prices", files["prices"], "--json")
    detail = json.loads(res.stdout)
    assert [d["legs"] for d in detail["dividend_list"]] == [[2]]
    assert "leg 2: no USD->HKD rate" in detail["notes"]

    # the HTML views: the deal's terms and the valued result list the ACME leg as 2
    deal = load_deal(files["good"])
    terms = _cells(deal_html(deal))
    assert terms[0] == ["leg", "kind", "terms"]
    assert [row[:2] for row in terms[1:3]] == [["1", "cash"], ["2", "stock"]]
    result = arb.valuation([deal], files["prices"]).results[0]
    priced = _cells(result_html(result))
    header = next(i for i, row in enumerate(priced) if row[:2] == ["leg", "terms"])
    assert priced[header + 1][0] == "1" and "cash" in priced[header + 1][1]
    assert priced[header + 2][0] == "2" and "ACME" in priced[header + 2][1]
    assert "leg 2: no USD-&gt;HKD rate" in result_html(result)


def test_every_listed_item_is_counted_from_one() -> None:
    assert number(0) == 1
    assert leg_label(1) == "leg 2"
    assert legs_label([0]) == "leg 1" and legs_label([0, 2]) == "legs 1, 3"
    assert item_key("event", 2) == "event #3"
    assert key_path(("revision", 0, "consideration", 1, "ratio")) == "revision #1.consideration #2.ratio"
    assert key_path((0, "id")) == "#1.id"
    assert key_path(("securities", "newco", "proxy"), str.upper) == "SECURITIES.NEWCO.PROXY"


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        # an event after the long-stop: the model's own check names the third event
        (
            '[[event]]\nkind = "long-stop"\ndate = 2026-06-30\n[[event]]\nkind = "meeting"\ndate = 2026-03-01\n'
            '[[event]]\nkind = "payment"\ndate = 2026-07-15\n',
            "event #3.date",
        ),
        # a bad key in the second leg of the first revision: pydantic's location, counted from 1
        (
            '[[revision]]\nsuperseded = 2025-12-01\n[[revision.consideration]]\nkind = "cash"\namount = 1.0\n'
            'currency = "HKD"\n[[revision.consideration]]\nkind = "cash"\namont = 1.0\ncurrency = "HKD"\n',
            "revision #1.consideration #2.amont",
        ),
        # the second condition
        (
            '[[condition]]\nname = "a"\nkind = "court"\nstatus = "pending"\n'
            '[[condition]]\nname = "b"\nkind = "court"\nstatus = "met"\n',
            "condition #2",
        ),
    ],
)
def test_key_paths_of_nested_items(tmp_path: Path, extra: str, key: str) -> None:
    path = tmp_path / "deal.toml"
    path.write_text(DEAL.format(ratio="0.5").replace("[[dividend]]", extra + "\n[[dividend]]"))
    with pytest.raises(DealFileError) as info:
        load_deal(path)
    assert [k for k, _ in info.value.problems] == [key]


def test_the_revisions_out_of_order_name_both_by_number(tmp_path: Path) -> None:
    revs = "".join(
        f'[[revision]]\nsuperseded = {day}\n[[revision.consideration]]\nkind = "cash"\namount = 1.0\ncurrency = "HKD"\n'
        for day in ("2025-11-01", "2025-10-01")
    )
    path = tmp_path / "deal.toml"
    path.write_text(DEAL.format(ratio="0.5").replace("[[dividend]]", revs + "\n[[dividend]]"))
    with pytest.raises(DealFileError) as info:
        load_deal(path)
    assert info.value.key == "revision #2.superseded"
    assert "is not after revision #1.superseded 2025-11-01" in info.value.problem

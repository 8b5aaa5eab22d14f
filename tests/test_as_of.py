"""No look-ahead: a valuation as of a date never uses a price dated after it (issue 9, point 11).

Price files and the store keep every dated price of a symbol and answer with the latest on or
before the as-of; any other source's later quotes are set aside by ``fetch_as_of``. A symbol
priced only after the as-of flags ``price-after-as-of`` and gives no figure.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import make_deal

from arb.prices.base import ChainSource, MemorySource, Quote, fetch_as_of
from arb.prices.csvfile import CsvSource
from arb.pricing import value_deals
from arb.store import HistoryStore, StoreSource

CASH = '[[consideration]]\nkind = "cash"\namount = 10.0\ncurrency = "HKD"\n'
TODAY = dt.date(2026, 12, 1)
HEADER = "symbol,price,currency,as_of,source\n"


def _csv(tmp_path: Path, rows: str) -> CsvSource:
    path = tmp_path / "prices.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return CsvSource(path, today=TODAY)


def test_a_price_file_answers_with_the_latest_price_on_or_before_the_as_of(tmp_path: Path) -> None:
    src = _csv(tmp_path, "T.HK,8.0,HKD,2025-06-02\nT.HK,9.0,HKD,2025-06-10\nT.HK,9.5,HKD,2025-06-20\n")
    assert src.errors == []
    deal = make_deal(CASH)
    for as_of, price in [(dt.date(2025, 6, 2), 8.0), (dt.date(2025, 6, 15), 9.0), (dt.date(2025, 6, 20), 9.5)]:
        r = value_deals([deal], src, as_of=as_of, today=TODAY).results[0]
        assert r.figures["target_price"] == price
        assert r.figures["spread"] == pytest.approx(10.0 - price, abs=1e-12)
        assert "price-after-as-of" not in r.flags
    # no as-of: the latest price, and the default as-of is its date
    v = value_deals([deal], src, today=TODAY)
    assert (v.as_of, v.results[0].figures["target_price"]) == (dt.date(2025, 6, 20), 9.5)


def test_only_later_prices_flag_price_after_as_of_and_give_no_figure(tmp_path: Path) -> None:
    src = _csv(tmp_path, "T.HK,9.0,HKD,2025-06-10\n")
    r = value_deals([make_deal(CASH)], src, as_of=dt.date(2025, 6, 9), today=TODAY).results[0]
    assert r.figures["target_price"] is None and r.figures["spread"] is None
    assert "price-after-as-of" in r.flags and "no-price" in r.flags
    assert any("2025-06-10" in n and "2025-06-09" in n for n in r.info.notes)
    assert "T.HK" not in r.info.prices


def test_a_later_fx_rate_is_not_used_either(tmp_path: Path) -> None:
    src = _csv(tmp_path, "T.HK,9.0,HKD,2025-06-01\nHKDUSD=X,0.128,USD,2025-06-12\n")
    deal = make_deal('[[consideration]]\nkind = "cash"\namount = 1.2\ncurrency = "USD"\n')
    r = value_deals([deal], src, as_of=dt.date(2025, 6, 5), today=TODAY).results[0]
    assert r.figures["deal_value"] is None
    assert {"no-fx-rate", "price-after-as-of"} <= set(r.flags)


def test_any_source_is_guarded_even_without_dated_rows() -> None:
    # A source that ignores the as-of (Yahoo, a dict) cannot slip a later price through.
    late = Quote("T.HK", 9.0, "HKD", dt.datetime(2025, 7, 1, 16, 8), "yahoo", "live")
    got = fetch_as_of(MemorySource({"T.HK": late}), ["T.HK"], dt.date(2025, 6, 30))
    assert got.quotes == {} and got.later == {"T.HK": late}
    assert got.failures["T.HK"] == "no price on or before the as-of 2025-06-30 (one dated 2025-07-01)"
    assert fetch_as_of(MemorySource({"T.HK": late}), ["T.HK"], dt.date(2025, 7, 1)).quotes == {"T.HK": late}
    undated = MemorySource({"T.HK": 9.0}, {"T.HK": "HKD"})
    assert list(fetch_as_of(undated, ["T.HK"], dt.date(2000, 1, 1)).quotes) == ["T.HK"]


def test_a_chain_falls_back_past_a_source_with_only_later_prices(tmp_path: Path) -> None:
    live = MemorySource({"T.HK": Quote("T.HK", 11.0, "HKD", dt.datetime(2025, 7, 1), "yahoo", "live")})
    chain = ChainSource([live, _csv(tmp_path, "T.HK,9.0,HKD,2025-06-01\n")])
    r = value_deals([make_deal(CASH)], chain, as_of=dt.date(2025, 6, 2), today=TODAY).results[0]
    q = r.info.prices["T.HK"]
    assert (q.price, q.kind) == (9.0, "file")
    assert q.fallback == "memory: no price on or before the as-of 2025-06-02 (one dated 2025-07-01)"
    assert "price-after-as-of" not in r.flags


def test_the_store_source_answers_as_of_a_date(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "history.sqlite3")
    deal = make_deal(CASH)
    for day, price in [(dt.date(2025, 6, 2), 8.0), (dt.date(2025, 6, 3), 8.5)]:
        path = tmp_path / f"{day}.csv"
        path.write_text(HEADER + f"T.HK,{price},HKD,{day}\n", encoding="utf-8")
        store.record_refresh(value_deals([deal], CsvSource(path, today=TODAY), today=TODAY), backfill=True)
    source = StoreSource(store, today=TODAY)
    assert source.fetch(["T.HK"]).quotes["T.HK"].price == 8.5
    assert source.fetch_at(["T.HK"], dt.date(2025, 6, 2)).quotes["T.HK"].price == 8.0
    assert value_deals([deal], source, as_of=dt.date(2025, 6, 2)).results[0].figures["target_price"] == 8.0
    early = value_deals([deal], source, as_of=dt.date(2025, 6, 1)).results[0]
    assert early.figures["target_price"] is None and "price-after-as-of" in early.flags


def test_a_future_row_is_an_error_and_never_moves_the_default_as_of(tmp_path: Path) -> None:
    # One row typed 2052 instead of 2025 used to move every deal's as-of to 2052.
    src = _csv(tmp_path, "T.HK,9.0,HKD,2025-06-20\nU.HK,5.0,HKD,2052-06-20\n")
    [err] = src.errors
    assert err.line == 3 and "after today" in err.problem and "2052-06-20" in err.problem
    assert "U.HK" not in src.quotes
    v = value_deals([make_deal(CASH)], src, today=TODAY)
    assert v.as_of == dt.date(2025, 6, 20)
    assert v.results[0].figures["annualized"] is not None


def test_the_default_as_of_ignores_a_future_quote_from_any_dated_source() -> None:
    quotes = {
        "T.HK": Quote("T.HK", 9.0, "HKD", dt.datetime(2025, 6, 20), "memory"),
        "CNYHKD=X": Quote("CNYHKD=X", 1.09, "HKD", dt.datetime(2052, 6, 20), "memory"),
    }
    source = MemorySource(quotes, as_of=dt.datetime(2025, 6, 20))
    assert value_deals([make_deal(CASH)], source, today=TODAY).as_of == dt.date(2025, 6, 20)


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ("T.HK,9.0,HKD,2025-06-10\nT.HK,9.1,HKD,2025-06-10T16:00:00\n", "already priced on line 2 for 2025-06-10"),
        ("T.HK,9.0,HKD,2025-06-10\nT.HK,9.1,HKD\n", "must all have an as_of"),
        ("T.HK,9.0,HKD\nT.HK,9.1,HKD\n", "already priced on line 2"),
    ],
)
def test_one_row_per_symbol_and_date(tmp_path: Path, rows: str, problem: str) -> None:
    src = _csv(tmp_path, rows)
    [err] = src.errors
    assert err.line == 3 and problem in err.problem
    assert src.quotes["T.HK"].price == 9.0


def test_scenarios_never_see_a_price_dated_after_their_as_of(tmp_path: Path) -> None:
    from arb.grid import scenarios

    src = _csv(tmp_path, "T.HK,8.0,HKD,2025-06-02\nT.HK,9.5,HKD,2025-06-20\n")
    deal = make_deal(CASH)
    early = scenarios(deal, src, grid={"downside": [5.0]}, as_of=dt.date(2025, 6, 10))
    assert early["target_price"].tolist() == [8.0]
    none = scenarios(deal, src, grid={"downside": [5.0]}, as_of=dt.date(2025, 6, 1))
    assert none["target_price"].isna().all()


def _deal_folder(tmp_path: Path) -> Path:
    from conftest import deal_toml

    folder = tmp_path / "deals"
    folder.mkdir()
    (folder / "t.toml").write_text(deal_toml(CASH), encoding="utf-8")
    return folder


def test_report_as_of_through_the_cli_and_the_api(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    import arb
    from arb.cli import app

    folder = _deal_folder(tmp_path)
    prices = tmp_path / "prices.csv"
    prices.write_text(HEADER + "T.HK,8.0,HKD,2025-06-02\nT.HK,9.5,HKD,2025-06-20\n", encoding="utf-8")
    runner = CliRunner()

    res = runner.invoke(app, ["report", str(folder), "--prices", str(prices), "--as-of", "2025-06-10", "--json"])
    assert res.exit_code == 0, res.output
    [rec] = json.loads(res.stdout)
    assert (rec["as_of"], rec["target_price"], rec["prices"]["T.HK"]["as_of"]) == ("2025-06-10", 8.0, "2025-06-02")

    res = runner.invoke(app, ["report", str(folder), "--prices", str(prices), "--as-of", "2025-06-01", "--json"])
    assert res.exit_code == 1  # the deal could not be valued, and says why
    [rec] = json.loads(res.stdout)
    assert rec["target_price"] is None and "price-after-as-of" in rec["flags"]
    assert "price-after-as-of" in res.stderr

    frame = arb.value(str(folder), str(prices), as_of="2025-06-10")
    assert frame.loc["t", "target_price"] == 8.0
    late = arb.value(str(folder), str(prices), as_of="2025-06-01")
    assert "price-after-as-of" in late.loc["t", "flags"]


def test_a_row_typed_2052_through_the_cli_is_an_error_line_and_moves_nothing(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from arb.cli import app

    folder = _deal_folder(tmp_path)
    prices = tmp_path / "prices.csv"
    prices.write_text(HEADER + "T.HK,9.0,HKD,2025-06-20\nCNYHKD=X,1.09,HKD,2052-06-20\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["report", str(folder), "--prices", str(prices), "--json"])
    assert res.exit_code == 1  # a bad row is bad input
    [rec] = json.loads(res.stdout)
    assert rec["as_of"] == "2025-06-20" and rec["annualized"] is not None
    [line] = [x for x in res.stderr.splitlines() if "2052" in x]
    assert line.startswith(f"error: {prices}:3: ") and "after today" in line

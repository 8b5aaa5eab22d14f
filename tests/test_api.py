"""The pandas API: load, value, prices_from, expected_return, history, and the package's exports."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import arb
from arb.api import expected_return, history, load, prices_from, valuation, value
from arb.engine import FIGURES
from arb.errors import ArbError, DealFileError, PriceFileError, PriceSourceError
from arb.prices.base import ChainSource, MemorySource, Quote

SEEDS = Path(__file__).parent.parent / "seeds"
ENN_VALUE = 2.9427 * 18.86 + 24.50  # the article's figures: 79.999322
AS_OF = dt.date(2025, 6, 20)


# -- the package's exports ---------------------------------------------------------------------


def test_all_is_sorted_and_complete() -> None:
    assert arb.__all__ == sorted(arb.__all__)
    assert len(set(arb.__all__)) == len(arb.__all__)
    for name in arb.__all__:
        assert hasattr(arb, name), name
    for name in ("load", "value", "valuation", "prices_from", "scenarios", "expected_return", "history"):
        assert name in arb.__all__


def test_import_arb_loads_neither_matplotlib_nor_pandas() -> None:
    code = "import sys, arb; print(sorted(m for m in ('matplotlib', 'pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- load --------------------------------------------------------------------------------------


def test_load_defaults_to_the_bundled_seeds() -> None:
    assert sorted(d.id for d in load()) == ["black-sesame-soc", "enn-energy"]


def test_load_one_file_and_a_folder(tmp_path: Path) -> None:
    assert [d.id for d in load(SEEDS / "enn-energy.toml")] == ["enn-energy"]
    assert len(load([SEEDS])) == 2


def _bad_folder(tmp_path: Path) -> Path:
    (tmp_path / "good.toml").write_text((SEEDS / "enn-energy.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "a-bad.toml").write_text('id = "x"\nname = "X"\n[target]\ntickr = "1.HK"\n', encoding="utf-8")
    (tmp_path / "b-bad.toml").write_text("id = = 1\n", encoding="utf-8")
    return tmp_path


def test_load_raises_on_the_first_bad_file_naming_the_others(tmp_path: Path) -> None:
    folder = _bad_folder(tmp_path)
    with pytest.raises(DealFileError) as info:
        load(folder)
    err = info.value
    assert err.path.name == "a-bad.toml"
    assert err.key == "target.tickr"
    assert "did you mean 'ticker'" in str(err)
    assert "and 1 more bad deal file" in str(err) and "b-bad.toml" in str(err)


def test_load_skip_bad_warns_and_keeps_the_good(tmp_path: Path) -> None:
    folder = _bad_folder(tmp_path)
    with pytest.warns(UserWarning) as warned:
        deals = load(folder, skip_bad=True)
    assert [d.id for d in deals] == ["enn-energy"]
    assert sorted(Path(str(w.message).split(": ")[0].removeprefix("skipped ")).name for w in warned) == [
        "a-bad.toml",
        "b-bad.toml",
    ]


def test_load_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ArbError, match="no deal files"):
        load(tmp_path)


# -- value -------------------------------------------------------------------------------------


def test_value_at_the_article_prices() -> None:
    frame = value(prices="snapshot")
    assert list(frame.index) == ["black-sesame-soc", "enn-energy"]
    enn = frame.loc["enn-energy"]
    assert enn["deal_value"] == pytest.approx(ENN_VALUE, abs=1e-12)
    assert enn["spread"] == pytest.approx(ENN_VALUE - 65.0, abs=1e-12)
    assert enn["spread_pct"] == pytest.approx((ENN_VALUE - 65.0) / 65.0, abs=1e-12)
    assert round(enn["deal_value"], 2) == 80.00 and round(100 * enn["spread_pct"], 1) == 23.1
    assert enn["days_to_close"] == (dt.date(2025, 12, 31) - AS_OF).days == 194
    assert enn["implied_probability"] == pytest.approx((65 - 55) / (ENN_VALUE - 55), abs=1e-12)
    assert enn["flags"] == "estimate-used"
    assert enn["price.2688.HK"] == 65.0 and enn["price_currency.2688.HK"] == "HKD"
    assert math.isnan(frame.loc["black-sesame-soc", "spread"])


def test_value_has_the_same_figures_as_report_json() -> None:
    from arb.cli import app

    prices = SEEDS / "prices.csv"
    result = CliRunner().invoke(app, ["report", "--json", "--prices", str(prices)])
    records = {r["id"]: r for r in json.loads(result.stdout)}
    assert set(records) == {"enn-energy", "black-sesame-soc"}
    frame = value(prices=prices)
    for deal_id, rec in records.items():
        row = frame.loc[deal_id]
        for key in FIGURES:
            want = rec[key]
            if want is None:
                assert math.isnan(row[key]), (deal_id, key)
            else:
                assert row[key] == want, (deal_id, key)
        for sym, shares in rec["hedge"].items():
            assert row[f"hedge.{sym}"] == shares
        for sym, q in rec["prices"].items():
            assert row[f"price.{sym}"] == q["price"]


def test_value_with_a_dict_prices_the_h_shares_from_the_a_shares() -> None:
    prices = {"2688.HK": 65.0, "600803.SH": 14.0, "CNYHKD=X": 1.1}  # currencies guessed: HKD, CNY, HKD
    row = value(SEEDS / "enn-energy.toml", prices, as_of="2025-06-20").loc["enn-energy"]
    h_price = 14.0 * 1.1  # discount 0 in the seed
    assert row["deal_value"] == pytest.approx(2.9427 * h_price + 24.5, abs=1e-12)
    assert row["hedge.600803.SS"] == pytest.approx(2.9427, abs=1e-15)
    assert row["price_currency.600803.SS"] == "CNY"
    assert row["flags"] == ""


def test_value_with_overrides() -> None:
    row = value(prices="snapshot", overrides={"2688.HK": 66.0}).loc["enn-energy"]
    assert row["spread"] == pytest.approx(ENN_VALUE - 66.0, abs=1e-12)


def test_valuation_keeps_the_objects() -> None:
    v = valuation(prices="snapshot")
    assert isinstance(v, arb.Valuation)
    assert v.get("enn-energy").info.legs[0].priced_by == "estimate"


# -- prices_from -------------------------------------------------------------------------------


def _fetch(source: object, *symbols: str) -> dict[str, Quote]:
    assert isinstance(source, arb.PriceSource)
    return source.fetch(symbols).quotes


def test_prices_from_a_dict() -> None:
    quotes = _fetch(prices_from({"2688.HK": 65, "X": (3.5, "USD"), "q": 2.0}, {"q": "EUR"}), "2688.HK", "X", "q")
    assert (quotes["2688.HK"].price, quotes["2688.HK"].currency) == (65.0, "HKD")
    assert (quotes["X"].price, quotes["X"].currency) == (3.5, "USD")
    assert quotes["q"].currency == "EUR"


def test_prices_from_a_dict_checks_prices_and_currencies() -> None:
    with pytest.raises(PriceSourceError, match="above zero"):
        prices_from({"2688.HK": -1.0})
    with pytest.raises(PriceSourceError, match="no currency for 'enn-ng-h'"):
        prices_from({"enn-ng-h": 18.0})
    with pytest.raises(PriceSourceError, match="unknown currency"):
        prices_from({"2688.HK": (65.0, "HKG")})


def test_prices_from_a_dataframe_dated_and_synthetic() -> None:
    frame = pd.DataFrame(
        {
            "symbol": ["2688.HK", "600803.SH"],
            "price": [64.0, 14.2],
            "currency": ["HKD", "CNY"],
            "as_of": ["2025-07-01", "2025-07-01"],
            "source": ["synthetic: test", "synthetic: test"],
        }
    )
    source = prices_from(frame)
    assert source.dated
    quotes = _fetch(source, "2688.HK", "600803.SS")
    assert quotes["600803.SS"].price == 14.2 and quotes["600803.SS"].synthetic
    assert quotes["2688.HK"].as_of == dt.datetime(2025, 7, 1)
    v = valuation(SEEDS / "enn-energy.toml", frame)
    assert v.as_of == dt.date(2025, 7, 1)
    assert "synthetic-price" in v.get("enn-energy").flags


def test_prices_from_a_dataframe_needs_its_columns() -> None:
    with pytest.raises(PriceSourceError, match="missing column"):
        prices_from(pd.DataFrame({"ticker": ["1.HK"], "price": [1.0]}))


def test_prices_from_a_csv_path_and_named_sources(tmp_path: Path) -> None:
    csv = tmp_path / "p.csv"
    csv.write_text("symbol,price,currency\n2688.HK,66,HKD\n0001.HK,-2,HKD\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"p.csv:3: 0001.HK: price must be above zero"):
        source = prices_from(csv)
    assert _fetch(source, "2688.HK")["2688.HK"].price == 66.0
    assert prices_from("snapshot").label.startswith("snapshot")
    with pytest.raises(PriceFileError, match="no such price file"):
        prices_from(tmp_path / "missing.csv")


def test_prices_from_store_and_yahoo_are_the_right_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arb.prices.yahoo import YahooSource
    from arb.store import StoreSource

    monkeypatch.setenv("ARB_HOME", str(tmp_path))
    assert isinstance(prices_from("store"), StoreSource)
    assert isinstance(prices_from("yahoo"), YahooSource)
    assert not (tmp_path / "history.sqlite3").exists()  # asking for the source creates nothing


def test_prices_from_a_list_chains_the_sources() -> None:
    source = prices_from([{"2688.HK": 70.0}, "snapshot"])
    assert isinstance(source, ChainSource)
    quotes = _fetch(source, "2688.HK", "2533.HK")
    assert quotes["2688.HK"].price == 70.0
    assert quotes["2533.HK"].price == 18.24 and quotes["2533.HK"].fallback


def test_prices_from_a_source_is_the_source() -> None:
    source = MemorySource({"A": 1.0}, {"A": "USD"})
    assert prices_from(source) is source
    with pytest.raises(TypeError):
        prices_from(3.0)  # type: ignore[arg-type]


# -- expected_return ---------------------------------------------------------------------------


def test_expected_return_from_a_result() -> None:
    enn = valuation(prices="snapshot").get("enn-energy")
    # p = 1: the spread; p = 0: the loss to the downside (HK$55 in the seed).
    assert expected_return(enn, 1.0) == pytest.approx((ENN_VALUE - 65) / 65, abs=1e-15)
    assert expected_return(enn, 0.0) == pytest.approx((55 - 65) / 65, abs=1e-15)
    assert expected_return(enn, 0.5) == pytest.approx((0.5 * ENN_VALUE + 0.5 * 55 - 65) / 65, abs=1e-15)
    assert expected_return(enn, 0.5, downside=60.0) == pytest.approx((0.5 * ENN_VALUE + 30 - 65) / 65, abs=1e-15)
    # At the market-implied probability the expected return is zero.
    assert expected_return(enn, enn.figures["implied_probability"]) == pytest.approx(0.0, abs=1e-12)
    many = expected_return(enn, np.array([0.0, 1.0]))
    assert isinstance(many, np.ndarray) and many.shape == (2,)


def test_expected_return_from_a_frame_and_a_record() -> None:
    frame = value(prices="snapshot")
    series = expected_return(frame, 0.9)
    assert isinstance(series, pd.Series) and list(series.index) == list(frame.index)
    assert series["enn-energy"] == pytest.approx((0.9 * ENN_VALUE + 0.1 * 55 - 65) / 65, abs=1e-12)
    assert math.isnan(series["black-sesame-soc"])
    row = expected_return(frame.loc["enn-energy"], 0.9)
    assert row == pytest.approx(series["enn-energy"], abs=1e-15)
    rec = valuation(prices="snapshot").get("enn-energy").to_dict()
    assert expected_return(rec, 0.9) == pytest.approx(series["enn-energy"], abs=1e-15)
    with pytest.raises(ArbError, match="from 0 to 1"):
        expected_return(rec, 90)


# -- history -----------------------------------------------------------------------------------


def test_history_from_a_store(tmp_path: Path) -> None:
    from arb.store import HistoryStore

    store = HistoryStore(tmp_path / "h.sqlite3")
    deals = load(SEEDS / "enn-energy.toml")
    for day, price in (("2025-06-20", 65.0), ("2025-06-23", 66.0)):
        frame = pd.DataFrame(
            {
                "symbol": ["2688.HK"],
                "price": [price],
                "currency": ["HKD"],
                "as_of": [day],
                "source": ["synthetic: test"],
            }
        )
        store.record_refresh(valuation(deals, frame), backfill=True)
    hist = history("enn-energy", store=tmp_path / "h.sqlite3")
    assert list(hist["as_of"]) == [pd.Timestamp("2025-06-20"), pd.Timestamp("2025-06-23")]
    assert list(hist["spread"]) == pytest.approx([ENN_VALUE - 65, ENN_VALUE - 66], abs=1e-12)
    assert list(hist["terms_changed"]) == [False, False]
    assert len(history("enn-energy", store=store, since="2025-06-21")) == 1
    with pytest.raises(ArbError, match="no stored valuation of 'nope'"):
        history("nope", store=store)
    with pytest.raises(ArbError, match="no history store yet"):
        history("enn-energy", store=tmp_path / "none.sqlite3")


# -- HTML in Jupyter ---------------------------------------------------------------------------


def test_deal_and_results_show_as_html() -> None:
    enn = load(SEEDS / "enn-energy.toml")[0]
    deal_page = enn._repr_html_()
    assert "2.9427 enn-ng-h shares" in deal_page and "HKD 24.50 cash" in deal_page
    assert "Bamboo Works" in deal_page and "600803.SS" in deal_page  # the source and the proxy
    prices = {"2688.HK": 65.0, "600803.SS": 15.0, "CNYHKD=X": 1.09}
    v = valuation(enn, prices, as_of=AS_OF)
    page = v.get("enn-energy")._repr_html_()
    h_price = 15.0 * 1.09
    assert f"15 x 1.0900 x (1 - 0) = {h_price:.4f}" in page  # the proxy arithmetic
    assert f"= {2.9427 * h_price:,.2f}" in page
    assert "hedge: short 2.9427 600803.SS per target share" in page
    assert "+11.7%" in page  # spread % = (2.9427 x 16.35 + 24.50 - 65) / 65
    report = v._repr_html_()
    assert "enn-energy" in report and "as of 2025-06-20" in report


def test_html_escapes_text() -> None:
    from arb.display import deal_html

    enn = load(SEEDS / "enn-energy.toml")[0]
    odd = enn.model_copy(update={"name": "<script>alert(1)</script> & co"})
    page = deal_html(odd)
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp; co" in page


# -- the doors: bad deal files, security keys, units ----------------------------------------------


def test_load_refuses_inf_and_non_tickers_with_one_line(tmp_path: Path) -> None:
    head = 'id = "bad"\nname = "x"\n\n[target]\nticker = "{t}"\n'
    leg = '[[consideration]]\nkind = "stock"\nratio = {r}\nticker = "BIGCO"\n'
    cases = [
        (head.format(t="T") + leg.format(r="inf"), "consideration[0].ratio"),
        (head.format(t="."), "target.ticker"),
    ]
    for text, key in cases:
        path = tmp_path / "bad.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(DealFileError) as info:
            load(path)
        assert info.value.key == key and "\n" not in str(info.value)


def test_a_grid_and_overrides_find_a_mixed_case_security(tmp_path: Path) -> None:
    deal = arb.Deal.model_validate(
        {
            "id": "newco",
            "name": "x",
            "expected_close": dt.date(2025, 12, 31),
            "currency": "HKD",
            "target": {"ticker": "OLD.HK"},
            "consideration": [{"kind": "stock", "ratio": 2.0, "security": "NewCo"}],
            "securities": {"NewCo": {"currency": "HKD", "proxy": "600803.SS", "estimate": 10.0}},
        }
    )
    prices = {"OLD.HK": 25.0, "600803.SS": (13.0, "CNY"), "CNYHKD=X": 1.1}
    grid = arb.scenarios(deal, prices, {"NewCo": [12.0, 14.0]}, as_of="2025-06-20")
    assert list(grid["deal_value"]) == pytest.approx([24.0, 28.0])
    grid = arb.scenarios(deal, prices, {"discount:NewCo": [0.0, 0.5]}, as_of="2025-06-20")
    assert list(grid["deal_value"]) == pytest.approx([2 * 13.0 * 1.1, 13.0 * 1.1])
    v = valuation(deal, prices, overrides={"NEWCO": 99.0, "NewCo": 11.0}, as_of="2025-06-20").get("newco")
    assert v.figures["deal_value"] == pytest.approx(22.0)  # "NEWCO" in capitals is a ticker, not the security

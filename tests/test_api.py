"""The pandas API: load, value, prices_from, expected_return, history, and the package's exports."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import arb
from arb.api import expected_return, history, load, prices_from, valuation, value
from arb.costs import NET_FIGURES
from arb.engine import FIGURES
from arb.errors import ArbError, DealFileError, PriceFileError, PriceSourceError
from arb.frames import DEAL_COLUMNS, FLAG_FAMILIES, HEDGE_COLUMNS, PRICE_COLUMNS
from arb.prices.base import ChainSource, MemorySource, Quote
from arb.pricing import LONG_STOP_FIGURES

SEEDS = Path(__file__).parent.parent / "seeds"
ENN_VALUE = 2.9427 * 18.86 + 24.50  # the article's figures: 79.999322
AS_OF = dt.date(2025, 6, 20)
ALL_FIGURES = (*FIGURES, *LONG_STOP_FIGURES, *NET_FIGURES)


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
    ids = sorted(tomllib.loads(p.read_text(encoding="utf-8"))["id"] for p in SEEDS.glob("*.toml"))
    assert len(ids) >= 2 and "enn-energy" in ids
    assert sorted(d.id for d in load()) == ids


def test_load_one_file_and_a_folder(tmp_path: Path) -> None:
    assert [d.id for d in load(SEEDS / "enn-energy.toml")] == ["enn-energy"]
    assert len(load([SEEDS])) == len(list(SEEDS.glob("*.toml")))


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
    frame = value([SEEDS / "black-sesame.toml", SEEDS / "enn-energy.toml"], prices="snapshot")
    assert list(frame.index) == ["black-sesame-soc", "enn-energy"]
    enn = frame.loc["enn-energy"]
    assert enn["deal_value"] == pytest.approx(ENN_VALUE, abs=1e-12)
    assert enn["spread"] == pytest.approx(ENN_VALUE - 65.0, abs=1e-12)
    assert enn["spread_pct"] == pytest.approx((ENN_VALUE - 65.0) / 65.0, abs=1e-12)
    assert round(enn["deal_value"], 2) == 80.00 and round(100 * enn["spread_pct"], 1) == 23.1
    assert enn["days_to_close"] == (dt.date(2025, 12, 31) - AS_OF).days == 194
    assert enn["implied_probability"] == pytest.approx((65 - 55) / (ENN_VALUE - 55), abs=1e-12)
    assert enn["flags"] == ["pre-conditional", "estimate-used"] and enn["estimate"] and not enn["blocked"]
    assert enn["at_risk"] and not enn["ended"]  # waiting on its pre-conditions
    assert enn["notes"] == [
        "the deal is pre-conditional",  # status_date 2025-12-28 is after the as-of
        "enn-ng-h valued at its estimate 18.86 HKD: no price for its proxy 600803.SS",
    ]
    assert enn["as_of"] == pd.Timestamp("2025-06-20") and enn["expected_close"] == pd.Timestamp("2025-12-31")
    assert math.isnan(frame.loc["black-sesame-soc", "spread"])
    assert frame.loc["black-sesame-soc", "blocked"] and frame.loc["black-sesame-soc", "missing_price"]
    assert pd.isna(frame.loc["black-sesame-soc", "expected_close"])


def test_value_has_the_same_figures_as_report_json() -> None:
    from arb.cli import app

    prices = SEEDS / "prices.csv"
    result = CliRunner().invoke(app, ["report", "--json", "--prices", str(prices)])
    records = {r["id"]: r for r in json.loads(result.stdout)}
    assert {"enn-energy", "black-sesame-soc"} <= set(records)
    frame = value(prices=prices)
    for deal_id, rec in records.items():
        row = frame.loc[deal_id]
        for key in ALL_FIGURES:
            want = rec.get(key)  # long-stop and net figures only where the deal has them
            if want is None:
                assert math.isnan(row[key]), (deal_id, key)
            else:
                assert row[key] == want, (deal_id, key)
        assert row["flags"] == rec["flags"] and row["notes"] == rec["notes"]
        assert row["expected_close"] == pd.Timestamp(rec["expected_close"]) or rec["expected_close"] is None
        assert row["terms_hash"] == rec["terms_hash"] and row["as_of"] == pd.Timestamp(rec["as_of"])
    deals, prices, hedges = value(prices=prices, frames=True)
    assert deals.equals(frame)
    for deal_id, rec in records.items():
        mine = prices[prices["deal"] == deal_id]
        assert dict(zip(mine["symbol"], mine["price"], strict=True)) == {
            s: q["price"] for s, q in rec["prices"].items()
        }
        assert list(mine["currency"]) == [q["currency"] for q in rec["prices"].values()]
        assert list(mine["source"]) == [q["source"] for q in rec["prices"].values()]
        mine = hedges[hedges["deal"] == deal_id]
        assert dict(zip(mine["symbol"], mine["shares"], strict=True)) == rec["hedge"]


def test_value_with_a_dict_prices_the_h_shares_from_the_a_shares() -> None:
    prices = {"2688.HK": 65.0, "600803.SH": 14.0, "CNYHKD=X": 1.1}  # currencies guessed: HKD, CNY, HKD
    deals, long_prices, hedges = value(SEEDS / "enn-energy.toml", prices, as_of="2025-06-20", frames=True)
    row = deals.loc["enn-energy"]
    h_price = 14.0 * 1.1  # discount 0 in the seed
    assert row["deal_value"] == pytest.approx(2.9427 * h_price + 24.5, abs=1e-12)
    assert "estimate-used" not in row["flags"] and not row["estimate"] and not row["blocked"]
    # The long frames: ENN's three prices (the target, the A share its H shares are priced from,
    # the rate), and one hedge: short the A shares at the ratio.
    got = long_prices.set_index("symbol")
    assert list(long_prices["deal"].unique()) == ["enn-energy"]
    assert sorted(got.index) == ["2688.HK", "600803.SS", "CNYHKD=X"]
    assert got.loc["2688.HK", ["price", "currency"]].tolist() == [65.0, "HKD"]
    assert got.loc["600803.SS", ["price", "currency"]].tolist() == [14.0, "CNY"]
    assert got.loc["CNYHKD=X", ["price", "currency"]].tolist() == [1.1, "HKD"]
    assert got["as_of"].isna().all()  # a dict's prices carry no date
    assert got["fallback"].isna().all() and set(got["kind"]) == {"memory"}
    assert hedges["deal"].tolist() == ["enn-energy"] and hedges["symbol"].tolist() == ["600803.SS"]
    assert hedges["shares"].iloc[0] == pytest.approx(2.9427, abs=1e-15)


def test_value_with_overrides() -> None:
    row = value(prices="snapshot", overrides={"2688.HK": 66.0}).loc["enn-energy"]
    assert row["spread"] == pytest.approx(ENN_VALUE - 66.0, abs=1e-12)


def test_valuation_keeps_the_objects() -> None:
    v = valuation(prices="snapshot")
    assert isinstance(v, arb.Valuation)
    assert v.get("enn-energy").info.legs[0].priced_by == "estimate"
    # The object gives the same frames as value(..., frames=True).
    deals, prices, hedges = value(prices="snapshot", frames=True)
    assert v.to_frame().equals(deals) and v.prices_frame().equals(prices) and v.hedges_frame().equals(hedges)


# -- the frames: fixed columns, dtypes, long prices and hedges --------------------------------


def _synthetic(tmp_path: Path, n: int, seed: int = 0) -> tuple[list[arb.Deal], MemorySource]:
    """``n`` synthetic deal files (benchmarks/synthetic.py) loaded, and a source pricing them."""
    import sys

    repo = str(Path(__file__).resolve().parents[1])
    if repo not in sys.path:  # benchmarks/ sits beside the package
        sys.path.insert(0, repo)
    from arb.book import symbols_for
    from benchmarks.synthetic import synthetic_quotes, write_deal_files

    write_deal_files(tmp_path, n, seed)
    deals = load(tmp_path)
    return deals, MemorySource(synthetic_quotes(symbols_for(deals), seed), label="synthetic")


def test_columns_and_dtypes_never_depend_on_the_deals(tmp_path: Path) -> None:
    deals, source = _synthetic(tmp_path, 40)
    synthetic = value(deals, source, as_of=AS_OF, frames=True)
    seeds = value(prices="snapshot", frames=True)
    empty = value([], "snapshot", as_of=AS_OF, frames=True)
    for frames in (synthetic, seeds, empty):
        assert tuple(frames.deals.columns) == DEAL_COLUMNS and frames.deals.index.name == "id"
        assert tuple(frames.prices.columns) == PRICE_COLUMNS
        assert tuple(frames.hedges.columns) == HEDGE_COLUMNS
    for a, b in ((synthetic, seeds), (synthetic, empty)):
        for name in ("deals", "prices", "hedges"):
            assert getattr(a, name).dtypes.to_dict() == getattr(b, name).dtypes.to_dict(), name
    # Far more symbols than columns: no column per symbol.
    assert synthetic.prices["symbol"].nunique() > len(DEAL_COLUMNS)
    assert not [c for c in synthetic.deals.columns if "." in c]


def test_frame_dtypes(tmp_path: Path) -> None:
    deals, source = _synthetic(tmp_path, 40)
    frame, prices, hedges = value(deals, source, as_of=AS_OF, frames=True)
    for col in ("as_of", "expected_close"):
        assert pd.api.types.is_datetime64_dtype(frame[col]), col
    assert pd.api.types.is_datetime64_dtype(prices["as_of"])
    for col in ALL_FIGURES:
        assert frame[col].dtype == np.float64, col
    for col in (*FLAG_FAMILIES, "costed"):
        assert frame[col].dtype == np.bool_, col
    for col in ("flags", "notes"):
        assert all(isinstance(x, list) for x in frame[col]), col
    for col in ("name", "status", "target", "terms_hash"):
        assert pd.api.types.is_string_dtype(frame[col]), col
    assert prices["price"].dtype == np.float64 and hedges["shares"].dtype == np.float64
    assert (frame["as_of"] == pd.Timestamp(AS_OF)).all()


def test_frame_figures_are_the_records_and_families_follow_the_flags(tmp_path: Path) -> None:
    deals, source = _synthetic(tmp_path, 200, seed=3)
    v = valuation(deals, source, as_of=AS_OF)
    frame = v.to_frame()
    assert list(frame.index) == [r.id for r in v.results]
    for r in v.results:
        row = frame.loc[r.id]
        for key in ALL_FIGURES:
            want = r.figures.get(key) if r.net is None or key not in r.net else r.net[key]
            assert math.isnan(row[key]) if want is None else row[key] == want, (r.id, key)
        for family, members in FLAG_FAMILIES.items():
            if family != "stale":
                assert row[family] == bool(members & set(r.flags)), (r.id, family)
        want_close = pd.NaT if r.deal.expected_close is None else pd.Timestamp(r.deal.expected_close)
        assert row["expected_close"] is want_close or row["expected_close"] == want_close
    # The synthetic quotes are memory quotes, first-hand, and flagged synthetic.
    assert frame["synthetic"].all() and not frame["stale"].any()
    # The long frames hold each deal's own prices and hedge, in order.
    prices, hedges = v.prices_frame(), v.hedges_frame()
    assert len(prices) == sum(len(r.info.prices) for r in v.results)
    assert len(hedges) == sum(len(r.hedge) for r in v.results) > 0
    first = next(r for r in v.results if r.hedge)
    mine = hedges[hedges["deal"] == first.id]
    assert dict(zip(mine["symbol"], mine["shares"], strict=True)) == first.hedge


def test_long_stop_and_net_figures_are_columns_of_every_frame(tmp_path: Path) -> None:
    text = (SEEDS / "enn-energy.toml").read_text(encoding="utf-8")
    text += (
        '\n[[event]]\nkind = "long-stop"\ndate = 2026-06-30\n'
        "\n[costs]\nfunding_rate = {HKD = 0.04}\nborrow_fee = {CN = 0.08}\n"
        "stamp_duty = {HK = {buy = 0.001, sell = 0.001}}\nprobability = 0.85\n"
    )
    (tmp_path / "enn.toml").write_text(text, encoding="utf-8")
    prices = {"2688.HK": 65.0, "600803.SH": 14.0, "CNYHKD=X": 1.1}
    v = valuation([tmp_path / "enn.toml", SEEDS / "black-sesame.toml"], prices, as_of="2025-06-20")
    enn, sesame = v.results
    assert enn.net is not None and sesame.net is None
    frame = v.to_frame()
    assert tuple(frame.columns) == DEAL_COLUMNS
    assert frame["costed"].tolist() == [True, False]
    rec = enn.to_dict()
    assert rec["days_to_long_stop"] == (dt.date(2026, 6, 30) - dt.date(2025, 6, 20)).days
    for key in (*LONG_STOP_FIGURES, *NET_FIGURES):
        got, want = frame.loc["enn-energy", key], rec.get(key)
        assert math.isnan(got) if want is None else got == want, key
        assert math.isnan(frame.loc["black-sesame-soc", key]), key
    assert frame.loc["enn-energy", "net_spread"] == pytest.approx(enn.figures["spread"] - rec["carry_cost"])


def test_stale_is_the_history_stores_test() -> None:
    from arb.store.db import is_stale

    v = valuation(prices="snapshot")
    frame = v.to_frame()
    assert [bool(frame.loc[r.id, "stale"]) for r in v.results] == [is_stale(r) for r in v.results]
    assert frame.loc["enn-energy", "stale"]  # priced from the snapshot: not live
    fresh = value(SEEDS / "enn-energy.toml", {"2688.HK": 65.0}, as_of="2025-06-20")
    assert not fresh.loc["enn-energy", "stale"]


def test_flag_families_cover_the_flag_table() -> None:
    from arb.flags import FLAGS

    blocking = {str(f) for f, spec in FLAGS.items() if spec.blocks}
    assert FLAG_FAMILIES["blocked"] == blocking
    named = set().union(*FLAG_FAMILIES.values())
    assert named <= {str(f) for f in FLAGS}, "a family names a flag the table does not have"
    for flag, spec in FLAGS.items():
        homes = [name for name, members in FLAG_FAMILIES.items() if flag in members]
        if spec.blocks:
            assert "blocked" in homes, flag
        else:  # a warning sets exactly one family
            assert len(homes) == 1, f"{flag}: in families {homes}; give it one in arb.frames.FLAG_FAMILIES"


def test_prices_frame_keeps_each_quotes_own_day_and_fallback() -> None:
    from zoneinfo import ZoneInfo

    # A live quote stamped in Hong Kong time keeps its wall time (the trading day), zone dropped;
    # a quote that fell back says why; an undated one is NaT.
    hk = dt.datetime(2025, 6, 20, 16, 8, tzinfo=ZoneInfo("Asia/Hong_Kong"))
    quotes = {
        "2688.HK": Quote("2688.HK", 65.0, "HKD", hk, "yahoo", "test", fallback="yahoo: timed out"),
        "600803.SS": Quote("600803.SS", 14.0, "CNY", None, "memory", "test"),
        "CNYHKD=X": Quote("CNYHKD=X", 1.1, "HKD", hk, "yahoo", "test"),
    }
    v = valuation(SEEDS / "enn-energy.toml", MemorySource(quotes), as_of="2025-06-20")
    got = v.prices_frame().set_index("symbol")
    assert got.loc["2688.HK", "as_of"] == pd.Timestamp("2025-06-20 16:08")
    assert pd.isna(got.loc["600803.SS", "as_of"])
    assert got.loc["2688.HK", "fallback"] == "yahoo: timed out" and pd.isna(got.loc["CNYHKD=X", "fallback"])
    assert got.loc["2688.HK", "kind"] == "yahoo" and got.loc["2688.HK", "source"] == "yahoo (test)"
    # The fallback makes the deal's figures not live: stale, as in arb.history.
    assert v.to_frame().loc["enn-energy", "stale"]


def test_a_thousand_deal_frame_is_small(tmp_path: Path) -> None:
    deals, source = _synthetic(tmp_path, 1_000)
    frame, prices, _ = value(deals, source, as_of=AS_OF, frames=True)
    assert frame.shape == (1_000, len(DEAL_COLUMNS))
    assert frame.memory_usage(deep=True).sum() < 5 * 2**20
    assert prices.memory_usage(deep=True).sum() < 5 * 2**20


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
    with pytest.raises(ArbError, match=r"^since '21/06/2025' is not a date; write YYYY-MM-DD$"):
        history("enn-energy", store=store, since="21/06/2025")
    with pytest.raises(ArbError, match="no stored valuation of 'nope'"):
        history("nope", store=store)
    with pytest.raises(ArbError, match="no history store yet"):
        history("enn-energy", store=tmp_path / "none.sqlite3")


def test_history_figures_are_floats_as_in_value(tmp_path: Path) -> None:
    # As in value(): every figure a float64 column, NaN where null. A deal with no close date had
    # days_to_close and the annualised figures as object columns of None, and with one, days_to_close
    # as int64: the dtype depended on the rows.
    from arb.engine import FIGURES
    from arb.store import HistoryStore

    store = HistoryStore(tmp_path / "h.sqlite3")
    enn = load(SEEDS / "enn-energy.toml")[0]
    open_ended = enn.model_copy(update={"id": "enn-no-close", "expected_close": None})
    frame = pd.DataFrame(
        {"symbol": ["2688.HK"], "price": [65.0], "currency": ["HKD"], "as_of": ["2025-06-20"], "source": ["synthetic"]}
    )
    store.record_refresh(valuation([enn, open_ended], frame), backfill=True)
    dated, undated = history("enn-energy", store=store), history("enn-no-close", store=store)
    for hist in (dated, undated):
        assert {str(hist[name].dtype) for name in FIGURES} == {"float64"}
    assert dated["days_to_close"].iloc[0] == 194.0
    assert math.isnan(undated["days_to_close"].iloc[0]) and math.isnan(undated["annualized"].iloc[0])
    assert undated["spread"].iloc[0] == pytest.approx(ENN_VALUE - 65, abs=1e-12)


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
        (head.format(t="T") + leg.format(r="inf"), "consideration #1.ratio"),
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


def test_two_deals_with_one_id_are_refused() -> None:
    # The frames are indexed by id: two rows 'enn-energy' (a what-if copy beside the original)
    # made frame.loc['enn-energy'] a frame and its prices and hedges rows indistinguishable.
    enn = load(SEEDS / "enn-energy.toml")[0]
    what_if = enn.model_copy(update={"expected_close": dt.date(2026, 6, 30)})
    with pytest.raises(ArbError, match="deal id 'enn-energy' is given twice") as err:
        value([enn, what_if], "snapshot")
    assert "\n" not in str(err.value)
    renamed = what_if.model_copy(update={"id": "enn-late"})
    frame = value([enn, renamed], "snapshot")
    assert list(frame.index) == ["enn-energy", "enn-late"]
    assert list(frame["days_to_close"]) == [194.0, 375.0]


def test_an_override_that_prices_nothing_is_warned() -> None:
    # A typo in overrides= passed for a what-if: the valuation was the base case, silently. The
    # API now warns as arb report --price does (one library function for both). Synthetic prices.
    from tests.conftest import make_deal

    deal = make_deal('[[consideration]]\nkind = "stock"\nratio = 0.5\nticker = "BIGCO"\n', currency="USD", target="T")
    prices = {"T": (19.0, "USD"), "BIGCO": (40.0, "USD")}
    with pytest.warns(UserWarning, match=r"overrides BIGC0: no deal here is priced from BIGC0.*'BIGCO'\?\)"):
        frame = value(deal, prices, as_of=AS_OF, overrides={"BIGC0": 45.0})
    assert frame.loc["t", "deal_value"] == pytest.approx(20.0)  # the base case: nothing was overridden
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        moved = value(deal, prices, as_of=AS_OF, overrides={"BIGCO": 45.0, "USDHKD=X": 7.8})
    assert moved.loc["t", "deal_value"] == pytest.approx(22.5)

"""``arb report``, ``arb show`` and ``arb validate`` through typer's CliRunner.

Prices always come from a file (or ARB_OFFLINE=1 for the default chain), so nothing reaches the
network. Figures are worked out by hand; the rendered table's exact layout is the golden test's.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import DEALS
from typer.testing import CliRunner

from arb.cli import app
from arb.resources import snapshot_path

VALID = DEALS / "valid"
INVALID = DEALS / "invalid"
TEST_PRICES = DEALS / "prices.csv"
REPORT_KEYS = {
    "id",
    "name",
    "status",
    "currency",
    "as_of",
    "target_price",
    "deal_value",
    "dividends",
    "spread",
    "spread_pct",
    "days_to_close",
    "annualized",
    "annualized_simple",
    "downside",
    "implied_probability",
    "hedge",
    "prices",
    "flags",
}
ENN_VALUE = 2.9427 * 18.86 + 24.50  # 79.999322
rel = dict(rel=1e-12, abs=1e-12)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARB_OFFLINE", "1")


@pytest.fixture
def run() -> Any:
    runner = CliRunner()

    def invoke(*args: str | Path) -> Any:
        return runner.invoke(app, [str(a) for a in args])

    return invoke


def _json(result: Any) -> list[dict[str, Any]]:
    return json.loads(result.stdout)  # stdout alone: warnings and errors go to stderr


def _by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in records}


# ------------------------------------------------------------------------------------------------
# report
# ------------------------------------------------------------------------------------------------


def test_report_json_on_the_seeds(run: Any) -> None:
    res = run("report", "--json", "--prices", snapshot_path())
    assert res.exit_code == 0, res.stderr
    records = _json(res)
    assert [r["id"] for r in records] == ["enn-energy", "black-sesame-soc"]  # best annualised first
    for r in records:
        assert set(r) >= REPORT_KEYS
    enn = records[0]
    assert enn["currency"] == "HKD"
    assert enn["as_of"] == "2025-06-20"  # the latest price date of the file
    assert enn["target_price"] == 65.0
    assert enn["deal_value"] == pytest.approx(79.999322, abs=1e-9)
    assert enn["spread"] == pytest.approx(14.999322, abs=1e-9)
    assert enn["spread_pct"] == pytest.approx(0.2307588, abs=1e-9)
    assert enn["dividends"] == 0.0
    assert enn["days_to_close"] == 194
    assert enn["annualized"] == pytest.approx((1 + 14.999322 / 65) ** (365 / 194) - 1, **rel)
    assert enn["annualized_simple"] == pytest.approx(14.999322 / 65 * 365 / 194, **rel)
    assert enn["downside"] == 55.0
    assert enn["implied_probability"] == pytest.approx(10 / (ENN_VALUE - 55), **rel)
    assert enn["hedge"] == {}
    assert enn["prices"]["2688.HK"]["price"] == 65.0
    assert enn["prices"]["2688.HK"]["currency"] == "HKD"
    assert enn["prices"]["2688.HK"]["as_of"] == "2025-06-20"
    assert "Bamboo Works" in enn["prices"]["2688.HK"]["source"]
    assert "estimate-used" in enn["flags"]
    bs = records[1]
    assert "terms-undisclosed" in bs["flags"]
    for key in ("target_price", "deal_value", "spread", "spread_pct", "annualized", "implied_probability"):
        assert bs[key] is None


def test_report_default_source_offline_is_the_snapshot(run: Any) -> None:
    res = run("report", "--json")
    assert res.exit_code == 0, res.stderr
    enn = _by_id(_json(res))["enn-energy"]
    assert enn["as_of"] == "2025-06-20"
    assert enn["deal_value"] == pytest.approx(79.999322, abs=1e-9)
    assert enn["spread_pct"] == pytest.approx(0.2307588, abs=1e-9)


def test_report_table_shows_the_enn_figures(run: Any) -> None:
    res = run("report", "--prices", snapshot_path())
    assert res.exit_code == 0
    line = next(ln for ln in res.stdout.splitlines() if "enn-energy" in ln)
    for text in ("65.00", "80.00", "+15.00", "+23.1%", "194", "47.8%", "40.0%"):
        assert text in line


def test_report_piped_at_80_keeps_ids_and_percent_signs(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS")  # piped: rich assumes 80 columns
    res = run("report", "--prices", snapshot_path())
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert max(len(ln) for ln in lines) <= 80
    enn = next(ln for ln in lines if ln.startswith(" enn-energy "))
    assert enn.split()[1:8] == ["HKD", "65.00", "80.00", "+23.1%", "194", "47.8%", "40.0%"]
    assert any(ln.startswith(" black-sesame-soc ") for ln in lines)  # the id on one line, whole
    assert "Not shown at this width: Div, Spread, Next (" in " ".join(res.stdout.split())


def test_report_csv(run: Any) -> None:
    res = run("report", "--csv", "--prices", snapshot_path())
    assert res.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["id"] for r in rows] == ["enn-energy", "black-sesame-soc"]
    assert {"id", "target_price", "deal_value", "spread", "spread_pct", "annualized", "hedge", "flags"} <= set(rows[0])
    enn = rows[0]
    assert float(enn["deal_value"]) == pytest.approx(79.999322, abs=1e-9)
    assert float(enn["spread_pct"]) == pytest.approx(0.2307588, abs=1e-9)
    assert enn["days_to_close"] == "194"
    assert "estimate-used" in enn["flags"].split(";")
    assert rows[1]["deal_value"] == ""  # a missing figure is an empty cell


def test_report_every_leg_kind_from_a_price_file(run: Any) -> None:
    res = run("report", "--json", VALID, "--prices", TEST_PRICES)
    assert res.exit_code == 0, res.stderr
    r = _by_id(_json(res))
    expected_value = {
        "cash-deal": 50.0,
        "ratio-ticker": 0.75 * 44.0,
        "proxy-h-share": 2.9427 * 13.0 * 1.09 * 0.9 + 24.5,
        "estimate-only": 2.0 * 12.5,
        "fixed-value": 20.0,
        "collar-value": 20.0,  # 44 inside [40, 50]
        "collar-ratio": 0.5 * 44.0,
        "cash-plus-cvr": 10.0 + 4.0 * 0.25,
        "election": 0.5 * 30.0 + 0.5 * 0.8 * 44.0,
        "fx-leg": 3.0 / 0.128,  # through the inverse pair HKDUSD=X
        "dividends": 0.5 * 44.0,
        "minor-units": 75.0,
    }
    for deal_id, v in expected_value.items():
        assert r[deal_id]["deal_value"] == pytest.approx(v, **rel), deal_id
    assert r["minor-units"]["target_price"] == pytest.approx(72.50, **rel)  # 7250 GBp
    assert r["minor-units"]["spread"] == pytest.approx(2.50, **rel)
    assert r["dividends"]["dividends"] == pytest.approx(0.40 - 0.30 * 0.5, **rel)
    assert r["dividends"]["spread"] == pytest.approx(22.0 + 0.25 - 21.5, **rel)
    assert r["cash-deal"]["implied_probability"] == pytest.approx((48.0 - 40.0) / (50.0 - 40.0), **rel)
    assert r["proxy-h-share"]["hedge"] == {"600803.SS": pytest.approx(2.9427 * 0.9, **rel)}
    assert r["election"]["hedge"] == {"BIGCO": pytest.approx(0.4, **rel)}
    assert r["collar-value"]["hedge"] == {"BIGCO": 0.0}
    assert "estimate-used" in r["estimate-only"]["flags"]
    assert "terms-undisclosed" in r["undisclosed"]["flags"]
    assert r["undisclosed"]["target_price"] == 5.0


def test_report_folder_with_one_bad_file_reports_the_others(run: Any, tmp_path: Path) -> None:
    shutil.copy(VALID / "cash.toml", tmp_path / "cash.toml")
    shutil.copy(VALID / "election.toml", tmp_path / "election.toml")
    shutil.copy(INVALID / "misspelt-key.toml", tmp_path / "typo.toml")
    res = run("report", "--json", tmp_path, "--prices", TEST_PRICES)
    assert res.exit_code == 1
    assert sorted(r["id"] for r in _json(res)) == ["cash-deal", "election"]
    assert f"{tmp_path / 'typo.toml'}: consideration #1.ration: unknown key; did you mean 'ratio'?" in res.stderr


def test_report_exit_1_when_a_deal_cannot_be_valued(run: Any, tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text("symbol,price,currency,as_of\nSMALL,30,USD,2025-06-20\nACME,48,USD,2025-06-20\n")
    res = run("report", "--json", VALID / "ratio-ticker.toml", VALID / "cash.toml", "--prices", prices)
    assert res.exit_code == 1
    r = _by_id(_json(res))
    assert "no-price" in r["ratio-ticker"]["flags"]
    assert r["ratio-ticker"]["spread"] is None
    assert r["cash-deal"]["spread"] == pytest.approx(2.0, **rel)
    assert "ratio-ticker" in res.stderr


def test_report_missing_fx_rate_is_null_not_one(run: Any, tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text("symbol,price,currency,as_of\n0981.HK,22,HKD,2025-06-20\n")
    res = run("report", "--json", VALID / "fx-leg.toml", "--prices", prices)
    assert res.exit_code == 1
    [r] = _json(res)
    assert "no-fx-rate" in r["flags"]
    assert r["deal_value"] is None and r["spread"] is None


def test_report_bad_price_rows_are_reported_and_the_rest_used(run: Any, tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text(
        "symbol,price,currency,as_of\nACME,48,USD,2025-06-20\nBIGCO,lots,USD,2025-06-20\nELEC,31,USD,2025-06-20\n"
    )
    res = run("report", "--json", VALID / "cash.toml", "--prices", prices)
    assert res.exit_code == 1
    [r] = _json(res)
    assert r["spread"] == pytest.approx(2.0, **rel)
    assert f"{prices}:3: price 'lots' of BIGCO is not a number" in res.stderr


def test_report_unusable_price_file(run: Any, tmp_path: Path) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text("symbol,price\nACME,48\n")
    res = run("report", "--json", VALID / "cash.toml", "--prices", prices)
    assert res.exit_code == 1
    assert "missing column(s) currency" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout


def test_price_override(run: Any) -> None:
    res = run("report", "--json", "--prices", snapshot_path(), "--price", "2688.HK=70")
    assert res.exit_code == 0, res.stderr
    enn = _by_id(_json(res))["enn-energy"]
    assert enn["target_price"] == 70.0
    assert enn["spread"] == pytest.approx(ENN_VALUE - 70.0, **rel)
    assert enn["prices"]["2688.HK"]["source"].startswith("override")
    assert enn["as_of"] == "2025-06-20"  # an override does not move the as-of date


def test_price_override_prices_the_proxy(run: Any) -> None:
    overrides = ["--price", "600803.SH=13:CNY", "--price", "CNYHKD=X=1.09"]
    res = run("report", "--json", "--prices", snapshot_path(), *overrides)
    assert res.exit_code == 0, res.stderr
    enn = _by_id(_json(res))["enn-energy"]
    assert enn["deal_value"] == pytest.approx(2.9427 * 13.0 * 1.09 + 24.5, **rel)
    assert enn["hedge"] == {"600803.SS": pytest.approx(2.9427, **rel)}
    assert "estimate-used" not in enn["flags"]


def test_price_override_in_pence(run: Any) -> None:
    res = run("report", "--json", VALID / "minor-units.toml", "--prices", TEST_PRICES, "--price", "VOD.L=7000:GBp")
    assert res.exit_code == 0, res.stderr
    [r] = _json(res)
    assert r["target_price"] == pytest.approx(70.0, **rel)
    assert r["spread"] == pytest.approx(5.0, **rel)


def test_as_of(run: Any) -> None:
    # The ENN seed alone: the seeds' deals announced by September 2025 have no snapshot price.
    enn_file = snapshot_path().parent / "enn-energy.toml"
    res = run("report", "--json", enn_file, "--prices", snapshot_path(), "--as-of", "2025-09-01")
    assert res.exit_code == 0, res.stderr
    enn = _by_id(_json(res))["enn-energy"]
    assert enn["as_of"] == "2025-09-01"
    days = 29 + 31 + 30 + 31  # 2 Sep to 31 Dec
    assert enn["days_to_close"] == days
    assert enn["annualized"] == pytest.approx((1 + 14.999322 / 65) ** (365 / days) - 1, rel=1e-9)


def test_as_of_after_the_close(run: Any) -> None:
    res = run("report", "--json", "--prices", snapshot_path(), "--as-of", "2026-01-31")
    enn = _by_id(_json(res))["enn-energy"]
    assert enn["days_to_close"] == -31
    assert enn["annualized"] is None
    assert "close-date-passed" in enn["flags"]


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--json", "--csv"],
        ["report", "--as-of", "2025-13-01"],
        ["report", "--as-of", "yesterday"],
        ["report", "--price", "2688.HK"],
        ["report", "--price", "2688.HK=abc"],
        ["report", "--price", "2688.HK=-5"],
        ["report", "--no-such-option"],
        ["show"],
        ["validate"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(run: Any, args: list[str]) -> None:
    res = run(*args)
    assert res.exit_code == 2
    assert res.stdout == ""
    assert "Traceback" not in res.stderr


# ------------------------------------------------------------------------------------------------
# show
# ------------------------------------------------------------------------------------------------


def test_show_json(run: Any) -> None:
    res = run("show", "enn-energy", "--json", "--prices", snapshot_path())
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["id"] == "enn-energy"
    assert d["deal_value"] == pytest.approx(79.999322, abs=1e-9)
    stock, cash = d["legs"]
    assert stock["priced_by"] == "estimate"
    assert stock["security_price"] == 18.86
    assert stock["leg_value"] == pytest.approx(2.9427 * 18.86, **rel)
    assert stock["weighted_value"] == pytest.approx(2.9427 * 18.86, **rel)
    assert cash["leg_value"] == 24.5
    assert d["sources"][0]["publisher"].endswith("Chinese edition")


def test_show_a_deal_file_with_a_proxy(run: Any) -> None:
    res = run("show", VALID / "proxy.toml", "--json", "--prices", TEST_PRICES)
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    stock = d["legs"][0]
    assert stock["priced_by"] == "proxy"
    assert stock["security_price"] == pytest.approx(13.0 * 1.09 * 0.9, **rel)
    assert stock["proxy_fx"] == {"pair": "CNYHKD=X", "rate": 1.09, "inverted": False}
    assert stock["hedge_shares"] == pytest.approx(2.9427 * 0.9, **rel)
    assert d["hedge"] == {"600803.SS": pytest.approx(2.9427 * 0.9, **rel)}


def test_show_text(run: Any) -> None:
    res = run("show", "enn-energy", "--prices", snapshot_path())
    assert res.exit_code == 0
    for text in ("ENN Natural Gas privatises ENN Energy", "2.9427", "18.86", "24.5", "80.00", "estimate-used"):
        assert text in res.stdout


def test_show_unknown_deal(run: Any) -> None:
    res = run("show", "no-such-deal", "--prices", snapshot_path())
    assert res.exit_code == 1
    assert "no deal with id 'no-such-deal'" in res.stderr
    assert "enn-energy" in res.stderr  # the ids it knows


def test_show_bad_file(run: Any) -> None:
    res = run("show", INVALID / "collar-inverted.toml", "--prices", TEST_PRICES)
    assert res.exit_code == 1
    assert "consideration #1.collar" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout


# ------------------------------------------------------------------------------------------------
# validate
# ------------------------------------------------------------------------------------------------


def test_validate_good_files(run: Any) -> None:
    res = run("validate", VALID)
    assert res.exit_code == 0
    n = len(list(VALID.glob("*.toml")))
    assert f"{n} valid, 0 invalid" in res.stdout + res.stderr


def test_validate_bad_files_one_line_each(run: Any) -> None:
    res = run("validate", INVALID)
    assert res.exit_code == 1
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    bad = len(list(INVALID.glob("*.toml"))) + 1  # each bad file and the duplicate id
    assert len(lines) == bad
    assert any(str(INVALID / "ratio-and-value.toml") in ln and "consideration #1" in ln for ln in lines)
    assert f"1 valid, {bad} invalid" in res.stdout + res.stderr


def test_validate_missing_path(run: Any, tmp_path: Path) -> None:
    res = run("validate", tmp_path / "nope.toml")
    assert res.exit_code == 1
    assert "no such file" in res.stderr


def _announced_deal(folder: Path, deal_id: str, announced: str) -> Path:
    path = folder / f"{deal_id}.toml"
    path.write_text(
        f'id = "{deal_id}"\nname = "Synthetic {deal_id}"\nannounced = {announced}\n'
        'expected_close = 2025-12-31\n[target]\nticker = "TGT"\n'
        '[[consideration]]\nkind = "cash"\namount = 11.0\ncurrency = "USD"\n',
        encoding="utf-8",
    )
    return path


def test_a_deal_announced_after_the_as_of_leaves_the_report_and_never_fails_it(run: Any, tmp_path: Path) -> None:
    # No look-ahead: on 2025-06-20 the later deal had no terms to value.
    prices = tmp_path / "prices.csv"
    prices.write_text("symbol,price,currency,as_of,source\nTGT,10,USD,2025-06-20,synthetic test data\n")
    _announced_deal(tmp_path, "early-deal", "2025-03-01")
    _announced_deal(tmp_path, "later-deal", "2025-08-01")
    res = run("report", "--json", tmp_path, "--prices", prices)
    assert res.exit_code == 0, res.stderr
    assert [r["id"] for r in _json(res)] == ["early-deal"]
    assert "1 deal announced after the as-of 2025-06-20 not shown (later-deal); --all shows them" in res.stderr
    res = run("report", "--json", "--all", tmp_path, "--prices", prices)
    assert res.exit_code == 0, res.stderr
    later = _by_id(_json(res))["later-deal"]
    assert "not-yet-announced" in later["flags"]
    assert later["deal_value"] is None and later["spread"] is None
    assert later["target_price"] == 10.0  # the price itself was known
    # At an as-of after its announcement the same deal is valued as usual.
    res = run("report", "--json", tmp_path, "--prices", prices, "--as-of", "2025-08-15")
    assert {r["id"] for r in _json(res)} == {"early-deal", "later-deal"}

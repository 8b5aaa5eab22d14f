"""Never silently wrong (issue 9): each hard case, through the CLI (report, show, --json, --csv) and the API.

Deal files and price files are written to ``tmp_path``; expected figures are worked out by hand.
The rule itself (every figure right, or null with a blocking flag) is the property test in
``test_properties.py``; the flags table is checked in ``test_flags.py``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF, deal_toml, make_deal, memory, value
from typer.testing import CliRunner

import arb
from arb.cli import app
from arb.cli.format import shares
from arb.fx import FxTable, pairs_to_fetch
from arb.prices.base import Quote
from arb.pricing import value_deals

rel = dict(rel=1e-12, abs=1e-12)
CASH = '[[consideration]]\nkind = "cash"\namount = {amount}\ncurrency = "{ccy}"\n'


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ARB_OFFLINE", "1")
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))


def _files(tmp_path: Path, body: str, prices: str, **head: str) -> tuple[Path, Path]:
    deal = tmp_path / "deal.toml"
    deal.write_text(deal_toml(body, **head), encoding="utf-8")
    price_file = tmp_path / "prices.csv"
    price_file.write_text("symbol,price,currency,as_of\n" + prices, encoding="utf-8")
    return deal, price_file


def _run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def _report(deal: Path, prices: Path, *extra: str) -> tuple[dict[str, Any], Any]:
    res = _run("report", deal, "--prices", prices, "--json", *extra)
    [rec] = json.loads(res.stdout)
    return rec, res


def _csv(deal: Path, prices: Path) -> dict[str, str]:
    res = _run("report", deal, "--prices", prices, "--csv")
    [row] = list(csv.DictReader(io.StringIO(res.stdout)))
    return row


# ------------------------------------------------------------------------------------------------
# 1. Implied probability only where it is one
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "downside", "price", "flag", "words"),
    [
        (11.0, 12.0, 10.0, "value-below-downside", "below the downside"),  # the case: 2.0 before
        (11.0, 12.0, 11.447, "value-below-downside", "below the downside"),  # a plausible-looking 0.553 before
        (12.0, 12.0, 10.0, "value-at-downside", "equals the downside"),
        (11.0, 8.0, 13.0, "price-above-value", "above value + dividends"),  # -> 1.67 before
        (11.0, 8.0, 6.0, "price-below-downside", "below the downside"),  # -> -0.667 before
    ],
)
def test_implied_probability_is_null_with_a_flag_when_it_is_no_probability(
    tmp_path: Path, amount: float, downside: float, price: float, flag: str, words: str
) -> None:
    deal, prices = _files(
        tmp_path,
        CASH.format(amount=amount, ccy="USD"),
        f"T,{price},USD,2025-06-20\n",
        target="T",
        currency="USD",
        extra=f"downside = {downside}",
    )
    rec, res = _report(deal, prices)
    assert res.exit_code == 0, res.stderr
    assert rec["implied_probability"] is None
    assert flag in rec["flags"]
    assert any(words in n for n in rec["notes"])
    assert rec["spread"] == pytest.approx(amount - price, **rel)  # the rest is still shown
    assert _csv(deal, prices)["implied_probability"] == ""
    shown = _run("show", deal, "--prices", prices)
    assert "Implied probability" in shown.stdout and flag in shown.stdout
    frame = arb.value(
        make_deal(CASH.format(amount=amount, ccy="USD"), target="T", currency="USD", extra=f"downside = {downside}"),
        prices,
    )
    assert frame["implied_probability"].isna().all() and flag in frame["flags"].iloc[0]


def test_implied_probability_inside_the_range_is_unchanged(tmp_path: Path) -> None:
    deal, prices = _files(
        tmp_path,
        CASH.format(amount=11.0, ccy="USD"),
        "T,10.0,USD,2025-06-20\n",
        target="T",
        currency="USD",
        extra="downside = 8.0",
    )
    rec, _ = _report(deal, prices)
    assert rec["implied_probability"] == pytest.approx(2 / 3, **rel)
    assert not {"value-below-downside", "price-above-value", "price-below-downside"} & set(rec["flags"])


# ------------------------------------------------------------------------------------------------
# 2. no-fx-rate blocks what it says; a priced proxy that cannot be converted says so; cross rates
# ------------------------------------------------------------------------------------------------

ENN_LIKE = (
    '[[consideration]]\nkind = "stock"\nratio = 2.9427\nsecurity = "enn-ng-h"\n'
    + CASH.format(amount=24.5, ccy="HKD")
    + '[securities.enn-ng-h]\ncurrency = "HKD"\nproxy = "600803.SH"\n{estimate}'
)
NOTE = "enn-ng-h valued at its estimate 18.86 HKD: proxy 600803.SS priced 17 CNY but no CNY->HKD rate"


def test_proxy_priced_but_not_convertible_is_valued_at_the_estimate_and_says_why(tmp_path: Path) -> None:
    body = ENN_LIKE.format(estimate="estimate = 18.86\n")
    deal, prices = _files(tmp_path, body, "T.HK,65.0,HKD,2025-06-20\n600803.SH,17.0,CNY,2025-06-20\n")
    rec, res = _report(deal, prices)
    assert res.exit_code == 0, res.stderr
    assert rec["deal_value"] == pytest.approx(2.9427 * 18.86 + 24.5, **rel)
    assert "estimate-used" in rec["flags"] and "no-fx-rate" not in rec["flags"]
    assert NOTE in rec["notes"] and not any("no proxy" in n for n in rec["notes"])
    assert float(_csv(deal, prices)["deal_value"]) == pytest.approx(rec["deal_value"], **rel)
    shown = _run("show", deal, "--prices", prices)
    assert "the fixed estimate in the deal file (18.86 HKD): proxy 600803.SS priced 17 CNY" in shown.stdout
    detail = json.loads(_run("show", deal, "--prices", prices, "--json").stdout)
    assert detail["legs"][0]["priced_by"] == "estimate"
    assert detail["legs"][0]["why_estimate"] == "proxy 600803.SS priced 17 CNY but no CNY->HKD rate"
    api = arb.valuation(make_deal(body), prices).results[0]
    assert api.figures["deal_value"] == rec["deal_value"] and api.info.notes == rec["notes"]


def test_proxy_not_convertible_and_no_estimate_blocks_the_value_everywhere(tmp_path: Path) -> None:
    body = ENN_LIKE.format(estimate="")
    deal, prices = _files(tmp_path, body, "T.HK,65.0,HKD,2025-06-20\n600803.SH,17.0,CNY,2025-06-20\n")
    rec, res = _report(deal, prices)
    assert res.exit_code == 1  # not valued: said on stderr
    assert "no-fx-rate" in rec["flags"] and "no-price" not in rec["flags"]
    for name in ("deal_value", "spread", "spread_pct", "annualized", "annualized_simple"):
        assert rec[name] is None, name
    assert rec["target_price"] == 65.0
    row = _csv(deal, prices)
    assert row["deal_value"] == row["spread"] == "" and row["target_price"] == "65.0"
    shown = _run("show", deal, "--prices", prices, "--json")
    assert json.loads(shown.stdout)["deal_value"] is None
    assert arb.value(make_deal(body), prices)["deal_value"].isna().all()


def test_a_rate_needed_only_outside_the_window_raises_nothing(tmp_path: Path) -> None:
    # an EUR dividend that went ex before the as-of, and one after the close: no rate needed
    divs = "".join(
        f'[[dividend]]\nticker = "T.HK"\namount = 0.5\ncurrency = "EUR"\nex_date = {day}\n'
        for day in ("2025-06-01", "2026-03-01")
    )
    deal, prices = _files(tmp_path, CASH.format(amount=50.0, ccy="HKD") + divs, "T.HK,48.0,HKD,2025-06-20\n")
    rec, res = _report(deal, prices)
    assert res.exit_code == 0, res.stderr
    assert "no-fx-rate" not in rec["flags"]
    assert rec["dividends"] == 0.0 and rec["spread"] == pytest.approx(2.0, **rel)


def test_a_dividend_inside_the_window_without_a_rate_blocks_the_dividends(tmp_path: Path) -> None:
    div = '[[dividend]]\nticker = "T.HK"\namount = 0.5\ncurrency = "EUR"\nex_date = 2025-09-01\n'
    deal, prices = _files(tmp_path, CASH.format(amount=50.0, ccy="HKD") + div, "T.HK,48.0,HKD,2025-06-20\n")
    rec, _ = _report(deal, prices)
    assert "no-fx-rate" in rec["flags"]
    assert rec["dividends"] is None and rec["spread"] is None
    assert rec["deal_value"] == 50.0


def test_cross_rate_through_usd_with_both_quotes_as_provenance(tmp_path: Path) -> None:
    # GBP cash for a JPY deal: no GBPJPY=X nor JPYGBP=X, but GBPUSD=X and USDJPY=X
    deal, prices = _files(
        tmp_path,
        CASH.format(amount=10.0, ccy="GBP"),
        "T.T,1800,JPY,2025-06-20\nGBPUSD=X,1.25,USD,2025-06-20\nUSDJPY=X,150.0,JPY,2025-06-20\n",
        target="7203.T",
        currency="JPY",
    )
    deal.write_text(deal.read_text().replace('ticker = "7203.T"', 'ticker = "T.T"'))
    rec, res = _report(deal, prices)
    assert res.exit_code == 0, res.stderr
    assert rec["deal_value"] == pytest.approx(10.0 * 1.25 * 150.0, **rel)  # 1875 JPY
    assert {"GBPUSD=X", "USDJPY=X"} <= set(rec["prices"])
    shown = _run("show", deal, "--prices", prices)
    assert "GBPUSD=X x USDJPY=X" in shown.stdout
    assert "GBPUSD=X 1.25 USD" in shown.stdout and "USDJPY=X 150.00 JPY" in shown.stdout


def test_fx_table_cross_in_any_orientation() -> None:
    q = {s: Quote(s, p, s[3:6], None, "memory") for s, p in {"USDGBP=X": 0.8, "JPYUSD=X": 1 / 150}.items()}
    r = FxTable(q).rate("GBP", "JPY")
    assert r is not None and r.rate == pytest.approx(1 / 0.8 * 150, **rel)
    assert r.symbol == "1/USDGBP=X x 1/JPYUSD=X" and [s.symbol for s in r.quotes] == ["USDGBP=X", "JPYUSD=X"]
    assert FxTable(q).rate("GBP", "EUR") is None  # no EUR leg: no rate, never 1


def test_pairs_to_fetch_asks_for_the_usd_legs_once_the_pair_is_missing() -> None:
    assert pairs_to_fetch([("GBP", "JPY")], {}, set()) == ["GBPJPY=X"]
    after = pairs_to_fetch([("GBP", "JPY")], {}, {"GBPJPY=X"})
    assert after == ["JPYGBP=X", "GBPUSD=X", "USDGBP=X", "JPYUSD=X", "USDJPY=X"]
    have = {"GBPUSD=X": Quote("GBPUSD=X", 1.25, "USD", None, "memory")}
    assert pairs_to_fetch([("GBP", "JPY")], have, {"GBPJPY=X"}) == ["JPYGBP=X", "JPYUSD=X", "USDJPY=X"]


def test_the_cross_rate_is_fetched_from_a_source(tmp_path: Path) -> None:
    deal = make_deal(CASH.format(amount=10.0, ccy="GBP"), target="T.T", currency="JPY")
    src = memory({"T.T": (1800.0, "JPY"), "GBPUSD=X": (1.25, "USD"), "USDJPY=X": (150.0, "JPY")})
    [r] = value_deals([deal], src, as_of=AS_OF).results
    assert r.figures["deal_value"] == pytest.approx(1875.0, **rel)
    assert "no-fx-rate" not in r.flags


# ------------------------------------------------------------------------------------------------
# 4. Plausibility: flagged, one stderr line, the figure still shown
# ------------------------------------------------------------------------------------------------


def test_a_spread_beyond_50_percent_is_implausible(tmp_path: Path) -> None:
    deal, prices = _files(tmp_path, CASH.format(amount=49.0, ccy="HKD"), "T.HK,4.9,HKD,2025-06-20\n")
    rec, res = _report(deal, prices)
    assert res.exit_code == 0
    assert "implausible" in rec["flags"] and rec["spread_pct"] == pytest.approx(9.0, **rel)
    lines = [ln for ln in res.stderr.splitlines() if "implausible" in ln]
    assert len(lines) == 1 and "+900.0%" in lines[0] and lines[0].startswith("warning: t: implausible:")
    shown = _run("show", deal, "--prices", prices)
    assert sum("implausible" in ln for ln in shown.stderr.splitlines()) == 1
    table = _run("report", deal, "--prices", prices)
    assert "+900.0%" in table.stdout


def test_an_estimate_far_from_its_proxy_is_implausible(tmp_path: Path) -> None:
    body = ENN_LIKE.format(estimate="estimate = 18.86\n")
    deal, prices = _files(
        tmp_path, body, "T.HK,30.0,HKD,2025-06-20\n600803.SH,1.7,CNY,2025-06-20\nCNYHKD=X,1.09,HKD,2025-06-20\n"
    )
    rec, res = _report(deal, prices)
    assert "implausible" in rec["flags"]
    assert any("estimate 18.86 HKD is" in n and "600803.SS" in n for n in rec["notes"])
    assert sum("implausible" in ln for ln in res.stderr.splitlines()) == 1


def test_a_target_10x_from_its_stored_price_is_implausible(tmp_path: Path) -> None:
    from arb.paths import store_path
    from arb.store import HistoryStore

    deal, prices = _files(tmp_path, CASH.format(amount=50.0, ccy="HKD"), "T.HK,48.0,HKD,2025-06-20\n")
    stored = value([make_deal(CASH.format(amount=50.0, ccy="HKD"))], {"T.HK": (500.0, "HKD")})
    HistoryStore(store_path()).record_refresh(stored, backfill=True)
    rec, res = _report(deal, prices)
    assert res.exit_code == 0
    assert "implausible" in rec["flags"] and rec["target_price"] == 48.0
    assert any("10x away from its last stored price 500 HKD" in n for n in rec["notes"])
    # the API takes the reference directly
    [r] = value_deals(
        [make_deal(CASH.format(amount=50.0, ccy="HKD"))],
        memory({"T.HK": (48.0, "HKD")}),
        as_of=AS_OF,
        reference_prices={"T.HK": (47.0, "HKD")},
    ).results
    assert "implausible" not in r.flags


# ------------------------------------------------------------------------------------------------
# 7. Dividends with no expected close
# ------------------------------------------------------------------------------------------------


def _no_close(tmp_path: Path, ex_date: str) -> Path:
    deal = tmp_path / "noclose.toml"
    deal.write_text(
        'id = "nc"\nname = "No close"\ncurrency = "HKD"\n[target]\nticker = "T.HK"\n'
        + CASH.format(amount=50.0, ccy="HKD")
        + f'[[dividend]]\nticker = "T.HK"\namount = 1.0\ncurrency = "HKD"\nex_date = {ex_date}\n',
        encoding="utf-8",
    )
    return deal


def test_a_dividend_after_as_of_without_a_close_leaves_no_dividends_and_no_spread(tmp_path: Path) -> None:
    _, prices = _files(tmp_path, "", "T.HK,48.0,HKD,2025-06-20\n")
    rec, res = _report(_no_close(tmp_path, "2025-09-01"), prices)
    assert "dividends-unknown" in rec["flags"]
    assert rec["dividends"] is None and rec["spread"] is None
    assert rec["deal_value"] == 50.0
    assert res.exit_code == 1 and "could not be valued" in res.stderr


def test_a_dividend_before_as_of_without_a_close_is_simply_not_counted(tmp_path: Path) -> None:
    _, prices = _files(tmp_path, "", "T.HK,48.0,HKD,2025-06-20\n")
    rec, _ = _report(_no_close(tmp_path, "2025-06-01"), prices)
    assert "dividends-unknown" not in rec["flags"]
    assert rec["dividends"] == 0.0 and rec["spread"] == pytest.approx(2.0, **rel)


# ------------------------------------------------------------------------------------------------
# 9. Collar edges: both deltas shown
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "price", "below", "above", "hedge"),
    [
        ("ratio = 0.5", 40.0, 0.0, 0.5, 0.5),
        ("ratio = 0.5", 50.0, 0.5, 0.0, 0.5),
        ("value = 20.0", 40.0, 0.5, 0.0, 0.0),
        ("value = 20.0", 50.0, 0.0, 0.4, 0.0),
    ],
)
def test_show_prints_both_deltas_on_a_collar_bound(
    tmp_path: Path, spec: str, price: float, below: float, above: float, hedge: float
) -> None:
    body = f'[[consideration]]\nkind = "stock"\n{spec}\nticker = "BIGCO"\ncollar = [40.0, 50.0]\n'
    deal, prices = _files(
        tmp_path, body, f"T,20.0,USD,2025-06-20\nBIGCO,{price},USD,2025-06-20\n", target="T", currency="USD"
    )
    data = json.loads(_run("show", deal, "--prices", prices, "--json").stdout)
    leg = data["legs"][0]
    assert (leg["delta_below"], leg["delta_above"]) == (pytest.approx(below), pytest.approx(above))
    assert data["hedge"]["BIGCO"] == pytest.approx(hedge)  # the side inside the band
    text = _run("show", deal, "--prices", prices).stdout
    bound = "low" if price == 40.0 else "high"
    assert f"on the collar's {bound} bound" in text
    assert f"delta {shares(below)} just below, {shares(above)} just above" in text


def test_show_prints_one_delta_off_the_bounds(tmp_path: Path) -> None:
    body = '[[consideration]]\nkind = "stock"\nratio = 0.5\nticker = "BIGCO"\ncollar = [40.0, 50.0]\n'
    deal, prices = _files(
        tmp_path, body, "T,20.0,USD,2025-06-20\nBIGCO,45.0,USD,2025-06-20\n", target="T", currency="USD"
    )
    data = json.loads(_run("show", deal, "--prices", prices, "--json").stdout)
    assert data["legs"][0]["delta_below"] is None and data["legs"][0]["delta_above"] is None
    assert "collar's" not in _run("show", deal, "--prices", prices).stdout


# ------------------------------------------------------------------------------------------------
# 10 and issue 10: the Div column; a huge figure never breaks the report
# ------------------------------------------------------------------------------------------------


def test_report_has_a_div_column_that_adds_up(tmp_path: Path) -> None:
    div = '[[dividend]]\nticker = "T.HK"\namount = 0.4\ncurrency = "HKD"\nex_date = 2025-09-15\n'
    deal, prices = _files(tmp_path, CASH.format(amount=50.0, ccy="HKD") + div, "T.HK,48.0,HKD,2025-06-20\n")
    res = _run("report", deal, "--prices", prices)
    head = next(ln for ln in res.stdout.splitlines() if "Deal" in ln and "Ccy" in ln)
    row = next(ln for ln in res.stdout.splitlines() if ln.strip().startswith("t "))
    assert head.split()[:6] == ["Deal", "Ccy", "Target", "Value", "Div", "Spread"]
    assert row.split()[1:6] == ["HKD", "48.00", "50.00", "0.40", "+2.40"]


def test_a_huge_price_is_reported_not_a_traceback() -> None:
    from io import StringIO

    from rich.console import Console

    from arb.cli.render import render_deal, render_report

    # Deal files and price sources now refuse numbers above 1e9 a share; the printers must still
    # never fail on any float, so give them the worst figures directly.
    v = value(make_deal(CASH.format(amount=50.0, ccy="HKD")), {"T.HK": (48.0, "HKD")})
    f = v.results[0].figures
    f.update(target_price=1e307, deal_value=-1e308, spread=1.7976931348623157e308, spread_pct=1e300)
    buf = StringIO()
    Console(file=buf, width=140).print(render_report(v, width=140), render_deal(v.results[0], v))
    assert "1e+307" in buf.getvalue()


# ------------------------------------------------------------------------------------------------
# Flags that come from elsewhere: a figure too large, a flag a price source raised
# ------------------------------------------------------------------------------------------------


def test_an_annualised_return_too_large_to_represent_is_null_with_overflow() -> None:
    import datetime as dt

    # a spread of 99,900% with one day to go: 1000 ** 365 overflows a float
    [r] = value(
        make_deal(CASH.format(amount=1000.0, ccy="HKD")), {"T.HK": (1.0, "HKD")}, as_of=dt.date(2025, 12, 30)
    ).results
    assert r.figures["annualized"] is None
    assert "overflow" in r.flags and "implausible" in r.flags
    assert r.figures["annualized_simple"] == pytest.approx(999.0 * 365, **rel)
    assert r.to_dict()["annualized"] is None  # JSON stays valid: no Infinity


def test_a_flag_raised_by_the_price_source_reaches_the_deal() -> None:
    import datetime as dt

    from arb.prices.base import MemorySource

    note = "T.HK: 3 daily bars with zero volume and the close unchanged; last trade 2025-06-16"
    q = Quote("T.HK", 48.0, "HKD", dt.datetime(2025, 6, 20), "yahoo", flags=(("possibly-suspended", note),))
    [r] = value_deals([make_deal(CASH.format(amount=50.0, ccy="HKD"))], MemorySource({"T.HK": q}), as_of=AS_OF).results
    assert "possibly-suspended" in r.flags and note in r.info.notes
    assert r.figures["spread"] == pytest.approx(2.0, **rel)  # a warning: the figures stay


def test_a_deal_without_a_currency_says_so(tmp_path: Path) -> None:
    deal = tmp_path / "private.toml"
    deal.write_text(
        'id = "private"\nname = "Bigco buys a private company"\n[target]\nname = "Private Co"\n'
        '[[consideration]]\nkind = "stock"\nratio = 0.5\nticker = "BIGCO"\n',
        encoding="utf-8",
    )
    _, prices = _files(tmp_path, "", "BIGCO,10.0,USD,2025-06-20\n")
    rec, res = _report(deal, prices)
    assert rec["currency"] is None and rec["deal_value"] is None
    assert "no-deal-currency" in rec["flags"]
    assert "set currency in the deal file" in res.stderr

"""The bundled deals in seeds/: every file loads and validates, each cites its sources, the ENN
figures of the README reproduce, and the worked examples compute what their sources printed.

The expected numbers are worked out by hand from the figures the sources print (quoted in the deal
files' comments), not read back from the code under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from arb.cli import app
from arb.lifecycle import bump_history, close_date, conditions_met, long_stop, terms_at, vote_arithmetic
from arb.loader import load_deal, load_deals
from arb.models import CLOSED_STATUSES, Deal, Vote

SEEDS = Path(__file__).parent.parent / "seeds"
PRICES = SEEDS / "prices.csv"
ARTICLE_DAY = dt.date(2025, 6, 20)  # the ENN article's prices, the snapshot's latest date
LIBRARY = {
    "dongfeng-motor": "pending",
    "enn-energy": "pre-conditional",
    "esr-group": "completed",
    "hang-seng-bank": "completed",
    "henlius": "lapsed",
    "norfolk-southern": "pending",
    "spectris": "completed",
}


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARB_OFFLINE", "1")


def _deal(deal_id: str) -> Deal:
    return load_deal(SEEDS / f"{deal_id}.toml")


def _run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


# ------------------------------------------------------------------------------------------------
# Every seed loads, validates and cites its sources
# ------------------------------------------------------------------------------------------------


def test_every_seed_loads() -> None:
    result = load_deals([SEEDS])
    assert result.errors == []
    statuses = {d.id: d.status for d in result.deals}
    assert {k: statuses.get(k) for k in LIBRARY} == LIBRARY
    assert len({d.id for d in result.deals}) == len(result.deals)  # ids unique


def test_validate_accepts_every_seed() -> None:
    res = _run("validate", SEEDS)
    assert res.exit_code == 0, res.output
    files = sorted(SEEDS.glob("*.toml"))
    assert f"{len(files)} valid, 0 invalid" in res.stdout


@pytest.mark.parametrize("deal_id", sorted(LIBRARY))
def test_each_library_deal_cites_addressed_sources(deal_id: str) -> None:
    deal = _deal(deal_id)
    assert deal.source, "a deal in the library names its sources"
    for src in deal.source:
        assert src.title.strip()
        assert src.publisher
    # every new file has at least one source with an address; ENN keeps its undated article too
    assert any(s.url and s.url.startswith("http") for s in deal.source)
    for cond in deal.conditions:
        if cond.source is not None:
            assert cond.source.title.strip()


@pytest.mark.parametrize("deal_id", sorted(LIBRARY))
def test_closed_deals_say_what_they_paid_and_open_ones_do_not(deal_id: str) -> None:
    deal = _deal(deal_id)
    if deal.status == "completed":
        assert deal.paid is not None and deal.paid.amount > 0
    else:
        assert deal.paid is None
    assert (deal.status in CLOSED_STATUSES) == (deal_id in {"esr-group", "hang-seng-bank", "henlius", "spectris"})


def test_prices_are_dated_and_sourced_and_end_on_the_article_day() -> None:
    lines = [ln for ln in PRICES.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    rows = list(csv.DictReader(lines))
    assert rows
    for row in rows:
        assert row["as_of"], row
        assert row["source"].strip(), row
        float(row["price"])  # a number
    # The latest date is the report's default as-of: a later row would move the README's figures.
    assert max(dt.date.fromisoformat(r["as_of"]) for r in rows) == ARTICLE_DAY
    by_symbol = {r["symbol"]: r for r in rows}
    assert by_symbol["2688.HK"]["price"] == "65.00"
    henlius = by_symbol["2696.HK"]
    assert (henlius["price"], henlius["currency"], henlius["as_of"]) == ("17.10", "HKD", "2025-01-22")
    assert "Reuters" in henlius["source"]


# ------------------------------------------------------------------------------------------------
# ENN: the README's figures at the article's prices, and the lifecycle added since
# ------------------------------------------------------------------------------------------------

ENN_VALUE = 2.9427 * 18.86 + 24.50  # 79.999322, printed HK$80.00


def test_enn_reproduces_under_the_documented_command() -> None:
    # seeds/README.md: arb report --prices seeds/prices.csv seeds/enn-energy.toml
    res = _run("report", "--prices", PRICES, SEEDS / "enn-energy.toml", "--json")
    assert res.exit_code == 0, res.output
    [enn] = json.loads(res.stdout)
    assert enn["as_of"] == "2025-06-20"
    assert enn["target_price"] == 65.0
    assert enn["deal_value"] == pytest.approx(ENN_VALUE, abs=1e-9)
    assert enn["spread"] == pytest.approx(ENN_VALUE - 65.0, abs=1e-9)
    assert f"{enn['deal_value']:.2f}" == "80.00"
    assert f"{100 * enn['spread_pct']:.1f}" == "23.1"
    assert enn["days_to_close"] == (dt.date(2025, 12, 31) - ARTICLE_DAY).days == 194


def test_enn_row_of_the_default_report_is_unchanged() -> None:
    # The folder report at the bundled snapshot: the same ENN row whatever else the seeds hold.
    res = _run("report", "--prices", PRICES, SEEDS, "--json")
    records = {r["id"]: r for r in json.loads(res.stdout)}
    enn = records["enn-energy"]
    assert enn["as_of"] == "2025-06-20"
    assert f"{enn['deal_value']:.2f}" == "80.00"
    assert f"{100 * enn['spread_pct']:.1f}" == "23.1"
    # closed deals leave the default report
    assert not {"esr-group", "hang-seng-bank", "henlius", "spectris"} & set(records)


def test_enn_pre_conditions_as_at_28_december_2025() -> None:
    deal = _deal("enn-energy")
    assert deal.status == "pre-conditional" and deal.status_date == dt.date(2025, 12, 28)
    by_authority = {c.authority: c for c in deal.conditions}
    assert by_authority["ENN Natural Gas AGM"].status == "met"
    assert by_authority["ENN Natural Gas AGM"].date == dt.date(2025, 5, 28)
    assert by_authority["NDRC, MOFCOM, SAFE"].status == "met"
    assert by_authority["NDRC, MOFCOM, SAFE"].date == dt.date(2025, 12, 28)
    assert by_authority["HKEX"].status == "pending"
    assert by_authority["CSRC"].status == "pending"
    assert conditions_met(deal) == (2, 6)  # the two pre-conditions met, of four plus the vote and sanction
    assert deal.securities["enn-ng-h"].estimate == 18.86  # the median of HK$16.19-21.52


def test_enn_blocking_stake() -> None:
    vote = _deal("enn-energy").vote
    assert vote is not None
    assert (vote.shares_outstanding, vote.disinterested_shares) == (1_131_339_975, 743_456_241)
    # 743,456,241 + Xinneng's 387,768,034 = 1,131,224,275, the shares in issue at the board meeting
    assert 743_456_241 + 387_768_034 == 1_131_224_275
    math_ = vote_arithmetic(vote, 65.0, currency="HKD")
    assert math_.blocking_shares == 74_345_625  # floor(743,456,241 / 10) + 1
    assert math_.blocking_pct == pytest.approx(74_345_625 / 1_131_339_975, rel=1e-12)
    assert f"{100 * math_.blocking_pct:.2f}" == "6.57"
    assert math_.blocking_cost == pytest.approx(4_832_465_625.0, rel=1e-12)  # 74,345,625 x HK$65.00
    assert math_.passed is None  # no meeting yet


# ------------------------------------------------------------------------------------------------
# Hang Seng passes, Henlius fails
# ------------------------------------------------------------------------------------------------


def test_hang_seng_vote_passes_on_the_sourced_counts() -> None:
    deal = _deal("hang-seng-bank")
    vote = deal.vote
    assert vote is not None and vote.result is not None
    yes, no, pool = vote.result.shares_for, vote.result.shares_against, vote.disinterested_shares
    assert (yes, no, pool) == (236_604_569, 39_304_688, 662_169_774)
    # What HK01 printed: 85.75% / 14.25% of the votes cast, against 5.94% of all disinterested shares
    assert f"{100 * yes / (yes + no):.2f}" == "85.75"
    assert f"{100 * no / (yes + no):.2f}" == "14.25"
    assert f"{100 * no / pool:.2f}" == "5.94"
    # 1,210,767,762 held by HSBC Asia Pacific and concert parties + the disinterested = shares in issue
    assert 1_210_767_762 + pool == vote.shares_outstanding
    assert vote_arithmetic(vote, None).passed is True


def test_hang_seng_timetable_and_payment() -> None:
    deal = _deal("hang-seng-bank")
    dates = {e.kind: e.date for e in deal.events}
    assert dates == {
        "announcement": dt.date(2025, 10, 9),
        "scheme-document": dt.date(2025, 12, 15),
        "meeting": dt.date(2026, 1, 8),
        "last-trading": dt.date(2026, 1, 14),
        "sanction-hearing": dt.date(2026, 1, 23),
        "effective": dt.date(2026, 1, 26),
        "delisting": dt.date(2026, 1, 27),
        "payment": dt.date(2026, 2, 4),
    }
    assert close_date(deal) == (dt.date(2026, 2, 4), "payment event")
    assert deal.paid is not None and (deal.paid.amount, deal.paid.currency) == (155.0, "HKD")
    assert conditions_met(deal) == (4, 4)


def _henlius_result(vote: Vote, turnout: float) -> Vote:
    """The vote with the printed shares of the votes cast (80.57% for, 19.25% against) at ``turnout``."""
    assert vote.disinterested_shares is not None
    cast = round(turnout * vote.disinterested_shares)
    result = {"shares_for": round(0.8057 * cast), "shares_against": round(0.1925 * cast)}
    return Vote.model_validate({**vote.model_dump(by_alias=True, exclude={"result"}), "result": result})


def test_henlius_vote_fails_on_the_ten_percent_test() -> None:
    deal = _deal("henlius")
    assert deal.status == "lapsed"
    [failed] = [c for c in deal.conditions if c.status == "failed"]
    assert failed.date == dt.date(2025, 1, 22)
    vote = deal.vote
    assert vote is not None and vote.rule == "hk-scheme"
    # About HK$3.225bn for the H shares at HK$24.60 each (AASTOCKS): the derived class size
    assert vote.disinterested_shares == 131_097_561 == round(3_225_000_000 / 24.60)
    # 80.57% for passes the 75% test at any turnout; 19.25% of the votes cast against exceeds 10% of
    # all disinterested H shares once turnout passes 10 / 19.25 = 51.9%: the vote fails there ...
    for turnout in (0.53, 0.6, 0.8, 1.0):
        assert vote_arithmetic(_henlius_result(vote, turnout), 17.10).passed is False, turnout
    # ... and would have passed at a turnout below it: the 10% test, not the 75% one, failed it.
    for turnout in (0.3, 0.5):
        assert vote_arithmetic(_henlius_result(vote, turnout), 17.10).passed is True, turnout


def test_henlius_blocking_stake_at_the_close_of_the_vote_day() -> None:
    vote = _deal("henlius").vote
    assert vote is not None
    math_ = vote_arithmetic(vote, 17.10, currency="HKD")
    assert math_.blocking_shares == 13_109_757  # floor(131,097,561 / 10) + 1
    assert math_.blocking_cost == pytest.approx(13_109_757 * 17.10, rel=1e-12)


# ------------------------------------------------------------------------------------------------
# Spectris: the bump history; Dongfeng, ESR, Norfolk Southern
# ------------------------------------------------------------------------------------------------


def test_spectris_bump_history_in_pence() -> None:
    deal = _deal("spectris")
    assert deal.currency == "GBP"
    bumps = bump_history(deal)
    assert [round(b.value * 100) for b in bumps if b.value is not None] == [3763, 4000, 4100, 4175]
    assert [b.currency for b in bumps] == ["GBP"] * 4
    assert [b.bidder for b in bumps][:3] == ["Advent International", "KKR", "Advent International"]
    assert "KKR" in (bumps[3].bidder or "")
    assert [b.date for b in bumps] == [
        dt.date(2025, 6, 23),
        dt.date(2025, 7, 2),
        dt.date(2025, 8, 1),
        dt.date(2025, 8, 5),
    ]
    # 4,175p = 4,147p cash + the 28p interim dividend
    assert sorted(leg.amount for leg in deal.consideration if leg.amount is not None) == [0.28, 41.47]
    assert deal.paid is not None and deal.paid.amount == 41.75


@pytest.mark.parametrize(
    ("as_of", "pence"),
    [
        (dt.date(2025, 6, 30), 3763),  # Advent's first offer
        (dt.date(2025, 7, 2), 4000),  # KKR's from the day it superseded Advent's
        (dt.date(2025, 8, 4), 4100),  # Advent's raised offer
        (dt.date(2025, 8, 5), 4175),  # KKR's final terms
    ],
)
def test_spectris_terms_in_force_on_a_day(as_of: dt.date, pence: int) -> None:
    terms = terms_at(_deal("spectris"), as_of)
    assert round(100 * sum(leg.amount or 0.0 for leg in terms.consideration)) == pence


def test_dongfeng_is_valued_at_the_adviser_estimate() -> None:
    deal = _deal("dongfeng-motor")
    legs = {leg.kind: leg for leg in deal.consideration}
    assert legs["cash"].amount == 6.68
    assert legs["stock"].ratio == 0.3552608
    est = deal.securities["voyah-h"].estimate
    assert est == 11.735 and deal.securities["voyah-h"].proxy is None
    # The sourced headline: about HK$4.17 of VOYAH and HK$10.85 in all per Dongfeng H share
    assert f"{0.3552608 * est:.2f}" == "4.17"
    assert f"{6.68 + 0.3552608 * est:.2f}" == "10.85"
    res = _run("report", "--prices", PRICES, SEEDS / "dongfeng-motor.toml", "--json")
    [rec] = json.loads(res.stdout)
    assert rec["deal_value"] == pytest.approx(6.68 + 0.3552608 * 11.735, abs=1e-9)
    assert "estimate-used" in rec["flags"]
    assert rec["target_price"] is None  # no sourced price at the snapshot: no spread, never a guess
    assert rec["spread"] is None


def test_dongfeng_pre_conditions_and_long_stop() -> None:
    deal = _deal("dongfeng-motor")
    pre = [c for c in deal.conditions if "pre-condition" in c.name]
    assert len(pre) == 3 and all(c.status == "met" for c in pre)
    assert max(c.date for c in pre if c.date) == dt.date(2026, 2, 12)
    [stop] = [e for e in deal.events if e.kind == "pre-condition-long-stop"]
    assert stop.date == dt.date(2026, 7, 10)
    assert long_stop(deal) is None  # a pre-condition long-stop is not the deal's long-stop


def test_esr_models_the_cash_alternative_only() -> None:
    deal = _deal("esr-group")
    [leg] = deal.consideration
    assert (leg.kind, leg.amount, leg.currency, leg.weight) == ("cash", 13.0, "HKD", 1.0)
    assert "EquityCo" in (leg.note or "")
    assert {e.kind: e.date for e in deal.events}["delisting"] == dt.date(2025, 7, 3)
    [meeting] = [c for c in deal.conditions if c.kind == "shareholder"]
    assert "99.97%" in (meeting.note or "")


def test_norfolk_southern_regulatory_condition() -> None:
    deal = _deal("norfolk-southern")
    legs = {leg.kind: leg for leg in deal.consideration}
    assert (legs["stock"].ratio, legs["stock"].ticker) == (1.0, "UNP")
    assert (legs["cash"].amount, legs["cash"].currency) == (88.82, "USD")
    [stb] = [c for c in deal.conditions if c.kind == "regulatory"]
    assert (stb.authority, stb.status, stb.date) == ("STB", "pending", None)
    notes = {e.date: e.note or "" for e in deal.events}
    assert "rejects" in notes[dt.date(2026, 1, 16)]
    assert "amended" in notes[dt.date(2026, 4, 30)]
    assert conditions_met(deal) == (2, 3)  # both shareholder votes met, the STB outstanding

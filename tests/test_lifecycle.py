"""The deal lifecycle (issue 12): close date, timetable, conditions, revisions, and the vote arithmetic.

Every vote case is worked by hand in its comment; the Henlius numbers are illustrative (round
share counts with the reported 19.25% against), the Hang Seng ones are the counts in
``seeds/hang-seng-bank.toml`` (HK01, 8 Jan 2026).
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF, memory
from hypothesis import example, given, settings
from hypothesis import strategies as st

from arb.errors import DealFileError
from arb.flags import Flag
from arb.lifecycle import (
    bump_history,
    close_date,
    conditions_met,
    long_stop,
    next_event,
    terms_at,
    vote_arithmetic,
)
from arb.loader import load_deal
from arb.models import Deal, Vote
from arb.pricing import value_deals

D = dt.date

HEAD = """\
id = "life"
name = "A deal with a timetable"
status = "{status}"
announced = 2025-03-26
currency = "HKD"
downside = 50.0
{extra}
[target]
ticker = "T.HK"

[[consideration]]
kind = "cash"
amount = 80.0
currency = "HKD"
"""


def _deal(body: str = "", *, status: str = "pending", extra: str = "") -> Deal:
    return Deal.model_validate(tomllib.loads(HEAD.format(status=status, extra=extra) + "\n" + body))


def _events(*pairs: tuple[str, str]) -> str:
    return "".join(f'[[event]]\nkind = "{kind}"\ndate = {day}\n\n' for kind, day in pairs)


def _vote(**keys: Any) -> Vote:
    return Vote.model_validate(keys)


# ------------------------------------------------------------------------------------------------
# Close date, timetable, conditions
# ------------------------------------------------------------------------------------------------


def test_close_date_prefers_expected_close_then_payment_then_effective() -> None:
    events = _events(("effective", "2026-01-26"), ("payment", "2026-02-06"))
    assert close_date(_deal(events, extra="expected_close = 2026-03-31")) == (D(2026, 3, 31), "expected_close")
    assert close_date(_deal(events)) == (D(2026, 2, 6), "payment event")
    assert close_date(_deal(_events(("effective", "2026-01-26")))) == (D(2026, 1, 26), "effective event")
    assert close_date(_deal(_events(("meeting", "2026-01-08")))) == (None, "")
    # two payments (a second tranche): the consideration is paid in full at the later one
    two = _events(("payment", "2026-02-06"), ("payment", "2026-01-30"))
    assert close_date(_deal(two)) == (D(2026, 2, 6), "payment event")


def test_next_event_is_on_or_after_as_of_in_date_order() -> None:
    deal = _deal(_events(("meeting", "2026-01-08"), ("announcement", "2025-03-26"), ("effective", "2026-01-26")))
    first = next_event(deal, D(2025, 12, 1))
    assert first is not None and (first.kind, first.date) == ("meeting", D(2026, 1, 8))
    on_the_day = next_event(deal, D(2026, 1, 8))
    assert on_the_day is not None and on_the_day.kind == "meeting"
    after = next_event(deal, D(2026, 1, 9))
    assert after is not None and after.kind == "effective"
    assert next_event(deal, D(2026, 1, 27)) is None
    assert next_event(_deal(), AS_OF) is None


def test_conditions_met_counts_met_and_waived() -> None:
    body = (
        '[[condition]]\nname = "a"\nkind = "regulatory"\nstatus = "met"\ndate = 2025-12-28\n\n'
        '[[condition]]\nname = "b"\nkind = "listing"\nstatus = "waived"\ndate = 2025-12-29\n\n'
        '[[condition]]\nname = "c"\nkind = "regulatory"\nstatus = "pending"\nexpected = 2026-03-31\n\n'
        '[[condition]]\nname = "d"\nkind = "court"\nstatus = "failed"\ndate = 2026-01-02\n'
    )
    assert conditions_met(_deal(body)) == (2, 4)
    assert conditions_met(_deal()) == (0, 0)


def test_long_stop_is_the_latest_long_stop_event() -> None:
    extended = _events(("long-stop", "2026-06-30"), ("long-stop", "2026-09-30"), ("other", "2027-01-01"))
    assert long_stop(_deal(extended)) == D(2026, 9, 30)
    assert long_stop(_deal(_events(("pre-condition-long-stop", "2026-07-10")))) is None


# ------------------------------------------------------------------------------------------------
# Revisions: the terms in force at as-of, and the bump history
# ------------------------------------------------------------------------------------------------

# Spectris-shaped, in pounds (illustrative dates): Advent 37.63, KKR 40.00, Advent 41.00, KKR 41.75 now.
BUMPS = """\
[acquirer]
name = "KKR"

[[revision]]
superseded = 2025-06-23
announced = 2025-06-09
bidder = "Advent"
[[revision.consideration]]
kind = "cash"
amount = 37.63
currency = "HKD"

[[revision]]
superseded = 2025-07-02
[[revision.consideration]]
kind = "cash"
amount = 40.00
currency = "HKD"

[[revision]]
superseded = 2025-07-09
bidder = "Advent"
[[revision.consideration]]
kind = "cash"
amount = 41.00
currency = "HKD"
"""


def _bumped() -> Deal:
    text = HEAD.format(status="pending", extra="").replace("amount = 80.0", "amount = 41.75") + BUMPS
    return Deal.model_validate(tomllib.loads(text))


@pytest.mark.parametrize(
    ("as_of", "amount"),
    [
        (D(2025, 1, 1), 37.63),  # before any terms were announced: the first terms known
        (D(2025, 6, 22), 37.63),
        (D(2025, 6, 23), 40.00),  # superseded on the 23rd: from that day the next terms apply
        (D(2025, 7, 8), 41.00),
        (D(2025, 7, 9), 41.75),
        (D(2026, 1, 1), 41.75),
    ],
)
def test_terms_at_takes_the_earliest_revision_superseded_after_as_of(as_of: dt.date, amount: float) -> None:
    assert terms_at(_bumped(), as_of).consideration[0].amount == amount


def test_terms_at_without_revisions_is_the_deal_itself() -> None:
    deal = _deal()
    assert terms_at(deal, AS_OF) is deal
    assert terms_at(_bumped(), None) is not None


def test_bump_history_lists_each_price_date_and_bidder() -> None:
    history = bump_history(_bumped())
    assert [(b.value, b.bidder, b.date, b.superseded) for b in history] == [
        (37.63, "Advent", D(2025, 6, 9), D(2025, 6, 23)),
        (40.00, "KKR", D(2025, 6, 23), D(2025, 7, 2)),
        (41.00, "Advent", D(2025, 7, 2), D(2025, 7, 9)),
        (41.75, "KKR", D(2025, 7, 9), None),
    ]
    assert {b.currency for b in history} == {"HKD"}


def test_bump_history_has_no_value_for_terms_that_need_a_price() -> None:
    body = (
        '[[revision]]\nsuperseded = 2025-05-01\n[[revision.consideration]]\nkind = "stock"\nratio = 0.5\n'
        'ticker = "P.HK"\n'
    )
    history = bump_history(_deal(body))
    assert [b.value for b in history] == [None, 80.0]
    assert history[0].date == D(2025, 3, 26)  # the deal's announced date dates the first terms


def test_revisions_out_of_order_are_one_error(tmp_path: Path) -> None:
    body = BUMPS.replace("superseded = 2025-07-02", "superseded = 2025-06-01")
    err = _load_error(tmp_path, HEAD.format(status="pending", extra="") + body)
    assert err.key == "revision #2.superseded"
    assert "2025-06-01 is not after revision #1.superseded 2025-06-23" in err.problem


# ------------------------------------------------------------------------------------------------
# The vote arithmetic, by hand
# ------------------------------------------------------------------------------------------------


def test_henlius_fails_the_ten_percent_test_though_over_75_percent_voted_for() -> None:
    # Illustrative round counts: 100,000,000 disinterested H shares, 60,000,000 votes cast of
    # which 19.25% against (11,550,000) and 80.75% for (48,450,000).
    # 75% test: 48,450,000 / 60,000,000 = 80.75% >= 75%: passes.
    # 10% test: 11,550,000 > 10% x 100,000,000 = 10,000,000: fails. So the scheme fails.
    vote = _vote(
        rule="hk-scheme",
        shares_outstanding=200_000_000,
        disinterested_shares=100_000_000,
        result={"date": D(2025, 1, 22), "shares_for": 48_450_000, "shares_against": 11_550_000},
    )
    m = vote_arithmetic(vote, 24.60, currency="HKD")
    assert m.passed is False
    assert m.blocking_shares == 10_000_001  # floor(10% x 100,000,000) + 1
    assert m.blocking_pct == pytest.approx(10_000_001 / 200_000_000)
    assert m.blocking_cost == pytest.approx(10_000_001 * 24.60)
    assert "80.75% of the votes cast for" in m.lines[-1]
    assert "11.55% of the disinterested shares" in m.lines[-1] and m.lines[-1].endswith("failed.")
    assert any("HKD 246,000,024.60" in line for line in m.lines)


def test_hang_seng_passes_both_tests() -> None:
    # seeds/hang-seng-bank.toml: 662,169,774 disinterested shares of 1,872,937,536 in issue;
    # 236,604,569 for and 39,304,688 against.
    # 75% test: 236,604,569 / 275,909,257 = 85.75% >= 75%. 10% test: 39,304,688 / 662,169,774 = 5.94% <= 10%.
    vote = _vote(
        rule="hk-scheme",
        shares_outstanding=1_872_937_536,
        disinterested_shares=662_169_774,
        result={"date": D(2026, 1, 8), "shares_for": 236_604_569, "shares_against": 39_304_688},
    )
    m = vote_arithmetic(vote, None)
    assert m.passed is True
    assert m.blocking_shares == 66_216_978  # floor(66,216,977.4) + 1
    assert m.blocking_pct == pytest.approx(66_216_978 / 1_872_937_536)  # 3.54% of the shares in issue
    assert m.blocking_cost is None  # no price given
    assert "85.75% of the votes cast for" in m.lines[-1] and "5.94% of the disinterested" in m.lines[-1]
    assert m.lines[-1].endswith("passed.")


def test_the_seeds_vote_files_give_the_same_verdicts() -> None:
    seeds = Path(__file__).parent.parent / "seeds"
    path = seeds / "hang-seng-bank.toml"
    if not path.exists():
        pytest.skip("the Hang Seng seed is not written yet")
    deal = load_deal(path)
    assert deal.vote is not None
    assert vote_arithmetic(deal.vote, None).passed is True


@pytest.mark.parametrize(
    ("disinterested", "blocking"),
    [(100, 11), (101, 11), (109, 11), (110, 12), (9, 1), (10, 2)],
)
def test_hk_blocking_stake_is_ten_percent_plus_one_share(disinterested: int, blocking: int) -> None:
    # 10% of 100 is 10: 10 against still passes, 11 blocks. 10% of 109 is 10.9: 11 blocks.
    vote = _vote(rule="hk-scheme", shares_outstanding=1000, disinterested_shares=disinterested)
    assert vote_arithmetic(vote, 1.0).blocking_shares == blocking


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=10**12))
def test_hk_blocking_stake_is_the_least_that_blocks(disinterested: int) -> None:
    block = vote_arithmetic(
        _vote(rule="hk-scheme", shares_outstanding=disinterested, disinterested_shares=disinterested), None
    )
    b = block.blocking_shares
    assert b is not None and b <= disinterested + 1
    for against, passes in ((b - 1, True), (b, False)):
        if against > disinterested:
            continue
        # every other disinterested share votes for: only the 10% test can fail
        result = {"shares_for": disinterested - against, "shares_against": against}
        vote = _vote(
            rule="hk-scheme", shares_outstanding=disinterested, disinterested_shares=disinterested, result=result
        )
        assert vote_arithmetic(vote, None).passed is passes


def test_hk_turnout_gives_the_25_percent_block_when_cheaper() -> None:
    # 600m disinterested; at 30% turnout 180m are cast: 45,000,001 against (more than 25%) blocks,
    # cheaper than the 60,000,001 of the 10% test. Support 50m of 135m needed (75% of 180m).
    vote = _vote(
        rule="hk-scheme",
        shares_outstanding=1_000_000_000,
        disinterested_shares=600_000_000,
        irrevocables=50_000_000,
        holder=[{"name": "fund", "shares": 30_000_000, "stance": "against"}],
    )
    m = vote_arithmetic(vote, 10.0, turnout=0.3)
    assert (m.blocking_shares, m.turnout_blocking_shares) == (60_000_001, 45_000_001)
    assert (m.support, m.needed, m.headroom) == (50_000_000, 135_000_000, -85_000_000)
    assert (m.opposition, m.to_block) == (30_000_000, 15_000_001)  # the cheaper block, less what is against
    assert m.passed is None  # no result yet
    # without a turnout there is no 75% count to reach, only the 10% test to stay under
    plain = vote_arithmetic(vote, 10.0)
    assert (plain.turnout_blocking_shares, plain.needed, plain.headroom, plain.to_block) == (
        None,
        None,
        None,
        30_000_001,
    )


def test_hk_headcount_when_asked() -> None:
    base = {"rule": "hk-scheme", "shares_outstanding": 1000, "disinterested_shares": 1000}
    votes = {"shares_for": 900, "shares_against": 50}
    few_holders = {**votes, "holders_for": 3, "holders_against": 40}
    assert vote_arithmetic(_vote(**base, result=few_holders), None).passed is True  # no headcount by default
    assert vote_arithmetic(_vote(**base, headcount=True, result=few_holders), None).passed is False
    assert vote_arithmetic(_vote(**base, headcount=True, result={**few_holders, "holders_for": 41}), None).passed
    # asked for, but the counts not entered: undecided rather than guessed
    assert vote_arithmetic(_vote(**base, headcount=True, result=votes), None).passed is None


def test_uk_scheme_75_percent_by_value_and_a_majority_in_number() -> None:
    base = {"rule": "uk-scheme", "shares_outstanding": 1_000_000}
    # 750 of 1,000 votes for is exactly 75%: passes; 749 is not
    ok = {"shares_for": 750, "shares_against": 250, "holders_for": 10, "holders_against": 9}
    assert vote_arithmetic(_vote(**base, result=ok), None).passed is True
    assert vote_arithmetic(_vote(**base, result={**ok, "shares_for": 749, "shares_against": 251}), None).passed is False
    assert vote_arithmetic(_vote(**base, result={**ok, "holders_for": 9}), None).passed is False  # 9 v 9
    # at 40% turnout 400,000 are cast: 100,001 against blocks (more than 25%)
    m = vote_arithmetic(_vote(**base), 2.0, turnout=0.4)
    assert (m.blocking_shares, m.turnout_blocking_shares, m.needed) == (100_001, 100_001, 300_000)
    assert m.blocking_cost == pytest.approx(200_002.0)
    # without a turnout: the stake if every share votes
    assert vote_arithmetic(_vote(**base), None).blocking_shares == 250_001


@pytest.mark.parametrize(("outstanding", "needed", "blocking"), [(1000, 501, 500), (1001, 501, 501)])
def test_majority_outstanding(outstanding: int, needed: int, blocking: int) -> None:
    # more than half of all shares must vote for: 501 of 1,000 (500 is not more than half);
    # so 500 not voting for block it. Of 1,001, 501 is needed and 501 not voting for block.
    vote = _vote(rule="majority-outstanding", shares_outstanding=outstanding, irrevocables=400)
    m = vote_arithmetic(vote, None)
    assert (m.needed, m.blocking_shares, m.headroom) == (needed, blocking, 400 - needed)
    result = {"shares_for": needed, "shares_against": 0}
    assert vote_arithmetic(
        _vote(rule="majority-outstanding", shares_outstanding=outstanding, result=result), None
    ).passed
    result = {"shares_for": needed - 1, "shares_against": 0}
    short = _vote(rule="majority-outstanding", shares_outstanding=outstanding, result=result)
    assert vote_arithmetic(short, None).passed is False


def test_tender_minimum_acceptance() -> None:
    # 90% of 1,000 is 900 exactly (not 901 from 0.9's binary error): 101 shares not tendered block it
    vote = _vote(rule="tender", shares_outstanding=1000, minimum_acceptance=0.9, irrevocables=950)
    m = vote_arithmetic(vote, 5.0)
    assert (m.needed, m.blocking_shares, m.headroom) == (900, 101, 50)
    assert m.blocking_cost == pytest.approx(505.0)
    # 50% + 1 share of 1,000,001: 500,001 needed (ceil of 500,000.5)
    half = vote_arithmetic(_vote(rule="tender", shares_outstanding=1_000_001, minimum_acceptance=0.5), None)
    assert (half.needed, half.blocking_shares) == (500_001, 500_001)
    counted = _vote(rule="tender", shares_outstanding=1000, minimum_shares=600, result={"shares_for": 599})
    assert vote_arithmetic(counted, None).passed is False
    assert vote_arithmetic(counted.model_copy(update={"minimum_shares": 599}), None).passed is True


def test_turnout_must_be_a_fraction() -> None:
    vote = _vote(rule="uk-scheme", shares_outstanding=10)
    with pytest.raises(ValueError, match="turnout"):
        vote_arithmetic(vote, None, turnout=60)


# ------------------------------------------------------------------------------------------------
# validate: every new key with a bad value gets one clear message
# ------------------------------------------------------------------------------------------------


def _load_error(tmp_path: Path, text: str) -> DealFileError:
    path = tmp_path / "deal.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DealFileError) as info:
        load_deal(path)
    err = info.value
    assert "\n" not in str(err) and "pydantic" not in str(err).lower()
    assert "also" not in err.problem  # one problem, one message
    return err


VOTE = '[vote]\nrule = "hk-scheme"\nshares_outstanding = 1000\ndisinterested_shares = 600\n'

BAD = [
    # (body, extra top-level lines, key, fragment)
    ("", "", "status", "'pre-conditional'"),  # status = "open" below
    ('[[condition]]\nname = "x"\nkind = "antitrust"\nstatus = "pending"\n', "", "condition #1.kind", "'financing'"),
    ('[[condition]]\nname = "x"\nkind = "court"\nstatus = "done"\n', "", "condition #1.status", "'waived'"),
    ('[[condition]]\nname = "x"\nkind = "court"\nstatus = "met"\n', "", "condition #1", "needs 'date'"),
    ('[[condition]]\nname = "x"\nkind = "court"\nstatus = "failed"\n', "", "condition #1", "a failed condition"),
    (
        '[[condition]]\nname = "x"\nkind = "court"\nstatus = "pending"\ndate = 2025-12-01\n',
        "",
        "condition #1",
        "takes no 'date'",
    ),
    ('[[condition]]\nkind = "court"\nstatus = "pending"\n', "", "condition #1.name", "required"),
    ('[[event]]\nkind = "egm"\ndate = 2026-01-01\n', "", "event #1.kind", "'sanction-hearing'"),
    ('[[event]]\nkind = "meeting"\n', "", "event #1.date", "required"),
    ('[[event]]\nkind = "meeting"\ndate = "2026-01-01"\n', "", "event #1.date", "valid date"),
    (_events(("long-stop", "2026-06-30"), ("payment", "2026-07-01")), "", "event #2.date", "after the long-stop"),
    (_events(("long-stop", "2026-06-30")), "expected_close = 2026-08-01", "expected_close", "after the long-stop"),
    (VOTE.replace("hk-scheme", "scheme"), "", "vote.rule", "'majority-outstanding'"),
    (VOTE.replace("600", "1001"), "", "vote", "more than shares_outstanding 1000"),
    (VOTE.replace("disinterested_shares = 600\n", ""), "", "vote", "needs 'disinterested_shares'"),
    (VOTE.replace("1000", "1000.0"), "", "vote.shares_outstanding", "valid integer"),
    (VOTE + "irrevocables = -1\n", "", "vote.irrevocables", "greater than or equal to 0"),
    (
        VOTE + 'irrevocables = 500\n[[vote.holder]]\nname = "h"\nshares = 101\nstance = "for"\n',
        "",
        "vote",
        "come to 601, more than disinterested_shares 600",
    ),
    (
        '[vote]\nrule = "majority-outstanding"\nshares_outstanding = 1000\nirrevocables = 700\n'
        '[[vote.holder]]\nname = "h"\nshares = 400\nstance = "for"\n',
        "",
        "vote",
        "come to 1100, more than shares_outstanding 1000",
    ),
    (VOTE + '[[vote.holder]]\nname = "h"\nshares = 4\nstance = "maybe"\n', "", "vote.holder #1.stance", "'undecided'"),
    (VOTE + "[vote.result]\nshares_for = 500\nshares_against = 101\n", "", "vote", "601, more than disinterested"),
    (VOTE + "headcount = true\n", "", "", ""),  # valid: checked below to load
    (VOTE.replace("hk-scheme", "tender"), "", "vote", "'disinterested_shares' is for rule"),
    ('[vote]\nrule = "tender"\nshares_outstanding = 1000\n', "", "vote", "exactly one of 'minimum_acceptance'"),
    ('[vote]\nrule = "tender"\nshares_outstanding = 10\nminimum_shares = 11\n', "", "vote", "minimum_shares 11"),
    (
        '[vote]\nrule = "tender"\nshares_outstanding = 10\nminimum_acceptance = 1.5\n',
        "",
        "vote.minimum_acceptance",
        "1",
    ),
    ('[vote]\nrule = "uk-scheme"\nshares_outstanding = 10\nheadcount = false\n', "", "vote", "always applies it"),
    (
        '[vote]\nrule = "uk-scheme"\nshares_outstanding = 10\nminimum_acceptance = 0.9\n',
        "",
        "vote",
        "for rule = 'tender'",
    ),
    ("", "paid = { amount = 80.0 }", "paid", "but status is 'pending'; set status = \"completed\""),
    ("[[revision]]\nsuperseded = 2025-05-01\n", "", "revision #1.consideration", "required"),
    (
        "[[revision]]\nsuperseded = 2025-05-01\nannounced = 2025-06-01\n"
        '[[revision.consideration]]\nkind = "cash"\namount = 1.0\n',
        "",
        "revision #1",
        "announced 2025-06-01 is after superseded 2025-05-01",
    ),
    (
        '[[revision]]\nsuperseded = 2025-05-01\n[[revision.consideration]]\nkind = "stock"\nratio = 1.0\n'
        'security = "nope"\n',
        "",
        "revision #1.consideration #1.security",
        "not defined under [securities]",
    ),
    (
        '[[revision]]\nsuperseded = 2025-05-01\n[[revision.consideration]]\nkind = "cash"\namount = 1.0\n'
        "weight = 0.5\n",
        "",
        "revision #1.consideration",
        "sum to 0.5",
    ),
    ('[[event]]\nkind = "meeting"\ndate = 2026-01-01\nconfirmd = true\n', "", "event #1.confirmd", "'confirmed'"),
]


@pytest.mark.parametrize(
    ("body", "extra", "key", "fragment"), BAD, ids=[f"{i}:{b[2] or 'valid'}" for i, b in enumerate(BAD)]
)
def test_every_new_key_with_a_bad_value_is_one_clear_message(
    tmp_path: Path, body: str, extra: str, key: str, fragment: str
) -> None:
    status = "open" if key == "status" else "pending"
    text = HEAD.format(status=status, extra=extra) + "\n" + body
    if not key:
        assert load_deal(_write(tmp_path, text)).vote is not None
        return
    err = _load_error(tmp_path, text)
    assert err.key == key, err
    assert fragment in err.problem, err.problem


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_old_statuses_and_files_stay_valid_and_new_statuses_load() -> None:
    for status in (
        "rumoured",
        "announced",
        "pre-conditional",
        "pending",
        "completed",
        "lapsed",
        "terminated",
        "withdrawn",
    ):
        deal = _deal(status=status)
        assert deal.is_closed is (status in ("completed", "lapsed", "terminated", "withdrawn"))
    assert _deal().conditions == () and _deal().events == () and _deal().vote is None and _deal().revisions == ()


# ------------------------------------------------------------------------------------------------
# Through the valuation: close from events, terms at as-of, long-stop figures, flags
# ------------------------------------------------------------------------------------------------

PRICES = {"T.HK": (73.0, "HKD")}


def _value(deal: Deal, as_of: dt.date = AS_OF, prices: dict[str, tuple[float, str]] | None = None) -> Any:
    return value_deals([deal], memory(prices or PRICES), as_of=as_of).results[0]


def test_the_payment_event_is_the_close_when_expected_close_is_absent() -> None:
    # 2025-06-20 to 2025-12-31 is 194 days; spread (80 - 73) / 73
    r = _value(_deal(_events(("effective", "2025-12-20"), ("payment", "2025-12-31"))))
    assert r.figures["days_to_close"] == 194
    spread_pct = 7.0 / 73.0
    assert r.figures["annualized"] == pytest.approx((1 + spread_pct) ** (365 / 194) - 1, rel=1e-12)
    assert r.to_dict()["expected_close"] == "2025-12-31"
    assert Flag.NO_CLOSE_DATE not in r.flags
    without = _value(_deal(_events(("meeting", "2025-12-20"))))
    assert without.figures["days_to_close"] is None and Flag.NO_CLOSE_DATE in without.flags


def test_long_stop_figures_are_the_worst_case() -> None:
    body = _events(("payment", "2025-12-31"), ("long-stop", "2026-06-20"))
    r = _value(_deal(body))
    spread_pct = 7.0 / 73.0
    # 2025-06-20 to 2026-06-20: 365 days, so the compound and simple figures equal the spread
    assert r.figures["days_to_long_stop"] == 365
    assert r.figures["annualized_long_stop"] == pytest.approx(spread_pct, rel=1e-12)
    assert r.figures["annualized_simple_long_stop"] == pytest.approx(spread_pct, rel=1e-12)
    assert r.figures["annualized_long_stop"] < r.figures["annualized"]
    out = r.to_dict()
    assert out["annualized_long_stop"] == r.figures["annualized_long_stop"]
    # no long-stop event: no long-stop figures at all (as net figures without costs)
    plain = _value(_deal(_events(("payment", "2025-12-31"))))
    assert "annualized_long_stop" not in plain.to_dict()


def test_a_passed_long_stop_is_flagged_and_leaves_its_figures_null() -> None:
    body = _events(("long-stop", "2025-06-20"))
    r = _value(_deal(body, extra="expected_close = 2025-06-01"))
    assert Flag.LONG_STOP_PASSED in r.flags
    assert r.figures["annualized_long_stop"] is None and r.figures["days_to_long_stop"] is None
    assert r.figures["spread"] is not None  # the deal is still valued
    # a completed deal's long-stop is no news: the status explains the null figures
    done = _value(_deal(body, status="completed", extra="expected_close = 2025-06-01"))
    assert Flag.LONG_STOP_PASSED not in done.flags and Flag.COMPLETED in done.flags
    assert done.figures["annualized_long_stop"] is None


def test_as_of_before_a_bump_values_the_old_terms() -> None:
    deal = _bumped()
    before = _value(deal, D(2025, 6, 20), {"T.HK": (37.0, "HKD")})
    assert before.figures["deal_value"] == pytest.approx(37.63)
    assert before.deal.consideration[0].amount == 37.63
    assert before.deal.terms_hash() != deal.terms_hash()  # the history marks the change of terms
    after = _value(deal, D(2025, 7, 10), {"T.HK": (41.0, "HKD")})
    assert after.figures["deal_value"] == pytest.approx(41.75)


def test_lifecycle_flags() -> None:
    failed_condition = (
        '[[condition]]\nname = "SAMR"\nkind = "regulatory"\nauthority = "SAMR"\nstatus = "failed"\ndate = 2025-06-01\n'
    )
    r = _value(_deal(failed_condition, status="pre-conditional"))
    assert {Flag.CONDITION_FAILED, Flag.PRE_CONDITIONAL} <= set(r.flags)
    assert any("SAMR" in n for n in r.info.notes_for(Flag.CONDITION_FAILED))
    voted_down = VOTE + "[vote.result]\ndate = 2025-01-22\nshares_for = 300\nshares_against = 61\n"
    lapsed = _value(_deal(voted_down, status="lapsed"))
    assert {Flag.VOTE_FAILED, Flag.LAPSED} <= set(lapsed.flags)
    assert lapsed.figures["spread"] is not None  # history kept: still valued
    carried = VOTE + "[vote.result]\nshares_for = 300\nshares_against = 60\n"
    assert Flag.VOTE_FAILED not in _value(_deal(carried)).flags
    assert not {Flag.PRE_CONDITIONAL, Flag.LAPSED, Flag.VOTE_FAILED} & set(_value(_deal()).flags)


def test_a_completed_deal_says_what_it_paid() -> None:
    deal = _deal(status="completed", extra="status_date = 2026-02-06\npaid = { amount = 80.0, date = 2026-02-06 }")
    r = _value(deal, as_of=dt.date(2026, 2, 6))  # on the day it completed (before it, it was open)
    assert Flag.COMPLETED in r.flags
    [note] = r.info.notes_for(Flag.COMPLETED)
    assert note == "the deal is completed since 2026-02-06; paid HKD 80 per share on 2026-02-06"
    assert not math.isnan(r.figures["spread"] or math.nan)


def test_a_price_file_dated_before_a_bump_values_the_terms_then(tmp_path: Path) -> None:
    # No --as-of: the as-of is the file's latest date, 2025-06-30, before the bump of 2025-07-02.
    from arb.prices.csvfile import CsvSource

    prices = tmp_path / "prices.csv"
    prices.write_text("symbol,price,currency,as_of\nT.HK,39.0,HKD,2025-06-30\n", encoding="utf-8")
    r = value_deals([_bumped()], CsvSource(prices), today=D(2026, 1, 1)).results[0]
    assert r.as_of == D(2025, 6, 30)
    assert r.figures["deal_value"] == pytest.approx(40.00)


@settings(max_examples=40, deadline=None)
@given(
    price=st.floats(min_value=0.01, max_value=1e4),
    stop_days=st.integers(min_value=-30, max_value=2000),
    close_days=st.integers(min_value=-30, max_value=2000),
    status=st.sampled_from(["pending", "completed", "lapsed"]),
)
@example(price=1.0, stop_days=1, close_days=0, status="pending")  # 80^365: past any float (CI found it)
def test_long_stop_figures_are_right_or_null_with_a_reason(
    price: float, stop_days: int, close_days: int, status: str
) -> None:
    close = AS_OF + dt.timedelta(days=min(close_days, stop_days))
    stop = AS_OF + dt.timedelta(days=stop_days)
    body = _events(("payment", close.isoformat()), ("long-stop", stop.isoformat()))
    r = _value(_deal(body, status=status), prices={"T.HK": (price, "HKD")})
    f = r.figures
    spread_pct = f["spread_pct"]
    if stop_days > 0 and spread_pct is not None:
        assert f["days_to_long_stop"] == stop_days
        try:
            expected = (1 + spread_pct) ** (365 / stop_days) - 1
        except OverflowError:  # Python's float power raises where numpy gives inf: past any float
            expected = math.inf
        if math.isfinite(expected):
            assert f["annualized_long_stop"] == pytest.approx(expected, rel=1e-9)
            assert f["annualized_simple_long_stop"] == pytest.approx(spread_pct * 365 / stop_days, rel=1e-9)
        else:
            assert f["annualized_long_stop"] is None and Flag.IMPLAUSIBLE in r.flags
        if f["annualized"] is not None and spread_pct > 0:
            assert f["annualized_long_stop"] is None or f["annualized_long_stop"] <= f["annualized"] * (1 + 1e-12)
    else:
        assert f["annualized_long_stop"] is None and f["annualized_simple_long_stop"] is None
        reason = {Flag.LONG_STOP_PASSED, Flag.COMPLETED, Flag.LAPSED}
        assert spread_pct is None or reason & set(r.flags)
    assert (Flag.LONG_STOP_PASSED in r.flags) is (stop_days <= 0 and status == "pending")


def test_the_valid_lifecycle_file_through_the_report_json() -> None:
    # tests/data/deals/valid/lifecycle.toml at the synthetic 9999.HK 73.00 of 2025-06-20: the bump of
    # 2025-06-10 is in force (80.00); the close is the payment event (2026-06-15, 360 days away),
    # the long-stop 2026-09-30 (467 days away).
    from arb.prices.csvfile import CsvSource

    data = Path(__file__).parent / "data" / "deals"
    deal = load_deal(data / "valid" / "lifecycle.toml")
    [rec] = value_deals([deal], CsvSource(data / "prices.csv"), today=D(2025, 6, 20)).records()
    spread_pct = 7.0 / 73.0
    assert rec["deal_value"] == pytest.approx(80.0)
    assert (rec["expected_close"], rec["days_to_close"], rec["days_to_long_stop"]) == ("2026-06-15", 360, 467)
    assert rec["annualized"] == pytest.approx((1 + spread_pct) ** (365 / 360) - 1, rel=1e-12)
    assert rec["annualized_long_stop"] == pytest.approx((1 + spread_pct) ** (365 / 467) - 1, rel=1e-12)
    assert rec["annualized_simple_long_stop"] == pytest.approx(spread_pct * 365 / 467, rel=1e-12)
    assert rec["flags"] == ["pre-conditional", "synthetic-price"]

"""Status, closed-ness and flags at the as-of: a deal that closed after it was open then.

The worked case is the Hang Seng Bank seed: completed on 26 Jan 2026 (status_date), its court
meeting on 8 Jan, the sanction on 23 Jan, the payment by 4 Feb. On 1 Jan 2026 all of that was
still to come.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from arb.calendar import lifecycle_detail, upcoming
from arb.cli import app
from arb.flags import Flag
from arb.lifecycle import OPEN_BEFORE_CLOSE, closed_at, closed_on, deal_at, known_at, status_at
from arb.loader import load_deal
from arb.models import Deal
from arb.prices.base import MemorySource
from arb.pricing import value_deals

SEEDS = Path(__file__).parent.parent / "seeds"
HANG_SENG = SEEDS / "hang-seng-bank.toml"
NEW_YEAR = dt.date(2026, 1, 1)
EFFECTIVE = dt.date(2026, 1, 26)


@pytest.fixture(scope="module")
def hang_seng() -> Deal:
    return load_deal(HANG_SENG)


def _run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def test_the_seed_closes_on_its_status_date(hang_seng: Deal) -> None:
    assert hang_seng.status == "completed" and hang_seng.status_date == EFFECTIVE
    assert closed_on(hang_seng) == EFFECTIVE
    assert status_at(hang_seng, NEW_YEAR) == (OPEN_BEFORE_CLOSE, None)
    assert status_at(hang_seng, EFFECTIVE - dt.timedelta(days=1)) == (OPEN_BEFORE_CLOSE, None)
    assert status_at(hang_seng, EFFECTIVE) == ("completed", EFFECTIVE)  # closed from that day on
    assert not closed_at(hang_seng, NEW_YEAR)
    assert closed_at(hang_seng, EFFECTIVE) and closed_at(hang_seng, dt.date(2026, 12, 1))
    assert closed_at(hang_seng, None)  # no as-of: the file's status


def test_a_completion_without_status_date_is_its_effective_event(hang_seng: Deal) -> None:
    undated = hang_seng.model_copy(update={"status_date": None})
    assert closed_on(undated) == EFFECTIVE
    assert not closed_at(undated, NEW_YEAR) and closed_at(undated, EFFECTIVE)
    # nothing says when it closed: closed on every day, as the file says
    bare = undated.model_copy(update={"events": ()})
    assert closed_on(bare) is None and closed_at(bare, dt.date(2000, 1, 1))
    # a lapse is dated only by its status_date (no event marks it)
    lapsed = bare.model_copy(update={"status": "lapsed", "paid": None})
    assert closed_on(lapsed) is None and closed_at(lapsed, NEW_YEAR)
    assert closed_on(lapsed.model_copy(update={"status_date": EFFECTIVE})) == EFFECTIVE


def test_known_at_undoes_what_happened_later(hang_seng: Deal) -> None:
    then = known_at(hang_seng, NEW_YEAR)
    assert (then.status, then.status_date, then.paid) == (OPEN_BEFORE_CLOSE, None, None)
    assert not then.is_closed
    assert [c.status for c in then.conditions] == ["pending"] * 4
    assert all(c.date is None for c in then.conditions)
    assert then.vote is not None and then.vote.result is None
    assert then.events == hang_seng.events and then.consideration == hang_seng.consideration
    # the day after the meetings: the votes are counted, the court and HKEX still to come
    mid = known_at(hang_seng, dt.date(2026, 1, 9))
    assert [c.status for c in mid.conditions] == ["met", "met", "pending", "pending"]
    assert mid.vote is not None and mid.vote.result == hang_seng.vote.result  # type: ignore[union-attr]
    assert mid.status == OPEN_BEFORE_CLOSE
    # after the close nothing changes, and the file's deal itself comes back
    assert known_at(hang_seng, dt.date(2026, 3, 1)) is hang_seng
    assert known_at(hang_seng, None) is hang_seng
    # applying it twice changes nothing more
    assert known_at(then, NEW_YEAR) is then
    assert deal_at(hang_seng, NEW_YEAR).status == OPEN_BEFORE_CLOSE


def test_calendar_lists_the_events_still_to_come(hang_seng: Deal) -> None:
    items = [e for e in upcoming([hang_seng], as_of=NEW_YEAR, days=40) if e.deal_id == "hang-seng-bank"]
    assert [e.kind for e in items] == [
        "meeting",
        "last-trading",
        "sanction-hearing",
        "effective",
        "delisting",
        "payment",
    ]
    assert {e.deal_status for e in items} == {OPEN_BEFORE_CLOSE}
    # on the effective day it is completed: left out, unless asked for, and then shown completed
    assert upcoming([hang_seng], as_of=EFFECTIVE, days=40) == []
    closed = upcoming([hang_seng], as_of=EFFECTIVE, days=40, include_closed=True)
    assert [e.kind for e in closed] == ["effective", "delisting", "payment"]
    assert {e.deal_status for e in closed} == {"completed"}


def test_arb_calendar_at_new_year(home: Path) -> None:
    res = _run("calendar", "--deals", SEEDS, "--as-of", NEW_YEAR.isoformat(), "--days", "40", "--json")
    assert res.exit_code == 0, res.output
    rows = [r for r in json.loads(res.stdout) if r["deal"] == "hang-seng-bank"]
    assert [r["date"] for r in rows] == [
        "2026-01-08",
        "2026-01-14",
        "2026-01-23",
        "2026-01-26",
        "2026-01-27",
        "2026-02-04",
    ]
    assert {r["status"] for r in rows} == {OPEN_BEFORE_CLOSE}
    later = _run("calendar", "--deals", SEEDS, "--as-of", "2026-01-27", "--days", "40", "--json")
    assert "hang-seng-bank" not in {r["deal"] for r in json.loads(later.stdout)}


def test_ics_export_follows_the_as_of(home: Path, tmp_path: Path) -> None:
    ics = tmp_path / "deals.ics"
    _run("calendar", "--deals", HANG_SENG, "--as-of", NEW_YEAR.isoformat(), "--ics", ics)
    assert b"hang-seng-bank.payment.1@arb" in ics.read_bytes()
    ics.unlink()
    _run("calendar", "--deals", HANG_SENG, "--as-of", "2026-02-10", "--ics", ics)
    assert b"hang-seng-bank" not in ics.read_bytes()


def _valued(deal: Deal, as_of: dt.date) -> Any:
    source = MemorySource({"0011.HK": 153.9}, {"0011.HK": "HKD"})
    return value_deals([deal], source, as_of=as_of, read_config=False).results[0]


def test_flags_and_status_are_those_of_the_as_of(hang_seng: Deal) -> None:
    before = _valued(hang_seng, NEW_YEAR)
    assert Flag.COMPLETED not in before.flags
    assert before.deal.status == OPEN_BEFORE_CLOSE and before.to_dict()["status"] == OPEN_BEFORE_CLOSE
    assert before.figures["spread"] == pytest.approx(155.0 - 153.9)
    after = _valued(hang_seng, dt.date(2026, 2, 10))
    assert Flag.COMPLETED in after.flags
    assert after.deal.status == "completed"
    assert any("since 2026-01-26" in n and "paid HKD 155" in n for n in after.info.notes)


def test_a_vote_that_failed_after_the_as_of_is_not_flagged_before(hang_seng: Deal) -> None:
    assert hang_seng.vote is not None and hang_seng.vote.result is not None
    failed = hang_seng.vote.result.model_copy(update={"shares_for": 1, "shares_against": 600_000_000})
    lapsed = hang_seng.model_copy(
        update={
            "status": "lapsed",
            "paid": None,
            "status_date": dt.date(2026, 1, 8),
            "vote": hang_seng.vote.model_copy(update={"result": failed}),
        }
    )
    assert Flag.VOTE_FAILED not in _valued(lapsed, NEW_YEAR).flags
    assert Flag.LAPSED not in _valued(lapsed, NEW_YEAR).flags
    on_the_day = _valued(lapsed, dt.date(2026, 1, 8)).flags
    assert Flag.VOTE_FAILED in on_the_day and Flag.LAPSED in on_the_day


def test_report_and_show_at_new_year(home: Path) -> None:
    prices = SEEDS / "prices.csv"
    res = _run("report", SEEDS, "--prices", prices, "--as-of", NEW_YEAR.isoformat(), "--json")
    rows = {r["id"]: r for r in json.loads(res.stdout)}
    assert "hang-seng-bank" in rows
    assert rows["hang-seng-bank"]["status"] == OPEN_BEFORE_CLOSE
    assert rows["hang-seng-bank"]["conditions_met"] == 0
    assert "completed" not in rows["hang-seng-bank"]["flags"]
    # spectris completed on 4 Dec 2025 and henlius lapsed in Jan 2025: both closed on the as-of
    assert "spectris" not in rows and "henlius" not in rows
    res = _run("report", SEEDS, "--prices", prices, "--as-of", "2026-02-10", "--json")
    assert "hang-seng-bank" not in {r["id"] for r in json.loads(res.stdout)}

    res = _run("show", "hang-seng-bank", "--deals", SEEDS, "--prices", prices, "--as-of", NEW_YEAR.isoformat())
    head = res.stdout.splitlines()[0]
    assert head.endswith(OPEN_BEFORE_CLOSE) and "completed" not in head
    assert "Paid:" not in res.stdout and "Conditions: 0 of 4 met or waived" in res.stdout
    res = _run(
        "show", "hang-seng-bank", "--deals", SEEDS, "--prices", prices, "--as-of", NEW_YEAR.isoformat(), "--json"
    )
    life = json.loads(res.stdout)["lifecycle"]
    assert (life["status_date"], life["paid"], life["conditions_met"]) == (None, None, 0)
    assert life["vote"]["passed"] is None
    assert len(life["revisions"]) == 1


def test_lifecycle_detail_keeps_the_files_bump_history() -> None:
    spectris = load_deal(SEEDS / "spectris.toml")
    early = lifecycle_detail(spectris, dt.date(2025, 7, 1))
    assert len(early["revisions"]) == len(spectris.revisions) + 1
    assert early["status_date"] is None and early["paid"] is None
    late = lifecycle_detail(spectris, dt.date(2026, 1, 1))
    assert late["status_date"] == "2025-12-04"


def test_report_without_as_of_hides_only_the_deals_closed_today(home: Path, tmp_path: Path) -> None:
    # A file written ahead: completed on a day still to come (the expected effective date).
    text = HANG_SENG.read_text(encoding="utf-8").replace("status_date = 2026-01-26", "status_date = 2099-01-26")
    deals = tmp_path / "deals"
    deals.mkdir()
    (deals / "hang-seng-bank.toml").write_text(
        text.replace("date = 2026-01-26\nconfirmed = false", "date = 2099-01-26\nconfirmed = false"), encoding="utf-8"
    )
    prices = tmp_path / "prices.csv"
    prices.write_text(f"symbol,price,currency,as_of\n0011.HK,153.9,HKD,{dt.date.today().isoformat()}\n")
    res = _run("report", deals, "--prices", prices, "--json")
    [row] = json.loads(res.stdout)
    assert row["id"] == "hang-seng-bank" and row["status"] == OPEN_BEFORE_CLOSE
    assert "closed by today" not in res.stderr
    # written as closed on a day already past: left out, with the note saying so
    (deals / "hang-seng-bank.toml").write_text(HANG_SENG.read_text(encoding="utf-8"), encoding="utf-8")
    res = _run("report", deals, "--prices", prices, "--json")
    assert (
        json.loads(res.stdout) == []
        and "1 deal closed by today (" in res.stderr
        and "not shown (hang-seng-bank)" in res.stderr
    )


def test_an_open_status_dated_after_the_as_of_has_no_since_day() -> None:
    # ENN Energy's file says pre-conditional with status_date 2025-12-28 (the latest source).
    # At 2025-06-20 that day was still to come: the flag stays (the file knows no earlier status)
    # but its note never says "since" a day after the as-of.
    enn = load_deal(SEEDS / "enn-energy.toml")
    assert enn.status == "pre-conditional" and enn.status_date == dt.date(2025, 12, 28)
    june = dt.date(2025, 6, 20)
    assert status_at(enn, june) == ("pre-conditional", None)
    assert known_at(enn, june).status_date is None
    assert status_at(enn, enn.status_date) == ("pre-conditional", enn.status_date)  # from that day on
    assert known_at(enn, dt.date(2026, 1, 5)) is enn
    source = MemorySource({"2688.HK": 65.0}, {"2688.HK": "HKD"})
    result = value_deals([enn], source, as_of=june, read_config=False).results[0]
    assert Flag.PRE_CONDITIONAL in result.flags
    assert "the deal is pre-conditional" in result.info.notes
    assert not any("2025-12-28" in n for n in result.info.notes)
    later = value_deals([enn], source, as_of=dt.date(2026, 1, 5), read_config=False).results[0]
    assert "the deal is pre-conditional since 2025-12-28" in later.info.notes

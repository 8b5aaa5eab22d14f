"""A deal has terms from the day its first terms were announced, a revision's included.

Spectris's file dates the deal from KKR's first firm offer (``announced = 2025-07-02``) and keeps
Advent's earlier recommended offer of 3,763p (announced 2025-06-23) as a revision. From 23 June
there were terms to value (``terms_at`` gives Advent's); the valuation, the calendar and the event
alerts must not call the deal unannounced on those days.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from arb.calendar import upcoming
from arb.flags import Flag
from arb.lifecycle import first_announced
from arb.loader import load_deal
from arb.models import Deal
from arb.prices.base import MemorySource
from arb.pricing import value_deals

SPECTRIS = Path(__file__).parent.parent / "seeds" / "spectris.toml"
ADVENT = dt.date(2025, 6, 23)


@pytest.fixture(scope="module")
def spectris() -> Deal:
    return load_deal(SPECTRIS)


def _valued(deal: Deal, as_of: dt.date):  # type: ignore[no-untyped-def]
    source = MemorySource({"SXS.L": 37.0}, {"SXS.L": "GBP"})  # synthetic price, pounds
    return value_deals([deal], source, as_of=as_of, read_config=False).results[0]


def test_the_first_announcement_is_the_earliest_of_the_deal_and_its_revisions(spectris: Deal) -> None:
    assert spectris.announced == dt.date(2025, 7, 2)
    assert first_announced(spectris) == ADVENT
    assert first_announced(spectris.model_copy(update={"revisions": ()})) == dt.date(2025, 7, 2)
    bare = spectris.model_copy(update={"announced": None, "revisions": ()})
    assert first_announced(bare) is None


def test_a_revision_announced_first_gives_terms_to_value(spectris: Deal) -> None:
    week_after = _valued(spectris, dt.date(2025, 6, 30))
    assert Flag.NOT_YET_ANNOUNCED not in week_after.flags
    assert week_after.figures["deal_value"] == pytest.approx(37.35 + 0.28)  # Advent's 3,763p
    assert week_after.figures["spread"] == pytest.approx(37.63 - 37.0)
    day_before = _valued(spectris, ADVENT - dt.timedelta(days=1))
    assert Flag.NOT_YET_ANNOUNCED in day_before.flags
    assert day_before.figures["deal_value"] is None
    assert any(n.startswith(f"announced {ADVENT}, after the as-of") for n in day_before.info.notes)


def test_the_calendar_lists_the_deal_once_its_first_terms_are_out(spectris: Deal) -> None:
    entries = upcoming([spectris], as_of=dt.date(2025, 6, 25), days=30)
    assert [e.date for e in entries] == [dt.date(2025, 7, 2)]  # the announcement event ahead
    assert upcoming([spectris], as_of=dt.date(2025, 6, 20), days=30) == []


def test_no_hedge_before_the_first_terms() -> None:
    # The shares to short would tell the terms before they were announced: no hedge then, in the
    # result, the hedges frame and a grid's hedge column. Synthetic prices.
    import arb
    from tests.conftest import make_deal

    deal = make_deal('[[consideration]]\nkind = "stock"\nratio = 0.5\nticker = "BIGCO"\n', currency="USD", target="T")
    prices = {"T": (19.0, "USD"), "BIGCO": (40.0, "USD")}
    before, after = dt.date(2024, 12, 31), dt.date(2025, 1, 2)  # announced 2025-01-02
    assert arb.valuation(deal, prices, as_of=before).results[0].hedge == {}
    assert arb.valuation(deal, prices, as_of=before).hedges_frame().empty
    assert arb.valuation(deal, prices, as_of=after).results[0].hedge == {"BIGCO": 0.5}
    grid = arb.scenarios(deal, prices, {"as_of": [before, after]}, as_of=after)
    assert grid["hedge.BIGCO"].isna().tolist() == [True, False]
    assert grid["hedge.BIGCO"].iloc[1] == 0.5

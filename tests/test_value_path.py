"""The per-deal valuation path made cheaper (issue 11): each shortcut gives what the long way gives.

The rows of Python floats laid out once, the memoised closures, the FX table's remembered rates,
the flag rows read once and ``needed_fx`` written without helpers are checked here against the
plain definitions, on edge inputs and on the synthetic deal files of the benchmarks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import itertools
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import make_deal
from hypothesis import given, settings
from hypothesis import strategies as st

import arb.pricing
from arb.book import Book, DealInfo, LegInfo, _unit_of, deal_currency, needed_fx, needed_fx_unquoted, symbols_for
from arb.calendar import CalendarEntry
from arb.engine import DealTable, DividendTable, LegTable
from arb.flags import DEPENDS, FLAGS, Flag, closure, net_closure
from arb.fx import FxRate, FxTable
from arb.lifecycle import close_date, closed_on, first_announced, long_stop, next_event, terms_at, vote_arithmetic
from arb.loader import load_deals
from arb.models import Deal, Vote
from arb.prices.base import MemorySource, Quote
from arb.pricing import DealResult, _closure, _net_closure, _opt, _opt_rows, fetch_for, value_deals

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.synthetic import AS_OF, synthetic_quotes, write_deal_files


def test_opt_rows_match_opt_cell_by_cell() -> None:
    a = np.array([1.5, math.nan, math.inf, -math.inf, -0.0, 1e308, 5e-324])
    b = np.array([3, 2, 1, 0, -1, -2, -3], dtype=np.int64)  # ints come back as floats, as _opt(float(x))
    rows = _opt_rows([a, b])
    assert rows == [[_opt(float(x)), _opt(float(y))] for x, y in zip(a, b, strict=True)]
    assert all(type(cell) is float for row in rows for cell in row if cell is not None)
    assert rows[1][0] is None and rows[2][0] is None and rows[3][0] is None
    assert math.copysign(1.0, rows[4][0]) == -1.0  # the sign of zero is kept
    assert _opt_rows([np.array([]), np.array([])]) == []


def test_memoised_closures_equal_the_definitions() -> None:
    names = sorted(DEPENDS)
    for size in range(3):
        for chosen in itertools.combinations(names, size):
            blocked = frozenset(chosen)
            assert _closure(blocked) == closure(blocked)
            assert _net_closure(blocked) == net_closure(blocked)
    assert isinstance(_closure(frozenset({"spread"})), frozenset)  # shared between calls: cannot be changed


def _q(symbol: str, price: float, currency: str) -> Quote:
    return Quote(symbol, price, currency, None, "memory")


def test_fx_table_gives_each_rate_again_as_a_fresh_table_does() -> None:
    quotes = {
        "GBPUSD=X": _q("GBPUSD=X", 1.25, "USD"),
        "USDJPY=X": _q("USDJPY=X", 150.0, "JPY"),
        "HKDUSD=X": _q("HKDUSD=X", 0.128, "USD"),
        "CNYHKD=X": _q("CNYHKD=X", 1.09, "HKD"),
    }
    table = FxTable(quotes)
    currencies = ["GBP", "USD", "JPY", "HKD", "CNY", "EUR"]
    for _ in range(2):  # the second time from what the table remembers
        for base, quote in itertools.product(currencies, repeat=2):
            assert table.rate(base, quote) == FxTable(quotes).rate(base, quote), (base, quote)
    assert table.rate("GBP", "EUR") is None  # no EUR pair: no rate, never 1, and still none when asked again
    assert table.rate("GBP", "EUR") is None
    cross = table.rate("GBP", "JPY")
    assert cross is not None and cross.rate == pytest.approx(187.5) and cross.cross
    assert table.rate("GBP", "JPY") is cross  # frozen, so handing out the same one is safe


def test_flag_rows_block_what_the_table_says() -> None:
    for flag, spec in FLAGS.items():
        info = DealInfo(make_deal(""), "HKD", None, None)
        if spec.one_of:
            for figure in (*spec.blocks, *spec.net_blocks):
                one = DealInfo(info.deal, "HKD", None, None)
                one.flag(str(flag), "why", blocks=figure)
                assert one.blocked == {figure} and one.flags == [str(flag)]
            with pytest.raises(ValueError, match="blocks one of"):
                info.flag(flag)
        else:
            info.flag(flag, "why")
            info.flag(str(flag), "why")  # by its text: the same flag, raised once, noted once
            assert info.blocked == {*spec.blocks, *spec.net_blocks}
            assert info.flags == [str(flag)] and type(info.flags[0]) is str
            assert info.flag_notes == [(str(flag), "why")]
            with pytest.raises(ValueError, match="cannot block"):
                info.flag(flag, blocks="spread")


def test_flag_not_in_the_table_is_refused() -> None:
    info = DealInfo(make_deal(""), "HKD", None, None)
    with pytest.raises(KeyError, match=r"not in arb\.flags\.FLAGS"):
        info.flag("no-such-flag")
    with pytest.raises(ValueError, match="cannot block"):
        info.flag(Flag.NO_PRICE, blocks="spread")


def _needed_fx_by_definition(
    deals: list[Deal], quotes: dict[str, Quote], guess_missing: bool = True
) -> list[tuple[str, str]]:
    """The conversions needed, one rule at a time: each amount's currency into the deal's (a security's
    price into the security's currency first), where both are known and differ, in first-seen order."""
    out: list[tuple[str, str]] = []

    def need(a: str | None, b: str | None) -> None:
        if a and b and a != b and (a, b) not in out:
            out.append((a, b))

    def unit(sym: str) -> str | None:
        return _unit_of(sym, quotes, guess_missing)

    for deal in deals:
        ccy = deal_currency(deal, quotes)
        if deal.target.ticker:
            ccy = ccy if ccy is not None else unit(deal.target.ticker)
            need(unit(deal.target.ticker), ccy)
        for leg in deal.consideration:
            if leg.ticker:
                need(unit(leg.ticker), ccy)
            elif leg.security:
                sec = deal.securities[leg.security]
                need(sec.currency, ccy)
                if leg.security in quotes:
                    need(quotes[leg.security].currency, sec.currency)
                elif sec.proxy:
                    need(unit(sec.proxy), sec.currency)
            else:
                need(leg.currency, ccy)
            if leg.value_currency:
                need(leg.value_currency, ccy)
        for div in deal.dividend:
            need(div.currency, ccy)
    return out


@pytest.fixture(scope="module")
def synthetic_deals(tmp_path_factory: pytest.TempPathFactory) -> list[Deal]:
    folder = tmp_path_factory.mktemp("synthetic")
    write_deal_files(folder, 300, seed=5)
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    return [*load_deals([folder]).deals, *load_deals([seeds]).deals]


def test_needed_fx_follows_its_definition(synthetic_deals: list[Deal]) -> None:
    quotes = synthetic_quotes(symbols_for(synthetic_deals), seed=5)
    some = {s: q for i, (s, q) in enumerate(sorted(quotes.items())) if i % 3}  # a third left unpriced
    for have in ({}, quotes, some):
        for guess in (True, False):
            got = needed_fx(synthetic_deals, have, guess_missing=guess)
            assert got == _needed_fx_by_definition(synthetic_deals, have, guess), (len(have), guess)
    assert needed_fx(synthetic_deals, some)  # the deals need conversions: the check above is not empty


def test_valuation_twice_gives_the_same_figures(synthetic_deals: list[Deal]) -> None:
    # Nothing remembered from one valuation changes the next (the closures and rates are per value).
    source = MemorySource(synthetic_quotes(symbols_for(synthetic_deals), seed=5))
    first = value_deals(synthetic_deals, source, as_of=AS_OF, read_config=False)
    again = value_deals(synthetic_deals, source, as_of=AS_OF, read_config=False)
    assert [r.to_dict(detail=True) for r in first.results] == [r.to_dict(detail=True) for r in again.results]
    for r in first.results:
        for lf, li in zip(r.leg_figures, r.info.legs, strict=True):
            if not li.hedge_symbol:
                assert lf["hedge_shares"] is None
            value = lf["leg_value"]
            if value is not None and lf["weighted_value"] is not None:
                assert lf["weighted_value"] == value * li.leg.weight


_KINDS = ("meeting", "payment", "effective", "announcement")
# Every event on or before the long-stop (a deal file with one after it is refused).
_EVENTS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(_KINDS), st.integers(0, 9)),
        st.tuples(st.just("long-stop"), st.integers(9, 12)),
    ),
    max_size=7,
)


@settings(max_examples=150, deadline=None)
@given(_EVENTS, st.integers(-1, 13))
def test_timetable_reads_follow_their_definitions(events: list[tuple[str, int]], offset: int) -> None:
    # Same-day events are common (a meeting and its announcement): the first listed is the next one.
    start = dt.date(2026, 1, 1)
    body = "".join(f'[[event]]\nkind = "{k}"\ndate = {start + dt.timedelta(days=d)}\n\n' for k, d in events)
    deal = make_deal(body).model_copy(update={"status": "completed", "expected_close": None})
    as_of = start + dt.timedelta(days=offset)
    ahead = [e for e in deal.events if e.date >= as_of]
    expected_next = min(ahead, key=lambda e: e.date) if ahead else None
    assert next_event(deal, as_of) is expected_next

    def latest(kind: str) -> dt.date | None:
        return max((e.date for e in deal.events if e.kind == kind), default=None)

    assert long_stop(deal) == latest("long-stop")
    assert closed_on(deal) == latest("effective")  # completed, no status_date: the last effective event
    paid, effective = latest("payment"), latest("effective")
    expected_close = (paid, "payment event") if paid else (effective, "effective event") if effective else (None, "")
    assert close_date(deal) == expected_close
    assert terms_at(deal, as_of) is deal and first_announced(deal) == deal.announced  # no revisions: as filed


def test_fetch_for_names_the_same_failed_conversions_as_worked_out_afresh(
    synthetic_deals: list[Deal], monkeypatch: pytest.MonkeyPatch
) -> None:
    # fetch_for reuses its last round's pairs when no listing lacked a quote (nothing was guessed);
    # told that one always did, it works them out afresh without guessing, as it did before.
    synth = [d for d in synthetic_deals if d.id.startswith("synthetic")]  # every listing priced
    quotes = synthetic_quotes(symbols_for(synthetic_deals), seed=5)
    fx_dropped = {s: q for s, q in quotes.items() if not (s.startswith("USD") and s.endswith("=X"))}
    listing_dropped = {s: q for i, (s, q) in enumerate(sorted(quotes.items())) if i % 4}
    # London listings and their pair gone: a guessed GBP->HKD conversion fails, but no valuation needed it.
    london_gone = {s: q for s, q in quotes.items() if not s.endswith(".L") and s != "GBPHKD=X"}
    prices = (quotes, fx_dropped, listing_dropped, london_gone)
    cases = [(deals, have) for deals in (synth, synthetic_deals) for have in prices]
    reused = [fetch_for(deals, MemorySource(have), as_of=AS_OF).failures for deals, have in cases]
    with monkeypatch.context() as m:
        m.setattr(arb.pricing, "needed_fx_unquoted", lambda deals, quotes: (needed_fx(deals, quotes), True))
        afresh = [fetch_for(deals, MemorySource(have), as_of=AS_OF).failures for deals, have in cases]
    assert reused == afresh
    assert any(s.endswith("=X") for s in reused[1])  # a conversion that failed is named
    for deals, have in cases:
        pairs, unquoted = needed_fx_unquoted(deals, have)
        assert pairs == needed_fx(deals, have)
        if not unquoted:
            assert pairs == needed_fx(deals, have, guess_missing=False)
    assert not needed_fx_unquoted(synth, quotes)[1] and not needed_fx_unquoted(synth, fx_dropped)[1]
    assert needed_fx_unquoted(synth, listing_dropped)[1] and needed_fx_unquoted(synthetic_deals, quotes)[1]


def test_a_guessed_conversion_nobody_needed_is_not_named() -> None:
    # BIG.L has no price, so its GBP is only a guess: GBPHKD=X was asked for and failed, but no
    # valuation made that conversion, so it is not news (the listing's own failure is).
    deal = make_deal('[[consideration]]\nkind = "stock"\nratio = 1.0\nticker = "BIG.L"\n')
    source = MemorySource({"T.HK": 9.0}, {"T.HK": "HKD"})
    fetched = fetch_for([deal], source, as_of=AS_OF)
    assert needed_fx([deal], {}) == [("GBP", "HKD")]  # the guess asked for
    assert "BIG.L" in fetched.failures
    assert not any(s.endswith("=X") for s in fetched.failures)


@pytest.mark.parametrize("with_fx", [True, False])
def test_prices_only_after_the_as_of_are_named_per_deal(synthetic_deals: list[Deal], with_fx: bool) -> None:
    # Every synthetic price is dated after this as-of: each deal names the symbols it needed among them
    # (its listings, and both orientations of each pair it converts through), sorted.
    synth = [d for d in synthetic_deals if d.id.startswith("synthetic")]
    quotes = synthetic_quotes(symbols_for(synth), seed=5)
    if not with_fx:
        quotes = {s: q for s, q in quotes.items() if not s.endswith("=X")}
    early = dt.date(2025, 3, 1)
    v = value_deals(synth, MemorySource(quotes), as_of=early, read_config=False)
    later = v.fetch.later
    assert later and any(s.endswith("=X") for s in later) == with_fx
    for r in v.results:
        needed = set(symbols_for([r.deal]))
        for b, q in needed_fx([r.deal], v.fetch.quotes):
            needed |= {f"{b}{q}=X", f"{q}{b}=X"}
        named = [n.split(":")[0] for n in r.info.notes_for(Flag.PRICE_AFTER_AS_OF)]
        assert named == sorted(needed & set(later)), r.id


def test_fields_classes_take_their_arguments_as_a_dataclass_does() -> None:
    # The engine's tables, the book and the valuation are made by Fields, not a compiled __init__.
    arrays = [np.arange(3, dtype=np.float64) + i for i in range(5)]
    by_position = DealTable(*arrays)
    by_name = DealTable(**dict(zip([f.name for f in dataclasses.fields(DealTable)], arrays, strict=True)))
    for f in dataclasses.fields(DealTable):
        assert getattr(by_position, f.name) is getattr(by_name, f.name)
    ints = np.zeros(0, np.int64)
    legs = LegTable(ints, ints.astype(np.int8), *[np.zeros(0)] * 10)
    assert legs.ratio_min is None and legs.ref_weight is None  # the defaults
    with pytest.raises(TypeError, match="missing the argument 'n_legs'"):
        DealTable(*arrays[:4])
    with pytest.raises(TypeError, match="takes 5 arguments, 6 given"):
        DealTable(*arrays, arrays[0])
    with pytest.raises(TypeError, match="multiple values for 'downside'"):
        DealTable(*arrays[:2], downside=arrays[1], as_of=arrays[2], close=arrays[3], n_legs=arrays[4])
    with pytest.raises(TypeError, match="unexpected argument 'closes'"):
        DealTable(*arrays, closes=arrays[0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        by_position.close = arrays[0]  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del by_position.close  # type: ignore[misc]
    moved = by_position.with_(close=[7.0, 8.0, 9.0])
    assert moved.close.tolist() == [7.0, 8.0, 9.0] and moved.downside is by_position.downside
    table = DividendTable.empty()
    assert repr(table) == (
        "DividendTable(deal=array([], dtype=int64), leg=array([], dtype=int64), "
        "amount=array([], dtype=float64), ex_date=array([], dtype=float64))"
    )
    book = Book(legs, by_position, table, [], AS_OF)
    assert dataclasses.replace(book, info=[1]).info == [1] and book.info == []
    book.info = [2]  # a book is not frozen, as before
    assert book.info == [2]


@pytest.mark.parametrize("cls", [LegInfo, DealInfo, DealResult, CalendarEntry])
def test_own_init_takes_the_fields_in_order_with_their_defaults(cls: type) -> None:
    # These write their __init__ (made once per deal): it must take what @dataclass's would.
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    specs = dataclasses.fields(cls)
    assert [p.name for p in params] == [f.name for f in specs]
    for p, f in zip(params, specs, strict=True):
        if f.default is not dataclasses.MISSING:
            assert p.default == f.default or (math.isnan(p.default) and math.isnan(f.default)), f.name
        elif f.default_factory is not dataclasses.MISSING:
            assert p.default is None, f.name  # None (or left out) makes the empty container
        else:
            assert p.default is inspect.Parameter.empty, f.name


def test_value_records_compare_hash_and_freeze_as_dataclasses_do() -> None:
    q = _q("GBPUSD=X", 1.25, "USD")
    a, b = FxRate("GBP", "USD", 1.25, "GBPUSD=X", False, q), FxRate("GBP", "USD", 1.25, "GBPUSD=X", source=q)
    assert a == b and hash(a) == hash(b) == hash(("GBP", "USD", 1.25, "GBPUSD=X", False, q, ()))
    assert a != dataclasses.replace(a, rate=1.26) and len({a, b}) == 1
    assert repr(FxRate("HKD", "HKD", 1.0, None)) == (
        "FxRate(base='HKD', quote='HKD', rate=1.0, symbol=None, inverted=False, source=None, sources=())"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.rate = 2.0  # type: ignore[misc]
    vote = Vote.model_validate(
        {
            "rule": "majority-outstanding",
            "shares_outstanding": 1000,
            "result": {"shares_for": 600, "shares_against": 10},
        }
    )
    math_ = vote_arithmetic(vote, 10.0)
    as_dict = dataclasses.asdict(math_)  # what arb show --json prints
    assert as_dict["passed"] is True and as_dict["lines"] == math_.lines and as_dict["needed"] == 501
    assert vote_arithmetic(vote, 10.0) == math_
    with pytest.raises(TypeError):
        hash(math_)  # its lines are a list, as before
    leg = make_deal('[[consideration]]\nkind = "cash"\namount = 5.0\n').consideration[0]
    one, two = LegInfo(0, leg, "HKD", "cash"), LegInfo(0, leg, "HKD", "cash")
    assert one == two and one != LegInfo(1, leg, "HKD", "cash")
    two.security_price = 3.0  # a LegInfo is filled in as the leg is priced
    assert one != two
    with pytest.raises(TypeError):
        hash(one)
    info = DealInfo(make_deal(""), "HKD", None, None)
    assert info.legs == [] and info.legs is not DealInfo(info.deal, "HKD", None, None).legs  # one list each
    entry = CalendarEntry("t", "T", "meeting", AS_OF, True, None, "t.meeting.1@arb", "pending")
    same = CalendarEntry("t", "T", "meeting", AS_OF, True, None, "t.meeting.1@arb", "pending", None)
    assert entry == same and hash(entry) == hash(same) and entry.source is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.kind = "payment"  # type: ignore[misc]


def test_the_figures_nulled_are_the_closure_of_the_blocked_in_figure_order() -> None:
    from arb.engine import FIGURES
    from arb.pricing import _nulled

    for blocked in ({"target_price"}, {"deal_value", "dividends"}, {"implied_probability"}, {"net_spread"}, set()):
        closed = _closure(frozenset(blocked))
        assert _nulled(frozenset(blocked)) == tuple(n for n in FIGURES if n in closed)
    assert "spread" in _nulled(frozenset({"deal_value"}))


def test_quotes_in_major_units_each_as_the_quote_gives_it() -> None:
    from arb.pricing import _in_major_units

    quotes = {
        "VOD.L": Quote("VOD.L", 490.0, "GBp", None, "file"),
        "AAPL": Quote("AAPL", 200.0, "USD", None, "file"),
        "BARC.L": Quote("BARC.L", 150.0, "GBp", None, "file"),
        "X.JO": Quote("X.JO", 1000.0, "ZAc", None, "file"),
    }
    got = _in_major_units(quotes)
    assert list(got) == list(quotes)
    for sym, q in quotes.items():
        assert got[sym] == q.in_major_units()
    assert got["AAPL"] is quotes["AAPL"] and got["VOD.L"].currency == "GBP" and got["VOD.L"].price == 4.9


_STOCK_LEG = '[[consideration]]\nkind = "stock"\nticker = "A.HK"\nratio = 0.5\n'


def test_net_figures_only_for_the_deals_with_costs_each_as_valued_alone() -> None:
    """Net figures (and each leg's value shorted) come for a deal with costs set; a book where no
    deal has them has none, and the costed deal's figures are those it gets valued alone."""
    from conftest import make_deal, memory

    prices = memory({"T.HK": (14.0, "HKD"), "A.HK": (30.0, "HKD")})
    plain = make_deal(_STOCK_LEG, id="plain")
    costed = make_deal(_STOCK_LEG + "[costs]\nfunding_rate = {HKD = 0.05}\n", id="costed")
    none = value_deals([plain], prices, as_of=AS_OF, read_config=False).results
    both = value_deals([plain, costed], prices, as_of=AS_OF, read_config=False).results
    alone = value_deals([costed], prices, as_of=AS_OF, read_config=False).results[0]
    assert none[0].net is None and "short_value" not in none[0].leg_figures[0]
    assert both[0].net is None and both[0].figures == none[0].figures
    assert both[1].net is not None and both[1].net == alone.net and "short_value" in both[1].leg_figures[0]
    assert both[1].leg_figures == alone.leg_figures

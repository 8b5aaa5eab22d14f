"""Pricing periods fixed by the history store's closes (issue 14): the store's read, and its use by
``arb show`` / ``arb report`` / ``arb refresh`` and ``arb.valuation`` / ``arb.value``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import arb
from arb.cli import app
from arb.paths import store_path
from arb.prices.base import MemorySource, Quote
from arb.pricing import period_span, store_closes, value_deals
from arb.store import HistoryStore, StoreError
from tests.conftest import make_deal

# $50 in A shares, collared at [45, 55], set by the average of 5 trading days ending 2 trading days
# before the close on Wednesday 2025-12-31: Tue 23 to Mon 29 Dec (the 27th and 28th are a weekend).
PERIOD = """
[[consideration]]
kind = "stock"
value = 50.0
ticker = "A"
collar = [45.0, 55.0]
pricing_period = {days = 5, ends_before_close = 2}
"""
PLAIN = '\n[[consideration]]\nkind = "stock"\nratio = 1.0\nticker = "A"\n'
DEAL_FILE = (
    'id = "averaged"\nname = "Averaged"\nexpected_close = 2025-12-31\ncurrency = "USD"\n[target]\nticker = "T"\n'
)
AS_OF = dt.date(2025, 12, 26)  # Friday: the 23rd to the 25th have passed, the 26th is today, the 29th is to come


def _day(d: int) -> dt.date:
    return dt.date(2025, 12, d)


def _record(store: HistoryStore, day: dt.date, quotes: dict[str, Quote]) -> None:
    """One refresh of ``day`` written by the store's own writer (the deal is valued to have a record)."""
    deal = make_deal(PERIOD, currency="USD", target="T")
    store.record_refresh(value_deals([deal], MemorySource(quotes), as_of=day, read_config=False))


def _close(sym: str, price: float, day: dt.date, *, ccy: str = "USD", hour: int = 16, **kw: str) -> Quote:
    return Quote(sym, price, ccy, dt.datetime.combine(day, dt.time(hour)), kw.pop("kind", "yahoo"), "test", **kw)


def _fill(path: Path) -> None:
    """Closes of A in the store: 48 (23rd), 50 (24th; an earlier 49 that day is overwritten), 46 (25th),
    and one before the window (the 22nd, 30) that must not count."""
    with HistoryStore(path) as store:
        for day, price in ((_day(22), 30.0), (_day(23), 48.0), (_day(25), 46.0)):
            _record(store, day, {"T": _close("T", 45.0, day), "A": _close("A", price, day)})
        _record(store, _day(24), {"T": _close("T", 45.0, _day(24)), "A": _close("A", 49.0, _day(24), hour=12)})
        _record(store, _day(24), {"T": _close("T", 45.0, _day(24)), "A": _close("A", 50.0, _day(24), hour=16)})


# Spot 47 stands in for the 26th (passed, no close) and the 29th (to come):
# reference (48 + 50 + 46 + 2 x 47) / 5 = 238 / 5 = 47.6, inside the band: 50 / 47.6 shares, worth x 47.
REFERENCE = (48.0 + 50.0 + 46.0 + 2 * 47.0) / 5
VALUE = 50.0 / REFERENCE * 47.0


def test_daily_closes_keeps_the_last_price_of_each_day_in_the_range(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    _fill(path)
    with HistoryStore(path, create=False) as store:
        closes = store.daily_closes(["A", "B"], _day(23), _day(29))
    assert set(closes) == {"A"}  # B never stored: left out, not an empty entry
    assert {d: q.price for d, q in closes["A"].items()} == {_day(23): 48.0, _day(24): 50.0, _day(25): 46.0}
    assert all(q.kind == "store" and q.currency == "USD" for q in closes["A"].values())
    with HistoryStore(path, create=False) as store:
        assert set(store.daily_closes(["A"], _day(22), _day(22))["A"]) == {_day(22)}
        assert store.daily_closes(["A"], _day(26), _day(29)) == {}
        assert store.daily_closes([], _day(1), _day(31)) == {}


def test_daily_closes_of_a_missing_store_is_empty_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "none.sqlite3"
    assert HistoryStore(path, create=False).daily_closes(["A"], _day(1), _day(31)) == {}
    assert not path.exists()


def test_fallback_and_override_prices_never_become_closes(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore(path) as store:
        stale = _close("A", 41.0, _day(23), fallback="yahoo: timed out")
        _record(store, _day(23), {"T": _close("T", 45.0, _day(23)), "A": stale})
        _record(store, _day(24), {"T": _close("T", 45.0, _day(24)), "A": _close("A", 42.0, _day(24), kind="override")})
        _record(store, _day(25), {"T": _close("T", 45.0, _day(25)), "A": _close("A", 43.0, _day(25), kind="store")})
        assert store.daily_closes(["A"], _day(23), _day(29)) == {}


def test_store_closes_fix_three_days_of_the_window(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    _fill(path)
    deal = make_deal(PERIOD, currency="USD", target="T")
    src = MemorySource({"T": 45.0, "A": 47.0}, {"T": "USD", "A": "USD"})
    r = value_deals([deal], src, as_of=AS_OF, closes=store_closes([deal], path), read_config=False).results[0]
    (li,) = r.info.legs
    assert li.period_fixed == 3
    assert li.ref_fixed == pytest.approx((48.0 + 50.0 + 46.0) / 5) and li.ref_weight == pytest.approx(0.4)
    assert r.figures["deal_value"] == pytest.approx(VALUE, abs=1e-12)
    # The 26th is the as-of day itself: the spot is its price so far, not a missing close.
    assert not any("passed without a close" in n for n in r.info.notes)


def test_pence_in_the_store_are_pounds_in_the_average(tmp_path: Path) -> None:
    # A London listing stored in pence (4800 GBp is 48 GBP) and priced today in pounds.
    path = tmp_path / "history.sqlite3"
    with HistoryStore(path) as store:
        for day, pence in ((_day(23), 4800.0), (_day(24), 5000.0), (_day(25), 4600.0)):
            _record(store, day, {"T": _close("T", 45.0, day), "A": _close("A", pence, day, ccy="GBp")})
    deal = make_deal(PERIOD, currency="GBP", target="T")
    src = MemorySource({"T": 45.0, "A": 47.0}, {"T": "GBP", "A": "GBP"})
    r = value_deals([deal], src, as_of=AS_OF, closes=store_closes([deal], path), read_config=False).results[0]
    assert r.info.legs[0].period_fixed == 3
    assert r.figures["deal_value"] == pytest.approx(VALUE, abs=1e-12)  # 4800 pence would have made it 50 / 2917


def test_a_close_in_another_currency_is_left_out_and_flagged(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore(path) as store:
        _record(store, _day(23), {"T": _close("T", 45.0, _day(23)), "A": _close("A", 48.0, _day(23), ccy="EUR")})
    deal = make_deal(PERIOD, currency="USD", target="T")
    src = MemorySource({"T": 45.0, "A": 47.0}, {"T": "USD", "A": "USD"})
    r = value_deals([deal], src, as_of=AS_OF, closes=store_closes([deal], path), read_config=False).results[0]
    assert r.info.legs[0].period_fixed == 0
    assert any("0 days fixed, 3 passed without a close" in n for n in r.info.notes)


def test_a_price_file_close_wins_over_the_store_and_a_number_given_over_both(tmp_path: Path) -> None:
    class Dated(MemorySource):
        def history(self, symbol: str) -> list[Quote]:
            return [_close("A", 60.0, _day(23))] if symbol == "A" else []

    path = tmp_path / "history.sqlite3"
    _fill(path)
    deal = make_deal(PERIOD, currency="USD", target="T")
    src = Dated({"T": 45.0, "A": 47.0}, {"T": "USD", "A": "USD"})
    closes = {"A": {**store_closes([deal], path)["A"], _day(24): 10.0}}
    r = value_deals([deal], src, as_of=AS_OF, closes=closes, read_config=False).results[0]
    assert r.info.legs[0].ref_fixed == pytest.approx((60.0 + 10.0 + 46.0) / 5)


def test_no_pricing_period_no_store_read(tmp_path: Path) -> None:
    bad = tmp_path / "history.sqlite3"
    bad.write_bytes(b"not a database at all" * 100)
    plain = make_deal(PLAIN, currency="USD", target="T")
    assert period_span([plain]) is None
    assert store_closes([plain], bad) == {}  # the damaged file was never opened
    with pytest.raises(StoreError):
        store_closes([make_deal(PERIOD, currency="USD", target="T")], bad)


def test_period_span_covers_the_windows_of_every_set_of_terms() -> None:
    deal = make_deal(PERIOD, currency="USD", target="T")
    assert period_span([deal]) == (["A"], _day(23), _day(29))


def _files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "d.toml").write_text(DEAL_FILE + PERIOD, encoding="utf-8")
    # Undated prices: no close of their own, so every fixed day comes from the store.
    (tmp_path / "p.csv").write_text("symbol,price,currency\nT,45.0,USD\nA,47.0,USD\n", encoding="utf-8")
    return tmp_path / "d.toml", tmp_path / "p.csv"


def test_show_fixes_three_days_from_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("ARB_HOME", str(home))
    _fill(store_path())
    deal, prices = _files(tmp_path)
    args = ["show", str(deal), "--prices", str(prices), "--as-of", AS_OF.isoformat()]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "2025-12-23 to 2025-12-29: 3 of 5 days fixed" in res.output
    assert "reference price 47.60" in res.output
    res = CliRunner().invoke(app, ["report", str(deal), "--prices", str(prices), "--as-of", "2025-12-26", "--json"])
    assert res.exit_code == 0, res.output
    (rec,) = json.loads(res.stdout)
    assert rec["deal_value"] == pytest.approx(VALUE, abs=1e-9)


def test_show_without_a_store_fixes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    deal, prices = _files(tmp_path)
    res = CliRunner().invoke(app, ["show", str(deal), "--prices", str(prices), "--as-of", AS_OF.isoformat()])
    assert res.exit_code == 0, res.output
    assert "0 of 5 days fixed" in res.output


def test_a_damaged_store_is_one_warning_and_the_days_go_unfixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("ARB_HOME", str(home))
    store_path().write_bytes(b"not a database at all" * 100)
    deal, prices = _files(tmp_path)
    res = CliRunner().invoke(app, ["show", str(deal), "--prices", str(prices), "--as-of", AS_OF.isoformat()])
    assert res.exit_code == 0, res.output
    assert "0 of 5 days fixed" in res.stdout
    warning = [line for line in res.stderr.splitlines() if "pricing periods" in line]
    assert len(warning) == 1 and "Traceback" not in res.output


def test_the_api_reads_the_store_given_or_the_default_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "elsewhere.sqlite3"
    _fill(path)
    deal = make_deal(PERIOD, currency="USD", target="T")
    prices = {"T": (45.0, "USD"), "A": (47.0, "USD")}
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))  # no default store yet
    v = arb.valuation([deal], prices, as_of=AS_OF, store=path)
    assert v.results[0].info.legs[0].period_fixed == 3
    assert v.results[0].figures["deal_value"] == pytest.approx(VALUE, abs=1e-12)
    assert arb.valuation([deal], prices, as_of=AS_OF).results[0].info.legs[0].period_fixed == 0
    (tmp_path / "home").mkdir()
    _fill(store_path())
    frame = arb.value([deal], prices, as_of=AS_OF)
    assert frame.loc["t", "deal_value"] == pytest.approx(VALUE, abs=1e-12)


def test_refresh_averages_the_closes_it_stored_before(tmp_path: Path) -> None:
    from arb.refresh import run_refresh

    path = tmp_path / "history.sqlite3"
    _fill(path)
    deal = make_deal(PERIOD, currency="USD", target="T")
    src = MemorySource({"T": _close("T", 45.0, AS_OF), "A": _close("A", 47.0, AS_OF)})
    with HistoryStore(path) as store:
        result = run_refresh([deal], src, store, as_of=AS_OF, today=AS_OF)
    r = result.valuation.results[0]
    assert r.info.legs[0].period_fixed == 3
    assert r.figures["deal_value"] == pytest.approx(VALUE, abs=1e-12)


def test_report_without_a_pricing_period_never_asks_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("the store was read for closes")

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("ARB_HOME", str(home))
    _fill(store_path())
    monkeypatch.setattr(HistoryStore, "daily_closes", refuse)
    (tmp_path / "d.toml").write_text(DEAL_FILE + PLAIN, encoding="utf-8")
    (tmp_path / "p.csv").write_text("symbol,price,currency\nT,45.0,USD\nA,47.0,USD\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["report", str(tmp_path / "d.toml"), "--prices", str(tmp_path / "p.csv"), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)[0]["deal_value"] == pytest.approx(47.0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.integers(22, 30), st.integers(0, 23), st.floats(1.0, 1000.0, allow_nan=False)),
        min_size=1,
        max_size=8,
    )
)
def test_daily_closes_is_the_last_price_of_each_day(tmp_path: Path, writes: list[tuple[int, int, float]]) -> None:
    # Each write is one refresh storing A at (day, hour); the store's close of a day is the price of
    # its latest hour, and of two at the same hour the one stored last.
    path = tmp_path / f"h{abs(hash(tuple(writes)))}.sqlite3"
    expected: dict[dt.date, tuple[int, float]] = {}
    with HistoryStore(path) as store:
        for day, hour, price in writes:
            when = _day(day)
            _record(store, when, {"T": _close("T", 45.0, when), "A": _close("A", price, when, hour=hour)})
            if when not in expected or hour >= expected[when][0]:
                expected[when] = (hour, price)
        got = store.daily_closes(["A"], _day(23), _day(29)).get("A", {})
    assert {d: q.price for d, q in got.items()} == {d: p for d, (_, p) in expected.items() if _day(23) <= d <= _day(29)}
    path.unlink()


def test_without_a_store_the_report_reads_no_closes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import arb.pricing
    from arb.cli.report import _period_closes

    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    asked: list[object] = []
    monkeypatch.setattr(arb.pricing, "store_closes", lambda deals, store: asked.append(store) or {})
    deal = make_deal(PERIOD, currency="USD", target="T")
    assert _period_closes([deal]) == {} and asked == []
    _fill(store_path())
    assert _period_closes([deal]) == {} and asked == [store_path()]  # a store: asked for the closes

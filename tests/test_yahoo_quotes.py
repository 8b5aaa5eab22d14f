"""Which price a Yahoo chart answer gives, and when it is from (issue 9, point 13).

Real answers from ``tests/data/yahoo/public`` (copied from ``../shared/yahoo-samples/public``; each
file's ``source`` names where it was recorded) and variants of them made here: a suspended
listing's flat zero-volume tail, a chart without bars, a chart whose latest days Yahoo dropped.
The yfinance client's agreement on the same answers is tested in ``test_yahoo_yfinance.py``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import struct
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from arb.prices._yahoo_parse import SUSPENDED, NoPrice, _clean, quote_from_chart
from arb.prices.base import Quote
from arb.prices.yahoo import YahooSource, chart_url
from arb.pricing import value_deals
from tests.conftest import make_deal

PUBLIC = Path(__file__).parent / "data" / "yahoo" / "public"
DATA = Path(__file__).parent / "data" / "yahoo"
HKT = ZoneInfo("Asia/Hong_Kong")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def recorded(name: str) -> dict[str, Any]:
    """The body of a recorded answer in ``public/`` (the files keep their source and status)."""
    return json.loads((PUBLIC / name).read_text())["body"]


def hk_after_close() -> dict[str, Any]:
    return recorded("kmacao-0700.HK.json")


def result(payload: dict[str, Any]) -> dict[str, Any]:
    return payload["chart"]["result"][0]


def suspended_hk(idle: int) -> dict[str, Any]:
    """The real Tencent answer, its last ``idle`` bars made what a halt looks like: no volume, no move."""
    payload = copy.deepcopy(hk_after_close())
    res = result(payload)
    quote = res["indicators"]["quote"][0]
    last_trade = len(res["timestamp"]) - 1 - idle
    for i in range(last_trade + 1, len(res["timestamp"])):
        for col in ("open", "high", "low", "close"):
            quote[col][i] = quote["close"][last_trade]
        quote["volume"][i] = 0
    # Yahoo's regularMarketTime stays at the last trade: 16:08:11 on that day.
    res["meta"]["regularMarketTime"] = res["timestamp"][last_trade] + (16 * 3600 + 8 * 60 + 11) - (9 * 3600 + 30 * 60)
    res["meta"]["regularMarketPrice"] = round(quote["close"][last_trade], 3)
    return payload


# -- the real Hong Kong answer after the close ----------------------------------------------------


def test_hong_kong_after_the_close_is_the_close_at_the_meta_time() -> None:
    payload = hk_after_close()
    assert result(payload)["indicators"]["quote"][0]["close"][-1] == 478.79998779296875
    q = quote_from_chart("0700.HK", payload)
    # The bar is stamped 09:30 (the open); regularMarketTime, on the same day, is 16:08:11.
    assert q == Quote(
        "0700.HK", 478.8, "HKD", dt.datetime(2026, 8, 7, 16, 8, 11, tzinfo=HKT), "yahoo", "Yahoo chart HKG"
    )
    assert q.flags == ()


def test_closes_are_rounded_to_the_price_hint() -> None:
    q = quote_from_chart("0700.HK", hk_after_close())
    assert q.price == 478.8 and repr(q.price) == "478.8"
    # A noisy earlier close: 492.20001220703125 -> 492.2 (priceHint 3 names the same float32).
    assert _clean(492.20001220703125, 3) == 492.2
    assert _clean(270.9700012207031, 2) == 270.97


def test_rounding_never_drops_a_digit_yahoo_sent() -> None:
    # EURUSD=X has priceHint 4, but its float32 close holds more: 1.1777 would move the rate.
    assert _clean(1.1777175664901733, 4) == 1.1777176
    assert _clean(1.1777175664901733, None) == 1.1777176
    # A tiny rate (a minor currency against the dollar) keeps its significant digits.
    assert _clean(_f32(0.00006789), 4) == 0.00006789
    # Half away from zero where the hint is the right precision.
    assert _clean(2.5, 0) == 2.5  # 3.0 would be a different float32: 2.5 is kept
    assert _clean(_f32(0.125), 2) == 0.125


def _f32(x: float) -> float:
    return float(struct.unpack("f", struct.pack("f", x))[0])


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=0.0625, max_value=1048576.0, allow_nan=False, allow_infinity=False, width=32),
    st.one_of(st.none(), st.integers(min_value=0, max_value=8)),
)
def test_rounding_keeps_the_float32_yahoo_sent(close: float, hint: int | None) -> None:
    cleaned = _clean(close, hint)
    assert _f32(cleaned) == _f32(close)  # the same price Yahoo holds, only the noise gone
    assert len(repr(cleaned)) <= len(repr(close))


# -- a suspended listing --------------------------------------------------------------------------


def test_a_flat_zero_volume_tail_flags_possibly_suspended_with_the_last_trade() -> None:
    q = quote_from_chart("0700.HK", suspended_hk(idle=3))
    assert q.price == 487.6
    # Dated at the last trade (Tuesday 4 August, at its regularMarketTime), not at today's flat bar.
    assert q.as_of == dt.datetime(2026, 8, 4, 16, 8, 11, tzinfo=HKT)
    assert q.flags == (
        (SUSPENDED, "0700.HK: 3 daily bars with zero volume and the close unchanged; last trade 2026-08-04"),
    )


def test_one_idle_day_is_dated_at_the_last_trade_without_a_flag() -> None:
    q = quote_from_chart("0700.HK", suspended_hk(idle=1))
    assert q.price == 479.2
    assert q.as_of == dt.datetime(2026, 8, 6, 16, 8, 11, tzinfo=HKT)
    assert q.flags == ()


def test_every_bar_idle_says_the_last_trade_is_older_than_the_bars() -> None:
    payload = suspended_hk(idle=4)
    quote = result(payload)["indicators"]["quote"][0]
    quote["volume"][0] = 0
    result(payload)["meta"]["regularMarketTime"] = 1785000000  # 2026-07-26, before the first bar
    q = quote_from_chart("0700.HK", payload)
    assert q.flags == (
        (
            SUSPENDED,
            "0700.HK: 5 daily bars with zero volume and the close unchanged; "
            "last trade 2026-07-26, before the month's bars",
        ),
    )
    assert q.as_of == dt.datetime(2026, 7, 26, 1, 20, tzinfo=HKT)  # Yahoo's time of that trade
    # Without Yahoo's time, the first bar's day: the price is no newer than that.
    del result(payload)["meta"]["regularMarketTime"]
    q = quote_from_chart("0700.HK", payload)
    assert q.as_of == dt.datetime(2026, 8, 3, tzinfo=HKT)
    assert q.flags[0][1].endswith("last trade before the month's bars")


def test_a_zero_volume_day_that_moved_is_not_idle() -> None:
    payload = copy.deepcopy(hk_after_close())
    result(payload)["indicators"]["quote"][0]["volume"][-2:] = [0, 0]
    q = quote_from_chart("0700.HK", payload)
    assert (q.price, q.flags) == (478.8, ())
    assert q.as_of == dt.datetime(2026, 8, 7, 16, 8, 11, tzinfo=HKT)


def test_an_fx_pair_without_volume_is_never_suspended() -> None:
    # Real: EURUSD=X reports volume 0 every day, and its close did not move over New Year's Day.
    payload = recorded("yf2-EURUSD=X-2020-01-01-to-2020-01-03.json")
    res = result(payload)
    res["timestamp"], quote = res["timestamp"][:2], res["indicators"]["quote"][0]
    quote["close"], quote["volume"] = quote["close"][:2], quote["volume"][:2]
    res["meta"]["regularMarketTime"] = res["timestamp"][-1]
    assert quote["close"][0] == quote["close"][1] and quote["volume"] == [0, 0]
    q = quote_from_chart("EURUSD=X", payload)
    assert q.flags == ()
    assert q.as_of == dt.datetime(2020, 1, 2, tzinfo=LONDON)
    assert q.price == 1.1220826


# -- no bars, dropped days --------------------------------------------------------------------------


def test_no_bars_but_a_market_price_uses_it_with_its_time_and_says_so() -> None:
    payload = json.loads((DATA / "chart-8888.HK-empty.json").read_text())
    q = quote_from_chart("8888.HK", payload)
    assert (q.price, q.currency) == (1.0, "HKD")
    assert q.as_of == dt.datetime(2025, 12, 23, 16, 8, 10, tzinfo=HKT)
    assert q.origin == "Yahoo chart HKG, regularMarketPrice (no daily bars)"
    assert q.flags == (
        (
            SUSPENDED,
            "8888.HK: no daily bar with a close in the last month; last trade 2025-12-23 (Yahoo's regularMarketTime)",
        ),
    )


def test_no_bars_and_no_market_price_is_no_price() -> None:
    payload = json.loads((DATA / "chart-8888.HK-empty.json").read_text())
    del result(payload)["meta"]["regularMarketPrice"]
    with pytest.raises(NoPrice, match=r"^no prices in the last month \(empty chart\)$"):
        quote_from_chart("8888.HK", payload)


def test_a_bad_market_price_is_not_used_for_a_chart_without_bars() -> None:
    payload = json.loads((DATA / "chart-8888.HK-empty.json").read_text())
    result(payload)["meta"]["regularMarketPrice"] = 0.0
    with pytest.raises(NoPrice, match=r"^no prices in the last month \(empty chart\)$"):
        quote_from_chart("8888.HK", payload)


@pytest.mark.parametrize("how", ["dropped", "emptied"])
def test_days_yahoo_dropped_are_replaced_by_the_market_price_and_time(how: str) -> None:
    payload = json.loads((DATA / "chart-AAPL.json").read_text())  # real: AAPL, 22 December 2025
    res = result(payload)
    quote = res["indicators"]["quote"][0]
    if how == "dropped":
        res["timestamp"] = res["timestamp"][:-2]
        for col in quote:
            quote[col] = quote[col][:-2]
    else:
        for col in quote:
            quote[col][-2:] = [None, None]
    q = quote_from_chart("AAPL", payload)
    assert q.price == 270.97  # meta.regularMarketPrice, not the close of the 18th (272.19)
    assert q.as_of == dt.datetime(2025, 12, 22, 16, 0, 6, tzinfo=NEW_YORK)
    assert q.origin == "Yahoo chart NMS, regularMarketPrice (daily bars end 2025-12-18)"


def test_real_answers_of_other_markets() -> None:
    ocado = quote_from_chart("OCDO.L", recorded("yf2-OCDO.L-2020-01-01-to-2020-01-03.json"))
    # The bars end on 2 January 2020 while regularMarketTime is February 2025: the market price wins.
    assert (ocado.price, ocado.currency) == (305.3, "GBp")
    assert ocado.origin == "Yahoo chart LSE, regularMarketPrice (daily bars end 2020-01-02)"
    with pytest.raises(NoPrice, match=r"^Yahoo gave no currency$"):
        quote_from_chart("THF", recorded("pub-THF-phantom.json"))
    with pytest.raises(NoPrice, match=r"^unknown symbol: Yahoo says 'No data found, symbol may be delisted'$"):
        quote_from_chart("INVALID.BO", recorded("log-INVALID.BO-404.json"))


# -- through a valuation ---------------------------------------------------------------------------


def test_a_suspended_target_is_flagged_on_the_deal(tmp_path: Path) -> None:
    deal = make_deal('[[consideration]]\nkind = "cash"\namount = 500.0\ncurrency = "HKD"\n', target="0700.HK")
    with responses.RequestsMock() as http:
        http.get(chart_url("0700.HK"), json=suspended_hk(idle=3))
        src = YahooSource(session=requests.Session(), cache_dir=tmp_path, timeout=5.0)
        v = value_deals([deal], src, as_of=dt.date(2026, 8, 7))
    r = v.results[0]
    assert SUSPENDED in r.flags
    assert "0700.HK: 3 daily bars with zero volume and the close unchanged; last trade 2026-08-04" in r.info.notes
    assert r.figures["target_price"] == 487.6  # still shown: the flag says how far to trust it
    assert r.to_dict()["prices"]["0700.HK"]["as_of"] == "2026-08-04T16:08:11+08:00"

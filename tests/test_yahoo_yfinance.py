"""The Yahoo source's yfinance and "auto" clients, offline: yfinance 1.7 through a ``requests.Session``
that ``responses`` replays in strict mode (any URL not registered here fails the fetch).

For one ``Ticker.history`` call on a symbol it has not seen, yfinance 1.7 requests, in order:
``fc.yahoo.com`` twice and ``/v1/test/getcrumb`` (the cookie/crumb handshake), the chart with
``range=1d`` (the symbol's time zone, then cached on disk), ``fc.yahoo.com`` again, and the chart
with ``range=1mo`` (the prices); both chart requests carry the crumb. A refused request (HTTP 4xx)
is repeated once after redoing the handshake, with the ``guce.yahoo.com`` consent page first. A
symbol without a time zone makes it ask ``v10/finance/quoteSummary`` (at most twice a process).

yfinance keeps process-wide state (one session, the crumb, the time-zone cache, a counter of
quoteSummary look-ups): the autouse fixture resets it so every test sees a first fetch. Chart
bodies are the fixtures of ``tests/data/yahoo`` (see its README).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import requests
import responses
from packaging.version import Version
from responses import matchers

import arb.prices.yahoo as yahoo
from arb.errors import PriceSourceError
from arb.prices._yahoo_parse import NoPrice, quote_from_history
from arb.prices.base import Quote
from arb.prices.yahoo import CHART_PARAMS, YahooSource, chart_url

yf = pytest.importorskip("yfinance")
YF_VERSION = Version(yf.__version__)


def since_yfinance(version: str, why: str) -> pytest.MarkDecorator:
    """Skip a test of behaviour yfinance gained after the floor (``yahoo.YFINANCE_FLOOR``).

    The suite runs on the newest yfinance; the manual run at the floor (tests/data/yahoo/README.md)
    skips only these.
    """
    return pytest.mark.skipif(Version(version) > YF_VERSION, reason=f"yfinance < {version}: {why}")


DATA = Path(__file__).parent / "data" / "yahoo"
HKT = ZoneInfo("Asia/Hong_Kong")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")

CRUMB = "t3st-crumb"
FC = "https://fc.yahoo.com/"
GETCRUMB = "https://query1.finance.yahoo.com/v1/test/getcrumb"
CONSENT = "https://guce.yahoo.com/consent"
QUOTE_SUMMARY = "https://query2.finance.yahoo.com/v10/finance/quoteSummary/{symbol}"
#: yfinance's time-zone request and its price request for ``history(period="1mo", interval="1d")``.
TZ_PARAMS = {"range": "1d", "interval": "1d", "crumb": CRUMB}
HISTORY_PARAMS = {
    "range": "1mo",
    "interval": "1d",
    "includePrePost": "False",
    "events": "div,splits,capitalGains",
    "crumb": CRUMB,
}


def body(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"{name}.json").read_text())


@pytest.fixture(autouse=True)
def fresh_yfinance(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A yfinance that has fetched nothing yet, with its caches under this test's folder."""
    from yfinance import base as yf_base
    from yfinance import cache as yf_cache
    from yfinance.data import YfData

    monkeypatch.delenv("ARB_YAHOO_CLIENT", raising=False)
    before = yf_cache._TzDBManager.get_location()
    monkeypatch.setattr(yahoo, "_yf_caches", None)  # point the caches again, at this test's tmp_path
    # yfinance's cache objects keep the database they first opened, wherever the location moves.
    monkeypatch.setattr(yf_cache._TzCacheManager, "_tz_cache", None)
    monkeypatch.setattr(yf_cache._CookieCacheManager, "_Cookie_cache", None)
    monkeypatch.delitem(YfData._instances, YfData, raising=False)  # no session, cookie or crumb kept
    monkeypatch.setattr(yf_base, "_tz_info_fetch_ctr", 0)
    yield
    yf_cache.set_cache_location(before)


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def handshake(http: responses.RequestsMock) -> None:
    http.get(FC, body="", status=404)  # Yahoo answers 404 (with a cookie, which these tests leave out)
    http.get(GETCRUMB, body=CRUMB)


def serve_tz(http: responses.RequestsMock, symbol: str, fixture: str | None = None, status: int = 200) -> None:
    http.get(
        chart_url(symbol),
        json=body(f"chart-{fixture or symbol}"),
        status=status,
        match=[matchers.query_param_matcher(TZ_PARAMS)],
    )


def serve_history(
    http: responses.RequestsMock, symbol: str, fixture: str | dict[str, Any] | None = None, status: int = 200
) -> None:
    payload = fixture if isinstance(fixture, dict) else body(f"chart-{fixture or symbol}")
    http.get(chart_url(symbol), json=payload, status=status, match=[matchers.query_param_matcher(HISTORY_PARAMS)])


def serve_yf(http: responses.RequestsMock, symbol: str, fixture: str | None = None, status: int = 200) -> None:
    serve_tz(http, symbol, fixture, status)
    serve_history(http, symbol, fixture, status)


def serve_direct(http: responses.RequestsMock, symbol: str, fixture: str | None = None, status: int = 200) -> None:
    http.get(
        chart_url(symbol),
        json=body(f"chart-{fixture or symbol}"),
        status=status,
        match=[matchers.query_param_matcher(CHART_PARAMS)],
    )


def source(tmp_path: Path, **kw: Any) -> YahooSource:
    kw.setdefault("session", requests.Session())
    kw.setdefault("timeout", 5.0)
    kw.setdefault("client", "yfinance")
    kw.setdefault("backoff", 0.01)
    return YahooSource(cache_dir=tmp_path, **kw)


def urls(http: responses.RequestsMock) -> list[str]:
    return [c.request.url or "" for c in http.calls]


def count(http: responses.RequestsMock, symbol: str, params: dict[str, str]) -> int:
    """How many calls went to ``symbol``'s chart with exactly these query parameters."""
    want = {k: [v] for k, v in params.items()}
    n = 0
    for c in http.calls:
        req = c.request
        if (req.url or "").split("?")[0] == chart_url(symbol) and _query(req) == want:
            n += 1
    return n


def _query(req: Any) -> dict[str, list[str]]:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(req.url).query)


def join_workers() -> None:
    """Wait for abandoned workers, so none of them reaches the next test's mock."""
    for t in threading.enumerate():
        if t.name.startswith(yahoo.WORKER_PREFIX):
            t.join(10)


# -- the supported versions -------------------------------------------------------------------


def test_the_installed_yfinance_is_at_least_the_floor() -> None:
    import tomllib
    from importlib.metadata import version

    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    wanted = [d for d in pyproject["project"]["dependencies"] if d.startswith("yfinance")]
    assert wanted == [f"yfinance>={yahoo.YFINANCE_FLOOR}"]
    assert Version(version("yfinance")) >= Version(yahoo.YFINANCE_FLOOR)
    assert Version(version("yfinance")) == YF_VERSION


# -- what yfinance requests --------------------------------------------------------------------


def test_the_requests_of_one_history_call(http: responses.RequestsMock, tmp_path: Path) -> None:
    handshake(http)
    serve_yf(http, "2688.HK")
    got = source(tmp_path).fetch(["2688.HK"])
    assert got.failures == {}
    chart = "https://query2.finance.yahoo.com/v8/finance/chart/2688.HK"
    assert urls(http) == [
        FC,
        FC,
        GETCRUMB,
        f"{chart}?range=1d&interval=1d&crumb={CRUMB}",
        FC,
        f"{chart}?range=1mo&interval=1d&includePrePost=False&events=div%2Csplits%2CcapitalGains&crumb={CRUMB}",
    ]
    # The time zone went to the disk cache, under arb's cache folder.
    from yfinance import cache as yf_cache

    assert yf_cache._TzDBManager.get_location() == str(tmp_path / "yfinance")
    assert (tmp_path / "yfinance" / "tkr-tz.db").is_file()


# -- success per market ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "price", "currency", "as_of", "origin"),
    [
        ("2688.HK", 58.35, "HKD", dt.datetime(2025, 12, 23, 16, 8, 10, tzinfo=HKT), "yfinance HKG"),
        ("600803.SS", 19.87, "CNY", dt.datetime(2025, 12, 23, 15, 0, 2, tzinfo=SHANGHAI), "yfinance SHH"),
        ("AAPL", 270.97, "USD", dt.datetime(2025, 12, 22, 16, 0, 6, tzinfo=NEW_YORK), "yfinance NMS"),
        ("EURUSD=X", 1.1777176, "USD", dt.datetime(2025, 12, 23, 1, 43, 30, tzinfo=LONDON), "yfinance CCY"),
        ("CNYHKD=X", 1.1062, "HKD", dt.datetime(2025, 12, 23, 1, 43, 30, tzinfo=LONDON), "yfinance CCY"),
    ],
)
def test_prices_each_market(
    http: responses.RequestsMock,
    tmp_path: Path,
    symbol: str,
    price: float,
    currency: str,
    as_of: dt.datetime,
    origin: str,
) -> None:
    handshake(http)
    serve_yf(http, symbol)
    got = source(tmp_path).fetch([symbol])
    assert got.failures == {}
    assert got.quotes == {symbol: Quote(symbol, price, currency, as_of, "yahoo", origin)}
    q = got.quotes[symbol]
    assert q.as_of is not None and q.as_of.tzinfo == as_of.tzinfo
    assert q.as_of.utcoffset() == as_of.utcoffset()


def test_both_clients_agree_on_the_same_answers(tmp_path: Path) -> None:
    symbols = ["2688.HK", "600803.SS", "AAPL", "CNYHKD=X", "VOD.L"]
    with responses.RequestsMock() as http:
        handshake(http)
        for sym in symbols:
            serve_yf(http, sym)
        through_yf = source(tmp_path).fetch(symbols)
    with responses.RequestsMock() as http:
        for sym in symbols:
            serve_direct(http, sym)
        direct = source(tmp_path, client="direct").fetch(symbols)
    assert through_yf.failures == direct.failures == {}
    assert list(through_yf.quotes) == symbols
    for sym in symbols:
        a, b = through_yf.quotes[sym], direct.quotes[sym]
        assert (a.price, a.currency, a.as_of, a.kind) == (b.price, b.currency, b.as_of, b.kind)
        assert a.origin.replace("yfinance", "Yahoo chart") == b.origin


def _agree(tmp_path: Path, symbol: str, payload: dict[str, Any]) -> tuple[Quote, Quote]:
    """The quote each client makes of the same chart answer (served to both)."""
    with responses.RequestsMock() as http:
        handshake(http)
        serve_history(http, symbol, payload)
        http.get(chart_url(symbol), json=payload, match=[matchers.query_param_matcher(TZ_PARAMS)])
        through_yf = source(tmp_path).fetch([symbol])
    with responses.RequestsMock() as http:
        http.get(chart_url(symbol), json=payload, match=[matchers.query_param_matcher(CHART_PARAMS)])
        direct = source(tmp_path, client="direct").fetch([symbol])
    assert through_yf.failures == direct.failures == {}
    return through_yf.quotes[symbol], direct.quotes[symbol]


def _recorded_hk() -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((DATA / "public" / "kmacao-0700.HK.json").read_text())["body"]
    return _with_valid_ranges(payload)


def _with_valid_ranges(payload: dict[str, Any]) -> dict[str, Any]:
    # yfinance reads meta.validRanges, which this trimmed public recording lacks.
    payload["chart"]["result"][0]["meta"].setdefault("validRanges", ["1d", "5d", "1mo", "3mo", "1y", "max"])
    return payload


def _suspended_hk(idle: int) -> dict[str, Any]:
    from tests.test_yahoo_quotes import suspended_hk

    return _with_valid_ranges(suspended_hk(idle))


def _dropped_aapl() -> dict[str, Any]:
    payload = body("chart-AAPL")
    res = payload["chart"]["result"][0]
    res["timestamp"] = res["timestamp"][:-2]
    for col, values in res["indicators"]["quote"][0].items():
        res["indicators"]["quote"][0][col] = values[:-2]
    res["indicators"]["adjclose"][0]["adjclose"] = res["indicators"]["adjclose"][0]["adjclose"][:-2]
    return payload


@pytest.mark.parametrize(
    ("symbol", "make", "price", "as_of", "flagged"),
    [
        # Real: Hong Kong after the close, bar stamped 09:30, regularMarketTime 16:08:11, float32 close.
        (
            "0700.HK",
            lambda: _recorded_hk(),
            478.8,
            dt.datetime(2026, 8, 7, 16, 8, 11, tzinfo=HKT),
            False,
        ),
        ("0700.HK", lambda: _suspended_hk(3), 487.6, dt.datetime(2026, 8, 4, 16, 8, 11, tzinfo=HKT), True),
        ("AAPL", _dropped_aapl, 270.97, dt.datetime(2025, 12, 22, 16, 0, 6, tzinfo=NEW_YORK), False),
        ("8888.HK", lambda: body("chart-8888.HK-empty"), 1.0, dt.datetime(2025, 12, 23, 16, 8, 10, tzinfo=HKT), True),
    ],
    ids=["hk-after-close", "suspended", "dropped-days", "no-bars"],
)
def test_both_clients_agree_on_price_time_and_flags(
    tmp_path: Path, symbol: str, make: Any, price: float, as_of: dt.datetime, flagged: bool
) -> None:
    a, b = _agree(tmp_path, symbol, make())
    assert (a.price, a.as_of, a.flags) == (b.price, b.as_of, b.flags)
    assert (b.price, b.as_of) == (price, as_of)
    assert bool(b.flags) == flagged
    assert a.origin.replace("yfinance", "Yahoo chart") == b.origin


def test_pence_stay_pence(http: responses.RequestsMock, tmp_path: Path) -> None:
    handshake(http)
    serve_yf(http, "VOD.L")
    q = source(tmp_path).fetch(["VOD.L"]).quotes["VOD.L"]
    assert q == Quote(
        "VOD.L", 72.48, "GBp", dt.datetime(2025, 12, 23, 16, 35, 14, tzinfo=LONDON), "yahoo", "yfinance LSE"
    )
    major = q.in_major_units()
    assert (major.price, major.currency) == (72.48 / 100, "GBP")


def test_no_trade_on_the_last_day_takes_the_previous_close(http: responses.RequestsMock, tmp_path: Path) -> None:
    # The last bar's close is null; yfinance keeps it as a NaN row (keepna=True), the check skips it.
    # yfinance stamps daily bars at local midnight; the time is regularMarketTime, on that bar's day.
    handshake(http)
    serve_yf(http, "0700.HK")
    got = source(tmp_path).fetch(["0700.HK"])
    assert got.quotes == {
        "0700.HK": Quote(
            "0700.HK", 612.5, "HKD", dt.datetime(2025, 12, 22, 16, 8, 10, tzinfo=HKT), "yahoo", "yfinance HKG"
        )
    }


def test_every_fetch_makes_a_new_ticker(http: responses.RequestsMock, tmp_path: Path) -> None:
    handshake(http)
    serve_yf(http, "2688.HK")
    later = body("chart-2688.HK")
    later["chart"]["result"][0]["indicators"]["quote"][0]["close"][-1] = 59.1
    serve_history(http, "2688.HK", later)
    src = source(tmp_path)
    assert src.fetch(["2688.HK"]).quotes["2688.HK"].price == 58.35
    assert src.fetch(["2688.HK"]).quotes["2688.HK"].price == 59.1  # no memo kept a stale price
    assert count(http, "2688.HK", HISTORY_PARAMS) == 2
    assert count(http, "2688.HK", TZ_PARAMS) == 1  # the time zone came from the disk cache


# -- one session, cookie and crumb ---------------------------------------------------------------

COOKIE = "A3=d=t3st-cookie; Expires=Tue, 01 Dec 2037 00:00:00 GMT; Domain=.yahoo.com; Path=/; Secure"


def _crumb_of(call: Any) -> list[str] | None:
    return _query(call.request).get("crumb")


def test_one_session_per_process_keeps_the_cookie_with_the_crumb(
    http: responses.RequestsMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yahoo, "_yf_process_session", None)  # a process that has made none yet
    http.get(FC, body="", status=404, headers={"Set-Cookie": COOKIE})
    http.get(GETCRUMB, body=CRUMB)
    serve_yf(http, "2688.HK")
    serve_yf(http, "AAPL")
    # Two sources without a session, as two refreshes in one process (or a notebook) make them.
    first = YahooSource(cache_dir=tmp_path, client="yfinance", timeout=5.0).fetch(["2688.HK"])
    second = YahooSource(cache_dir=tmp_path, client="yfinance", timeout=5.0).fetch(["AAPL"])
    assert (first.failures, second.failures) == ({}, {})
    assert sum(u.startswith(GETCRUMB) for u in urls(http)) == 1  # one handshake for the process
    charts = [c for c in http.calls if "/v8/finance/chart/" in (c.request.url or "")]
    assert [c.request.url.split("?")[0] for c in charts][-1] == chart_url("AAPL")
    # The crumb goes out with the cookie it was made with, on the second fetch too.
    assert all(_crumb_of(c) == [CRUMB] for c in charts)
    assert all("A3=d=t3st-cookie" in (c.request.headers.get("Cookie") or "") for c in charts)


def test_a_new_session_gets_a_handshake_of_its_own(http: responses.RequestsMock, tmp_path: Path) -> None:
    handshake(http)
    serve_yf(http, "2688.HK")
    serve_history(http, "2688.HK")
    assert source(tmp_path, session=requests.Session()).fetch(["2688.HK"]).failures == {}
    assert source(tmp_path, session=requests.Session()).fetch(["2688.HK"]).failures == {}
    # The crumb of the first session is not sent on the second, which lacks its cookie.
    assert sum(u.startswith(GETCRUMB) for u in urls(http)) == 2


def test_a_rate_limited_crumb_request_never_becomes_the_crumb(tmp_path: Path) -> None:
    from yfinance.data import YfData

    # Not strict: yfinance 1.7 goes on without a crumb for the time zone and asks again for the
    # prices; 0.2.58 would keep the body as the crumb, and without it tries its other handshake.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as http:
        http.get(FC, body="", status=404)
        http.get(GETCRUMB, body="Too Many Requests", status=429)  # the first ask is refused ...
        http.get(GETCRUMB, body=CRUMB)  # ... later ones answer
        http.get(CONSENT, body="<html>no form</html>")  # 0.2.58 turns to the consent page then
        no_crumb = {k: v for k, v in TZ_PARAMS.items() if k != "crumb"}
        for params in (TZ_PARAMS, no_crumb):
            http.get(chart_url("2688.HK"), json=body("chart-2688.HK"), match=[matchers.query_param_matcher(params)])
        serve_history(http, "2688.HK")
        got = source(tmp_path).fetch(["2688.HK"])
        sent = [_crumb_of(c) for c in http.calls if "/v8/finance/chart/" in (c.request.url or "")]
    assert got.failures == {}
    assert got.quotes["2688.HK"].price == 58.35
    assert ["Too Many Requests"] not in sent  # yfinance 1.7 alone sends it as the crumb from then on
    assert sent[-1] == [CRUMB]
    assert YfData._instances[YfData]._crumb in (None, CRUMB)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("t3st-crumb", True),
        ("Ab1.cD/eF2", True),
        ("Too Many Requests", False),
        ("Edge: Too Many Requests", False),
        ("<html><body>Oops</body></html>", False),
        ("", False),
        (None, False),
        ("x" * 65, False),
    ],
)
def test_what_counts_as_a_crumb(value: Any, ok: bool) -> None:
    assert yahoo.is_crumb(value) is ok


# -- failures with a reason --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "fixture", "reason"),
    [
        ("1234.HK", "1234.HK-allnan", "no valid close in the last month (22 bars, every close empty)"),
        ("2222.HK", "2222.HK-zero", "last close is unusable: price must be above zero, got 0"),
        ("3333.HK", "3333.HK-negative", "last close is unusable: price must be above zero, got -1.5"),
    ],
)
def test_unusable_answers_fail_with_the_direct_clients_reason(
    http: responses.RequestsMock, tmp_path: Path, symbol: str, fixture: str, reason: str
) -> None:
    handshake(http)
    serve_yf(http, symbol, fixture)
    got = source(tmp_path).fetch([symbol])
    assert got.quotes == {}
    assert got.failures == {symbol: reason}


@since_yfinance("1.0", "other handshake and time-zone requests for an unknown symbol")
def test_unknown_symbol_the_first_time_in_a_process(http: responses.RequestsMock, tmp_path: Path) -> None:
    # No time zone for the symbol: yfinance asks quoteSummary, which answers 404 -> HTTPError.
    handshake(http)
    http.get(CONSENT, body="<html>no form</html>")
    serve_tz(http, "NOPE.HK", "404", status=404)
    http.get(QUOTE_SUMMARY.format(symbol="NOPE.HK"), json=body("quotesummary-404"), status=404)
    got = source(tmp_path).fetch(["NOPE.HK"])
    assert got.failures == {"NOPE.HK": "unknown symbol (HTTP 404 from Yahoo)"}
    assert count(http, "NOPE.HK", TZ_PARAMS) == 2  # refused, handshake redone, asked once more
    assert sum("quoteSummary" in u for u in urls(http)) == 2


@since_yfinance("1.0", "no yahoo_reason on its errors: an unknown symbol reads as an empty chart")
def test_unknown_symbol_once_yfinance_stopped_asking_quotesummary(
    http: responses.RequestsMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yfinance import base as yf_base

    monkeypatch.setattr(yf_base, "_tz_info_fetch_ctr", 2)  # its limit per process
    handshake(http)
    http.get(CONSENT, body="<html>no form</html>")
    serve_yf(http, "NOPE.HK", "404", status=404)
    got = source(tmp_path).fetch(["NOPE.HK"])
    assert got.failures == {"NOPE.HK": "unknown symbol: Yahoo says 'No data found, symbol may be delisted'"}
    assert not any("quoteSummary" in u for u in urls(http))


def test_a_key_error_inside_yfinance_is_a_reason(http: responses.RequestsMock, tmp_path: Path) -> None:
    broken = body("chart-2688.HK")
    del broken["chart"]["result"][0]["meta"]["currency"]
    handshake(http)
    serve_tz(http, "2688.HK")
    serve_history(http, "2688.HK", broken)
    got = source(tmp_path).fetch(["2688.HK"])
    assert got.failures == {"2688.HK": "yfinance could not read Yahoo's answer: KeyError: 'currency'"}


def test_security_names_never_reach_yfinance(http: responses.RequestsMock, tmp_path: Path) -> None:
    got = source(tmp_path).fetch(["enn-ng-h"])
    assert got.failures == {"enn-ng-h": "not a Yahoo symbol"}
    assert len(http.calls) == 0


# -- rate limiting -----------------------------------------------------------------------------


def test_429_is_retried_with_backoff_then_succeeds(http: responses.RequestsMock, tmp_path: Path) -> None:
    # yfinance repeats a refused request once itself (after redoing the handshake), then raises
    # YFRateLimitError; the source pauses and tries again with a new Ticker.
    handshake(http)
    http.get(CONSENT, body="<html>no form</html>")
    serve_tz(http, "2688.HK")
    serve_history(http, "2688.HK", status=429)
    serve_history(http, "2688.HK", status=429)
    serve_history(http, "2688.HK")
    got = source(tmp_path).fetch(["2688.HK"])
    assert got.failures == {}
    assert got.quotes["2688.HK"] == Quote(
        "2688.HK", 58.35, "HKD", dt.datetime(2025, 12, 23, 16, 8, 10, tzinfo=HKT), "yahoo", "yfinance HKG"
    )
    statuses = [c.response.status_code for c in http.calls if "range=1mo" in (c.request.url or "")]  # type: ignore[union-attr]
    assert statuses == [429, 429, 200]


def test_429_forever_gives_up_after_the_retries(http: responses.RequestsMock, tmp_path: Path) -> None:
    handshake(http)
    http.get(CONSENT, body="<html>no form</html>")
    serve_tz(http, "2688.HK")
    serve_history(http, "2688.HK", status=429)
    got = source(tmp_path, retries=1).fetch(["2688.HK"])
    assert got.failures == {"2688.HK": "rate limited by Yahoo (HTTP 429) after 2 attempts"}
    assert count(http, "2688.HK", HISTORY_PARAMS) == 4  # two tries, each repeated once by yfinance


# -- the deadline ------------------------------------------------------------------------------


#: An abandoned worker finishes after fetch() has returned and restored the warning filters, so
#: yfinance's deprecation warnings from it are not silenced (see _yfinance_warnings_silenced).
ABANDONED_WORKERS_WARN = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@ABANDONED_WORKERS_WARN
def test_a_hung_price_request_is_bounded_by_the_deadline(tmp_path: Path) -> None:
    release = threading.Event()

    def hang(request: Any) -> tuple[int, dict[str, str], str]:
        release.wait(10)  # a server that accepted the connection and never answers
        return 200, {}, json.dumps(body("chart-2688.HK"))

    with responses.RequestsMock(assert_all_requests_are_fired=False) as http:
        handshake(http)
        serve_tz(http, "2688.HK")
        http.add_callback(
            responses.GET,
            chart_url("2688.HK"),
            callback=hang,
            match=[matchers.query_param_matcher(HISTORY_PARAMS)],
        )
        serve_yf(http, "AAPL")
        start = time.monotonic()
        try:
            got = source(tmp_path, timeout=1.0).fetch(["2688.HK", "AAPL"])
            elapsed = time.monotonic() - start
        finally:
            release.set()
            join_workers()
    assert 1.0 <= elapsed < 2.0
    assert got.failures == {"2688.HK": "timed out after 1s"}
    assert got.quotes["AAPL"].price == 270.97


@ABANDONED_WORKERS_WARN
def test_a_hung_handshake_is_bounded_by_the_deadline(tmp_path: Path) -> None:
    # yfinance gives fc.yahoo.com 30 s and holds a lock meanwhile: every symbol waits behind it.
    release = threading.Event()

    def hang(request: Any) -> tuple[int, dict[str, str], str]:
        release.wait(10)
        return 404, {}, ""

    with responses.RequestsMock(assert_all_requests_are_fired=False) as http:
        http.add_callback(responses.GET, FC, callback=hang)
        http.get(GETCRUMB, body=CRUMB)
        serve_yf(http, "2688.HK")
        serve_yf(http, "AAPL")
        start = time.monotonic()
        try:
            got = source(tmp_path, timeout=0.8).fetch(["2688.HK", "AAPL"])
            elapsed = time.monotonic() - start
        finally:
            release.set()
            join_workers()
    assert 0.8 <= elapsed < 1.8
    assert got.quotes == {}
    assert got.failures == {"2688.HK": "timed out after 0.8s", "AAPL": "timed out after 0.8s"}


# -- auto: direct, then yfinance for a refused symbol ------------------------------------------


def test_auto_sends_only_a_refused_symbol_through_yfinance(http: responses.RequestsMock, tmp_path: Path) -> None:
    serve_direct(http, "2688.HK", "401", status=401)
    serve_direct(http, "AAPL")
    serve_direct(http, "CNYHKD=X")
    handshake(http)
    serve_yf(http, "2688.HK")
    got = source(tmp_path, client="auto").fetch(["2688.HK", "AAPL", "CNYHKD=X"])
    assert got.failures == {}
    assert got.quotes == {
        "2688.HK": Quote(
            "2688.HK", 58.35, "HKD", dt.datetime(2025, 12, 23, 16, 8, 10, tzinfo=HKT), "yahoo", "yfinance HKG"
        ),
        "AAPL": Quote(
            "AAPL",
            270.97,
            "USD",
            dt.datetime(2025, 12, 22, 16, 0, 6, tzinfo=NEW_YORK),
            "yahoo",
            "Yahoo chart NMS",
        ),
        "CNYHKD=X": Quote(
            "CNYHKD=X", 1.1062, "HKD", dt.datetime(2025, 12, 23, 1, 43, 30, tzinfo=LONDON), "yahoo", "Yahoo chart CCY"
        ),
    }
    for sym in ("2688.HK", "AAPL", "CNYHKD=X"):
        assert count(http, sym, CHART_PARAMS) == 1  # one direct request each
    assert (count(http, "2688.HK", TZ_PARAMS), count(http, "2688.HK", HISTORY_PARAMS)) == (1, 1)
    for sym in ("AAPL", "CNYHKD=X"):
        assert (count(http, sym, TZ_PARAMS), count(http, sym, HISTORY_PARAMS)) == (0, 0)
    assert len(http.calls) == 3 + 3 + 1 + 2  # direct, handshake (fc twice, getcrumb), fc, two charts


@since_yfinance("1.0", "no yahoo_reason on its errors: an unknown symbol reads as an empty chart")
def test_auto_names_both_failures(
    http: responses.RequestsMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yfinance import base as yf_base

    monkeypatch.setattr(yf_base, "_tz_info_fetch_ctr", 2)
    serve_direct(http, "NOPE.HK", "401", status=403)
    handshake(http)
    http.get(CONSENT, body="<html>no form</html>")
    serve_yf(http, "NOPE.HK", "404", status=404)
    got = source(tmp_path, client="auto").fetch(["NOPE.HK"])
    assert got.failures == {
        "NOPE.HK": "HTTP 403 from Yahoo; through yfinance: unknown symbol: Yahoo says "
        "'No data found, symbol may be delisted'"
    }


def test_auto_without_refusals_never_uses_yfinance(http: responses.RequestsMock, tmp_path: Path) -> None:
    serve_direct(http, "2688.HK")
    got = source(tmp_path, client="auto").fetch(["2688.HK"])
    assert got.quotes["2688.HK"].origin == "Yahoo chart HKG"
    assert urls(http) == [f"{chart_url('2688.HK')}?range=1mo&interval=1d"]
    assert yahoo._yf_caches is None  # yfinance was not even prepared


def test_direct_reports_a_refusal_without_yfinance(http: responses.RequestsMock, tmp_path: Path) -> None:
    serve_direct(http, "2688.HK", "401", status=401)
    got = source(tmp_path, client="direct").fetch(["2688.HK"])
    assert got.failures == {"2688.HK": "HTTP 401 from Yahoo"}
    assert len(http.calls) == 1


# -- choosing the client -----------------------------------------------------------------------


def test_client_argument_then_environment_then_auto(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert YahooSource(cache_dir=tmp_path).client == "auto"
    monkeypatch.setenv("ARB_YAHOO_CLIENT", "yfinance")
    assert YahooSource(cache_dir=tmp_path).client == "yfinance"
    assert YahooSource(cache_dir=tmp_path, client="direct").client == "direct"
    monkeypatch.setenv("ARB_YAHOO_CLIENT", " Direct ")
    assert YahooSource(cache_dir=tmp_path).client == "direct"
    monkeypatch.setenv("ARB_YAHOO_CLIENT", "curl")
    with pytest.raises(PriceSourceError, match=r"^\$ARB_YAHOO_CLIENT must be one of direct, yfinance, auto"):
        YahooSource(cache_dir=tmp_path)
    with pytest.raises(ValueError, match=r"^client must be one of direct, yfinance, auto, got 'yf'$"):
        YahooSource(cache_dir=tmp_path, client="yf")  # type: ignore[arg-type]


# -- quiet -------------------------------------------------------------------------------------


def test_no_yfinance_warnings_or_log_lines_from_a_fetch(
    http: responses.RequestsMock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    handshake(http)
    http.get(CONSENT, body="<html>no form</html>")
    serve_tz(http, "2688.HK")
    serve_history(http, "2688.HK", status=429)
    serve_history(http, "2688.HK")
    caplog.set_level(logging.DEBUG, logger="yfinance")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        got = source(tmp_path).fetch(["2688.HK"])
    assert got.quotes["2688.HK"].price == 58.35
    assert [str(w.message) for w in seen] == []
    assert [r for r in caplog.records if r.name.startswith("yfinance")] == []
    # Only the workers' records are dropped: yfinance logging elsewhere still gets through.
    logging.getLogger("yfinance").warning("from the caller's thread")
    assert [r.getMessage() for r in caplog.records] == ["from the caller's thread"]


# -- the normaliser, on frames made here -------------------------------------------------------


def frame(closes: list[float | None], *, tz: str = "Asia/Hong_Kong") -> pd.DataFrame:
    days = pd.DatetimeIndex(["2025-12-19", "2025-12-22", "2025-12-23"][3 - len(closes) :]).tz_localize(tz)
    return pd.DataFrame({"Close": [float("nan") if c is None else c for c in closes]}, index=days)


META = {"currency": "HKD", "exchangeName": "HKG", "exchangeTimezoneName": "Asia/Hong_Kong"}


@pytest.mark.parametrize(
    ("closes", "meta", "reason"),
    [
        ([1.0, float("inf")], META, "last close is unusable: price is infinite"),
        ([1.0, float("-inf")], META, "last close is unusable: price is infinite"),
        ([1.0, -2.0, None], META, "last close is unusable: price must be above zero, got -2"),
        ([None, None], META, "no valid close in the last month (2 bars, every close empty)"),
        ([], META, "no prices in the last month (empty chart)"),
        ([1.0], {**META, "currency": None}, "Yahoo gave no currency"),
    ],
)
def test_history_frames_that_hold_no_price(closes: list[float | None], meta: dict[str, Any], reason: str) -> None:
    with pytest.raises(NoPrice) as err:
        quote_from_history("2688.HK", frame(closes), meta)
    assert str(err.value) == reason


def test_history_frame_of_a_pair_in_the_wrong_currency() -> None:
    meta = {"currency": "CNY", "exchangeName": "CCY", "exchangeTimezoneName": "Europe/London"}
    with pytest.raises(NoPrice, match=r"^Yahoo quoted the pair in CNY, expected HKD$"):
        quote_from_history("CNYHKD=X", frame([1.1], tz="Europe/London"), meta)


def test_history_frame_without_a_close_column() -> None:
    with pytest.raises(NoPrice, match=r"^yfinance returned no Close column$"):
        quote_from_history("2688.HK", frame([1.0]).rename(columns={"Close": "Adj Close"}), META)


def test_history_time_is_the_live_time_only_on_the_bars_day() -> None:
    live = {**META, "regularMarketTime": 1766477290}  # 2025-12-23 16:08:10 HKT, raw epoch seconds
    q = quote_from_history("2688.HK", frame([58.45, 58.35]), live)
    assert (q.price, q.as_of) == (58.35, dt.datetime(2025, 12, 23, 16, 8, 10, tzinfo=HKT))
    q = quote_from_history("2688.HK", frame([58.45, None]), live)
    assert (q.price, q.as_of) == (58.45, dt.datetime(2025, 12, 22, tzinfo=HKT))
    q = quote_from_history("2688.HK", frame([58.45, 58.35]), META)
    assert q.as_of == dt.datetime(2025, 12, 23, tzinfo=HKT)


# -- mapping yfinance's exceptions -------------------------------------------------------------


def _http_error(status: int) -> requests.HTTPError:
    resp = requests.Response()
    resp.status_code = status
    return requests.HTTPError(f"{status} Client Error", response=resp)


def _exceptions() -> list[tuple[BaseException, tuple[str, int | None]]]:
    from yfinance.exceptions import YFDataException, YFPricesMissingError, YFRateLimitError, YFTzMissingError

    return [
        (YFRateLimitError(), ("rate limited by Yahoo (HTTP 429)", 429)),
        (
            YFPricesMissingError("X", "", yahoo_reason="No data found, symbol may be delisted"),
            ("unknown symbol: Yahoo says 'No data found, symbol may be delisted'", None),
        ),
        (
            YFPricesMissingError("X", "", yahoo_reason="Data doesn't exist for startDate = 1, endDate = 2"),
            ("Yahoo error: Data doesn't exist for startDate = 1, endDate = 2", None),
        ),
        (YFPricesMissingError("X", " (period=1mo)"), ("no prices in the last month (empty chart)", None)),
        (YFTzMissingError("X"), ("unknown symbol: Yahoo gave no time zone for it", None)),
        (_http_error(404), ("unknown symbol (HTTP 404 from Yahoo)", None)),
        (_http_error(503), ("HTTP 503 from Yahoo", 503)),
        (_http_error(401), ("HTTP 401 from Yahoo", None)),
        (requests.HTTPError("no response"), ("request failed: HTTPError: no response", None)),
        (requests.exceptions.JSONDecodeError("Expecting value", "<html>", 0), ("Yahoo's answer is not JSON", None)),
        (KeyError("currency"), ("yfinance could not read Yahoo's answer: KeyError: 'currency'", None)),
        (
            TypeError("'NoneType' object is not subscriptable"),
            ("yfinance could not read Yahoo's answer: TypeError: 'NoneType' object is not subscriptable", None),
        ),
        (requests.ReadTimeout("read timed out"), ("no answer from Yahoo within 2.0s (ReadTimeout)", None)),
        (
            requests.ConnectionError("Name or service not known"),
            ("cannot reach Yahoo: ConnectionError: Name or service not known", None),
        ),
        (
            YFDataException("Unsupported session type"),
            ("yfinance failed: YFDataException: Unsupported session type", None),
        ),
        (RuntimeError("odd"), ("yfinance failed: RuntimeError: odd", None)),
    ]


@pytest.mark.parametrize("case", range(16))
@since_yfinance("1.0", "its exception classes take other arguments")
def test_yfinance_exceptions_map_onto_the_direct_reasons(case: int) -> None:
    cases = _exceptions()
    assert len(cases) == 16
    exc, expected = cases[case]
    assert yahoo._yfinance_failure(exc, 2.0) == expected


@since_yfinance("1.0", "no check of the session type")
def test_a_session_yfinance_cannot_use_is_a_reason(tmp_path: Path) -> None:
    class NotASession:
        def get(self, url: str, **kw: Any) -> Any:
            raise AssertionError("never called")

    got = YahooSource(session=NotASession(), cache_dir=tmp_path, client="yfinance").fetch(["AAPL"])  # type: ignore[arg-type]
    assert got.failures["AAPL"].startswith("yfinance failed: YFDataException: Unsupported session type")


# -- a fresh interpreter: lazy import, and the first import's warning filter ------------------

_FIRST_IMPORT = r"""
import json, sys, tempfile, warnings
import requests, responses
from responses import matchers
warnings.simplefilter("always")
from arb.prices.yahoo import CHART_PARAMS, YahooSource, chart_url

before = "yfinance" in sys.modules
data = json.load(open(DATA + "/chart-2688.HK.json"))
with responses.RequestsMock() as http, warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    http.get(chart_url("2688.HK"), status=401, json={}, match=[matchers.query_param_matcher(CHART_PARAMS)])
    http.get("https://fc.yahoo.com/", status=404, body="")
    http.get("https://query1.finance.yahoo.com/v1/test/getcrumb", body="c")
    http.get(chart_url("2688.HK"), json=data, match=[matchers.query_param_matcher(dict(TZ, crumb="c"))])
    http.get(chart_url("2688.HK"), json=data, match=[matchers.query_param_matcher(dict(HISTORY, crumb="c"))])
    src = YahooSource(session=requests.Session(), cache_dir=tempfile.mkdtemp(), client="auto", timeout=20)
    got = src.fetch(["2688.HK"])
print(json.dumps({"before": before, "after": "yfinance" in sys.modules, "price": got.quotes["2688.HK"].price,
                  "warnings": [f"{w.category.__name__}: {w.message}" for w in seen]}))
"""


def test_yfinance_is_imported_on_first_use_and_its_warnings_stay_hidden(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    env.pop("ARB_YAHOO_CLIENT", None)
    out = subprocess.run(
        [sys.executable, "-c", f"DATA, TZ, HISTORY = {(str(DATA), TZ_PARAMS, HISTORY_PARAMS)!r}\n{_FIRST_IMPORT}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"before": False, "after": True, "price": 58.35, "warnings": []}
    assert "yfinance" not in out.stderr


def test_a_cache_folder_that_cannot_be_made_is_a_reason(http: responses.RequestsMock, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    got = source(blocker).fetch(["2688.HK"])
    assert got.failures["2688.HK"].startswith("cannot prepare yfinance's cache folder: NotADirectoryError: ")
    assert len(http.calls) == 0  # yfinance was never asked, so it wrote nothing in its own default folder


def test_a_locked_yfinance_cache_is_waited_out_not_reported_as_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # yfinance keeps cookies and time zones in SQLite; two workers can find it locked. Nothing was
    # asked of Yahoo, so the worker tries again until the deadline instead of failing the symbol.
    import sqlite3
    import types

    tries: list[str] = []

    class LockedTicker:
        def __init__(self, symbol: str, session: Any = None) -> None:
            self.symbol = symbol

        def history(self, **kw: Any) -> Any:
            tries.append(self.symbol)
            raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(yahoo, "_yfinance", lambda cache_dir: types.SimpleNamespace(Ticker=LockedTicker))
    monkeypatch.setattr(yahoo, "_hand_session_to_yfinance", lambda session: None)
    got = source(tmp_path, timeout=0.3).fetch(["AAPL"])
    join_workers()
    assert got.failures == {"AAPL": "timed out after 0.3s"}
    assert len(tries) > 1  # tried again, not reported as "yfinance failed: ... locked"
    assert yahoo._cache_locked(sqlite3.OperationalError("database is locked"))
    assert not yahoo._cache_locked(sqlite3.OperationalError("disk I/O error"))

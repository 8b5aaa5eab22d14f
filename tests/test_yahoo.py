"""The Yahoo price source, offline: recorded and synthetic v8 chart responses replayed by ``responses``.

Fixtures live in ``tests/data/yahoo`` (see its README: all but AAPL and EURUSD=X are synthetic).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from responses import matchers

from arb.errors import PriceSourceError
from arb.prices._yahoo_parse import NoPrice, quote_from_chart
from arb.prices.base import PriceSource, Quote
from arb.prices.yahoo import CHART_PARAMS, YahooSource, arb_cache_dir, chart_url, point_yfinance_caches

DATA = Path(__file__).parent / "data" / "yahoo"
HKT = ZoneInfo("Asia/Hong_Kong")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def chart(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"chart-{name}.json").read_text())


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    """Replays HTTP for a ``requests.Session``; every registered response must be used."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def serve(http: responses.RequestsMock, symbol: str, fixture: str | None = None, status: int = 200) -> None:
    http.get(
        chart_url(symbol),
        json=chart(fixture or symbol),
        status=status,
        match=[matchers.query_param_matcher(CHART_PARAMS)],
    )


def source(tmp_path: Path, **kw: Any) -> YahooSource:
    kw.setdefault("session", requests.Session())
    kw.setdefault("timeout", 5.0)
    return YahooSource(cache_dir=tmp_path, **kw)


# -- success per market ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "price", "currency", "as_of", "origin"),
    [
        ("2688.HK", 58.35, "HKD", dt.datetime(2025, 12, 23, 16, 8, 10, tzinfo=HKT), "Yahoo chart HKG"),
        ("600803.SS", 19.87, "CNY", dt.datetime(2025, 12, 23, 15, 0, 2, tzinfo=SHANGHAI), "Yahoo chart SHH"),
        ("AAPL", 270.97, "USD", dt.datetime(2025, 12, 22, 16, 0, 6, tzinfo=NEW_YORK), "Yahoo chart NMS"),
        ("EURUSD=X", 1.1777176, "USD", dt.datetime(2025, 12, 23, 1, 43, 30, tzinfo=LONDON), "Yahoo chart CCY"),
        ("CNYHKD=X", 1.1062, "HKD", dt.datetime(2025, 12, 23, 1, 43, 30, tzinfo=LONDON), "Yahoo chart CCY"),
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
    serve(http, symbol)
    got = source(tmp_path).fetch([symbol])
    assert got.failures == {}
    assert got.quotes == {symbol: Quote(symbol, price, currency, as_of, "yahoo", origin)}
    q = got.quotes[symbol]
    assert q.as_of is not None and q.as_of.utcoffset() == as_of.utcoffset()
    assert q.as_of.tzinfo == as_of.tzinfo


def test_is_a_price_source() -> None:
    src = YahooSource()
    assert isinstance(src, PriceSource)
    assert (src.label, src.dated) == ("yahoo", False)


def test_pence_stay_pence_until_converted(http: responses.RequestsMock, tmp_path: Path) -> None:
    serve(http, "VOD.L")
    q = source(tmp_path).fetch(["VOD.L"]).quotes["VOD.L"]
    assert (q.price, q.currency) == (72.48, "GBp")
    major = q.in_major_units()
    assert (major.price, major.currency) == (pytest.approx(0.7248), "GBP")
    assert major.price == 72.48 / 100


def test_no_trade_on_the_last_day_takes_the_previous_close(http: responses.RequestsMock, tmp_path: Path) -> None:
    assert chart("0700.HK")["chart"]["result"][0]["indicators"]["quote"][0]["close"][-1] is None
    serve(http, "0700.HK")
    q = source(tmp_path).fetch(["0700.HK"]).quotes["0700.HK"]
    assert q.price == 612.5
    # The bar is stamped at the 09:30 open; Yahoo's regularMarketTime on that day says when it closed.
    assert q.as_of == dt.datetime(2025, 12, 22, 16, 8, 10, tzinfo=HKT)
    assert q.flags == ()


def test_several_symbols_in_one_fetch_keep_the_callers_order(http: responses.RequestsMock, tmp_path: Path) -> None:
    for sym in ("2688.HK", "600803.SS", "CNYHKD=X"):
        serve(http, sym)
    got = source(tmp_path).fetch(["CNYHKD=X", "2688.HK", "600803.SS", "2688.HK"])
    assert list(got.quotes) == ["CNYHKD=X", "2688.HK", "600803.SS"]
    assert len(http.calls) == 3  # the duplicate is fetched once


# -- failures with a reason --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "fixture", "status", "reason"),
    [
        ("1234.HK", "1234.HK-allnan", 200, "no valid close in the last month (22 bars, every close empty)"),
        ("2222.HK", "2222.HK-zero", 200, "last close is unusable: price must be above zero, got 0"),
        ("3333.HK", "3333.HK-negative", 200, "last close is unusable: price must be above zero, got -1.5"),
        ("NOPE.HK", "404", 404, "unknown symbol: Yahoo says 'No data found, symbol may be delisted'"),
    ],
)
def test_unusable_answers_fail_with_a_reason(
    http: responses.RequestsMock, tmp_path: Path, symbol: str, fixture: str, status: int, reason: str
) -> None:
    serve(http, symbol, fixture, status)
    got = source(tmp_path).fetch([symbol])
    assert got.quotes == {}
    assert got.failures == {symbol: reason}


def test_a_404_without_json_is_still_an_unknown_symbol(http: responses.RequestsMock, tmp_path: Path) -> None:
    http.get(chart_url("NOPE"), body="<html>Not Found</html>", status=404)
    assert source(tmp_path).fetch(["NOPE"]).failures == {"NOPE": "unknown symbol (HTTP 404 from Yahoo)"}


def test_infinite_close_fails(tmp_path: Path) -> None:
    payload = chart("2688.HK")
    payload["chart"]["result"][0]["indicators"]["quote"][0]["close"][-1] = float("inf")
    with pytest.raises(NoPrice, match=r"^last close is unusable: price is infinite$"):
        quote_from_chart("2688.HK", payload)


def test_fx_pair_in_the_wrong_currency_fails() -> None:
    payload = chart("CNYHKD=X")
    payload["chart"]["result"][0]["meta"]["currency"] = "CNY"
    with pytest.raises(NoPrice, match=r"^Yahoo quoted the pair in CNY, expected HKD$"):
        quote_from_chart("CNYHKD=X", payload)


def test_mismatched_arrays_fail() -> None:
    payload = chart("2688.HK")
    payload["chart"]["result"][0]["timestamp"].pop()
    with pytest.raises(NoPrice, match=r"^chart is malformed: 21 timestamps but 22 closes$"):
        quote_from_chart("2688.HK", payload)


def test_security_names_are_rejected_without_network(http: responses.RequestsMock, tmp_path: Path) -> None:
    seen: list[tuple[str, bool]] = []
    got = source(tmp_path, progress=lambda s, ok: seen.append((s, ok))).fetch(["enn-ng-h", "not a ticker"])
    assert got.failures == {"enn-ng-h": "not a Yahoo symbol", "not a ticker": "not a Yahoo symbol"}
    assert len(http.calls) == 0
    assert seen == [("enn-ng-h", False), ("not a ticker", False)]


def test_no_symbols_no_work(tmp_path: Path) -> None:
    got = source(tmp_path).fetch([])
    assert (got.quotes, got.failures) == ({}, {})


# -- rate limiting -----------------------------------------------------------------------------


def test_429_then_success_is_retried(http: responses.RequestsMock, tmp_path: Path) -> None:
    http.get(chart_url("2688.HK"), body="Too Many Requests", status=429)
    http.get(chart_url("2688.HK"), json=chart("2688.HK"))
    got = source(tmp_path, backoff=0.01).fetch(["2688.HK"])
    assert got.quotes["2688.HK"].price == 58.35
    assert [getattr(c.response, "status_code", None) for c in http.calls] == [429, 200]


def test_plain_text_too_many_requests_counts_as_429(http: responses.RequestsMock, tmp_path: Path) -> None:
    http.get(chart_url("AAPL"), body="Edge: Too Many Requests", status=200)
    http.get(chart_url("AAPL"), json=chart("AAPL"))
    assert source(tmp_path, backoff=0.01).fetch(["AAPL"]).quotes["AAPL"].price == 270.97


def test_429_forever_gives_up_after_the_retries(http: responses.RequestsMock, tmp_path: Path) -> None:
    http.get(chart_url("2688.HK"), body="Too Many Requests", status=429)
    start = time.monotonic()
    got = source(tmp_path, retries=2, backoff=0.01).fetch(["2688.HK"])
    assert got.failures == {"2688.HK": "rate limited by Yahoo (HTTP 429) after 3 attempts"}
    assert len(http.calls) == 3
    assert time.monotonic() - start < 1.0


def test_429_stops_retrying_when_the_pause_would_pass_the_deadline(
    http: responses.RequestsMock, tmp_path: Path
) -> None:
    http.get(chart_url("2688.HK"), body="Too Many Requests", status=429)
    start = time.monotonic()
    got = source(tmp_path, timeout=1.0, retries=5, backoff=5.0).fetch(["2688.HK"])
    assert got.failures == {
        "2688.HK": "rate limited by Yahoo (HTTP 429) after 1 attempt; no time left to retry within 1s"
    }
    assert len(http.calls) == 1
    assert time.monotonic() - start < 0.5


def test_retry_after_is_honoured(http: responses.RequestsMock, tmp_path: Path) -> None:
    http.get(chart_url("2688.HK"), body="Too Many Requests", status=429, headers={"Retry-After": "0.3"})
    http.get(chart_url("2688.HK"), json=chart("2688.HK"))
    start = time.monotonic()
    assert source(tmp_path, backoff=0.01).fetch(["2688.HK"]).quotes["2688.HK"].price == 58.35
    assert 0.3 <= time.monotonic() - start < 1.0


def test_server_errors_are_retried_too(http: responses.RequestsMock, tmp_path: Path) -> None:
    http.get(chart_url("2688.HK"), body="", status=503)
    http.get(chart_url("2688.HK"), json=chart("2688.HK"))
    assert source(tmp_path, backoff=0.01).fetch(["2688.HK"]).quotes["2688.HK"].price == 58.35


# -- deadline and concurrency ------------------------------------------------------------------


def test_a_hung_connection_is_bounded_by_the_deadline(tmp_path: Path) -> None:
    # The hung call is only counted once it returns, after the fetch: don't assert every call fired.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as http:
        _hang_one_of_three(http, tmp_path)


def _hang_one_of_three(http: responses.RequestsMock, tmp_path: Path) -> None:
    release = threading.Event()

    def hang(request: Any) -> tuple[int, dict[str, str], str]:
        release.wait(10)  # a server that accepted the connection and never answers
        return 200, {}, json.dumps(chart("2688.HK"))

    http.add_callback(responses.GET, chart_url("2688.HK"), callback=hang)
    serve(http, "AAPL")
    serve(http, "CNYHKD=X")
    seen: list[tuple[str, bool]] = []
    start = time.monotonic()
    try:
        got = source(tmp_path, timeout=1.0, progress=lambda s, ok: seen.append((s, ok))).fetch(
            ["2688.HK", "AAPL", "CNYHKD=X"]
        )
        elapsed = time.monotonic() - start
    finally:
        release.set()
    assert 1.0 <= elapsed < 1.5
    assert got.failures == {"2688.HK": "timed out after 1s"}
    assert sorted(got.quotes) == ["AAPL", "CNYHKD=X"]
    assert got.quotes["AAPL"].price == 270.97
    assert sorted(seen) == [("2688.HK", False), ("AAPL", True), ("CNYHKD=X", True)]
    assert seen[-1] == ("2688.HK", False)


def test_symbols_are_fetched_concurrently_within_the_pool_bound(http: responses.RequestsMock, tmp_path: Path) -> None:
    lock = threading.Lock()
    in_flight = [0, 0]  # now, most ever
    body = json.dumps(chart("2688.HK"))

    def slow(request: Any) -> tuple[int, dict[str, str], str]:
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight[1], in_flight[0])
        time.sleep(0.3)
        with lock:
            in_flight[0] -= 1
        return 200, {}, body

    symbols = [f"{1000 + i}.HK" for i in range(10)]
    for sym in symbols:
        http.add_callback(responses.GET, chart_url(sym), callback=slow)
    start = time.monotonic()
    got = source(tmp_path, workers=5).fetch(symbols)
    elapsed = time.monotonic() - start
    assert sorted(got.quotes) == symbols
    assert {q.price for q in got.quotes.values()} == {58.35}
    assert in_flight[1] == 5
    assert elapsed < 2.0  # one at a time would take 3 s; five at a time about 0.6 s


def test_a_client_that_raises_fails_only_its_symbol(tmp_path: Path) -> None:
    class Flaky:
        def get(self, url: str, **kw: Any) -> Any:
            raise ConnectionError("Name or service not known")

    got = YahooSource(session=Flaky(), cache_dir=tmp_path).fetch(["2688.HK"])  # type: ignore[arg-type]
    assert got.failures == {"2688.HK": "cannot reach Yahoo: ConnectionError: Name or service not known"}


def test_a_client_timeout_says_so(tmp_path: Path) -> None:
    class Slow:
        def get(self, url: str, **kw: Any) -> Any:
            raise requests.ReadTimeout("read timed out")

    got = YahooSource(session=Slow(), cache_dir=tmp_path, timeout=2.0).fetch(["AAPL"])  # type: ignore[arg-type]
    assert got.failures["AAPL"].startswith("no answer from Yahoo within ")
    assert got.failures["AAPL"].endswith("s (ReadTimeout)")


# -- environment, caches, imports --------------------------------------------------------------


def test_no_http_client_is_a_source_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "curl_cffi", None)
    monkeypatch.setitem(sys.modules, "requests", None)
    with pytest.raises(PriceSourceError, match=r"^the Yahoo price source needs curl_cffi or requests"):
        YahooSource(cache_dir=tmp_path).fetch(["AAPL"])


def test_cache_dir_argument_then_env_then_platform(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARB_CACHE_DIR", raising=False)
    assert arb_cache_dir() == Path.home() / "cache" / "arb"  # XDG_CACHE_HOME is set by conftest
    monkeypatch.setenv("ARB_CACHE_DIR", str(tmp_path / "env"))
    assert arb_cache_dir() == tmp_path / "env"
    assert YahooSource().cache_dir == tmp_path / "env"
    assert YahooSource(cache_dir=tmp_path / "arg").cache_dir == tmp_path / "arg"


def test_yfinance_caches_move_under_arbs_cache(tmp_path: Path) -> None:
    from yfinance import cache as yf_cache

    before = yf_cache._TzDBManager.get_location()
    try:
        target = point_yfinance_caches(tmp_path)
        assert target == tmp_path / "yfinance"
        assert target.is_dir()
        assert yf_cache._TzDBManager.get_location() == str(target)
        assert yf_cache._CookieDBManager.get_location() == str(target)
    finally:
        yf_cache.set_cache_location(before)


def test_importing_arb_does_not_import_http_or_yfinance() -> None:
    code = (
        "import sys, arb, arb.prices.yahoo; "
        "print(sorted(m for m in ('yfinance', 'requests', 'curl_cffi') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the real thing (skipped in CI) ------------------------------------------------------------


@pytest.mark.network
@pytest.mark.enable_socket
def test_live_yahoo(tmp_path: Path) -> None:
    got = YahooSource(cache_dir=tmp_path, timeout=30).fetch(["2688.HK", "AAPL", "CNYHKD=X", "enn-ng-h"])
    assert got.failures == {"enn-ng-h": "not a Yahoo symbol"}
    assert {s: q.currency for s, q in got.quotes.items()} == {"2688.HK": "HKD", "AAPL": "USD", "CNYHKD=X": "HKD"}
    assert all(q.price > 0 and q.as_of is not None and q.as_of.tzinfo is not None for q in got.quotes.values())


# -- a real socket that never answers (localhost only) -----------------------------------------


class _ToLocal(requests.Session):
    """A session that sends every request to a local port instead of Yahoo."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        return super().request(method, f"http://127.0.0.1:{self.port}/chart", *args, **kwargs)


@pytest.mark.enable_socket
def test_a_real_silent_socket_is_bounded_by_the_deadline(tmp_path: Path) -> None:
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)  # accepts connections (the kernel does) and never answers
    try:
        start = time.monotonic()
        got = YahooSource(session=_ToLocal(server.getsockname()[1]), timeout=0.8, cache_dir=tmp_path).fetch(
            ["2688.HK", "AAPL"]
        )
        elapsed = time.monotonic() - start
    finally:
        server.close()
    assert elapsed < 1.3
    assert got.quotes == {}
    assert got.failures == {"2688.HK": "timed out after 0.8s", "AAPL": "timed out after 0.8s"}

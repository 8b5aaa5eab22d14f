"""refresh: 300 symbols through the Yahoo source, every replayed response delayed 150 ms; and
``arb refresh`` end to end, 1,000 deals and 300 symbols, against a local HTTP server.

Targets: wall time within 1.5x of ceil(300 / pool size) x 150 ms, and >= 10x a sequential
per-ticker loop. Nothing touches the network: ``responses`` replays a synthetic chart answer
for every symbol (made-up symbols and prices), sleeping the delay first, on whichever thread
asked, so a pool of workers overlaps its waits as it would on a real connection.

The end-to-end case runs the command a user runs, in a fresh process, with real sockets: a
threaded ``http.server`` on 127.0.0.1 answers each chart request after the same delay, and
``$ARB_YAHOO_URL`` (a testing override of :func:`arb.prices.yahoo.chart_url`) points the Yahoo
source at it. 1,000 synthetic deal files share 300 symbols; each run appends one refresh (1,000
valuations) to a store that grows across the runs. Reported against the network floor,
ceil(300 / pool) x delay.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.reference import fetch_sequential
from benchmarks.timing import NotAvailable, Row, command_env, median_time

__all__ = ["chart_body", "local_yahoo", "replayed_yahoo", "run"]

TARGET_SLACK = 1.5
TARGET_SPEEDUP = 10.0
_STAMP = 1_750_377_600  # 2025-06-20 00:00 UTC


def chart_body(symbol: str) -> dict[str, Any]:
    """A synthetic v8 chart answer for ``symbol``: five daily closes in HKD."""
    base = 10.0 + sum(map(ord, symbol)) % 90
    return {
        "chart": {
            "result": [
                {
                    "meta": {
                        "currency": "HKD",
                        "symbol": symbol,
                        "exchangeName": "SYNTHETIC",
                        "exchangeTimezoneName": "Asia/Hong_Kong",
                        "gmtoffset": 28800,
                    },
                    "timestamp": [_STAMP + 86_400 * i for i in range(5)],
                    "indicators": {"quote": [{"close": [round(base + 0.1 * i, 3) for i in range(5)]}]},
                }
            ],
            "error": None,
        }
    }


def replayed_yahoo(delay: float) -> Any:
    """A started-up ``responses.RequestsMock`` answering every chart URL after ``delay`` seconds."""
    import responses

    from arb.prices.yahoo import CHART_URL

    prefix = CHART_URL.split("{symbol}")[0]
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        time.sleep(delay)
        symbol = request.path_url.split("?")[0].rsplit("/", 1)[-1]
        return 200, {"Content-Type": "application/json"}, json.dumps(chart_body(symbol))

    mock.add_callback(responses.GET, re.compile(re.escape(prefix) + r".*"), callback=answer)
    return mock


def run(smoke: bool = False) -> list[Row]:
    try:
        import requests

        from arb.prices.yahoo import CHART_PARAMS, CHART_URL, YahooSource
    except ImportError as exc:
        raise NotAvailable(f"arb/prices/yahoo.py has not landed ({exc})") from None

    n = 16 if smoke else 300
    delay = 0.02 if smoke else 0.150
    symbols = [f"SYN{i:04d}.HK" for i in range(n)]
    repeats = 1 if smoke else 3
    default_pool = YahooSource().workers
    timed: dict[int, tuple[float, Any]] = {}
    with replayed_yahoo(delay):
        for pool in (default_pool, 2 * default_pool):
            source = YahooSource(session=requests.Session(), timeout=120.0, workers=pool, retries=0)
            got = source.fetch(symbols)
            if len(got.quotes) != n:
                raise AssertionError(f"Yahoo source priced {len(got.quotes)} of {n}: {list(got.failures.items())[:3]}")
            timed[pool] = (median_time(lambda source=source: source.fetch(symbols), repeats, warmup=0), got)
        # The sequential loop is linear in the symbols; it is timed once, on all of them.
        start = time.perf_counter()
        seq = fetch_sequential(symbols, CHART_URL, CHART_PARAMS)
        t_seq = time.perf_counter() - start
    got = timed[default_pool][1]
    if len(seq) != n or any(abs(seq[s] - got.quotes[s].price) > 1e-12 for s in symbols):
        raise AssertionError("the sequential loop and the Yahoo source disagree on the prices")

    rows = []
    for pool, (t, _) in timed.items():
        ideal = math.ceil(n / pool) * delay
        judged = not smoke and pool == default_pool
        rows.append(
            Row(
                "refresh",
                f"{n} symbols, {delay * 1000:.0f} ms per response, pool of {pool}"
                + (" (default)" if pool == default_pool else ""),
                t,
                "s",
                f"<= {TARGET_SLACK:g} x {ideal:.2f} s (ideal) and >= {TARGET_SPEEDUP:g}x loop" if judged else "",
                (t <= TARGET_SLACK * ideal and t_seq / t >= TARGET_SPEEDUP) if judged else None,
                t_seq,
                "sequential per-ticker loop",
                t_seq / t,
                repeats,
                note=(
                    f"ideal ceil({n}/{pool}) x {delay * 1000:.0f} ms = {ideal:.2f} s; figure/ideal = {t / ideal:.2f}; "
                    f"a pool of {pool} can be at most {n * delay / ideal:.1f}x the loop"
                ),
                extra={"symbols": n, "delay_s": delay, "pool": pool, "ideal_s": ideal, "over_ideal": t / ideal},
            )
        )
    return [*rows, *end_to_end(smoke)]


#: The currency Yahoo quotes each synthetic listing's exchange in (benchmarks/synthetic.py's suffixes).
_UNITS = {".HK": "HKD", ".SS": "CNY", ".L": "GBp", "": "USD"}


def _local_chart(symbol: str, now: float) -> dict[str, Any]:
    """A synthetic chart answer for ``symbol``: five daily closes up to ``now``, in its listing's currency."""
    body = chart_body(symbol)
    result = body["chart"]["result"][0]
    suffix = "." + symbol.rpartition(".")[2] if "." in symbol and not symbol.endswith("=X") else ""
    result["meta"]["currency"] = "HKD" if symbol.endswith("=X") else _UNITS.get(suffix, "HKD")
    day = int(now) // 86_400 * 86_400
    result["timestamp"] = [day - 86_400 * (4 - i) for i in range(5)]
    if symbol.endswith("=X"):
        rate = {"USDHKD=X": 7.8, "CNYHKD=X": 1.09, "GBPHKD=X": 10.2}.get(symbol, 1.0)
        result["indicators"]["quote"][0]["close"] = [rate] * 5
    return body


def local_yahoo(delay: float) -> tuple[ThreadingHTTPServer, str]:
    """A started threaded HTTP server on 127.0.0.1 answering any chart path after ``delay`` s; (server, URL)."""
    now = time.time()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(delay)
            symbol = self.path.split("?")[0].rsplit("/", 1)[-1]
            from urllib.parse import unquote

            data = json.dumps(_local_chart(unquote(symbol), now)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="bench-local-yahoo", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v8/finance/chart/{{symbol}}"


def _deals_sharing_symbols(folder: Path, n_deals: int, n_symbols: int) -> int:
    """Write ``n_deals`` synthetic deal files whose listings are folded onto about ``n_symbols``
    symbols (deal i uses the listings of deal i mod m); returns how many symbols they name."""
    from benchmarks.synthetic import deal_toml

    texts = [deal_toml(i) for i in range(n_deals)]
    pattern = re.compile(r"SYN([TAP])(\d{4})")

    def fold(m: int) -> list[str]:
        return [pattern.sub(lambda x: f"SYN{x.group(1)}{int(x.group(2)) % m:04d}", t) for t in texts]

    def count(folded: list[str]) -> int:
        found = {x for t in folded for x in re.findall(r'"(SYN[TAP]\d{4}[.A-Z]*|[A-Z]{3}HKD=X)"', t)}
        return len(found)

    m = max(1, n_deals * n_symbols // max(1, count(texts)))
    while m > 1 and count(fold(m)) > n_symbols:
        m -= 1
    folder.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(fold(m)):
        (folder / f"synthetic-{i:04d}.toml").write_text(text, encoding="utf-8")
    return count(fold(m))


def end_to_end(smoke: bool) -> list[Row]:
    """``arb refresh`` of 1,000 deals (300 symbols) against a local server, in a fresh process."""
    from arb.book import symbols_for
    from arb.loader import load_deals
    from arb.prices.yahoo import DEFAULT_WORKERS, URL_ENV
    from benchmarks.bench_startup import arb_command

    n_deals, n_symbols = (40, 16) if smoke else (1_000, 300)
    delay = 0.02 if smoke else 0.150
    repeats = 1 if smoke else 3
    with tempfile.TemporaryDirectory(prefix="arb-bench-refresh-") as tmp:
        folder = Path(tmp)
        _deals_sharing_symbols(folder / "deals", n_deals, n_symbols)
        symbols = [s for s in symbols_for(load_deals([folder / "deals"]).deals) if not s.islower()]
        watchlist = folder / "watchlist.toml"
        watchlist.write_text(f'[[watch]]\nid = "synthetic"\npath = "{folder / "deals"}"\n', encoding="utf-8")
        server, url = local_yahoo(delay)
        try:
            home, cache = str(folder / "home"), str(folder / "cache")
            env = command_env(ARB_HOME=home, ARB_CACHE_DIR=cache, NO_COLOR="1", COLUMNS="120")
            env.pop("ARB_OFFLINE", None)
            env[URL_ENV] = url
            env["ARB_YAHOO_CLIENT"] = "direct"
            cmd = [*arb_command(), "refresh", "--watchlist", str(watchlist), "--json"]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
            try:
                got = json.loads(proc.stdout)
            except ValueError:
                got = None
            if not isinstance(got, dict) or got.get("refresh") is None or got.get("failures") or got.get("fallbacks"):
                what = (
                    {k: got.get(k) for k in ("not_stored", "failures", "fallbacks")} if isinstance(got, dict) else None
                )
                raise AssertionError(f"`arb refresh` did not price every symbol live: {what} {proc.stderr[-300:]}")
            n_prices = len(symbols)

            def command() -> None:
                subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)

            t = median_time(command, repeats, warmup=0)
        finally:
            server.shutdown()
            server.server_close()
    ideal = math.ceil(len(symbols) / DEFAULT_WORKERS) * delay
    return [
        Row(
            "refresh",
            f"arb refresh: {n_deals:,} deals, {len(symbols)} symbols, local HTTP server "
            f"({delay * 1000:.0f} ms per response), fresh process",
            t,
            "s",
            "report",
            None,
            ideal,
            f"network floor ceil({len(symbols)}/{DEFAULT_WORKERS}) x {delay * 1000:.0f} ms",
            ideal / t,
            repeats,
            note=f"{t - ideal:.2f} s over the network floor: start-up, loading and valuing the deals, the store "
            f"(quick_check and one refresh of {n_deals:,} valuations appended per run); first run exit "
            f"{proc.returncode}, all {n_prices} symbols priced live",
            extra={"deals": n_deals, "symbols": len(symbols), "delay_s": delay, "ideal_s": ideal},
        )
    ]

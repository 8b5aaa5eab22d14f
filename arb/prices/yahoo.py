"""Live prices from Yahoo Finance's v8 chart endpoint.

Why call the endpoint directly rather than ``yfinance.Ticker.history``: every price yfinance
returns comes from this one endpoint anyway (one request per symbol, nothing is batched), and
the things a refresh needs are exactly the things yfinance hides:

* the HTTP status. A 429 (rate limit) must be retried with backoff and a 404 must say
  "unknown symbol"; yfinance turns both into exceptions whose type depends on global retry
  counters, or into an empty frame and a log line;
* the time a request may take. yfinance's cookie/crumb handshake has hard-coded 30 s time-outs
  that its ``timeout`` argument does not bound; here every request gets what is left of one
  overall deadline;
* ``meta.currency`` and the exchange time zone, which travel in the same JSON as the closes;
* no process-wide state: yfinance keeps one session for the whole process and memoises per
  ``Ticker``; this source keeps nothing between calls to :meth:`YahooSource.fetch`.

yfinance's own code notes that the chart API does not need the crumb, so nothing is lost by
skipping the handshake. What yfinance does add is its choice of HTTP client: ``curl_cffi`` with Chrome
TLS impersonation, which it adopted during Yahoo's rate-limit waves against plain clients
(yfinance issues #2411, #2428; not verified from here: these machines cannot reach Yahoo). The
default session here is the same (``curl_cffi`` is installed with yfinance), falling back to
``requests`` with a browser User-Agent. yfinance itself is never imported by this module, so it
writes no cache; :func:`arb_cache_dir` is where it would, and :func:`point_yfinance_caches`
moves yfinance's caches there for any code that does use it.

The work is split in three: :func:`chart_url` (query), :func:`get_chart` (extract: the network,
nothing else) and :func:`arb.prices._yahoo_parse.quote_from_chart` (normalise: pure, tested on
recorded responses).
"""

from __future__ import annotations

import os
import queue
import random
import threading
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote as _urlquote

from arb.errors import PriceSourceError
from arb.prices._yahoo_parse import NoPrice, quote_from_chart
from arb.prices.base import FetchResult, Quote
from arb.symbols import is_fx_pair, is_listing

if TYPE_CHECKING:
    import requests

__all__ = [
    "CHART_PARAMS",
    "CHART_URL",
    "YahooSource",
    "arb_cache_dir",
    "chart_url",
    "get_chart",
    "point_yfinance_caches",
]

CHART_URL = "https://query2.finance.yahoo.com/v8/finance/chart/{symbol}"
#: One month of daily bars: enough to step back over a long holiday to the last valid close.
CHART_PARAMS = {"range": "1mo", "interval": "1d"}
#: Statuses worth another try after a pause: rate limiting and a busy or failing server.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Sent by the ``requests`` fallback client; Yahoo refuses the default python-requests agent.
BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
#: A pause between retries never exceeds this many seconds, whatever Retry-After says.
MAX_PAUSE = 8.0

#: Seconds a request may outlive the deadline (its thread is abandoned by then anyway).
CLIENT_GRACE = 0.5

NOT_A_SYMBOL = "not a Yahoo symbol"

Progress = Callable[[str, bool], None]


def chart_url(symbol: str) -> str:
    """The v8 chart URL for one Yahoo symbol (``^`` and other reserved characters escaped)."""
    return CHART_URL.format(symbol=_urlquote(symbol, safe="=.-"))


def get_chart(session: Any, symbol: str, timeout: float) -> tuple[int, Any, float | None]:
    """GET one symbol's chart: ``(HTTP status, decoded JSON or None, Retry-After seconds or None)``.

    Network only; raises whatever the HTTP client raises. A body that is not JSON decodes to
    None, except Yahoo's plain-text "Too Many Requests", which is reported as a 429.
    """
    resp = session.get(chart_url(symbol), params=CHART_PARAMS, timeout=timeout)
    status = int(resp.status_code)
    try:
        body = resp.json()
    except Exception:
        body = None
        if "too many requests" in (resp.text or "")[:200].lower():
            status = 429
    return status, body, _retry_after(resp.headers.get("Retry-After"))


def arb_cache_dir(cache_dir: Path | str | None = None) -> Path:
    """arb's cache folder: ``cache_dir`` if given, else ``$ARB_CACHE_DIR``, else the platform's."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("ARB_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("arb"))


def point_yfinance_caches(cache_dir: Path | str | None = None) -> Path:
    """Move yfinance's on-disk caches (time zones, cookies, ISINs) under arb's cache folder.

    Must run before yfinance fetches anything. Imports yfinance; raises
    :class:`PriceSourceError` when it cannot be imported.
    """
    target = arb_cache_dir(cache_dir) / "yfinance"
    try:
        import yfinance as yf
    except Exception as exc:
        raise PriceSourceError(f"yfinance cannot be imported ({type(exc).__name__}: {exc})") from None
    target.mkdir(parents=True, exist_ok=True)
    yf.set_tz_cache_location(str(target))
    return target


class YahooSource:
    """Last daily closes from Yahoo for listings (``2688.HK``, ``AAPL``) and FX pairs (``CNYHKD=X``).

    ``fetch`` prices the unique symbols concurrently on ``workers`` daemon threads and returns
    after at most ``timeout`` seconds (plus a few milliseconds), whatever the network does: a
    symbol not finished by then fails with "timed out after Ns" and its thread is abandoned.
    A 429 or 5xx answer is retried up to ``retries`` times, pausing ``backoff`` seconds and
    doubling (or what Retry-After asks, up to 8 s), only while the pause fits in the deadline.

    ``session`` is any object with a ``requests``-style ``get``; it is shared by all workers
    (tests pass a ``requests.Session`` that ``responses`` replays). Without one, each worker
    makes its own Chrome-impersonating ``curl_cffi`` session, or a ``requests`` one if
    ``curl_cffi`` is missing. ``progress(symbol, ok)`` is called on the calling thread once per
    symbol as it finishes. Prices stay in Yahoo's unit (``GBp``); the quote's ``as_of`` is the
    bar's time in the exchange's time zone.
    """

    label = "yahoo"
    dated = False

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        workers: int = 8,
        cache_dir: Path | None = None,
        session: requests.Session | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        progress: Progress | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be above zero, got {timeout!r}")
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers!r}")
        if retries < 0 or backoff < 0:
            raise ValueError("retries and backoff must not be negative")
        self.timeout = float(timeout)
        self.workers = int(workers)
        self.cache_dir = arb_cache_dir(cache_dir)
        self.session = session
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.progress = progress

    def fetch(self, symbols: Collection[str]) -> FetchResult:
        """Price every unique symbol; each one ends in ``quotes`` or in ``failures`` with a reason."""
        order = list(dict.fromkeys(symbols))
        outcomes: dict[str, Quote | str] = {}
        todo = []
        for sym in order:
            if is_listing(sym) or is_fx_pair(sym):
                todo.append(sym)
            else:
                self._finish(outcomes, sym, NOT_A_SYMBOL)
        if todo:
            self._run(todo, outcomes)
        out = FetchResult()
        for sym in order:
            got = outcomes[sym]
            if isinstance(got, Quote):
                out.quotes[sym] = got
            else:
                out.failures[sym] = got
        return out

    # -- the pool ---------------------------------------------------------------------------

    def _run(self, todo: list[str], outcomes: dict[str, Quote | str]) -> None:
        make_session = self._session_maker()
        deadline = time.monotonic() + self.timeout
        jobs: queue.SimpleQueue[str] = queue.SimpleQueue()
        for sym in todo:
            jobs.put(sym)
        done: queue.SimpleQueue[tuple[str, Quote | str]] = queue.SimpleQueue()
        stop = threading.Event()

        def work() -> None:
            session = None
            while not stop.is_set():
                try:
                    sym = jobs.get_nowait()
                except queue.Empty:
                    return
                try:
                    session = session or make_session()
                    outcome: Quote | str = self._price_one(session, sym, deadline, stop)
                except Exception as exc:  # a bug or a broken client must not sink the other symbols
                    outcome = f"unexpected error: {_one_line(exc)}"
                done.put((sym, outcome))

        # Daemon threads, not a ThreadPoolExecutor: the interpreter joins an executor's threads at
        # exit, so one connection that never answers would hang the whole program.
        for i in range(min(self.workers, len(todo))):
            threading.Thread(target=work, name=f"arb-yahoo-{i}", daemon=True).start()
        pending = set(todo)
        try:
            while pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    sym, outcome = done.get(timeout=left)
                except queue.Empty:
                    break
                pending.discard(sym)
                self._finish(outcomes, sym, outcome)
        finally:
            stop.set()
        for sym in todo:
            if sym in pending:
                self._finish(outcomes, sym, f"timed out after {self.timeout:g}s")

    def _finish(self, outcomes: dict[str, Quote | str], sym: str, outcome: Quote | str) -> None:
        outcomes[sym] = outcome
        if self.progress is not None:
            self.progress(sym, isinstance(outcome, Quote))

    def _session_maker(self) -> Callable[[], Any]:
        if self.session is not None:
            shared = self.session
            return lambda: shared
        return _default_session_maker()

    # -- one symbol -------------------------------------------------------------------------

    def _price_one(self, session: Any, symbol: str, deadline: float, stop: threading.Event) -> Quote | str:
        attempt = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or stop.is_set():
                return f"timed out after {self.timeout:g}s"
            try:
                # A little beyond the deadline, so the pool's own clock, not a race with the
                # client's, decides, and the reason reads the same for every late symbol.
                status, body, retry_after = get_chart(session, symbol, left + CLIENT_GRACE)
            except Exception as exc:
                return _network_reason(exc, left)
            if status in RETRY_STATUSES:
                what = "rate limited by Yahoo (HTTP 429)" if status == 429 else f"Yahoo server error (HTTP {status})"
                tries = f"{attempt + 1} attempt" + ("s" if attempt else "")
                if attempt >= self.retries:
                    return f"{what} after {tries}"
                # Jitter keeps the workers that were refused together from coming back together.
                pause = min(MAX_PAUSE, max(self.backoff * 2**attempt * random.uniform(1.0, 1.25), retry_after or 0.0))
                if time.monotonic() + pause >= deadline:
                    return f"{what} after {tries}; no time left to retry within {self.timeout:g}s"
                if stop.wait(pause):
                    return f"timed out after {self.timeout:g}s"
                attempt += 1
                continue
            if body is None:
                if status == 404:
                    return "unknown symbol (HTTP 404 from Yahoo)"
                return f"HTTP {status} from Yahoo" if status != 200 else "Yahoo's answer is not JSON"
            if status not in (200, 404):
                return f"HTTP {status} from Yahoo"
            try:
                return quote_from_chart(symbol, body)
            except NoPrice as exc:
                return str(exc)


def _default_session_maker() -> Callable[[], Any]:
    """A factory of HTTP sessions, one per worker (curl_cffi sessions are not thread-safe).

    ``ARB_HTTP_CLIENT=requests`` forces plain ``requests``: the test suite sets it so that its
    socket blocking (which cannot see libcurl's sockets) covers every live path.
    """
    if os.environ.get("ARB_HTTP_CLIENT", "").lower() != "requests":
        try:
            from curl_cffi import requests as curl_requests

            return lambda: curl_requests.Session(impersonate="chrome")
        except Exception:
            pass
    try:
        import requests
    except Exception as exc:
        raise PriceSourceError(
            f"the Yahoo price source needs curl_cffi or requests, and neither imports ({_one_line(exc)})"
        ) from None

    def make() -> requests.Session:
        session = requests.Session()
        session.headers.update({"User-Agent": BROWSER_AGENT, "Accept": "application/json,*/*;q=0.8"})
        return session

    return make


def _retry_after(value: object) -> float | None:
    """Seconds from a Retry-After header given as seconds (the HTTP-date form is ignored)."""
    try:
        seconds = float(str(value))
    except (TypeError, ValueError):
        return None
    return seconds if 0 <= seconds < 3600 else None


def _network_reason(exc: BaseException, left: float) -> str:
    name = type(exc).__name__
    if "Timeout" in name or isinstance(exc, TimeoutError):
        return f"no answer from Yahoo within {left:.1f}s ({name})"
    if "Connection" in name or isinstance(exc, OSError):
        return f"cannot reach Yahoo: {_one_line(exc)}"
    return f"request failed: {_one_line(exc)}"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    label = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return label if len(label) <= 200 else label[:197] + "..."

"""Live prices from Yahoo Finance's v8 chart endpoint, directly or through yfinance.

Every price yfinance returns comes from one endpoint, ``v8/finance/chart/{SYMBOL}``, one request
per symbol (nothing is batched). :class:`YahooSource` reaches it through one of three clients,
chosen by its ``client`` argument or ``$ARB_YAHOO_CLIENT``:

``"direct"``
    GET the chart URL with our own session and read the JSON (:func:`chart_url`, :func:`get_chart`,
    :func:`arb.prices._yahoo_parse.quote_from_chart`). It sees what a refresh needs and yfinance
    hides: the HTTP status (a 429 is retried with backoff, a 404 says "unknown symbol"), and the
    time each request may take (what is left of one overall deadline). yfinance's own code notes
    that the chart API does not need Yahoo's crumb, so no handshake is made.

``"yfinance"``
    A new ``yfinance.Ticker(symbol, session=...)`` per attempt (yfinance memoises per Ticker, so a
    long-lived one would serve old prices) and ``Ticker.history`` with :data:`YF_HISTORY_ARGS`;
    the DataFrame and ``history_metadata`` become a quote in
    :func:`arb.prices._yahoo_parse.quote_from_history`, through the same checks as the JSON.
    yfinance performs the cookie/crumb handshake (``fc.yahoo.com``, ``/v1/test/getcrumb``, the
    ``guce.yahoo.com`` consent fallback) and looks up each new symbol's time zone with an extra
    chart request, cached on disk. Its exceptions are not stable (its own, an HTTPError, a KeyError
    or TypeError, depending on global counters), so they are mapped by name onto the direct
    client's reasons and retry decisions. Its handshake has hard-coded 30 s time-outs that its
    ``timeout`` does not bound: the pool's deadline does, as for the direct client, by
    abandoning the worker thread. Before its first request in the process, its caches are moved
    under arb's cache folder (:func:`point_yfinance_caches`); its log lines on arb's workers are
    dropped and its (and pandas') deprecation warnings hidden while a fetch runs.

``"auto"`` (the default)
    Direct first; a symbol Yahoo refuses with HTTP 401 or 403 (it wants a cookie and crumb) is
    tried again through yfinance within the same deadline, and only that symbol. This keeps the
    direct client's plain failure reasons, bounded requests and small cost (no yfinance import,
    no handshake, one request per symbol instead of two or more) for the usual case, and still
    gets a price on the day Yahoo starts demanding the crumb for the chart API, which is what
    yfinance exists to keep up with.

Both clients share the worker pool and the deadline; yfinance is imported only on first use in a
worker, never by ``import arb``. The default session is ``curl_cffi`` with Chrome TLS
impersonation, as yfinance's, which it adopted during Yahoo's rate-limit waves against plain
clients (yfinance issues #2411, #2428; not verified from here: these machines cannot reach
Yahoo), falling back to ``requests`` with a browser User-Agent (``ARB_HTTP_CLIENT=requests``
forces it). yfinance keeps one session for the whole process: passing ``session=`` to a Ticker
replaces it for every later call.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import random
import re
import sys
import threading
import time
import warnings
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args
from urllib.parse import quote as _urlquote

from arb.errors import PriceSourceError
from arb.prices._yahoo_parse import EMPTY, NoPrice, quote_from_chart, quote_from_history, unknown_symbol_reason
from arb.prices.base import FetchResult, Quote
from arb.prices.deadline import deadline_for
from arb.symbols import is_fx_pair, is_listing

if TYPE_CHECKING:
    import requests

__all__ = [
    "CHART_PARAMS",
    "CHART_URL",
    "YF_HISTORY_ARGS",
    "Client",
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
#: Statuses with which Yahoo refuses a request that lacks its cookie and crumb: "auto" then asks yfinance.
REFUSED_STATUSES = frozenset({401, 403})

#: How a :class:`YahooSource` reaches Yahoo (see the module docstring).
Client = Literal["direct", "yfinance", "auto"]
CLIENTS: tuple[str, ...] = get_args(Client)
#: Names the client when the ``client`` argument is not given.
CLIENT_ENV = "ARB_YAHOO_CLIENT"
#: What the yfinance client asks ``Ticker.history`` for: the chart request of the direct client
#: (one month of daily bars, unadjusted closes), exceptions raised rather than logged, and days
#: without a close kept as NaN rows so the checks in ``_yahoo_parse`` see what Yahoo sent.
YF_HISTORY_ARGS: dict[str, Any] = {
    "period": "1mo",
    "interval": "1d",
    "auto_adjust": False,
    "actions": False,
    "keepna": True,
    "raise_errors": True,
}
#: Worker threads are named with this prefix; yfinance's log records from them are dropped.
WORKER_PREFIX = "arb-yahoo-"
#: Sent by the ``requests`` fallback client; Yahoo refuses the default python-requests agent.
BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
#: A pause between retries never exceeds this many seconds, whatever Retry-After says.
MAX_PAUSE = 8.0

#: The oldest yfinance the yfinance client is tested with (pyproject.toml requires it): 0.2.58,
#: the first release whose requests go through curl_cffi's Chrome impersonation (its setup.py
#: requires curl_cffi>=0.7; its changelog: "Fix false rate-limit problem #2430"). Older releases
#: use plain requests, which Yahoo answered with waves of HTTP 429.
YFINANCE_FLOOR = "0.2.58"

#: Seconds a request may outlive the deadline (its thread is abandoned by then anyway).
CLIENT_GRACE = 0.5

NOT_A_SYMBOL = "not a Yahoo symbol"

Progress = Callable[[str, bool], None]


#: For testing only: a chart URL (``{symbol}`` where the symbol goes) that replaces Yahoo's, e.g.
#: ``http://127.0.0.1:8000/chart/{symbol}`` for a local server (benchmarks/bench_refresh.py).
URL_ENV = "ARB_YAHOO_URL"


def chart_url(symbol: str) -> str:
    """The v8 chart URL for one Yahoo symbol (``^`` and other reserved characters escaped).

    ``$ARB_YAHOO_URL`` (for testing) replaces Yahoo's address with another one, such as a local server.
    """
    return (os.environ.get(URL_ENV) or CHART_URL).format(symbol=_urlquote(symbol, safe="=.-"))


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


#: Concurrent requests. Each symbol is one request; 12 at once keeps a 300-symbol book near
#: 4 s at 150 ms a response, and the 429 backoff absorbs Yahoo's rate limiting when it bites.
DEFAULT_WORKERS = 12


class YahooSource:
    """Last daily closes from Yahoo for listings (``2688.HK``, ``AAPL``) and FX pairs (``CNYHKD=X``).

    ``fetch`` prices the unique symbols concurrently on ``workers`` daemon threads and returns
    after at most ``timeout`` seconds (plus a few milliseconds), whatever the network does: a
    symbol not finished by then fails with "timed out after Ns" and its thread is abandoned.
    Within :func:`arb.prices.deadline.one_deadline` (every round of ``arb.pricing.fetch_for``),
    ``timeout`` counts from the first fetch and a later one gets only what is left.
    A 429 or 5xx answer is retried up to ``retries`` times, pausing ``backoff`` seconds and
    doubling (or what Retry-After asks, up to 8 s), only while the pause fits in the deadline.

    ``client`` picks how each symbol is fetched: ``"direct"`` (the chart endpoint),
    ``"yfinance"`` (a new ``yfinance.Ticker`` per attempt) or ``"auto"`` (direct, then yfinance
    for a symbol Yahoo refuses with HTTP 401/403); None reads ``$ARB_YAHOO_CLIENT``, else
    ``"auto"``. See the module docstring.

    ``session`` is any object with a ``requests``-style ``get``; it is shared by all workers
    (tests pass a ``requests.Session`` that ``responses`` replays); the yfinance client needs a
    real ``requests`` or ``curl_cffi`` session. Without one, each direct worker makes its own
    Chrome-impersonating ``curl_cffi`` session, or a ``requests`` one if ``curl_cffi`` is missing,
    and the yfinance client gets one such session for the whole process (yfinance keeps one
    session, cookie and crumb per process: a new session per fetch would part the crumb from its
    cookie). ``progress(symbol, ok)`` is called on the calling thread once per symbol as it
    finishes. Prices stay in Yahoo's unit (``GBp``); which price and its time (the last trade,
    in the exchange's time zone) are decided in :mod:`arb.prices._yahoo_parse`.
    """

    label = "yahoo"
    dated = False

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        workers: int = DEFAULT_WORKERS,
        cache_dir: Path | None = None,
        session: requests.Session | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        progress: Progress | None = None,
        client: Client | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be above zero, got {timeout!r}")
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers!r}")
        if retries < 0 or backoff < 0:
            raise ValueError("retries and backoff must not be negative")
        if client is not None and client not in CLIENTS:
            raise ValueError(f"client must be one of {', '.join(CLIENTS)}, got {client!r}")
        self.timeout = float(timeout)
        self.workers = int(workers)
        self.cache_dir = arb_cache_dir(cache_dir)
        self.session = session
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.progress = progress
        self.client: Client = client or _client_from_env()

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
            quiet = _yfinance_warnings_silenced() if self.client != "direct" else contextlib.nullcontext()
            with quiet:
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
        # Within fetch_for's rounds, what is left of the first round's deadline (arb.prices.deadline).
        deadline = deadline_for(self, self.timeout)
        if deadline <= time.monotonic():
            for sym in todo:
                self._finish(outcomes, sym, self._timed_out())
            return
        make_session = self._session_maker()
        yf_session = _Once(self._yfinance_session)
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
                    if self.client != "yfinance":
                        session = session or make_session()
                    outcome: Quote | str = self._price_one(session, yf_session, sym, deadline, stop)
                except Exception as exc:  # a bug or a broken client must not sink the other symbols
                    outcome = f"unexpected error: {_one_line(exc)}"
                done.put((sym, outcome))

        # Daemon threads, not a ThreadPoolExecutor: the interpreter joins an executor's threads at
        # exit, so one connection that never answers would hang the whole program.
        for i in range(min(self.workers, len(todo))):
            threading.Thread(target=work, name=f"{WORKER_PREFIX}{i}", daemon=True).start()
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

    def _yfinance_session(self) -> Any:
        """The session handed to yfinance: the caller's, else one for the whole process.

        yfinance keeps one session, cookie and crumb for the process. A new session per fetch
        would leave it sending the crumb it got on the old session without the cookie that goes
        with it (Yahoo then refuses with 401); one session for the process keeps them together.
        """
        if self.session is not None:
            return self.session
        global _yf_process_session
        with _yf_lock:
            if _yf_process_session is None:
                _yf_process_session = _default_session_maker()()
            return _yf_process_session

    # -- one symbol -------------------------------------------------------------------------

    def _price_one(
        self, session: Any, yf_session: Callable[[], Any], symbol: str, deadline: float, stop: threading.Event
    ) -> Quote | str:
        if self.client == "yfinance":
            return self._price_yfinance(yf_session(), symbol, deadline, stop)
        got = self._price_direct(session, symbol, deadline, stop)
        if not isinstance(got, _Refused):
            return got
        refused = f"HTTP {got.status} from Yahoo"
        if self.client == "direct":
            return refused
        # Yahoo wants its cookie and crumb for this symbol: yfinance does that handshake.
        then = self._price_yfinance(yf_session(), symbol, deadline, stop)
        return then if isinstance(then, Quote) else f"{refused}; through yfinance: {then}"

    def _price_direct(
        self, session: Any, symbol: str, deadline: float, stop: threading.Event
    ) -> Quote | str | _Refused:
        attempt = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or stop.is_set():
                return self._timed_out()
            try:
                # A little beyond the deadline, so the pool's own clock, not a race with the
                # client's, decides, and the reason reads the same for every late symbol.
                status, body, retry_after = get_chart(session, symbol, left + CLIENT_GRACE)
            except Exception as exc:
                return _network_reason(exc, left)
            if status in RETRY_STATUSES:
                gave_up = self._pause_or_give_up(status, attempt, retry_after, deadline, stop)
                if gave_up:
                    return gave_up
                attempt += 1
                continue
            if status in REFUSED_STATUSES:
                return _Refused(status)
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

    def _price_yfinance(self, session: Any, symbol: str, deadline: float, stop: threading.Event) -> Quote | str:
        """One symbol through ``yfinance.Ticker(symbol).history``: a new Ticker on every attempt.

        yfinance's memos live on the Ticker (``fast_info``, the price history), so a fresh one
        never serves an old price. Its cookie/crumb handshake and time-zone lookup have time-outs
        of their own (10-30 s) that the ``timeout`` given here does not bound: the pool's deadline
        does, by abandoning the thread.
        """
        try:
            yf = _yfinance(self.cache_dir)
        except PriceSourceError as exc:
            return str(exc)
        except OSError as exc:  # the cache folder cannot be made: do not let yfinance write elsewhere
            return f"cannot prepare yfinance's cache folder: {_one_line(exc)}"
        attempt = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or stop.is_set():
                return self._timed_out()
            ticker = None
            cache_locked = False
            try:
                _hand_session_to_yfinance(session)
                ticker = yf.Ticker(symbol, session=session)
                frame = ticker.history(**YF_HISTORY_ARGS, timeout=left + CLIENT_GRACE)
                # The meta of the request just made; the history_metadata property of yfinance
                # 0.2.x makes another request (hourly bars) to add the trading periods.
                meta = _metadata_held(ticker)
                return quote_from_history(symbol, frame, meta if meta is not None else ticker.history_metadata)
            except NoPrice as exc:
                return str(exc)
            except Exception as exc:
                reason, status = _yfinance_failure(exc, left)
                cache_locked = _cache_locked(exc)
                meta = _metadata_held(ticker) if reason == EMPTY else None
                if meta is not None:
                    # No bars, but the chart's meta block may still hold the last trade (a long halt).
                    try:
                        return quote_from_history(symbol, None, meta)
                    except NoPrice as no_price:
                        return str(no_price)
            if stop.is_set() or time.monotonic() >= deadline:
                return self._timed_out()
            if cache_locked:
                # Another worker holds yfinance's on-disk cache (cookies, time zones): nothing was
                # asked of Yahoo, so wait a moment and try again within the deadline.
                if stop.wait(CACHE_LOCK_PAUSE):
                    return self._timed_out()
                continue
            if status is None:
                return reason
            gave_up = self._pause_or_give_up(status, attempt, None, deadline, stop)
            if gave_up:
                return gave_up
            attempt += 1

    def _pause_or_give_up(
        self, status: int, attempt: int, retry_after: float | None, deadline: float, stop: threading.Event
    ) -> str | None:
        """After a 429 or 5xx: pause and return None to try again, or return why not."""
        what = "rate limited by Yahoo (HTTP 429)" if status == 429 else f"Yahoo server error (HTTP {status})"
        tries = f"{attempt + 1} attempt" + ("s" if attempt else "")
        if attempt >= self.retries:
            return f"{what} after {tries}"
        # Jitter keeps the workers that were refused together from coming back together.
        pause = min(MAX_PAUSE, max(self.backoff * 2**attempt * random.uniform(1.0, 1.25), retry_after or 0.0))
        if time.monotonic() + pause >= deadline:
            return f"{what} after {tries}; no time left to retry within {self.timeout:g}s"
        if stop.wait(pause):
            return self._timed_out()
        return None

    def _timed_out(self) -> str:
        return f"timed out after {self.timeout:g}s"


class _Refused:
    """The direct request was refused (HTTP 401/403): Yahoo wants a cookie and crumb."""

    __slots__ = ("status",)

    def __init__(self, status: int) -> None:
        self.status = status


class _Once:
    """Calls ``make`` on first use, from whichever worker gets there first, and keeps the result."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._made = False
        self._value: Any = None

    def __call__(self) -> Any:
        with self._lock:
            if not self._made:
                self._value = self._make()
                self._made = True
            return self._value


# -- yfinance ---------------------------------------------------------------------------------

_yf_lock = threading.Lock()
#: Where yfinance's caches were pointed, once per process (None: not yet).
_yf_caches: Path | None = None
#: The session the yfinance client uses when the caller gave none, one per process (None: not yet).
_yf_process_session: Any = None
#: What a crumb looks like (Yahoo's are about a dozen characters of base64): anything else, an
#: error page or "Too Many Requests", is not one.
_CRUMB = re.compile(r"[^\s<>\"']{1,64}")


def _yfinance(cache_dir: Path) -> Any:
    """Import yfinance; the first time in the process, move its caches under ``cache_dir`` first.

    yfinance's caches (time zones, cookies) are process-wide and must be placed before its first
    request; a later source with another ``cache_dir`` does not move them again.
    """
    global _yf_caches
    with _yf_lock:
        first_import = "yfinance" not in sys.modules
        if _yf_caches is None:
            _yf_caches = point_yfinance_caches(cache_dir)
            logging.getLogger("yfinance").addFilter(_not_from_a_worker)
        import yfinance

        if first_import:
            # Importing yfinance puts its own "show DeprecationWarnings from yfinance" filter in
            # front of the ones fetch() installed: put those back in front (fetch's
            # catch_warnings still undoes all of it when the pool ends).
            _silence_yfinance_warnings()
    return yfinance


def _hand_session_to_yfinance(session: Any) -> None:
    """Make ``session`` yfinance's session, with a handshake of its own, and guard its crumb.

    yfinance keeps one ``YfData`` per process holding the session, the cookie and the crumb.
    Handing it another session keeps the crumb made with the old one's cookie, which Yahoo
    refuses: when the session changes, the cookie and crumb are dropped so the handshake runs
    again on the new one. And yfinance stores the body of a refused crumb request (``Too Many
    Requests``) as the crumb before raising, then sends it with every later request: its crumb
    getters are wrapped so that anything that is not a crumb is dropped before and after each.
    Reads yfinance's private attributes (present from 0.2.58 to 1.7), each one only if it is there.
    """
    from yfinance.data import YfData

    held = getattr(YfData, "_instances", {}).get(YfData)
    before = getattr(held, "_session", None)
    data = YfData(session=session)  # the process's instance, now holding this session
    lock = getattr(data, "_cookie_lock", None)
    with lock if lock is not None else contextlib.nullcontext():
        if before is not None and before is not session:
            data._cookie = None
            data._crumb = None
        if not getattr(data, "_arb_crumb_guard", False):
            for name in ("_get_crumb_basic", "_get_crumb_csrf"):
                getter = getattr(data, name, None)
                if callable(getter):
                    setattr(data, name, _crumb_checked(data, getter))
            data._arb_crumb_guard = True
        _drop_bad_crumb(data)


def _crumb_checked(data: Any, getter: Callable[..., Any]) -> Callable[..., Any]:
    def get_crumb(*args: Any, **kwargs: Any) -> Any:
        _drop_bad_crumb(data)
        try:
            crumb = getter(*args, **kwargs)
        finally:
            _drop_bad_crumb(data)  # also when the getter raised the rate-limit error
        return crumb if is_crumb(crumb) else None

    return get_crumb


def _drop_bad_crumb(data: Any) -> None:
    crumb = getattr(data, "_crumb", None)
    if crumb is not None and not is_crumb(crumb):
        data._crumb = None


def is_crumb(value: object) -> bool:
    """True for what can be Yahoo's crumb; False for an error body, a page, or nothing."""
    return isinstance(value, str) and _CRUMB.fullmatch(value) is not None


def _metadata_held(ticker: Any) -> Any:
    """The chart meta yfinance kept from a history request that had no bars, without a new request.

    ``Ticker.history_metadata`` would request the chart again when it holds none.
    """
    held = getattr(getattr(ticker, "_price_history", None), "_history_metadata", None)
    return held if isinstance(held, dict) and held else None


def _not_from_a_worker(record: logging.LogRecord) -> bool:
    """Drop yfinance's log lines written on this module's workers: their reasons are reported here."""
    return not (record.threadName or "").startswith(WORKER_PREFIX)


@contextlib.contextmanager
def _yfinance_warnings_silenced() -> Iterator[None]:
    """Hide yfinance's and pandas' deprecation warnings raised while ``fetch`` runs.

    Wraps the whole pool on the calling thread, not each worker: ``warnings.catch_warnings``
    swaps one process-wide filter list and is not thread-safe, so entering it on several workers
    at once could leave a filter behind for good. The filters are narrow: warnings raised in
    yfinance's modules (pandas attributes its deprecations to the caller, i.e. yfinance) and the
    one yfinance raises about ``raise_errors``, which it attributes to the calling code.
    """
    with warnings.catch_warnings():
        _silence_yfinance_warnings()
        yield


def _silence_yfinance_warnings() -> None:
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category, module=r"yfinance(\.|$)")
    warnings.filterwarnings("ignore", message=r"'raise_errors' deprecated", category=DeprecationWarning)


#: Seconds to wait before trying again when yfinance's on-disk cache is locked by another worker.
CACHE_LOCK_PAUSE = 0.05


def _cache_locked(exc: BaseException) -> bool:
    """True when yfinance failed on its own SQLite cache being locked (a local, passing condition)."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return "OperationalError" in names and "locked" in str(exc).lower()


def _yfinance_failure(exc: BaseException, left: float) -> tuple[str, int | None]:
    """A reason for what yfinance raised, and the HTTP status to retry on (None: do not retry).

    yfinance's exception types are not stable (the same refusal can surface as its own error,
    a ``requests``/``curl_cffi`` HTTPError, a KeyError or a TypeError, depending on global retry
    counters), so this goes by class names along the MRO rather than importing its classes.
    """
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "YFRateLimitError" in names:
        return "rate limited by Yahoo (HTTP 429)", 429
    if "YFTzMissingError" in names:
        return "unknown symbol: Yahoo gave no time zone for it", None
    if "YFTickerMissingError" in names:
        said = getattr(exc, "yahoo_reason", None)
        if isinstance(said, str) and said.strip():
            if said.strip().lower().startswith("no data found"):
                return unknown_symbol_reason(said), None
            return f"Yahoo error: {said.strip()}", None
        return EMPTY, None
    if "HTTPError" in names:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if isinstance(status, int):
            if status in RETRY_STATUSES:
                return f"HTTP {status} from Yahoo", status
            if status == 404:
                return "unknown symbol (HTTP 404 from Yahoo)", None
            return f"HTTP {status} from Yahoo", None
        return f"request failed: {_one_line(exc)}", None
    if "JSONDecodeError" in names:
        return "Yahoo's answer is not JSON", None
    if isinstance(exc, (KeyError, TypeError)):
        return f"yfinance could not read Yahoo's answer: {_one_line(exc)}", None
    if isinstance(exc, (TimeoutError, ConnectionError, OSError)) or names & {"Timeout", "ConnectionError"}:
        return _network_reason(exc, left), None
    return f"yfinance failed: {_one_line(exc)}", None


def _client_from_env() -> Client:
    value = os.environ.get(CLIENT_ENV, "").strip().lower() or "auto"
    if value == "direct":
        return "direct"
    if value == "yfinance":
        return "yfinance"
    if value == "auto":
        return "auto"
    raise PriceSourceError(f"${CLIENT_ENV} must be one of {', '.join(CLIENTS)}, got {value!r}")


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


#: curl's error text, e.g. "Failed to perform, curl: (6) Could not resolve host: h (Domain name not
#: found). See https://curl.se/libcurl/c/libcurl-errors.html first for more details.": its code and
#: first clause are the reason; the rest varies from one request to the next and names no cause.
_CURL_ERROR = re.compile(r"curl: \((\d+)\) ([^(]*?)(?:\s*\([^)]*\))?(?:\.\s*See https?://\S+.*)?$")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    curl = _CURL_ERROR.search(first)
    if curl is not None:
        first = f"curl error {curl.group(1)}: {curl.group(2).strip().rstrip('.')}"
    label = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return label if len(label) <= 200 else label[:197] + "..."

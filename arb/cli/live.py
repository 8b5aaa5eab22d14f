"""``arb watch live`` (and ``arb refresh --every 5m``): the watchlist re-priced on a schedule.

Each cycle is one :func:`arb.refresh.run_refresh`, stored as ``arb refresh`` stores it. The
screen shows each deal's spread, its change since the session opened and since the previous
cycle, stale prices dimmed with their age, the next event where :mod:`arb.lifecycle` provides
one, and alerts as they fire (also sent to the watchlist's ``[notify] targets``). Never more often
than every :data:`arb.config.MIN_INTERVAL` seconds; after a cycle that Yahoo rate-limited
(HTTP 429), the pause doubles (up to :data:`MAX_BACKOFF`) until a cycle goes through.

The clock and the sleep are injected (:class:`LiveSession`, :func:`run_live`), so tests drive
two cycles in no time with a file price source.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from arb.cli.format import DASH, money, pct
from arb.errors import ArbError
from arb.text import safe

if TYPE_CHECKING:
    from arb.notify import Notifier
    from arb.prices.base import PriceSource
    from arb.refresh import RefreshResult
    from arb.store import HistoryStore

__all__ = ["MAX_BACKOFF", "LiveSession", "rate_limited", "render_live", "run_live"]

#: The longest pause after repeated rate limiting: one hour.
MAX_BACKOFF = 3600.0
#: Fired alerts kept on screen, the latest last.
ALERTS_SHOWN = 8

Clock = Callable[[], dt.datetime]


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def _next_event_function() -> Callable[[Any, dt.date], Any] | None:
    """``arb.lifecycle.next_event`` when this build has it; else None (the column is left out)."""
    try:
        from arb.lifecycle import next_event  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    return next_event  # type: ignore[no-any-return,unused-ignore]


def rate_limited(result: RefreshResult) -> bool:
    """True when any symbol failed or fell back because the source answered HTTP 429."""
    reasons = [*result.fallbacks.values(), *result.failures.values()]
    return any("429" in why for why in reasons)


@dataclass
class _Seen:
    spread: float | None
    spread_pct: float | None


@dataclass
class LiveSession:
    """One ``watch live`` session: what it opened with, the last cycle, and the alerts so far.

    ``load`` returns the watchlist and its deals (re-read each cycle, so edits apply at the next
    one); ``make_source`` returns a fresh price source for each cycle (a price file is re-read).
    """

    load: Callable[[], tuple[Any, Any]]
    make_source: Callable[[], PriceSource]
    store: HistoryStore
    notifier: Notifier | None = None
    clock: Clock = _now
    store_stale: bool = False
    as_of: dt.date | None = None
    n: int = 0
    opened: dict[str, _Seen] = field(default_factory=dict)
    previous: dict[str, _Seen] = field(default_factory=dict)
    last: RefreshResult | None = None
    last_at: dt.datetime | None = None
    next_at: dt.datetime | None = None
    interval: float = 0.0
    alerts: list[tuple[dt.datetime, str]] = field(default_factory=list)
    fired: int = 0
    problem: str | None = None
    next_event: Callable[[Any, dt.date], Any] | None = field(default_factory=_next_event_function)

    def cycle(self) -> RefreshResult | None:
        """Run one refresh; None when it could not run at all (``problem`` says why)."""
        from arb.refresh import run_refresh

        self.n += 1
        self.last_at = self.clock()
        self.previous = {} if self.last is None else self._seen(self.last)
        try:
            watchlist, loaded = self.load()
            result = run_refresh(
                loaded.deals,
                self.make_source(),
                self.store,
                watchlist,
                as_of=self.as_of,
                store_stale=self.store_stale,
            )
        except ArbError as exc:
            self.problem = str(exc)
            return None
        result.load_errors = list(loaded.errors)
        self.problem = None
        if self.last is None:  # the first cycle: "since last" is the previous stored refresh
            self.previous = {k: _Seen(c.previous_spread, c.previous_spread_pct) for k, c in result.changes.items()}
        for key, seen in self._seen(result).items():
            self.opened.setdefault(key, seen)
        self.last = result
        messages = [a.message for a in result.alerts]
        self.alerts += [(self.last_at, m) for m in messages]
        self.alerts = self.alerts[-ALERTS_SHOWN:]
        self.fired += len(messages)
        if self.notifier is not None and messages:
            self.notifier.send(messages)
        return result

    @staticmethod
    def _seen(result: RefreshResult) -> dict[str, _Seen]:
        return {r.id: _Seen(r.figures["spread"], r.figures["spread_pct"]) for r in result.valuation.results}


def run_live(
    session: LiveSession,
    *,
    interval: float,
    show: Callable[[LiveSession], None],
    sleep: Callable[[float], None] = time.sleep,
    cycles: int | None = None,
) -> None:
    """Refresh, show, sleep; until ``cycles`` cycles are done (None: until interrupted).

    After a rate-limited cycle the pause doubles, up to :data:`MAX_BACKOFF`; a cycle that goes
    through sets it back to ``interval``.
    """
    gc.enable()  # arb.cli.main turns the cyclic collector off for one-shot commands; this one runs on
    pause = interval
    while True:
        result = session.cycle()
        pause = min(pause * 2, MAX_BACKOFF) if result is not None and rate_limited(result) else interval
        session.interval = pause
        done = cycles is not None and session.n >= cycles
        session.next_at = None if done else session.clock() + dt.timedelta(seconds=pause)
        show(session)
        if done:
            return
        sleep(pause)


# -- the screen -----------------------------------------------------------------------------------


def _points(x: float | None) -> Text:
    if x is None:
        return Text(DASH, style="dim")
    text = f"{x * 100:+.2f}pp"
    return Text(text, style="green" if x > 0 else "red" if x < 0 else "")


def _diff(now: float | None, then: _Seen | None) -> float | None:
    if now is None or then is None or then.spread_pct is None:
        return None
    return now - then.spread_pct


def _age(result: Any) -> tuple[bool, str]:
    from arb.store.db import is_stale, oldest_price

    stale = is_stale(result)
    oldest = oldest_price(result)
    age = None if oldest is None else oldest[1]
    if not stale:
        return False, "live" if age is None or age == 0 else f"{age}d"
    return True, "stale" if age is None else f"stale {age}d"


def _clock(t: dt.datetime | None) -> str:
    return DASH if t is None else t.strftime("%H:%M:%S")


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"


def render_live(session: LiveSession, *, width: int | None = None) -> RenderableType:
    """The screen: a status line, one row per deal, recent alerts, and what went wrong."""
    head = Text()
    head.append("arb watch live", style="bold")
    head.append(f" · refresh {session.n} at {_clock(session.last_at)}")
    if session.next_at is not None:
        head.append(f" · next at {_clock(session.next_at)} (every {_duration(session.interval)})")
    if width is None or len(head.plain) + 16 <= width:  # never wrapped onto a second line
        head.append(" · Ctrl-C leaves", style="dim")
    parts: list[RenderableType] = [head]
    if session.problem:
        parts.append(Text(f"This refresh failed: {safe(session.problem)}", style="bold red"))
    result = session.last
    if result is not None:
        parts.append(_table(session, result, width))
        s = result.stored
        if s is not None:
            parts.append(Text(f"Stored refresh #{s.id} (as of {s.as_of})", style="dim"))
        elif result.not_stored:
            parts.append(Text(safe(result.not_stored), style="yellow"))
        if result.store_error:
            parts.append(Text(safe(result.store_error), style="red"))
        problems = len(result.fallbacks) + len(result.failures)
        if problems:
            line = f"{len(result.fallbacks)} prices fell back, {len(result.failures)} missing"
            if rate_limited(result):
                line += f"; rate limited (HTTP 429): next try in {_duration(session.interval)}"
            parts.append(Text(line, style="yellow"))
        for line in (line for e in result.load_errors for line in e.lines()):  # every problem, a line each
            parts.append(Text(f"error: {safe(line)}", style="red"))
    if session.next_event is None:
        parts.append(Text("Next event: not shown (this build has no arb.lifecycle).", style="dim"))
    alerts = Text()
    if session.alerts:
        alerts.append(f"Alerts ({session.fired} this session)", style="bold red")
        for at, message in session.alerts:
            alerts.append(f"\n  {_clock(at)} ! {safe(message)}", style="red")
    else:
        alerts.append("No alerts fired this session.", style="dim")
    parts.append(alerts)
    if session.notifier is not None and session.notifier.deliveries:
        summary = session.notifier.summary()
        parts.append(Text(f"Delivered: {summary['sent']} sent, {summary['failed']} failed", style="dim"))
    return Group(*parts)


#: Below this width the next-event column is left out (a footnote says so); below NARROW the
#: annualised return too, so that ids, spreads and both changes keep their room at 80 columns.
WIDE = 120
NARROW = 96


def _live_width(cols: dict[str, list[Any]], keys: list[str], w: int) -> int:
    """The table's line width with ``keys``: each column's widest cell, and the gaps between."""
    from rich.cells import cell_len

    def widest(k: str) -> int:
        return max([cell_len(k), *(cell_len(c.plain if isinstance(c, Text) else c) for c in cols[k])])

    gap = 2 if w < 100 else 3  # collapse_padding below 100 columns
    return sum(widest(k) for k in keys) + gap * max(len(keys) - 1, 0)


def _table(session: LiveSession, result: RefreshResult, width: int | None) -> RenderableType:
    from arb.flags import Flag

    w = width or WIDE
    longest = max((len(safe(r.id)) for r in result.valuation.results), default=4)
    show_ann = w >= NARROW
    events = session.next_event if w >= WIDE else None
    fired: dict[str, int] = {}
    for a in result.alerts:
        fired[a.deal_id] = fired.get(a.deal_id, 0) + 1
    cols: dict[str, list[Any]] = {k: [] for k in ("Deal", "Ccy", "Spread", "Spread %", "Since open", "Since last")}
    if show_ann:
        cols["Ann. %"] = []
    cols["Price"] = []
    if events is not None:
        cols["Next event"] = []
    cols["Alerts"] = []
    styles: list[str | None] = []
    for r in result.valuation.sorted():
        f = r.figures
        stale, age = _age(r)
        if Flag.SYNTHETIC_PRICE in r.flags:  # made-up test data never passes for a market price
            age = "synthetic" if age == "live" else f"{age}, synthetic"
        cols["Deal"].append(safe(r.id))
        cols["Ccy"].append(r.currency or DASH)
        cols["Spread"].append(money(f["spread"], None))
        cols["Spread %"].append(pct(f["spread_pct"], 2))
        cols["Since open"].append(_points(_diff(f["spread_pct"], session.opened.get(r.id))))
        cols["Since last"].append(_points(_diff(f["spread_pct"], session.previous.get(r.id))))
        if show_ann:
            cols["Ann. %"].append(pct(f["annualized"]))
        cols["Price"].append(Text(age, style="dim" if stale else ""))
        if events is not None:
            ev = events(r.deal, r.as_of)
            cols["Next event"].append(DASH if ev is None else safe(f"{ev.date.isoformat()} {ev.kind}"))
        cols["Alerts"].append(Text(f"! {fired[r.id]}", style="bold red") if r.id in fired else "")
        styles.append("dim" if stale else None)
    # Narrower still, whole columns go (never a figure cut): the change since the session opened,
    # then the spread in money with its currency, then the count of alerts (listed under the
    # table all the same); the id, spread %, the change since the last refresh and the price's
    # age stay.
    keys = list(cols)
    for gone in (("Since open",), ("Spread", "Ccy"), ("Alerts",)):
        if _live_width(cols, keys, w) <= w:
            break
        keys = [k for k in keys if k not in gone]
    table = Table(
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=w < 100,
    )
    for k in keys:
        if k in ("Deal", "Ccy", "Next event"):
            table.add_column(k, no_wrap=True, min_width=min(longest, 40) if k == "Deal" else None)
        else:
            table.add_column(k, justify="right", no_wrap=True)
    for i, style in enumerate(styles):
        table.add_row(*(cols[k][i] for k in keys), style=style)
    dropped = [
        n
        for n, shown in (
            ("Ann. %", show_ann),
            ("Next event", events is not None or session.next_event is None),
            ("Since open", "Since open" in keys),
            ("Spread", "Spread" in keys),
            ("Alerts", "Alerts" in keys),
        )
        if not shown
    ]
    if dropped:
        note = Text(f"Left out at {w} columns: {', '.join(dropped)} (a wider terminal shows them).", style="dim")
        return Group(table, note)
    return table


# -- the command ----------------------------------------------------------------------------------

#: Injected by tests: the clock and the sleep of the command.
clock: Clock = _now
sleep: Callable[[float], None] = time.sleep


def run_command(
    *,
    watchlist: Path | None,
    every: str | None,
    prices: Path | None,
    offline: bool,
    timeout: float | None,
    store_stale: bool,
    fail_on_alert: bool,
    cycles: int | None,
) -> None:
    """What ``arb watch live`` and ``arb refresh --every`` do; raises typer.Exit with the status."""
    import typer

    from arb.cli.common import error, note, out, price_source
    from arb.config import MIN_INTERVAL, load_config, parse_interval
    from arb.loader import load_deals
    from arb.notify import Notifier
    from arb.paths import store_path
    from arb.store import HistoryStore
    from arb.watchlist import load_watchlist

    try:
        cfg = load_config()
        wl = load_watchlist(watchlist)
    except ArbError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    if every is None:
        interval = cfg.watch_interval
    else:
        try:
            interval = parse_interval(every)
        except ValueError as exc:
            error(f"--every: {exc}")
            raise typer.Exit(2) from None
        if interval < MIN_INTERVAL:
            error(
                f"--every {every}: the minimum is {MIN_INTERVAL:g} seconds, so as not to hammer the price source "
                "(Yahoo rate-limits clients that ask more often); use --every 1m or more"
            )
            raise typer.Exit(2)
    if prices is None and cfg.price_source == "file":
        prices = cfg.prices_file
    offline = offline or cfg.price_source == "offline"
    seconds = cfg.timeout if timeout is None else timeout
    targets = list(wl.targets) or list(cfg.watch_targets)
    notifier = Notifier(targets) if targets else None

    def load() -> tuple[Any, Any]:
        current = load_watchlist(watchlist)
        return current, load_deals(current.deal_paths())

    def make_source() -> PriceSource:
        return price_source(prices, offline=offline, timeout=seconds)[0]

    session = LiveSession(
        load, make_source, HistoryStore(store_path()), notifier=notifier, clock=clock, store_stale=store_stale
    )
    screen = out.is_terminal
    try:
        if screen:
            from rich.live import Live

            with Live(console=out, screen=True, auto_refresh=False, transient=False) as live:

                def show(s: LiveSession) -> None:
                    live.update(render_live(s, width=out.width), refresh=True)

                run_live(session, interval=interval, show=show, sleep=sleep, cycles=cycles)
        else:  # piped or logged: one screen after another

            def show(s: LiveSession) -> None:
                out.print(render_live(s, width=out.width))
                out.print()

            run_live(session, interval=interval, show=show, sleep=sleep, cycles=cycles)
    except KeyboardInterrupt:
        pass
    finally:
        if notifier is not None and not notifier.close(wait=10.0):
            error("some alerts were still being delivered when arb stopped")
    note(f"stopped after {session.n} refresh{'es' if session.n != 1 else ''}; {session.fired} alerts fired")
    if screen and session.last is not None:
        out.print(render_live(session, width=out.width))  # the last screen stays in the scrollback
    if fail_on_alert and session.fired:
        raise typer.Exit(3)
    raise typer.Exit(1 if session.problem else 0)

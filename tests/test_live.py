"""``arb watch live``: two cycles with a fake clock and a price file, backing off on 429, the minimum interval."""

from __future__ import annotations

import datetime as dt
import io
import json
import types
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

import arb.cli.live as live
from arb.cli import app
from arb.cli.live import LiveSession, rate_limited, render_live, run_live
from arb.loader import load_deals
from arb.prices.base import FetchResult
from arb.prices.csvfile import CsvSource
from arb.store import HistoryStore
from arb.watchlist import load_watchlist

DEALS = Path(__file__).parent / "data" / "refresh" / "deals"
#: alpha is a cash offer of HKD 10.00 for 1111.HK; beta 0.5 x 3333.HK + HKD 2.00 for 2222.HK.
PRICES = {
    1: {"1111.HK": 9.00, "2222.HK": 6.00, "3333.HK": 9.00},
    2: {"1111.HK": 8.50, "2222.HK": 6.10, "3333.HK": 9.00},
}


class FakeClock:
    """Starts at 09:00; ``sleep`` moves it on and writes the next cycle's prices."""

    def __init__(self, prices: Path) -> None:
        self.now = dt.datetime(2026, 12, 1, 9, 0, 0, tzinfo=dt.UTC)
        self.slept: list[float] = []
        self.prices = prices
        self.cycle = 1
        write_prices(prices, 1)

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += dt.timedelta(seconds=seconds)
        self.cycle += 1
        write_prices(self.prices, self.cycle)


def write_prices(path: Path, cycle: int) -> None:
    today = dt.date.today().isoformat()  # run_refresh values as of today: the prices must be fresh
    rows = [f"{s},{p:.2f},HKD,{today},test" for s, p in PRICES[min(cycle, 2)].items()]
    path.write_text("symbol,price,currency,as_of,source\n" + "\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    home = tmp_path / "home"
    monkeypatch.setenv("ARB_HOME", str(home))
    wl = tmp_path / "watchlist.toml"
    wl.write_text(
        f'[[watch]]\nid = "deals"\npath = "{DEALS}"\n\n[alerts.alpha]\nspread_widens_by = 0.4\n', encoding="utf-8"
    )
    prices = tmp_path / "prices.csv"
    return {"home": home, "watchlist": wl, "prices": prices, "clock": FakeClock(prices)}


class Sent:
    """Stands in for arb.notify.Notifier: records what would be sent."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.deliveries: list[Any] = []

    def send(self, messages: Collection[str]) -> int:
        self.messages += list(messages)
        return len(messages)


def text(session: LiveSession, width: int = 160) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(render_live(session, width=width))
    return console.file.getvalue()  # type: ignore[attr-defined]


def pp(x: float) -> str:
    return f"{x * 100:+.2f}pp"


def test_two_cycles_with_a_fake_clock_and_a_price_file(setup: dict[str, Any]) -> None:
    clock: FakeClock = setup["clock"]
    store = HistoryStore(setup["home"] / "history.sqlite3")
    sent = Sent()

    def load() -> tuple[Any, Any]:
        wl = load_watchlist(setup["watchlist"])
        return wl, load_deals(wl.deal_paths())

    session = LiveSession(
        load,
        lambda: CsvSource(setup["prices"]),
        store,
        notifier=sent,
        clock=clock,
        next_event=None,  # type: ignore[arg-type]
    )
    screens: list[str] = []
    run_live(session, interval=300, show=lambda s: screens.append(text(s)), sleep=clock.sleep, cycles=2)

    assert clock.slept == [300]  # one pause between the two cycles, none after the last
    assert session.n == 2 and len(screens) == 2
    assert "refresh 1 at 09:00:00 · next at 09:05:00 (every 5m)" in screens[0]
    assert "refresh 2 at 09:05:00" in screens[1] and "next at" not in screens[1]
    # each cycle stored as `arb refresh` stores it
    assert [r["refresh_id"] for r in store.deal_history("alpha")] == [1, 2]
    assert "Stored refresh #1" in screens[0] and "Stored refresh #2" in screens[1]

    # alpha: spread % 1/9 at the open, 1.5/8.5 now; beta: (6.5-6)/6, then (6.5-6.1)/6.1
    alpha = (1.5 / 8.5) - (1 / 9)
    beta = (0.4 / 6.1) - (0.5 / 6.0)
    row_a = next(line for line in screens[1].splitlines() if line.startswith("alpha"))
    row_b = next(line for line in screens[1].splitlines() if line.startswith("beta"))
    assert row_a.count(pp(alpha)) == 2  # since the open and since the last refresh: the same after two cycles
    assert row_b.count(pp(beta)) == 2
    first_a = next(line for line in screens[0].splitlines() if line.startswith("alpha"))
    assert "+0.00pp" in first_a  # the first cycle is the open; no earlier refresh in the store
    # the alert fired on the second cycle only, shown and sent
    assert "No alerts fired" in screens[0]
    assert "09:05:00 ! alpha: spread widened by" in screens[1] and "! 1" in row_a
    assert len(sent.messages) == 1 and sent.messages[0].startswith("alpha: spread widened by HKD 0.50")
    assert "Next event: not shown" in screens[1]


def test_third_cycle_compares_with_the_open_and_the_last(setup: dict[str, Any]) -> None:
    clock: FakeClock = setup["clock"]
    store = HistoryStore(setup["home"] / "history.sqlite3")

    def load() -> tuple[Any, Any]:
        wl = load_watchlist(setup["watchlist"])
        return wl, load_deals(wl.deal_paths())

    session = LiveSession(load, lambda: CsvSource(setup["prices"]), store, clock=clock, next_event=None)
    screens: list[str] = []
    run_live(session, interval=60, show=lambda s: screens.append(text(s)), sleep=clock.sleep, cycles=3)
    row = next(line for line in screens[2].splitlines() if line.startswith("alpha"))
    # cycle 3 has cycle 2's prices: no change since the last, all of it since the open
    assert pp((1.5 / 8.5) - (1 / 9)) in row and "+0.00pp" in row


class RateLimited:
    """A source Yahoo rate-limits for the first ``n`` fetches."""

    dated = True
    label = "yahoo"

    def __init__(self, n: int, good: CsvSource) -> None:
        self.n = n
        self.good = good

    def fetch(self, symbols: Collection[str]) -> FetchResult:
        if self.n > 0:
            self.n -= 1
            return FetchResult(failures={s: "rate limited by Yahoo (HTTP 429)" for s in symbols})
        return self.good.fetch(symbols)


def test_backs_off_on_429_and_returns_to_the_interval(setup: dict[str, Any]) -> None:
    clock: FakeClock = setup["clock"]
    source = RateLimited(2, CsvSource(setup["prices"]))

    def load() -> tuple[Any, Any]:
        wl = load_watchlist(setup["watchlist"])
        return wl, load_deals(wl.deal_paths())

    session = LiveSession(load, lambda: source, HistoryStore(setup["home"] / "h.sqlite3"), clock=clock)  # type: ignore[arg-type,return-value]
    screens: list[str] = []
    run_live(session, interval=300, show=lambda s: screens.append(text(s)), sleep=clock.sleep, cycles=4)
    assert clock.slept == [600, 1200, 300]
    assert "rate limited (HTTP 429): next try in 10m" in screens[0]
    assert "rate limited" not in screens[2]


def test_rate_limited_reads_the_reasons() -> None:
    fake = types.SimpleNamespace(fallbacks={"A": "yahoo: rate limited by Yahoo (HTTP 429)"}, failures={})
    assert rate_limited(fake)  # type: ignore[arg-type]
    fake = types.SimpleNamespace(fallbacks={}, failures={"A": "unknown symbol (HTTP 404)"})
    assert not rate_limited(fake)  # type: ignore[arg-type]


def test_next_event_column_when_lifecycle_provides_it(setup: dict[str, Any]) -> None:
    clock: FakeClock = setup["clock"]
    event = types.SimpleNamespace(kind="meeting", date=dt.date(2027, 1, 15))

    def load() -> tuple[Any, Any]:
        wl = load_watchlist(setup["watchlist"])
        return wl, load_deals(wl.deal_paths())

    session = LiveSession(
        load,
        lambda: CsvSource(setup["prices"]),
        HistoryStore(setup["home"] / "h.sqlite3"),
        clock=clock,
        next_event=lambda deal, as_of: event if deal.id == "alpha" else None,
    )
    session.cycle()
    screen = text(session)
    assert "Next event" in screen and "not shown" not in screen
    assert "2027-01-15 meeting" in next(line for line in screen.splitlines() if line.startswith("alpha"))


def test_a_failed_cycle_is_shown_and_the_session_goes_on(setup: dict[str, Any]) -> None:
    clock: FakeClock = setup["clock"]
    calls = {"n": 0}

    def load() -> tuple[Any, Any]:
        calls["n"] += 1
        if calls["n"] == 1:
            wl = load_watchlist(setup["watchlist"])
            return wl, load_deals([])  # no deals: run_refresh refuses
        wl = load_watchlist(setup["watchlist"])
        return wl, load_deals(wl.deal_paths())

    session = LiveSession(
        load, lambda: CsvSource(setup["prices"]), HistoryStore(setup["home"] / "h.sqlite3"), clock=clock
    )
    screens: list[str] = []
    run_live(session, interval=60, show=lambda s: screens.append(text(s)), sleep=clock.sleep, cycles=2)
    assert "This refresh failed: no deals to refresh" in screens[0]
    assert "failed" not in screens[1].split("\n")[1] and "alpha" in screens[1]


# -- the command ----------------------------------------------------------------------------------


def test_cli_two_cycles(setup: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    clock: FakeClock = setup["clock"]
    monkeypatch.setattr(live, "clock", clock)
    monkeypatch.setattr(live, "sleep", clock.sleep)
    args = ["watch", "live", "--every", "2m", "--cycles", "2", "--watchlist", str(setup["watchlist"])]
    r = CliRunner().invoke(app, [*args, "--prices", str(setup["prices"])])
    assert r.exit_code == 0, r.output
    assert clock.slept == [120]
    assert r.stdout.count("arb watch live · refresh") == 2
    assert "stopped after 2 refreshes; 1 alerts fired" in r.stderr
    assert len(HistoryStore(setup["home"] / "history.sqlite3").deal_history("alpha")) == 2
    clock.cycle = 1  # a second session from the first day's prices: alpha widens again
    write_prices(setup["prices"], 1)
    r = CliRunner().invoke(app, [*args, "--prices", str(setup["prices"]), "--fail-on-alert"])
    assert r.exit_code == 3


def test_cli_ctrl_c_leaves_cleanly(setup: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(live, "clock", setup["clock"])
    monkeypatch.setattr(live, "sleep", interrupted)
    args = ["watch", "live", "--watchlist", str(setup["watchlist"]), "--prices", str(setup["prices"])]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0 and (r.exception is None or isinstance(r.exception, SystemExit))
    assert "stopped after 1 refresh;" in r.stderr and "Traceback" not in r.output


@pytest.mark.parametrize("cmd", [["watch", "live", "--every"], ["refresh", "--every"]])
def test_minimum_interval(setup: dict[str, Any], cmd: list[str]) -> None:
    r = CliRunner().invoke(app, [*cmd, "30s", "--watchlist", str(setup["watchlist"])])
    assert r.exit_code == 2
    assert "the minimum is 60 seconds" in r.stderr and r.stderr.count("\n") == 1
    r = CliRunner().invoke(app, [*cmd, "soon", "--watchlist", str(setup["watchlist"])])
    assert r.exit_code == 2 and "not a duration" in r.stderr


def test_interval_from_config(setup: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    clock: FakeClock = setup["clock"]
    setup["home"].mkdir(parents=True, exist_ok=True)
    (setup["home"] / "config.toml").write_text('[watch]\ninterval = "90s"\n', encoding="utf-8")
    monkeypatch.setattr(live, "clock", clock)
    monkeypatch.setattr(live, "sleep", clock.sleep)
    args = ["watch", "live", "--cycles", "2", "--watchlist", str(setup["watchlist"]), "--prices", str(setup["prices"])]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert clock.slept == [90]


@pytest.mark.parametrize("width", [80, 100, 160])
def test_screen_at_each_width_keeps_ids_whole(setup: dict[str, Any], width: int) -> None:
    clock: FakeClock = setup["clock"]

    def load() -> tuple[Any, Any]:
        wl = load_watchlist(setup["watchlist"])
        return wl, load_deals(wl.deal_paths())

    session = LiveSession(
        load,
        lambda: CsvSource(setup["prices"]),
        HistoryStore(setup["home"] / "h.sqlite3"),
        clock=clock,
        next_event=lambda deal, as_of: None,
    )
    session.cycle()
    screen = text(session, width)
    assert all(len(line) <= width for line in screen.splitlines())
    rows = [line for line in screen.splitlines() if line.startswith(("alpha ", "beta "))]
    assert len(rows) == 2 and all("%" in row and "pp" in row for row in rows)
    assert ("Left out at" in screen) == (width < 120)
    header = next(line for line in screen.splitlines() if line.startswith("Deal "))
    assert ("Ann. %" in header) == (width >= 96)
    assert ("Next event" in header) == (width >= 120)


# -- arb history with no deal: the book on one screen ---------------------------------------------


def test_history_without_a_deal_shows_every_watched_deal(setup: dict[str, Any], tmp_path: Path) -> None:
    wl = str(setup["watchlist"])
    for day, cycle in (("2026-11-02", 1), ("2026-11-03", 2)):
        path = tmp_path / f"p-{day}.csv"
        write_prices(path, cycle)
        path.write_text(path.read_text(encoding="utf-8").replace(dt.date.today().isoformat(), day), encoding="utf-8")
        r = CliRunner().invoke(app, ["refresh", "--watchlist", wl, "--prices", str(path)])
        assert r.exit_code in (0, 3), r.output
    r = CliRunner().invoke(app, ["history", "--watchlist", wl])
    assert r.exit_code == 0, r.output
    lines = {line.split()[0]: line for line in r.stdout.splitlines() if line.startswith(("alpha ", "beta "))}
    assert set(lines) == {"alpha", "beta"}
    # alpha widens (11.1% -> 17.6%): low then high block; beta narrows (8.3% -> 6.6%)
    assert "▁█" in lines["alpha"] and "17.6%" in lines["alpha"] and "2026-11-02" in lines["alpha"]
    assert "█▁" in lines["beta"] and "6.6%" in lines["beta"]
    r = CliRunner().invoke(app, ["history", "--watchlist", wl, "--since", "2026-11-03", "--json"])
    data = {d["deal_id"]: d for d in json.loads(r.stdout)}
    assert data["alpha"]["rows"] == 1 and data["alpha"]["first_as_of"] == "2026-11-03"
    assert data["alpha"]["last_spread_pct"] == pytest.approx(1.5 / 8.5)


def test_refresh_every_runs_the_live_screen(setup: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    def stop(seconds: float) -> None:
        slept.append(seconds)
        raise KeyboardInterrupt

    setup["home"].mkdir(parents=True, exist_ok=True)
    (setup["home"] / "config.toml").write_text(
        f'price_source = "file"\nprices_file = "{setup["prices"]}"\n', encoding="utf-8"
    )
    monkeypatch.setattr(live, "clock", setup["clock"])
    monkeypatch.setattr(live, "sleep", stop)
    r = CliRunner().invoke(app, ["refresh", "--every", "2m", "--watchlist", str(setup["watchlist"])])
    assert r.exit_code == 0, r.output
    assert slept == [120] and "arb watch live · refresh 1" in r.stdout
    assert "stopped after 1 refresh;" in r.stderr
    assert len(HistoryStore(setup["home"] / "history.sqlite3").deal_history("alpha")) == 1
    r = CliRunner().invoke(app, ["refresh", "--every", "2m", "--json", "--watchlist", str(setup["watchlist"])])
    assert r.exit_code == 2 and "--every runs live" in r.output


def test_the_live_loop_turns_the_cyclic_collector_back_on() -> None:
    # arb.cli.main turns it off for one-shot commands; a loop that runs for days must collect cycles.
    import gc

    class OneCycle:
        n = 0
        interval: float = 0.0
        next_at: dt.datetime | None = None

        def cycle(self) -> None:
            self.n += 1
            self.collecting = gc.isenabled()

        def clock(self) -> dt.datetime:
            return dt.datetime(2025, 6, 2, 9, 0)

    session = OneCycle()
    gc.disable()
    try:
        run_live(session, interval=300, show=lambda s: None, sleep=lambda _: None, cycles=1)  # type: ignore[arg-type]
        assert session.collecting and gc.isenabled()
    finally:
        gc.enable()

"""``arb refresh`` and ``arb history`` end to end: price files, a fake and a replayed Yahoo, fallbacks,
changes and alerts, several refreshes at once, a refresh killed mid-transaction."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from rich.console import Console
from typer.testing import CliRunner

import arb.refresh
from arb.cli import app
from arb.prices.base import FetchResult, MemorySource
from arb.store import HistoryStore

DATA = Path(__file__).parent / "data" / "refresh"
DEALS = DATA / "deals"
DAY1 = DATA / "prices-2025-06-02.csv"
DAY2 = DATA / "prices-2025-06-03.csv"
YAHOO = Path(__file__).parent / "data" / "yahoo"
SEEDS = Path(__file__).parent.parent / "seeds"

ALERTS = """
[alerts.alpha]
spread_widens_by = 0.4          # fires: alpha's spread goes 1.00 -> 1.50
annualized_above = "90%"        # does not fire

[alerts.beta]
spread_pct_below = "7%"         # fires on day 2 only: 8.3% -> 6.6%
spread_pct_widens_by = "1pp"    # does not fire: beta narrows
"""


@pytest.fixture
def watchlist(tmp_path: Path) -> Path:
    path = tmp_path / "watchlist.toml"
    path.write_text(f'[[watch]]\nid = "deals"\npath = "{DEALS}"\n{ALERTS}', encoding="utf-8")
    return path


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def refresh_json(*args: str | Path) -> tuple[int, dict[str, Any], str]:
    res = CliRunner().invoke(app, ["refresh", "--json", *[str(a) for a in args]])
    out = res.stdout
    return res.exit_code, json.loads(out), res.stderr


def store(home: Path) -> HistoryStore:
    return HistoryStore(home / "history.sqlite3")


class FakeYahoo:
    """A live source that prices from memory and fails the symbols in ``fail``."""

    label = "yahoo"
    dated = False

    def __init__(self, prices: dict[str, float], fail: Collection[str], progress: Any = None) -> None:
        self.inner = MemorySource(prices, dict.fromkeys(prices, "HKD"), label="yahoo")
        self.fail = set(fail)
        self.progress = progress

    def fetch(self, symbols: Collection[str]) -> FetchResult:
        got = self.inner.fetch([s for s in symbols if s not in self.fail])
        for s in symbols:
            if s in self.fail:
                got.failures[s] = "HTTP 429 after 3 tries"
            if self.progress:
                self.progress(s, s in got.quotes)
        return got


def fake_yahoo(monkeypatch: pytest.MonkeyPatch, prices: dict[str, float], fail: Collection[str] = ()) -> list[str]:
    seen: list[str] = []

    def factory(*, timeout: float, progress: Any) -> FakeYahoo:
        def tick(sym: str, ok: bool) -> None:
            seen.append(sym)
            if progress:
                progress(sym, ok)

        return FakeYahoo(prices, fail, tick)

    monkeypatch.setattr(arb.refresh, "yahoo_factory", factory)
    return seen


# -- refreshes from price files ----------------------------------------------------------------


def test_refresh_from_files_shows_change_and_alerts(home: Path, watchlist: Path) -> None:
    code, first, _ = refresh_json("--watchlist", watchlist, "--prices", DAY1)
    assert code == 0
    assert first["refresh"]["as_of"] == "2025-06-02" and first["refresh"]["backfill"] is True
    assert {d["id"]: d["change"] for d in first["deals"]} == {"alpha": None, "beta": None}
    assert first["alerts"] == []

    code, second, _ = refresh_json("--watchlist", watchlist, "--prices", DAY2)
    assert code == 0
    deals = {d["id"]: d for d in second["deals"]}
    alpha = deals["alpha"]["change"]
    assert alpha["previous_as_of"] == "2025-06-02"
    assert alpha["spread"] == pytest.approx(0.5) and alpha["spread_pct"] == pytest.approx(1.5 / 8.5 - 1 / 9)
    assert deals["beta"]["change"]["spread"] == pytest.approx(-0.1)
    assert deals["alpha"]["change"]["terms_changed"] is False
    fired = sorted((a["deal"], a["rule"]) for a in second["alerts"])
    assert fired == [("alpha", "spread_widens_by"), ("beta", "spread_pct_below")]
    assert [a["rule"] for a in deals["beta"]["alerts"]] == ["spread_pct_below"]
    assert store(home).counts() == {"refreshes": 2, "valuations": 4, "prices": 6}


def test_refresh_table_output(home: Path, watchlist: Path) -> None:
    run("refresh", "--watchlist", watchlist, "--prices", DAY1)
    res = run("refresh", "--watchlist", watchlist, "--prices", DAY2)
    assert res.exit_code == 0
    text = res.stdout
    assert "Prices: file" in text and "as of 2025-06-03" in text
    assert "Since the previous refresh" in text
    assert "+0.50" in text and "+6.5pp" in text  # alpha: spread +HKD 0.50, spread % 11.1% -> 17.6%
    assert "Alerts (2)" in text and "alpha: spread widened by HKD 0.50" in text
    assert "Fetching prices" not in text  # no progress bar off a terminal
    assert "Stored refresh #2" in text


def test_a_repeated_backfill_replaces_not_duplicates(home: Path, watchlist: Path) -> None:
    refresh_json("--watchlist", watchlist, "--prices", DAY1)
    code, again, _ = refresh_json("--watchlist", watchlist, "--prices", DAY1)
    assert code == 0 and again["refresh"]["replaced"] == 1
    assert store(home).counts() == {"refreshes": 1, "valuations": 2, "prices": 3}


def test_a_symbol_missing_from_the_file_exits_1_and_is_named(home: Path, watchlist: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial.csv"
    partial.write_text("symbol,price,currency,as_of\n1111.HK,9.0,HKD,2025-06-02\n2222.HK,6.0,HKD,2025-06-02\n")
    code, got, err = refresh_json("--watchlist", watchlist, "--prices", partial)
    assert code == 1
    assert set(got["failures"]) == {"3333.HK"}
    assert "3333.HK: no price (not in partial.csv)" in err


# -- live refreshes (fake Yahoo), fallback to the store then the snapshot ------------------------


def test_live_refresh_all_live_exits_0(home: Path, watchlist: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = fake_yahoo(monkeypatch, {"1111.HK": 9.0, "2222.HK": 6.0, "3333.HK": 9.0})
    code, got, err = refresh_json("--watchlist", watchlist)
    assert code == 0, err
    assert got["refresh"]["source"].startswith("yahoo -> store -> snapshot")
    assert got["fallbacks"] == {} and got["failures"] == {}
    assert sorted(seen) == ["1111.HK", "2222.HK", "3333.HK"]  # one fetch of the unique symbols
    assert set(store(home).latest_prices()) == {"1111.HK", "2222.HK", "3333.HK"}


def test_failed_live_prices_fall_back_to_the_store_with_stale_price(
    home: Path, watchlist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refresh_json("--watchlist", watchlist, "--prices", DAY2)
    fake_yahoo(monkeypatch, {"1111.HK": 9.0, "3333.HK": 9.0}, fail={"2222.HK"})
    code, got, err = refresh_json("--watchlist", watchlist)
    assert code == 1
    beta = next(d for d in got["deals"] if d["id"] == "beta")
    quote = beta["prices"]["2222.HK"]
    assert quote["price"] == 6.1 and quote["source"].startswith("store (last file price, 2025-06-03")
    assert "days old" in quote["source"]
    assert quote["fallback"] == "yahoo: HTTP 429 after 3 tries"
    assert "stale-price" in beta["flags"]
    assert "stale-price" not in next(d for d in got["deals"] if d["id"] == "alpha")["flags"]
    assert "2222.HK: not live, fell back to store" in err
    assert list(got["fallbacks"]) == ["2222.HK"]


def test_then_to_the_snapshot(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_yahoo(monkeypatch, {"600803.SS": 13.0, "CNYHKD=X": 1.09, "2533.HK": 18.0}, fail={"2688.HK"})
    code, got, err = refresh_json()  # no watchlist: the seeds
    assert code == 1
    enn = next(d for d in got["deals"] if d["id"] == "enn-energy")
    assert enn["prices"]["2688.HK"]["source"].startswith("snapshot")
    assert "store: no history store yet" in enn["prices"]["2688.HK"]["fallback"]
    assert "stale-price" in enn["flags"]
    assert "2688.HK: not live, fell back to snapshot" in err


def test_offline_uses_the_store_without_asking_yahoo(
    home: Path, watchlist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refresh_json("--watchlist", watchlist, "--prices", DAY1)
    seen = fake_yahoo(monkeypatch, {})
    code, got, err = refresh_json("--watchlist", watchlist, "--offline")
    # No price was live (all from the store): shown, compared, but not stored again as new.
    assert code == 1 and seen == []
    assert got["refresh"] is None and "no price was live" in got["not_stored"]
    assert "--store-stale" in err
    alpha = next(d for d in got["deals"] if d["id"] == "alpha")
    assert alpha["prices"]["1111.HK"]["source"].startswith("store (")
    assert alpha["change"]["spread"] == pytest.approx(0.0)
    assert store(home).counts()["refreshes"] == 1
    code, got, _ = refresh_json("--watchlist", watchlist, "--offline", "--store-stale")
    assert code == 0 and got["refresh"]["source"].startswith("store -> snapshot")
    assert store(home).counts()["refreshes"] == 2


def test_report_defaults_to_the_live_chain(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_yahoo(monkeypatch, {"1111.HK": 9.5, "2222.HK": 6.0, "3333.HK": 9.0})
    res = run("report", str(DEALS), "--json")
    assert res.exit_code == 0
    alpha = next(d for d in json.loads(res.stdout) if d["id"] == "alpha")
    assert alpha["prices"]["1111.HK"]["source"] == "memory (yahoo)" and alpha["target_price"] == 9.5
    monkeypatch.setenv("ARB_OFFLINE", "1")
    res = run("report", str(DEALS), "--json")
    alpha = next(d for d in json.loads(res.stdout) if d["id"] == "alpha")
    assert alpha["target_price"] is None  # offline, with no store and no snapshot price for 1111.HK


def test_progress_bar_counts_done_and_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    import arb.cli.refresh as cli_refresh

    buf = io.StringIO()
    monkeypatch.setattr(cli_refresh, "out", Console(file=buf, force_terminal=True, width=100, color_system=None))
    with cli_refresh._progress(3, True) as tick:
        assert tick is not None
        tick("A.HK", True)
        tick("B.HK", False)
        tick("C.HK", True)
        tick("CNYHKD=X", True)  # a second-round symbol past the expected total
    assert "Fetching prices" in buf.getvalue() and "1 failed" in buf.getvalue() and "4/4" in buf.getvalue()
    with cli_refresh._progress(3, False) as none:
        assert none is None


# -- a replayed Yahoo ------------------------------------------------------------------------------


def test_refresh_against_replayed_yahoo_responses(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arb.prices.yahoo import CHART_URL, YahooSource

    wl = tmp_path / "enn.toml"
    wl.write_text(f'[[watch]]\nid = "enn"\npath = "{SEEDS / "enn-energy.toml"}"\n')
    monkeypatch.setattr(
        arb.refresh,
        "yahoo_factory",
        lambda *, timeout, progress: YahooSource(timeout=5, session=requests.Session(), progress=progress),
    )
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        for sym in ("2688.HK", "600803.SS", "CNYHKD=X"):
            body = json.loads((YAHOO / f"chart-{sym}.json").read_text())
            http.get(CHART_URL.format(symbol=sym), json=body)
        code, got, err = refresh_json("--watchlist", wl)
    assert code == 0, err
    (enn,) = got["deals"]
    assert enn["target_price"] == 58.35 and enn["prices"]["2688.HK"]["source"].startswith("yahoo")
    assert enn["as_of"] == got["refresh"]["as_of"]
    latest = store(home).latest_prices()
    assert {s: r["source"] for s, r in latest.items()} == dict.fromkeys(("2688.HK", "600803.SS", "CNYHKD=X"), "yahoo")
    assert latest["2688.HK"]["time"].startswith("2025-12-23T16:08")

    # Offline, the report values the deal at the store's latest prices.
    monkeypatch.setenv("ARB_OFFLINE", "1")
    res = run("report", str(SEEDS / "enn-energy.toml"), "--json")
    (rec,) = json.loads(res.stdout)
    assert rec["target_price"] == 58.35 and rec["prices"]["2688.HK"]["source"].startswith("store (last yahoo price")


# -- history ---------------------------------------------------------------------------------------


def test_history_table_json_csv_since_and_term_changes(home: Path, tmp_path: Path) -> None:
    deal = tmp_path / "alpha.toml"
    deal.write_text((DEALS / "alpha.toml").read_text())
    wl = tmp_path / "wl.toml"
    wl.write_text(f'[[watch]]\nid = "alpha"\npath = "{deal}"\n')
    run("refresh", "--watchlist", wl, "--prices", DAY1)
    deal.write_text((DEALS / "alpha.toml").read_text().replace("amount = 10.0", "amount = 10.5"))  # a price bump
    _, bumped, _ = refresh_json("--watchlist", wl, "--prices", DAY2)
    assert bumped["deals"][0]["change"]["terms_changed"] is True

    res = run("history", "alpha")
    assert res.exit_code == 0
    assert "2025-06-02" in res.stdout and "2025-06-03" in res.stdout and "◆ changed" in res.stdout
    assert "Terms changed: 2025-06-03" in res.stdout
    assert any(c in res.stdout for c in "▁█")

    rows = json.loads(run("history", "alpha", "--json").stdout)
    assert [(r["as_of"], round(r["spread"], 6), r["terms_changed"]) for r in rows] == [
        ("2025-06-02", 1.0, False),
        ("2025-06-03", 2.0, True),
    ]
    lines = run("history", "alpha", "--csv").stdout.splitlines()
    assert lines[0].startswith("deal_id,as_of,refresh_id") and len(lines) == 3
    assert lines[2].split(",")[17] == "True"

    since = json.loads(run("history", "alpha", "--since", "2025-06-03", "--json").stdout)
    assert [r["as_of"] for r in since] == ["2025-06-03"] and since[0]["terms_changed"] is True

    res = run("history", "gamma")
    assert res.exit_code == 1 and "no history for 'gamma' (stored deals: alpha)" in res.output


def test_history_without_a_store(home: Path) -> None:
    res = run("history", "alpha")
    assert res.exit_code == 1 and "no history yet; run `arb refresh` first" in res.output


def test_sparkline() -> None:
    from arb.cli.history import sparkline

    assert sparkline([0.0, 0.5, 1.0]) == "▁▅█"
    assert sparkline([1.0, None, 1.0]) == "▄ ▄"
    assert sparkline([]) == ""
    assert len(sparkline([float(i) for i in range(3650)], 60)) == 60
    assert sparkline([float(i) for i in range(100)], 4) == "▁▃▆█"


# -- several processes at once, and a refresh killed mid-transaction ----------------------------


def prices_for(day: int, folder: Path) -> Path:
    path = folder / f"prices-{day:02d}.csv"
    path.write_text(
        "symbol,price,currency,as_of\n"
        f"1111.HK,{9 + day / 100:.2f},HKD,2025-07-{day:02d}\n"
        f"2222.HK,6.00,HKD,2025-07-{day:02d}\n"
        f"3333.HK,9.00,HKD,2025-07-{day:02d}\n"
    )
    return path


def spawn(watchlist: Path, prices: Path, home: Path, **env: str) -> subprocess.Popen[bytes]:
    full = {**os.environ, "ARB_HOME": str(home), "ARB_CACHE_DIR": str(home.parent / "cache"), **env}
    return subprocess.Popen(
        [sys.executable, "-m", "arb", "refresh", "--json", "--watchlist", str(watchlist), "--prices", str(prices)],
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def check(path: Path) -> tuple[str, dict[str, int]]:
    with sqlite3.connect(path) as conn:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("refreshes", "valuations", "prices")
        }
    return ok, counts


def test_concurrent_refreshes_all_land(home: Path, watchlist: Path, tmp_path: Path) -> None:
    n = 6
    # Each refresh holds the write lock for 0.3 s, so they must queue on one another.
    procs = [spawn(watchlist, prices_for(day, tmp_path), home, ARB_STORE_TEST_PAUSE="0.3") for day in range(1, n + 1)]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * n, [e.decode()[-500:] for _, e in results]
    ok, counts = check(home / "history.sqlite3")
    assert ok == "ok"
    # 3 prices per day: 1111.HK changes daily; 2222.HK and 3333.HK are new rows too (their time is the day).
    assert counts == {"refreshes": n, "valuations": 2 * n, "prices": 3 * n}
    ids = sorted(json.loads(out)["refresh"]["id"] for out, _ in results)
    assert ids == list(range(1, n + 1))


def test_a_refresh_killed_mid_transaction_loses_nothing(home: Path, watchlist: Path, tmp_path: Path) -> None:
    before = [spawn(watchlist, prices_for(day, tmp_path), home) for day in (1, 2)]
    for p in before:
        p.communicate(timeout=60)
    _, earlier = check(home / "history.sqlite3")
    assert earlier == {"refreshes": 2, "valuations": 4, "prices": 6}

    marker = tmp_path / "in-transaction"
    victim = spawn(watchlist, prices_for(3, tmp_path), home, ARB_STORE_TEST_PAUSE=f"60:{marker}")
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert victim.poll() is None, victim.communicate()[1].decode()
        assert time.monotonic() < deadline, "the refresh never reached its transaction"
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=10)
    assert victim.returncode == -signal.SIGKILL

    ok, after = check(home / "history.sqlite3")
    assert ok == "ok" and after == earlier
    history = HistoryStore(home / "history.sqlite3").deal_history("alpha")
    assert [r["as_of"] for r in history] == ["2025-07-01", "2025-07-02"]
    # The lock died with the process: the next refresh lands.
    code, got, _ = refresh_json("--watchlist", watchlist, "--prices", prices_for(3, tmp_path))
    assert code == 0 and got["refresh"]["as_of"] == "2025-07-03"
    assert check(home / "history.sqlite3") == ("ok", {"refreshes": 3, "valuations": 6, "prices": 9})


def test_the_yahoo_url_can_point_at_a_local_server_for_testing(monkeypatch: pytest.MonkeyPatch) -> None:
    from arb.prices.yahoo import CHART_URL, URL_ENV, chart_url

    monkeypatch.delenv(URL_ENV, raising=False)
    assert chart_url("^HSI") == CHART_URL.format(symbol="%5EHSI")
    monkeypatch.setenv(URL_ENV, "http://127.0.0.1:8123/v8/finance/chart/{symbol}")
    assert chart_url("^HSI") == "http://127.0.0.1:8123/v8/finance/chart/%5EHSI"
    assert chart_url("0700.HK") == "http://127.0.0.1:8123/v8/finance/chart/0700.HK"


def test_refresh_table_follows_the_columns_setting(
    home: Path, watchlist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """arb refresh prints the report table as arb report does: the ``columns`` setting applies."""
    monkeypatch.setenv("ARB_COLUMNS", "deal,spread %")
    res = run("refresh", "--watchlist", watchlist, "--prices", DAY1)
    assert res.exit_code == 0, res.output
    header = next(line for line in res.stdout.splitlines() if line.lstrip().startswith("Deal"))
    assert header.split() == ["Deal", "Spread", "%"]
    assert "Ann. %" not in res.stdout


def test_a_reason_shared_by_several_symbols_is_said_once(
    home: Path, watchlist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Yahoo failing every symbol for one reason: one line with the count, and each symbol's own
    line keeps only what the later sources said (an offline refresh printed the curl error 11 times)."""
    refresh_json("--watchlist", watchlist, "--prices", DAY2)
    fake_yahoo(monkeypatch, {}, fail={"1111.HK", "2222.HK", "3333.HK"})
    res = run("refresh", "--watchlist", watchlist)
    err = res.stderr
    assert err.count("HTTP 429 after 3 tries") == 1
    assert "warning: yahoo: HTTP 429 after 3 tries (for 3 symbols)" in err
    lines = [line for line in err.splitlines() if "not live, fell back to store" in line]
    assert len(lines) == 3 and not any("yahoo:" in line for line in lines)


def test_a_curl_error_is_read_as_its_code_and_cause() -> None:
    from arb.prices.yahoo import _one_line

    class DNSError(Exception):
        pass

    tail = ". See https://curl.se/libcurl/c/libcurl-errors.html first for more details."
    for text in (
        "Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com (Domain name not found)" + tail,
        "Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com" + tail,
    ):
        assert _one_line(DNSError(text)) == "DNSError: curl error 6: Could not resolve host: query2.finance.yahoo.com"
    assert _one_line(DNSError("no route")) == "DNSError: no route"

"""A refresh whose prices fell back must not look like a live one (issue 9, points 15 and 16).

Stale figures are stored only on request and marked, alerts are never checked on them, fired
alerts can set the exit status, and the history, the API and the chart show stale points and
never join points across a gap.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_rgba
from typer.testing import CliRunner

import arb
import arb.refresh
from arb import charts
from arb.cli import app
from arb.prices.base import FetchResult, Quote
from arb.store import HistoryStore
from arb.watchlist import Rule, evaluate_alerts

DATA = Path(__file__).parent / "data" / "refresh"
DEALS = DATA / "deals"
DAY1 = DATA / "prices-2025-06-02.csv"
DAY2 = DATA / "prices-2025-06-03.csv"


def watchlist(tmp_path: Path, alerts: str) -> Path:
    path = tmp_path / "watchlist.toml"
    path.write_text(f'[[watch]]\nid = "deals"\npath = "{DEALS}"\n{alerts}', encoding="utf-8")
    return path


class FakeYahoo:
    """A live source like Yahoo (undated as a source, each quote stamped today) failing ``fail``."""

    label = "yahoo"
    dated = False

    def __init__(self, prices: dict[str, float], fail: Collection[str]) -> None:
        now = dt.datetime.combine(dt.date.today(), dt.time(16))
        self.quotes = {s: Quote(s, p, "HKD", now, "yahoo") for s, p in prices.items()}
        self.fail = set(fail)

    def fetch(self, symbols: Collection[str]) -> FetchResult:
        got = FetchResult()
        for s in symbols:
            if s in self.quotes and s not in self.fail:
                got.quotes[s] = self.quotes[s]
            else:
                got.failures[s] = "connection refused"
        return got


def fake_yahoo(monkeypatch: pytest.MonkeyPatch, prices: dict[str, float], fail: Collection[str] = ()) -> None:
    monkeypatch.setattr(arb.refresh, "yahoo_factory", lambda **_: FakeYahoo(prices, fail))


def refresh(*args: str | Path) -> tuple[int, dict[str, Any], str]:
    res = CliRunner().invoke(app, ["refresh", "--json", *[str(a) for a in args]])
    return res.exit_code, json.loads(res.stdout), res.stderr


def store(home: Path) -> HistoryStore:
    return HistoryStore(home / "history.sqlite3")


ALL = ("1111.HK", "2222.HK", "3333.HK")


def test_a_refresh_with_no_live_price_stores_nothing_and_checks_no_alert(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The case: no network, prices a year and more old, an alert that would fire on them.
    wl = watchlist(tmp_path, '[alerts."*"]\nannualized_above = "1%"\n')
    refresh("--watchlist", wl, "--prices", DAY1)
    before = store(home).counts()
    fake_yahoo(monkeypatch, {}, fail=ALL)
    code, got, err = refresh("--watchlist", wl)
    assert code == 1
    assert got["refresh"] is None and store(home).counts() == before
    assert "no price was live" in got["not_stored"] and "--store-stale" in err
    assert got["alerts"] == []
    skipped = {n["deal"]: n for n in got["alerts_not_checked"]}
    assert set(skipped) == {"alpha", "beta"}
    assert skipped["alpha"]["rules"] == ["annualized_above"]
    assert skipped["alpha"]["reason"].startswith("stale: 1111.HK 9 HKD, store 2025-06-02")
    age = (dt.date.today() - dt.date(2025, 6, 2)).days
    assert f"{age} days old" in skipped["alpha"]["reason"] and "(fell back: yahoo failed)" in skipped["alpha"]["reason"]
    alpha = next(d for d in got["deals"] if d["id"] == "alpha")
    assert alpha["stale"] is True and alpha["price_age_days"] == age

    text = CliRunner().invoke(app, ["refresh", "--watchlist", str(wl)])
    assert "not checked: stale" in text.stdout and "Not stored" in text.stdout
    assert "No alerts fired" not in text.stdout

    # --store-stale stores it, marked stale, with its oldest price's age.
    code, got, _ = refresh("--watchlist", wl, "--store-stale")
    assert got["refresh"] is not None and got["alerts"] == []
    rows = store(home).deal_history("alpha")
    assert [(r["stale"], r["price_age_days"]) for r in rows] == [(False, 0), (True, age)]
    frame = arb.history("alpha", store(home).path)
    assert frame["stale"].tolist() == [False, True] and frame["price_age_days"].tolist() == [0, age]
    res = CliRunner().invoke(app, ["history", "alpha"])
    assert res.exit_code == 0 and f"stale {age}d" in res.stdout and "1 of 2 rows are stale" in res.stdout
    res = CliRunner().invoke(app, ["history", "alpha", "--csv"])
    header, first, second = res.stdout.splitlines()
    cols = header.split(",")
    assert second.split(",")[cols.index("stale")] == "True" and first.split(",")[cols.index("stale")] == "False"


def test_a_partly_live_refresh_is_stored_but_its_stale_deal_is_not_checked(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wl = watchlist(tmp_path, '[alerts."*"]\nspread_pct_above = "-100%"\n')  # fires on any live figure
    refresh("--watchlist", wl, "--prices", DAY1)
    fake_yahoo(monkeypatch, {"2222.HK": 6.0, "3333.HK": 9.0}, fail={"1111.HK"})
    code, got, _ = refresh("--watchlist", wl)
    assert code == 1 and got["refresh"] is not None
    assert [a["deal"] for a in got["alerts"]] == ["beta"]
    assert [n["deal"] for n in got["alerts_not_checked"]] == ["alpha"]
    beta = got["alerts"][0]
    # The alert names the price it used and how old it is.
    assert beta["price"] == "target 2222.HK 6 HKD, yahoo " + dt.date.today().isoformat() + ", 0 days old"
    assert beta["price"] in beta["message"]


def test_widening_is_not_checked_against_a_stale_previous_refresh(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wl = watchlist(tmp_path, '[alerts.alpha]\nspread_widens_by = 0.01\nspread_pct_above = "-100%"\n')
    refresh("--watchlist", wl, "--prices", DAY1)
    fake_yahoo(monkeypatch, {"2222.HK": 6.0, "3333.HK": 9.0}, fail={"1111.HK"})
    refresh("--watchlist", wl)  # stored: beta was live; alpha's row is stale
    fake_yahoo(monkeypatch, {"1111.HK": 7.0, "2222.HK": 6.0, "3333.HK": 9.0})
    code, got, _ = refresh("--watchlist", wl)
    assert code == 0
    assert [a["rule"] for a in got["alerts"]] == ["spread_pct_above"]  # the level rule is checked
    (skipped,) = got["alerts_not_checked"]
    assert skipped["rules"] == ["spread_widens_by"] and "previous refresh" in skipped["reason"]


def test_fail_on_alert_exits_3(home: Path, tmp_path: Path) -> None:
    wl = watchlist(tmp_path, "[alerts.alpha]\nspread_widens_by = 0.4\n")  # 1.00 -> 1.50 on day 2
    refresh("--watchlist", wl, "--prices", DAY1)
    code, got, _ = refresh("--watchlist", wl, "--prices", DAY2)
    assert code == 0 and len(got["alerts"]) == 1
    code, got, _ = refresh("--watchlist", wl, "--prices", DAY2, "--fail-on-alert")
    assert code == 3
    (alert,) = got["alerts"]
    assert "target 1111.HK 8.5 HKD, file 2025-06-03, 0 days old" in alert["message"]
    wl = watchlist(tmp_path, "[alerts.alpha]\nspread_widens_by = 5\n")  # does not fire
    code, got, _ = refresh("--watchlist", wl, "--prices", DAY2, "--fail-on-alert")
    assert code == 0 and got["alerts"] == []


def test_alert_text_tells_the_figure_from_its_level() -> None:
    rule = Rule("d", "spread_pct_above", 0.10, '"10%"')
    (alert,) = evaluate_alerts("d", [rule], {"spread_pct": 0.10004, "currency": "HKD"}, None)
    assert "10.004% is above 10.000%" in alert.message
    (alert,) = evaluate_alerts("d", [rule], {"spread_pct": 0.125, "currency": "HKD"}, None)
    assert "12.5% is above 10.0%" in alert.message  # the usual digits when they suffice
    money = Rule("d", "spread_widens_by", 1.5, "1.5")
    (alert,) = evaluate_alerts("d", [money], {"currency": "HKD"}, {"spread": 1.5001})
    assert "HKD 1.5001 since the last refresh (more than HKD 1.5000)" in alert.message


@settings(max_examples=60, deadline=None)
@given(
    level=st.floats(-0.5, 0.5, allow_nan=False),
    bump=st.floats(1e-7, 0.2, allow_nan=False),
)
def test_a_fired_alert_never_prints_its_figure_at_or_past_its_level(level: float, bump: float) -> None:
    value = level + bump
    if not value > level:
        return
    rule = Rule("d", "spread_pct_above", level, "x")
    (alert,) = evaluate_alerts("d", [rule], {"spread_pct": value}, None)
    printed = alert.message.split(": spread % ")[1].split(" [")[0]
    shown_value, shown_level = (float(p.rstrip("%")) for p in printed.split(" is above "))
    assert shown_value > shown_level


# -- the chart ---------------------------------------------------------------------------------


def test_spread_history_hollows_stale_points_and_breaks_the_line_across_gaps() -> None:
    frame = pd.DataFrame(
        {
            "deal_id": "d",
            "as_of": pd.to_datetime(["2025-06-02", "2025-06-03", "2025-06-04", "2025-06-20", "2025-06-23"]),
            "spread_pct": [0.10, 0.11, 0.12, 0.30, 0.31],
            "stale": [False, False, True, False, False],
            "terms_changed": False,
        }
    )
    fig = charts.spread_history(frame)
    ax = fig.axes[0]
    lines = [ln for ln in ax.lines if ln.get_gid() == charts.GID_SPREAD]
    # Three days, a 16-day gap, then two refreshes three days apart: two lines, none across the gap.
    assert [list(ln.get_ydata()) for ln in lines] == [[0.10, 0.11, 0.12], [0.30, 0.31]]
    assert all(ln.get_marker() in ("None", None, "") for ln in lines)
    (live,) = [ln for ln in ax.lines if ln.get_gid() == charts.GID_LIVE]
    (stale,) = [ln for ln in ax.lines if ln.get_gid() == charts.GID_STALE]
    assert list(live.get_ydata()) == [0.10, 0.11, 0.30, 0.31]
    assert list(stale.get_ydata()) == [0.12]
    assert to_rgba(stale.get_markerfacecolor())[3] == 0.0  # hollow
    assert to_rgba(live.get_markerfacecolor())[3] == 1.0  # filled
    assert "stale" in " ".join(t.get_text() for t in ax.get_legend().get_texts())

    steady = frame.assign(stale=False)
    fig = charts.spread_history(steady, max_gap_days=30)
    assert len([ln for ln in fig.axes[0].lines if ln.get_gid() == charts.GID_SPREAD]) == 1
    assert [ln for ln in fig.axes[0].lines if ln.get_gid() == charts.GID_STALE] == []


def test_history_sparkline_leaves_a_blank_across_a_gap() -> None:
    from rich.console import Console

    from arb.cli.history import render_history

    def row(day: str, pct: float, stale: bool = False) -> dict[str, Any]:
        return {
            "as_of": day, "refresh_id": 1, "currency": "HKD", "target_price": 9.0, "deal_value": 10.0,
            "spread": 1.0, "spread_pct": pct, "annualized": 0.2, "flags": [], "terms_changed": False,
            "stale": stale, "price_age_days": 9 if stale else 0,
        }  # fmt: skip

    def spark(rows: list[dict[str, Any]]) -> str:
        console = Console(width=100, record=True, color_system=None)
        console.print(render_history("d", rows))
        return console.export_text().splitlines()[1]

    together = [row("2025-06-02", 0.1), row("2025-06-03", 0.2), row("2025-06-06", 0.3)]
    apart = [row("2025-06-02", 0.1), row("2025-06-03", 0.2), row("2025-06-20", 0.3, stale=True)]
    close, gapped = spark(together).strip(), spark(apart).strip()
    assert len(close) == 3 and " " not in close
    assert len(gapped) == 4 and gapped[2] == " " and gapped[:2] + gapped[3] == close


def test_history_flags_wrap_between_flags_never_inside_one() -> None:
    """At 100 columns the Flags column was 10 wide and folded 'synthetic-price' as 'synthetic-p/rice'."""
    from rich.console import Console

    from arb.cli.history import render_history

    flags = ["pre-conditional", "estimate-used", "synthetic-price", "stale-price"]

    def row(day: int) -> dict[str, Any]:
        return {
            "as_of": f"2025-06-{day:02d}", "refresh_id": day, "currency": "HKD", "target_price": 65.0,
            "deal_value": 80.0, "spread": 15.0, "spread_pct": 0.2307, "annualized": 0.4779, "flags": flags,
            "terms_changed": False, "stale": True, "price_age_days": 12,
        }  # fmt: skip

    rows = [row(d) for d in (2, 3, 4)]
    console = Console(width=100, record=True, color_system=None)
    console.print(render_history("enn-energy", rows, width=100))
    text = console.export_text()
    table = text[text.index("As of") :]
    assert "Flags" in table
    words = {w.strip(",") for w in table.split()}
    for flag in flags:
        assert flag in words, (flag, table)

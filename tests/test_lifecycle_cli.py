"""What users see of a deal's lifecycle: report columns and JSON/CSV fields, --all, the show
sections, and the refresh alerts on coming events and status changes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arb.cli import app
from arb.loader import load_deal
from arb.prices.base import MemorySource
from arb.refresh import run_refresh
from arb.store import HistoryStore
from arb.watchlist import WatchlistError, evaluate_alerts, load_watchlist

DEAL = """\
id = "{id}"
name = "Parent buys Sub"
status = "{status}"
announced = 2025-03-26
currency = "HKD"
downside = 50.0

[target]
ticker = "{ticker}"

[[consideration]]
kind = "cash"
amount = 80.0
currency = "HKD"

[[condition]]
name = "Parent shareholders"
kind = "shareholder"
status = "met"
date = 2025-05-28

[[condition]]
name = "SAMR clearance"
kind = "regulatory"
authority = "SAMR"
status = "pending"
expected = 2026-03-31
note = "{note}"

[[condition]]
name = "CSRC filing"
kind = "regulatory"
status = "waived"
date = 2025-12-01

[[event]]
kind = "announcement"
date = 2025-03-26
confirmed = true

[[event]]
kind = "meeting"
date = 2026-01-20
note = "court meeting and EGM"

[[event]]
kind = "payment"
date = 2026-06-15

[[event]]
kind = "long-stop"
date = 2026-09-30
confirmed = true

[vote]
rule = "hk-scheme"
shares_outstanding = 1000000000
disinterested_shares = 600000000
irrevocables = 50000000

[[revision]]
superseded = 2025-06-10
bidder = "Parent"

[[revision.consideration]]
kind = "cash"
amount = 75.0
currency = "HKD"
"""

PLAIN = """\
id = "plain-deal"
name = "Buyer pays cash"
expected_close = 2026-06-30

[target]
ticker = "0001.HK"

[[consideration]]
kind = "cash"
amount = 10.0
currency = "HKD"
"""


def write(folder: Path, deal_id: str = "sub-scheme", status: str = "pending", **kw: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    values = {"id": deal_id, "status": status, "ticker": "9999.HK", "note": "filed in December"} | kw
    path = folder / f"{deal_id}.toml"
    path.write_text(DEAL.format(**values), encoding="utf-8")
    return path


@pytest.fixture
def deals(tmp_path: Path) -> Path:
    folder = tmp_path / "deals"
    write(folder)
    write(folder, "done-deal", status="completed", ticker="8888.HK")
    (folder / "plain-deal.toml").write_text(PLAIN, encoding="utf-8")
    prices = tmp_path / "prices.csv"
    prices.write_text(
        "symbol,price,currency,as_of\n9999.HK,70,HKD,2026-01-05\n8888.HK,79,HKD,2026-01-05\n0001.HK,9.5,HKD,2026-01-05\n",
        encoding="utf-8",
    )
    return folder


def run(*args: str | Path, width: int = 100) -> object:
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": str(width)})


def test_report_json_and_csv_carry_the_timetable(deals: Path) -> None:
    prices = deals.parent / "prices.csv"
    res = run("report", deals, "--prices", prices, "--json")
    recs = {r["id"]: r for r in json.loads(res.stdout)}  # type: ignore[attr-defined]
    sub = recs["sub-scheme"]
    assert (sub["next_event"], sub["next_event_date"]) == ("meeting", "2026-01-20")
    assert (sub["conditions_met"], sub["conditions_total"]) == (2, 3)  # met and waived count
    assert sub["long_stop"] == "2026-09-30"
    # the worst case: annualised to the long-stop, 268 days after the as-of of 2026-01-05
    assert sub["days_to_long_stop"] == 268
    assert sub["annualized_long_stop"] == pytest.approx((80 / 70) ** (365 / 268) - 1)
    plain = recs["plain-deal"]
    assert plain["next_event"] is None and plain["conditions_total"] == 0
    assert "done-deal" not in recs  # closed: out of the default report
    res = run("report", deals, "--prices", prices, "--csv", "--all")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(res.stdout))}  # type: ignore[attr-defined]
    assert set(rows) == {"sub-scheme", "done-deal", "plain-deal"}
    assert rows["sub-scheme"]["next_event_date"] == "2026-01-20"
    assert rows["sub-scheme"]["conditions_met"] == "2" and rows["sub-scheme"]["conditions_total"] == "3"
    assert float(rows["sub-scheme"]["annualized_long_stop"]) == pytest.approx(sub["annualized_long_stop"])
    assert rows["plain-deal"]["annualized_long_stop"] == ""  # no long-stop event: empty, not zero
    assert rows["done-deal"]["status"] == "completed"


def test_report_leaves_closed_deals_out_and_says_so(deals: Path) -> None:
    prices = deals.parent / "prices.csv"
    res = run("report", deals, "--prices", prices)
    assert "done-deal" not in res.stdout  # type: ignore[attr-defined]
    assert "1 deal closed by today (" in res.stderr and "not shown (done-deal)" in res.stderr and "--all" in res.stderr  # type: ignore[attr-defined]
    res = run("report", deals, "--prices", prices, "--all", width=160)
    assert "done-deal" in res.stdout  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("width", "left_out"),
    [(80, ["Div", "Spread", "Next"]), (100, ["Div"]), (120, []), (160, [])],
)
def test_report_columns_fit_and_read(deals: Path, width: int, left_out: list[str]) -> None:
    res = run("report", deals, "--prices", deals.parent / "prices.csv", width=width)
    lines = res.stdout.splitlines()  # type: ignore[attr-defined]
    assert all(len(line) <= width for line in lines), "\n".join(lines)
    head = next(line for line in lines if line.strip().startswith("Deal")).split()
    names = ["Deal", "Ccy", "Target", "Value", "Div", "Spread", "Spread %", "Days", "Ann. %", "Prob.", "Cond."]
    names += ["Next"] + (["Flags"] if width >= 150 else [])
    # whole columns go, in the documented order
    assert " ".join(head) == " ".join(h for h in names if h not in left_out)
    row = next(line for line in lines if line.strip().startswith("sub-scheme"))
    assert "2/3" in row
    text = " ".join(res.stdout.split())  # type: ignore[attr-defined]
    if "Next" in head:
        assert "meeting ~2026-01-20" in row  # on one line: the kind, then the date (~ for expected)
    if left_out:
        assert f"Not shown at this width: {', '.join(left_out)} (" in text
    else:
        assert "Not shown" not in text


def test_show_lifecycle_sections(deals: Path) -> None:
    res = run("show", deals / "sub-scheme.toml", "--prices", deals.parent / "prices.csv", width=120)
    text = res.stdout  # type: ignore[attr-defined]
    assert "pending" in text
    assert "Expected close: 2026-06-15 (from the payment event)" in text
    assert "Conditions: 2 of 3 met or waived" in text
    assert "PENDING SAMR clearance" in text and "regulatory, SAMR; expected 2026-03-31" in text
    assert "filed in December" in text  # the condition's note, under it
    assert "WAIVED  CSRC filing" in text and "waived 2025-12-01" in text
    assert "Timetable (long-stop 2026-09-30)" in text
    next_line = next(line for line in text.splitlines() if "→ next" in line)
    assert "2026-01-20" in next_line and "meeting" in next_line
    done = next(line for line in text.splitlines() if "announcement" in line)
    assert "done" in done
    # vote arithmetic: floor(10% x 600,000,000) + 1 against, at HKD 70.00 a share
    flat = " ".join(text.split())  # wrapped lines joined
    assert "Vote (hk-scheme)" in text and "60,000,001 shares voting against" in flat
    assert "at HKD 70.00 a share it costs HKD 4,200,000,070.00" in flat
    assert "Revisions" in text
    assert "2025-03-26 (until 2025-06-10, Parent): HKD 75.00 per share" in flat
    assert "(current terms): HKD 80.00 per share" in flat


def test_show_json_lifecycle(deals: Path) -> None:
    res = run("show", deals / "sub-scheme.toml", "--prices", deals.parent / "prices.csv", "--json")
    life = json.loads(res.stdout)["lifecycle"]  # type: ignore[attr-defined]
    assert life["close_date_from"] == "payment event"
    assert [e["next"] for e in life["events"]] == [False, True, False, False]
    assert life["vote"]["blocking_shares"] == 60_000_001
    assert life["vote"]["blocking_cost"] == pytest.approx(60_000_001 * 70.0)
    assert [r["value"] for r in life["revisions"]] == [75.0, 80.0]


def test_show_escapes_deal_text(tmp_path: Path) -> None:
    path = write(tmp_path, note="\\u001b]0;owned\\u0007 [red]x[/red]")
    res = run("show", path, "--offline", width=200)
    text = res.stdout  # type: ignore[attr-defined]
    assert "\x1b" not in text and "\x07" not in text
    assert "[red]x[/red]" in text  # printed as written, not obeyed


# -- refresh alerts ---------------------------------------------------------------------------


def test_event_rule_parses_days(tmp_path: Path) -> None:
    wl = tmp_path / "watchlist.toml"
    wl.write_text('[alerts."*"]\nevent_within_days = 14\n[alerts.a]\nevent_within_days = "7d"\n', encoding="utf-8")
    assert sorted((r.deal, r.level) for r in load_watchlist(wl).rules) == [("*", 14.0), ("a", 7.0)]
    for bad in ('"soon"', "-1", "1.5", "true"):
        wl.write_text(f"[alerts.a]\nevent_within_days = {bad}\n", encoding="utf-8")
        with pytest.raises(WatchlistError, match=r"alerts\.a\.event_within_days: .* is not a number of days"):
            load_watchlist(wl)


def test_event_alerts_fire_inside_the_window_only() -> None:
    rules = load_rules("[alerts.x]\nevent_within_days = 15\n")
    events = [
        {"kind": "meeting", "date": "2026-01-20", "days": 15, "confirmed": False},
        {"kind": "payment", "date": "2026-06-15", "days": 161, "confirmed": False},
        {"kind": "record-date", "date": "2026-01-05", "days": 0, "confirmed": True},
    ]
    fired = evaluate_alerts("x", rules, {"events": events}, None)
    assert [(a.value, a.rule) for a in fired] == [(15.0, "event_within_days"), (0.0, "event_within_days")]
    assert fired[0].message == (
        "x: meeting on 2026-01-20 (expected) is in 15 days (within 15 days) [event_within_days]"
    )
    assert "is today" in fired[1].message


def load_rules(text: str) -> list:  # type: ignore[type-arg]
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "w.toml"
        path.write_text(text, encoding="utf-8")
        return load_watchlist(path).rules


def _watchlist(tmp_path: Path, deals: Path, rules: str) -> Path:
    path = tmp_path / "watchlist.toml"
    path.write_text(f'[[watch]]\nid = "deals"\npath = "{deals}"\n{rules}', encoding="utf-8")
    return path


def test_refresh_alerts_on_events_and_status_changes(tmp_path: Path) -> None:
    folder = tmp_path / "deals"
    path = write(folder)
    wl = load_watchlist(_watchlist(tmp_path, folder, '[alerts."*"]\nevent_within_days = 20\n'))
    store = HistoryStore(tmp_path / "history.sqlite3")
    prices = MemorySource({"9999.HK": 70.0}, {"9999.HK": "HKD"})
    first = run_refresh([load_deal(path)], prices, store, wl, as_of=dt.date(2026, 1, 5), store_stale=True)
    assert [a.rule for a in first.alerts] == ["event_within_days"]  # the meeting in 15 days
    assert "meeting on 2026-01-20 (expected) is in 15 days" in first.alerts[0].message
    # the deal file now says completed: one status alert; its events are no longer checked
    write(folder, status="completed")
    second = run_refresh([load_deal(path)], prices, store, wl, as_of=dt.date(2026, 1, 6), store_stale=True)
    assert [a.rule for a in second.alerts] == ["status_changed"]
    assert second.alerts[0].message == (
        "sub-scheme: status changed from pending to completed since the last refresh (as of 2026-01-05)"
        " [status_changed]"
    )
    assert second.to_dict()["alerts"][0]["level"] is None
    third = run_refresh([load_deal(path)], prices, store, wl, as_of=dt.date(2026, 1, 7), store_stale=True)
    assert third.alerts == []  # unchanged since the second refresh


def test_event_alerts_are_checked_on_stale_prices(tmp_path: Path) -> None:
    folder = tmp_path / "deals"
    path = write(folder)
    wl = load_watchlist(_watchlist(tmp_path, folder, '[alerts."*"]\nevent_within_days = 20\nspread_pct_above = 1\n'))
    old = MemorySource({"9999.HK": 70.0}, {"9999.HK": "HKD"}, as_of=dt.datetime(2025, 11, 1))
    res = run_refresh([load_deal(path)], old, HistoryStore(tmp_path / "h.sqlite3"), wl, as_of=dt.date(2026, 1, 5))
    assert [a.rule for a in res.alerts] == ["event_within_days"]
    assert [n.rules for n in res.not_checked] == [("spread_pct_above",)]  # the price rule waits for a live price


def test_enn_notebook_shows_the_conditions_and_the_blocking_stake() -> None:
    """The committed ENN notebook's lifecycle cells (tests/test_notebooks.py re-runs it offline)."""
    import nbformat

    path = Path(__file__).parent.parent / "notebooks" / "enn_energy.ipynb"
    nb = nbformat.read(path, as_version=4)
    outputs = "\n".join(
        o.get("text", "") + o.get("data", {}).get("text/plain", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert "conditions met or waived: 2 of 6" in outputs
    assert "CSRC" in outputs and "pending" in outputs
    # floor(743,456,241 / 10) + 1 disinterested shares against; of 1,131,339,975 in issue; at HK$65.00
    assert "blocking stake: 74,345,625 shares = 6.57% of the shares in issue, HK$4.83bn at HK$65.00" in outputs


def test_deal_html_shows_conditions_and_timetable_escaped(tmp_path: Path) -> None:
    path = write(tmp_path)
    path.write_text(path.read_text().replace("court meeting and EGM", "<script>alert(1)</script>"))
    html = load_deal(path)._repr_html_()
    assert "<b>Conditions</b>: 2 of 3 met or waived" in html
    assert "<b>Timetable</b> (long-stop 2026-09-30)" in html
    assert "2026-03-31 (expected)" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


def test_timeline_marks_events_on_the_spread_history(tmp_path: Path) -> None:
    import matplotlib.dates as mdates
    import pandas as pd

    from arb import charts

    deal = load_deal(write(tmp_path))
    history = pd.DataFrame(
        {
            "as_of": pd.date_range("2025-12-01", periods=40, freq="D"),
            "spread_pct": [0.10 + i / 1000 for i in range(40)],
            "deal_id": "sub-scheme",
        }
    )
    fig = charts.timeline(deal, history)
    ax = fig.axes[0]

    def lines(gid: str) -> list[float]:
        return sorted(float(line.get_xdata()[0]) for line in ax.get_lines() if line.get_gid() == gid)

    confirmed = [mdates.num2date(x).date().isoformat() for x in lines(charts.GID_EVENT)]
    expected = [mdates.num2date(x).date().isoformat() for x in lines(charts.GID_EVENT_EXPECTED)]
    assert confirmed == ["2025-03-26", "2026-09-30"]  # announcement, long-stop
    assert expected == ["2026-01-20", "2026-06-15"]  # meeting, payment
    assert len(lines(charts.GID_CONDITION)) == 2  # the met and the waived condition have dates
    assert [mdates.num2date(x).date().isoformat() for x in lines(charts.GID_REVISION)] == ["2025-06-10"]
    assert any(line.get_gid() == charts.GID_SPREAD for line in ax.get_lines())  # drawn over the history
    # on its own, without a history, the marks still stand on a time axis
    alone = charts.timeline(deal).axes[0]
    assert len([line for line in alone.get_lines() if line.get_gid() == charts.GID_EVENT]) == 2


def test_timeline_of_a_deal_with_nothing_dated_is_one_error() -> None:
    from arb import charts
    from arb.errors import ArbError

    deal = load_deal(Path(__file__).parent / "data" / "deals" / "valid" / "cash.toml")
    with pytest.raises(ArbError, match="has no events, conditions with dates or revisions"):
        charts.timeline(deal)


def test_refresh_json_carries_the_timetable(tmp_path: Path) -> None:
    folder = tmp_path / "deals"
    path = write(folder)
    wl = load_watchlist(_watchlist(tmp_path, folder, ""))
    prices = MemorySource({"9999.HK": 70.0}, {"9999.HK": "HKD"})
    res = run_refresh([load_deal(path)], prices, HistoryStore(tmp_path / "h.sqlite3"), wl, as_of=dt.date(2026, 1, 5))
    (rec,) = res.to_dict()["deals"]
    assert (rec["next_event"], rec["next_event_date"], rec["conditions_met"], rec["conditions_total"]) == (
        "meeting",
        "2026-01-20",
        2,
        3,
    )


def test_show_before_a_bump_values_the_old_terms_and_lists_every_bump(tmp_path: Path) -> None:
    path = write(tmp_path / "deals")
    prices = tmp_path / "p.csv"
    prices.write_text("symbol,price,currency,as_of\n9999.HK,70,HKD,2025-06-01\n", encoding="utf-8")
    res = run("show", path, "--prices", prices, "--as-of", "2025-06-01", width=160)
    flat = " ".join(res.stdout.split())  # type: ignore[attr-defined]
    assert "Deal value HKD 75.00" in flat  # the first offer was in force on 1 June
    assert "(until 2025-06-10, Parent; the terms valued at the as-of): HKD 75.00 per share" in flat
    assert "(current terms): HKD 80.00 per share" in flat  # the bump is still listed
    res = run("show", path, "--prices", prices, "--as-of", "2025-06-01", "--json")
    life = json.loads(res.stdout)["lifecycle"]  # type: ignore[attr-defined]
    assert [r["value"] for r in life["revisions"]] == [75.0, 80.0]


def test_no_event_alert_before_the_deal_was_announced(tmp_path: Path) -> None:
    folder = tmp_path / "deals"
    path = write(folder)  # announced 2025-03-26, its announcement event that day
    wl = load_watchlist(_watchlist(tmp_path, folder, '[alerts."*"]\nevent_within_days = 30\n'))
    prices = MemorySource({"9999.HK": 70.0}, {"9999.HK": "HKD"})
    store = HistoryStore(tmp_path / "h.sqlite3")
    early = run_refresh([load_deal(path)], prices, store, wl, as_of=dt.date(2025, 3, 10), store_stale=True)
    assert early.alerts == []  # nobody knew of the deal on 10 March
    on_the_day = run_refresh([load_deal(path)], prices, store, wl, as_of=dt.date(2025, 3, 26), store_stale=True)
    assert [a.message.split(" is ")[1] for a in on_the_day.alerts] == ["today (within 30 days) [event_within_days]"]

"""The deal calendar: upcoming events, the .ics file read back with icalendar, JSON, the API frames."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import icalendar
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import arb
from arb.calendar import entries, ics_bytes, upcoming, write_ics
from arb.cli import app
from arb.loader import load_deal
from arb.text import safe

AS_OF = dt.date(2026, 1, 5)

DEAL = """\
id = "{id}"
name = "{name}"
status = "{status}"
announced = 2025-03-26
currency = "HKD"

[target]
ticker = "9999.HK"

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

[[event]]
kind = "announcement"
date = 2025-03-26
confirmed = true

[[event]]
kind = "meeting"
date = {meeting}
note = "{note}"

[[event]]
kind = "meeting"
date = 2026-02-20
confirmed = true
note = "adjourned meeting"

[[event]]
kind = "payment"
date = 2026-06-15

[[event]]
kind = "long-stop"
date = 2026-09-30
confirmed = true
"""


def write_deal(folder: Path, deal_id: str = "sub-scheme", **kw: str) -> Path:
    values = {
        "id": deal_id,
        "name": "Parent buys Sub",
        "status": "pre-conditional",
        "meeting": "2026-01-20",
        "note": "court meeting and EGM",
    }
    values.update(kw)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{deal_id}.toml"
    path.write_text(DEAL.format(**values), encoding="utf-8")
    return path


def test_upcoming_is_the_window_inclusive_and_sorted(tmp_path: Path) -> None:
    deal = load_deal(write_deal(tmp_path))
    got = upcoming([deal], as_of=AS_OF, days=46)  # 2026-01-05 .. 2026-02-20
    assert [(e.kind, e.date.isoformat()) for e in got] == [("meeting", "2026-01-20"), ("meeting", "2026-02-20")]
    assert [e.kind for e in upcoming([deal], as_of=AS_OF, days=45)] == ["meeting"]  # the 20 Feb is day 46
    # an event on the as-of day is still ahead
    assert [e.date for e in upcoming([deal], as_of=dt.date(2026, 1, 20), days=0)] == [dt.date(2026, 1, 20)]
    dates = [e.date for e in entries([deal])]
    assert dates == sorted(dates) and len(dates) == 5


def test_closed_deals_leave_the_calendar_unless_asked(tmp_path: Path) -> None:
    open_deal = load_deal(write_deal(tmp_path / "a", "open-deal"))
    closed = load_deal(write_deal(tmp_path / "b", "lapsed-deal", status="lapsed"))
    ids = {e.deal_id for e in upcoming([open_deal, closed], as_of=AS_OF, days=400)}
    assert ids == {"open-deal"}
    ids = {e.deal_id for e in upcoming([open_deal, closed], as_of=AS_OF, days=400, include_closed=True)}
    assert ids == {"open-deal", "lapsed-deal"}


def test_uids_follow_the_event_not_its_date(tmp_path: Path) -> None:
    before = entries([load_deal(write_deal(tmp_path / "a"))])
    moved = entries([load_deal(write_deal(tmp_path / "b", meeting="2026-02-02"))])
    uid_by_note = {e.note: e.uid for e in before}
    assert {e.note: e.uid for e in moved} == uid_by_note  # the meeting moved, its UID did not
    assert len({e.uid for e in before}) == len(before)  # two meetings, two UIDs
    assert uid_by_note["court meeting and EGM"] == "sub-scheme.meeting.1@arb"


def _events(data: bytes) -> list[icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    return [c for c in cal.walk() if c.name == "VEVENT"]


def test_ics_reads_back_as_all_day_events(tmp_path: Path) -> None:
    deal = load_deal(write_deal(tmp_path))
    items = entries([deal])
    stamp = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
    path = write_ics(items, tmp_path / "deals.ics", stamp=stamp)
    events = _events(path.read_bytes())
    assert len(events) == len(items) == 5
    by_uid = {str(e["UID"]): e for e in events}
    meeting = by_uid["sub-scheme.meeting.1@arb"]
    start, end = meeting.decoded("DTSTART"), meeting.decoded("DTEND")
    assert type(start) is dt.date and start == dt.date(2026, 1, 20)  # a date, not a datetime: all day
    assert end - start == dt.timedelta(days=1)
    assert str(meeting["SUMMARY"]) == "Parent buys Sub: meeting (expected)"
    assert str(meeting["STATUS"]) == "TENTATIVE"
    text = str(meeting["DESCRIPTION"])
    assert "Parent buys Sub (sub-scheme)" in text and "Note: court meeting and EGM" in text
    assert str(by_uid["sub-scheme.long-stop.1@arb"]["STATUS"]) == "CONFIRMED"
    assert meeting.decoded("DTSTAMP") == stamp
    # the same deals, exported again: byte for byte the same file at the same stamp
    assert ics_bytes(entries([deal]), stamp=stamp) == path.read_bytes()


def test_ics_keeps_awkward_text_intact(tmp_path: Path) -> None:
    note = "vote; 75%, \\\\ and a comma, then [bold]markup[/bold]"
    deal = load_deal(write_deal(tmp_path, note=note))
    events = _events(ics_bytes(entries([deal])))
    descriptions = [str(e["DESCRIPTION"]) for e in events]
    assert any(f"Note: {note.replace(chr(92) * 2, chr(92))}" in d for d in descriptions)


def test_write_ics_to_a_folder_is_one_error(tmp_path: Path) -> None:
    deal = load_deal(write_deal(tmp_path))
    with pytest.raises(arb.ArbError, match=r"cannot write the calendar"):
        write_ics(entries([deal]), tmp_path)
    assert not list(tmp_path.glob(".*.tmp"))


def test_cli_calendar_json_and_ics(tmp_path: Path) -> None:
    write_deal(tmp_path / "deals")
    ics = tmp_path / "out.ics"
    args = ["calendar", "--deals", str(tmp_path / "deals"), "--as-of", "2026-01-05", "--days", "60"]
    res = CliRunner().invoke(app, [*args, "--json", "--ics", str(ics)])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [(r["kind"], r["date"], r["days"], r["confirmed"]) for r in rows] == [
        ("meeting", "2026-01-20", 15, False),
        ("meeting", "2026-02-20", 46, True),
    ]
    assert rows[0]["deal"] == "sub-scheme" and rows[0]["uid"] == "sub-scheme.meeting.1@arb"
    # the file holds every event of the deal, past and beyond the window, for a subscribed calendar
    assert len(_events(ics.read_bytes())) == 5


def test_cli_calendar_table_escapes_the_note(tmp_path: Path) -> None:
    write_deal(tmp_path / "deals", note="\\u001b[31mred[/] and [bold]x[/bold]")
    res = CliRunner().invoke(
        app, ["calendar", "--deals", str(tmp_path / "deals"), "--as-of", "2026-01-05"], env={"COLUMNS": "160"}
    )
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.stdout
    assert "[bold]x[/bold]" in res.stdout  # markup is printed as written, never obeyed
    assert "sub-scheme" in res.stdout and "2026-01-20" in res.stdout
    assert "2026-06-15" not in res.stdout  # the payment is beyond the 30-day default


def test_cli_calendar_bad_ics_path(tmp_path: Path) -> None:
    write_deal(tmp_path / "deals")
    res = CliRunner().invoke(app, ["calendar", "--deals", str(tmp_path / "deals"), "--ics", str(tmp_path)])
    assert res.exit_code == 1
    assert "cannot write the calendar" in res.stderr and "Traceback" not in res.output


def test_api_frames(tmp_path: Path) -> None:
    path = write_deal(tmp_path)
    events = arb.events([path])
    assert list(events["deal"].unique()) == ["sub-scheme"]
    assert events["date"].dtype == "datetime64[ns]"
    assert events["date"].is_monotonic_increasing
    assert events["confirmed"].dtype == bool and events["confirmed"].sum() == 3
    conds = arb.conditions(path)
    assert list(conds["status"]) == ["met", "pending"]
    assert conds["date"].dtype == "datetime64[ns]" and conds["expected"].dtype == "datetime64[ns]"
    assert conds.loc[0, "date"] == pd.Timestamp("2025-05-28") and pd.isna(conds.loc[1, "date"])
    assert conds.loc[1, "expected"] == pd.Timestamp("2026-03-31")
    # deals without any: the same columns, no rows
    empty = arb.events(load_deal(Path(__file__).parent / "data" / "deals" / "valid" / "cash.toml"))
    assert len(empty) == 0 and list(empty.columns) == list(events.columns)
    assert empty["date"].dtype == "datetime64[ns]"


def test_cli_calendar_reads_the_watchlist(tmp_path: Path) -> None:
    write_deal(tmp_path / "deals")
    write_deal(tmp_path / "other", "not-watched")
    wl = tmp_path / "watchlist.toml"
    wl.write_text(f'[[watch]]\nid = "deals"\npath = "{tmp_path / "deals"}"\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["calendar", "--watchlist", str(wl), "--as-of", "2026-01-05", "--json"])
    assert res.exit_code == 0, res.output
    assert {r["deal"] for r in json.loads(res.stdout)} == {"sub-scheme"}
    bad = CliRunner().invoke(app, ["calendar", "--watchlist", str(tmp_path / "missing.toml")])
    assert bad.exit_code == 1 and "no such watchlist" in bad.stderr


def test_ics_holds_no_control_characters(tmp_path: Path) -> None:
    deal = load_deal(write_deal(tmp_path, note="\\u001b[2Jcleared\\u0007 and\\nnext line"))
    data = ics_bytes(entries([deal]))
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", data)  # CR LF end the lines, nothing else
    meeting = next(e for e in _events(data) if str(e["UID"]) == "sub-scheme.meeting.1@arb")
    assert "Note: \\x1b[2Jcleared\\x07 and\nnext line" in str(meeting["DESCRIPTION"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
def test_any_note_survives_the_ics_round_trip(tmp_path: Path, note: str) -> None:
    deal = load_deal(write_deal(tmp_path))
    deal = deal.model_copy(update={"events": (deal.events[1].model_copy(update={"note": note}),)})
    (event,) = _events(ics_bytes(entries([deal])))
    text = str(event["DESCRIPTION"])
    if note:
        assert "Note: " + "\n".join(safe(line) for line in note.split("\n")) in text
    assert str(event["UID"]) == "sub-scheme.meeting.1@arb"


@pytest.mark.parametrize("width", [60, 80, 120])
def test_cli_calendar_folds_long_text_inside_the_terminal(tmp_path: Path, width: int) -> None:
    url = "https://example.com/" + "a-long-path-without-spaces/" * 4
    write_deal(tmp_path / "deals", "a-deal-id-far-longer-than-its-column-allows", note=url)
    args = ["calendar", "--deals", str(tmp_path / "deals"), "--as-of", "2026-01-05", "--days", "20"]
    res = CliRunner().invoke(app, args, env={"COLUMNS": str(width)})
    lines = res.stdout.splitlines()
    assert all(len(line) <= width for line in lines), "\n".join(lines)
    at = next(line for line in lines if "Note" in line).index("Note")
    rows = [line for line in lines[lines.index(next(x for x in lines if "Note" in x)) + 2 :] if line.strip()]
    assert "".join(line[at:].strip() for line in rows) == url  # every character, folded, none cut off


def test_a_deal_announced_after_the_as_of_is_not_on_its_calendar(tmp_path: Path) -> None:
    deal = load_deal(write_deal(tmp_path))  # announced 2025-03-26
    assert upcoming([deal], as_of=dt.date(2025, 3, 1), days=400) == []  # no look-ahead
    assert len(upcoming([deal], as_of=dt.date(2025, 3, 1), days=400, include_closed=True)) == 3  # to 2026-04-05
    assert [e.kind for e in upcoming([deal], as_of=dt.date(2025, 3, 26), days=0)] == ["announcement"]


def test_days_beyond_a_century_is_a_usage_error_not_a_traceback() -> None:
    """--days past any real date (year 9999) is refused by the option, in one usage line."""
    res = CliRunner().invoke(app, ["calendar", "--days", "99999999999999999999999"])
    assert res.exit_code == 2
    assert "--days" in res.stderr and "36500" in res.stderr
    assert isinstance(res.exception, SystemExit) and "Traceback" not in res.output


def test_an_expected_date_is_marked_with_a_tilde_and_its_event_stays_on_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """At 80 columns 'effective (expected)' wrapped over two lines; the ~ before the date, as the
    report's Next column writes it, keeps the event one word, and a footnote says what ~ means."""
    monkeypatch.setenv("ARB_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "80")
    res = CliRunner().invoke(app, ["calendar", "--as-of", "2026-01-01", "--days", "40"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    row = next(line for line in lines if "hang-seng-bank" in line and "effective" in line)
    assert row.split()[:4] == ["~2026-01-26", "25d", "hang-seng-bank", "effective"]
    assert "(expected)" not in res.stdout
    assert "~: an expected date, not yet confirmed." in lines
    assert all(len(line) <= 80 for line in lines)

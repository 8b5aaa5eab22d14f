"""What a new user's first day with the command line turned up (QA, 2026-12-01).

Each test names the command a careless user typed and what it must do; each failed before its fix.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import DEALS
from typer.testing import CliRunner

from arb.cli import app

CASH = DEALS / "valid" / "cash.toml"
TEST_PRICES = DEALS / "prices.csv"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARB_OFFLINE", "1")


def invoke(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("command", ["validate", "report"])
def test_an_empty_folder_is_named_not_passed_over(command: str, tmp_path: Path) -> None:
    empty = tmp_path / "my-deals"
    (empty / "sub").mkdir(parents=True)
    (empty / "_draft.toml").write_text('id = "draft"\n', encoding="utf-8")  # skipped by its name
    res = invoke(command, empty)
    assert res.exit_code == 1
    lines = res.stderr.splitlines()
    assert lines == [
        f"error: {empty}: holds no deal files (*.toml; names starting with '.' or '_' are skipped); "
        "give the folder your deal files are in, or write one with `arb new ID -o FOLDER`"
    ]


def test_an_empty_folder_never_stops_the_deals_beside_it(tmp_path: Path) -> None:
    deals = tmp_path / "deals"
    deals.mkdir()
    shutil.copy(CASH, deals / "cash.toml")
    (tmp_path / "empty").mkdir()
    res = invoke("report", deals, tmp_path / "empty", "--prices", TEST_PRICES, "--json")
    assert res.exit_code == 1  # an input was bad, and the good deal is still reported
    assert [r["id"] for r in json.loads(res.stdout)] == ["cash-deal"]
    assert f"{tmp_path / 'empty'}: holds no deal files" in res.stderr
    assert str(deals) not in res.stderr  # a folder with a deal file is not called empty


@pytest.mark.parametrize("chosen", ["deal,spread,value", "value,spread", "spread %,target"])
def test_chosen_money_columns_bring_their_currency(chosen: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # `arb report --columns deal,spread,value` showed USD and HKD figures side by side with no currency.
    monkeypatch.setenv("COLUMNS", "160")
    res = invoke("report", DEALS / "valid", "--prices", TEST_PRICES, "--columns", chosen)
    lines = res.stdout.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.strip().startswith("─"))
    head = re.split(r" {2,}", lines[rule - 1].strip())
    assert head[head.index("Deal") + 1] == "Ccy"
    rows = [re.split(r" {2,}", line.strip()) for line in lines[rule + 1 :] if line.strip()]
    rows = [row for row in rows if len(row) == len(head)]
    currencies = {row[head.index("Ccy")] for row in rows}
    assert {"USD", "HKD"} <= currencies  # the folder's deals are in more than one currency
    assert "Not shown" not in res.stdout  # Ccy, added, is never named as left out


def test_history_says_when_a_price_was_synthetic(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Refreshed from a file of made-up prices, `arb history DEAL` called every row just "live" at 80
    # columns (where the Flags column is left out): test data passed for a market price.
    monkeypatch.setenv("COLUMNS", "80")
    deal = tmp_path / "cash.toml"
    shutil.copy(CASH, deal)
    wl = tmp_path / "wl.toml"
    wl.write_text(f'[[watch]]\nid = "cash"\npath = "{deal}"\n', encoding="utf-8")
    rows = "symbol,price,currency,as_of,source\nACME,48.00,USD,2025-06-20,{}\nACME,48.50,USD,2025-06-23,{}\n"
    made_up, quoted = tmp_path / "made-up.csv", tmp_path / "quoted.csv"
    made_up.write_text(rows.format("synthetic", "synthetic"), encoding="utf-8")
    quoted.write_text(rows.format("exchange close", "exchange close"), encoding="utf-8")
    assert invoke("refresh", "--watchlist", wl, "--prices", made_up, "--as-of", "2025-06-20").exit_code == 0
    assert invoke("refresh", "--watchlist", wl, "--prices", quoted, "--as-of", "2025-06-23").exit_code == 0
    res = invoke("history", "cash-deal")
    assert res.exit_code == 0, res.stderr
    cells = {
        line.split()[0]: line.rstrip().rsplit("   ", 1)[-1].strip()
        for line in res.stdout.splitlines()
        if line.lstrip().startswith("2025-")
    }
    assert cells == {"2025-06-20": "live, synthetic", "2025-06-23": "live"}


@pytest.mark.parametrize("columns", ["40", "50", "60", "70", "80", "100"])
def test_history_never_cuts_a_figure(columns: str, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `arb history DEAL` on a 60-column terminal printed '2026-1…', '11…', 'H…': every figure cut.
    deal = tmp_path / "cash.toml"
    shutil.copy(CASH, deal)
    wl = tmp_path / "wl.toml"
    wl.write_text(f'[[watch]]\nid = "cash"\npath = "{deal}"\n', encoding="utf-8")
    prices = tmp_path / "p.csv"
    prices.write_text(
        "symbol,price,currency,as_of,source\nACME,48.00,USD,2025-06-20,exchange close\n", encoding="utf-8"
    )
    assert invoke("refresh", "--watchlist", wl, "--prices", prices).exit_code == 0
    monkeypatch.setenv("COLUMNS", columns)
    res = invoke("history", "cash-deal")
    assert res.exit_code == 0, res.stderr
    assert "…" not in res.stdout
    row = next(line for line in res.stdout.splitlines() if line.startswith(" 2025-06-20 "))
    head = res.stdout.splitlines()[res.stdout.splitlines().index(row) - 2]
    shown = re.split(r" {2,}", head.strip())
    cells = dict(zip(shown, re.split(r" {2,}", row.strip()), strict=False))  # the Flags cell is empty
    assert cells["As of"] == "2025-06-20" and cells["Spread %"] == "+4.2%" and cells["Prices"] == "live"
    if "Target" in cells:
        assert cells["Target"] == "48.00" and cells["Ccy"] == "USD"  # a price keeps its currency beside it
    left_out = [h for h in ("#", "Target", "Value", "Spread") if h not in shown]
    if left_out:
        assert f"Not shown at this width: {', '.join(left_out)}" in " ".join(res.stdout.split())
    else:
        assert "Not shown" not in res.stdout


def test_an_alert_on_an_id_no_watched_deal_has_is_warned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `arb watch alert add enn-enrgy spread_pct_below 5` set a rule that could never fire, in silence.
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    res = invoke("watch", "alert", "add", "enn-enrgy", "spread_pct_below", "5")
    assert res.exit_code == 0  # kept: it applies once a deal of that id is watched
    assert res.stderr.splitlines()[-1] == (
        "warning: no watched deal has the id 'enn-enrgy', so the rule fires for none; did you mean "
        "'enn-energy'? it applies once a deal of that id is watched (`arb watch list` shows the ids)"
    )
    for deal in ("enn-energy", "*"):  # a watched deal (the seeds, with no watchlist), or every deal
        res = invoke("watch", "alert", "add", deal, "spread_pct_below", "5")
        assert res.exit_code == 0 and "warning" not in res.stderr


def test_the_first_alert_keeps_the_seeds_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The README's `arb watch alert add enn-energy spread_pct_below 5` on a fresh install wrote a
    # watchlist with no [[watch]] entry: from then on refresh followed nothing (the seeds were
    # followed only while there was no file) and the new rule could never fire.
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    before = json.loads(invoke("watch", "list", "--json").stdout)
    assert [r["id"] for r in before] == ["seeds"] and "enn-energy" in before[0]["deals"]
    res = invoke("watch", "alert", "add", "enn-energy", "spread_pct_below", "5")
    assert res.exit_code == 0 and "warning" not in res.stderr
    assert "follows the bundled seed deals as before, as the entry 'seeds'" in res.stderr
    after = json.loads(invoke("watch", "list", "--json").stdout)
    assert [(r["id"], r["deals"]) for r in after] == [("seeds", before[0]["deals"])]
    assert after[0]["alerts"] == ["enn-energy: spread_pct_below 5%"]
    res = invoke("watch", "alert", "add", "enn-energy", "annualized_above", "40")  # the file exists now
    assert res.exit_code == 0 and "created" not in res.stderr
    assert [r["id"] for r in json.loads(invoke("watch", "list", "--json").stdout)] == ["seeds"]


def test_alert_list_takes_csv_and_nl_like_every_listing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `arb watch alert list --csv` was "No such option", unlike report, history, calendar and watch list.
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    invoke("watch", "alert", "add", "enn-energy", "spread_pct_below", "5")
    invoke("watch", "alert", "add", "*", "spread_widens_by", "1.5")
    as_json = json.loads(invoke("watch", "alert", "list", "--json").stdout)["rules"]
    res = invoke("watch", "alert", "list", "--csv")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines() == [
        "deal,rule,level,written",
        "enn-energy,spread_pct_below,0.05,5%",
        "*,spread_widens_by,1.5,1.5",
    ]
    lines = invoke("watch", "alert", "list", "--nl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == as_json
    assert invoke("watch", "alert", "list", "--csv", "--nl").exit_code == 2


def test_new_into_a_file_that_is_not_toml_names_the_fix(tmp_path: Path) -> None:
    # `arb new x1 -o prices.csv` said 'prices.csv/x1.toml: cannot write it (File exists)'.
    prices = tmp_path / "prices.csv"
    prices.write_text("symbol,price,currency\n", encoding="utf-8")
    res = invoke("new", "x1", "-o", prices)
    assert res.exit_code == 1
    assert res.stderr == f"error: {prices}: is a file, not a folder; give --output a .toml file name or a folder\n"
    assert prices.read_text(encoding="utf-8") == "symbol,price,currency\n"


@pytest.mark.parametrize(
    "command", [["refresh", "--offline"], ["history"], ["watch", "alert", "add", "*", "spread_pct_below", "5"]]
)
def test_arb_home_that_is_a_file_is_one_line(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ARB_HOME set to a file: refresh said 'FILE/history.sqlite3: File exists', history said
    # 'no history yet; run `arb refresh` first' (which then failed), watch alert add 'cannot write it'.
    not_a_folder = tmp_path / "prices.csv"
    not_a_folder.write_text("symbol,price,currency\n", encoding="utf-8")
    monkeypatch.setenv("ARB_HOME", str(not_a_folder))
    res = invoke(*command)
    assert res.exit_code == 2
    assert res.stderr == (
        f"error: ARB_HOME={not_a_folder}: is a file, not a folder; "
        "point ARB_HOME at the folder for the store and watchlist\n"
    )
    assert not_a_folder.read_text(encoding="utf-8") == "symbol,price,currency\n"


def test_book_and_changes_never_cut_a_figure_on_a_narrow_terminal(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At 40 columns `arb history` printed 'Sprea…  L…  L…  H…' and '1…', and `arb refresh` its
    # changes as '0.…   +0…': the figures cut. Lines may run past the edge; no figure loses a digit.
    deal = tmp_path / "cash.toml"
    shutil.copy(CASH, deal)
    wl = tmp_path / "wl.toml"
    wl.write_text(f'[[watch]]\nid = "cash"\npath = "{deal}"\n', encoding="utf-8")
    prices = tmp_path / "p.csv"
    prices.write_text(
        "symbol,price,currency,as_of,source\nACME,48.00,USD,2025-06-20,close\nACME,47.25,USD,2025-06-23,close\n",
        encoding="utf-8",
    )
    assert invoke("refresh", "--watchlist", wl, "--prices", prices, "--as-of", "2025-06-20").exit_code == 0
    monkeypatch.setenv("COLUMNS", "40")
    res = invoke("refresh", "--watchlist", wl, "--prices", prices, "--as-of", "2025-06-23")
    assert res.exit_code == 0, res.stderr
    change = next(line for line in res.stdout.splitlines() if line.startswith(" cash-deal") and "pp" in line)
    assert re.split(r" {2,}", change.strip()) == ["cash-deal", "USD", "2.00", "2.75", "+0.75", "4.2%", "5.8%", "+1.7pp"]
    book = invoke("history", "--watchlist", wl)
    assert book.exit_code == 0, book.stderr
    assert "…" not in res.stdout + book.stdout
    assert book.stdout.splitlines()[0].split() == ["Deal", "Spread", "%", "Last", "Low", "High", "Since", "Rows"]
    row = next(line for line in book.stdout.splitlines() if line.startswith("cash-deal"))
    assert row.split()[2:] == ["5.8%", "4.2%", "5.8%", "2025-06-20", "2"]


def test_a_file_named_twice_is_one_deal(tmp_path: Path) -> None:
    # `arb report deals deals/cash.toml` said "id 'cash-deal' is already used by deals/cash.toml":
    # the file clashing with itself.
    deals = tmp_path / "deals"
    deals.mkdir()
    shutil.copy(CASH, deals / "cash.toml")
    res = invoke("report", deals, deals / "cash.toml", deals, "--prices", TEST_PRICES, "--json")
    assert res.exit_code == 0, res.stderr
    assert [r["id"] for r in json.loads(res.stdout)] == ["cash-deal"]
    assert invoke("validate", deals, deals / "cash.toml").stdout.splitlines()[-1] == "1 valid, 0 invalid"


def test_watch_add_refuses_another_file_with_a_watched_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `arb watch add` took a folder holding another file with a watched deal's id: from then on
    # every refresh failed with "ids must be unique" (exit 1). A file inside a watched folder is
    # the same deal: watched twice, it is read once.
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    deals, other = tmp_path / "deals", tmp_path / "other"
    deals.mkdir()
    other.mkdir()
    shutil.copy(CASH, deals / "cash.toml")
    shutil.copy(CASH, other / "cash-copy.toml")
    assert invoke("watch", "add", deals).exit_code == 0
    assert invoke("watch", "add", deals / "cash.toml").exit_code == 0
    before = (tmp_path / "home" / "watchlist.toml").read_text(encoding="utf-8")
    res = invoke("watch", "add", other)
    assert res.exit_code == 1
    assert res.stderr.splitlines() == [
        f"error: {tmp_path / 'home' / 'watchlist.toml'}: {other}: the deal id 'cash-deal' is already watched "
        f"from {deals / 'cash.toml'} (entry 'deals'); ids must be unique: rename one, or remove that entry first"
    ]
    assert (tmp_path / "home" / "watchlist.toml").read_text(encoding="utf-8") == before
    res = invoke("refresh", "--prices", TEST_PRICES, "--json")
    assert res.exit_code == 0, res.stderr
    assert [d["id"] for d in json.loads(res.stdout)["deals"]] == ["cash-deal"]


def test_arb_home_too_long_to_look_up_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `arb history` with such an ARB_HOME ended in an OSError traceback from the watchlist lookup.
    home = tmp_path / ("h" * 300)
    monkeypatch.setenv("ARB_HOME", str(home))
    res = invoke("history")
    assert res.exit_code == 2
    assert res.stderr == (
        f"error: ARB_HOME={home}: cannot be looked up (File name too long); "
        "point ARB_HOME at the folder for the store and watchlist\n"
    )


def test_refresh_as_of_a_day_to_come_is_refused(home: Path, tmp_path: Path) -> None:
    # `arb refresh --prices FILE --as-of 2027-01-01` stored a snapshot dated after today in the history.
    import datetime as dt

    deal = tmp_path / "cash.toml"
    shutil.copy(CASH, deal)
    wl = tmp_path / "wl.toml"
    wl.write_text(f'[[watch]]\nid = "cash"\npath = "{deal}"\n', encoding="utf-8")
    later = dt.date.today() + dt.timedelta(days=31)
    res = invoke("refresh", "--watchlist", wl, "--prices", TEST_PRICES, "--as-of", later.isoformat())
    assert res.exit_code == 2
    assert f"{later} is after today ({dt.date.today()}): a refresh stores what was known on its day" in res.stderr
    assert not (home / "history.sqlite3").exists()
    assert invoke("refresh", "--watchlist", wl, "--prices", TEST_PRICES, "--as-of", "2025-06-20").exit_code == 0


def test_a_price_override_no_deal_uses_is_warned(tmp_path: Path) -> None:
    # `arb report --price ACNE=55` (a typo for ACME) reported at the file's price, in silence.
    deals = tmp_path / "deals"
    deals.mkdir()
    shutil.copy(CASH, deals / "cash.toml")
    res = invoke("report", deals, "--prices", TEST_PRICES, "--price", "ACNE=55", "--json")
    assert res.exit_code == 0, res.stderr
    assert "warning: --price ACNE: no deal here is priced from ACNE, so it changes nothing (did you mean 'ACME'?)" in (
        res.stderr
    )
    assert json.loads(res.stdout)[0]["target_price"] == 48.0  # the file's price, as the warning says
    res = invoke("report", deals, "--prices", TEST_PRICES, "--price", "acme=55", "--json")
    assert "warning" not in res.stderr and json.loads(res.stdout)[0]["target_price"] == 55.0


def test_a_missing_key_says_what_to_add(tmp_path: Path) -> None:
    # `name: is required but missing` named the key but not the fix.
    deal = tmp_path / "no-name.toml"
    deal.write_text('id = "no-name"\n\n[[consideration]]\nkind = "cash"\namount = 1.0\n', encoding="utf-8")
    res = invoke("validate", deal)
    assert res.exit_code == 1
    assert res.stderr.splitlines() == [
        f"error: {deal}: name: is required but missing; add it (name = ...); docs/deal-format.md describes each key",
        f"error: {deal}: target: is required but missing; add a [target] table (its ticker and/or name); "
        "docs/deal-format.md describes each key",
    ]


def test_show_of_an_unknown_id_names_the_watched_deals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # With a watchlist of one's own deals, `arb show cash-dael` listed only the bundled seeds as
    # "known", never the watched deal the typo was for.
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    deals = tmp_path / "deals"
    deals.mkdir()
    shutil.copy(CASH, deals / "cash.toml")
    assert invoke("watch", "add", deals).exit_code == 0
    res = invoke("show", "cash-dael", "--prices", TEST_PRICES)
    assert res.exit_code == 1
    line = res.stderr.splitlines()[-1]
    assert line.startswith("error: no deal with id 'cash-dael' in the watchlist or the default deal folders; ")
    assert "did you mean 'cash-deal'? (known: cash-deal, " in line


@pytest.mark.parametrize("level", ["9999", "2.5", "1e9"])
def test_an_event_window_out_of_range_says_what_is_wanted(
    level: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `arb watch alert add '*' event_within_days 9999` said "'9999' is not a level; write a number".
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    res = invoke("watch", "alert", "add", "*", "event_within_days", level)
    assert res.exit_code == 1
    assert res.stderr.endswith(
        f"alerts.*.event_within_days: '{level}' is not a level; write a whole number of days from 0 to 3660, e.g. 14\n"
    )


def test_alert_list_says_the_currency_of_a_money_level(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `arb watch alert list` showed spread_widens_by's level as a bare 1.5: money with no currency.
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    invoke("watch", "alert", "add", "enn-energy", "spread_pct_below", "5")
    assert "currency" not in invoke("watch", "alert", "list").stdout  # percents need no currency
    invoke("watch", "alert", "add", "enn-energy", "spread_widens_by", "1.5")
    res = invoke("watch", "alert", "list")
    assert res.stdout.splitlines()[-1] == "spread_widens_by: money per target share, in each deal's own currency."


@pytest.mark.parametrize("columns", ["50", "60", "70", "80"])
def test_live_screen_never_cuts_a_figure_and_says_synthetic(
    columns: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At 60 columns `arb watch live` printed 'C…  Spr…  Spread…' and 'G…', and made-up prices
    # from a file showed as 'live'.
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", columns)
    deals = tmp_path / "deals"
    deals.mkdir()
    shutil.copy(CASH, deals / "cash.toml")
    assert invoke("watch", "add", deals).exit_code == 0
    prices = tmp_path / "p.csv"
    prices.write_text("symbol,price,currency,as_of,source\nACME,48.00,USD,2025-06-20,synthetic\n", encoding="utf-8")
    res = invoke("watch", "live", "--cycles", "1", "--prices", prices)
    assert res.exit_code == 0, res.stderr
    screen = res.stdout.split("Stored refresh")[0]
    assert "…" not in screen
    assert all(len(line) <= int(columns) for line in screen.splitlines())
    row = next(line for line in screen.splitlines() if line.startswith("cash-deal"))
    assert "4.17%" in row and row.rstrip().endswith("synthetic")


def test_extract_never_overwrites_a_file_unasked(tmp_path: Path) -> None:
    # `arb extract article.txt -o prices.csv` replaced the price file with a TOML draft, and a
    # second extract into drafts/ replaced a draft whose TODOs had been filled, in silence.
    article = tmp_path / "article.txt"
    article.write_text(
        "Published: November 27, 2026\n\nQbig Holdings agreed to acquire Zetaqa Inc (NASDAQ: ZQAT) "
        "for $42.50 per share in cash. Zetaqa shares closed at $40.10 on Thursday.\n",
        encoding="utf-8",
    )
    prices = tmp_path / "prices.csv"
    prices.write_text("symbol,price,currency\nZQAT,40.1,USD\n", encoding="utf-8")
    res = invoke("extract", article, "-o", prices)
    assert res.exit_code == 1
    assert res.stderr == (
        f"error: {prices}: already exists (edits in it would be lost); "
        "pass --force to overwrite it, or choose another -o / --prices-out\n"
    )
    assert prices.read_text(encoding="utf-8") == "symbol,price,currency\nZQAT,40.1,USD\n"
    drafts = tmp_path / "drafts"
    assert invoke("extract", article, "-o", f"{drafts}/", "--prices-out", drafts / "p.csv").exit_code == 0
    (draft,) = drafts.glob("*.toml")
    edited = draft.read_text(encoding="utf-8") + "expected_close = 2027-06-30\n"
    draft.write_text(edited, encoding="utf-8")
    res = invoke("extract", article, "-o", f"{drafts}/")
    assert res.exit_code == 1 and "already exists" in res.stderr
    assert draft.read_text(encoding="utf-8") == edited
    assert invoke("extract", article, "--prices-out", drafts / "p.csv").exit_code == 1
    res = invoke("extract", article, "-o", f"{drafts}/", "--force")
    assert res.exit_code == 0 and draft.read_text(encoding="utf-8") != edited


def test_calendar_ics_never_replaces_a_file_that_is_not_a_calendar(tmp_path: Path) -> None:
    # `arb calendar --ics prices.csv` replaced the price file with an iCalendar.
    deals = tmp_path / "deals"
    deals.mkdir()
    (deals / "meeting.toml").write_text(
        CASH.read_text(encoding="utf-8") + '\n[[event]]\nkind = "meeting"\ndate = 2025-09-01\n', encoding="utf-8"
    )
    prices = tmp_path / "prices.csv"
    prices.write_text("symbol,price,currency\n", encoding="utf-8")
    res = invoke("calendar", "--deals", deals, "--as-of", "2025-08-01", "--ics", prices)
    assert res.exit_code == 1
    assert res.stderr == (
        f"error: {prices}: is not an iCalendar file, so it is not replaced; "
        "give --ics a new file or the calendar it wrote\n"
    )
    assert prices.read_text(encoding="utf-8") == "symbol,price,currency\n"
    ics = tmp_path / "deals.ics"
    for _ in range(2):  # written, then replaced by the re-export
        assert invoke("calendar", "--deals", deals, "--as-of", "2025-08-01", "--ics", ics).exit_code == 0
        assert ics.read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")


def test_show_of_a_missing_file_or_a_folder_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `arb show deals/acme.toml` (moved) and `arb show deals` (a folder) were looked up as deal ids:
    # "no deal with id 'deals/acme.toml' ...".
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deals").mkdir()
    shutil.copy(CASH, tmp_path / "deals" / "cash.toml")
    res = invoke("show", "deals/acme.toml", "--prices", TEST_PRICES)
    assert res.exit_code == 1
    assert res.stderr == "error: deals/acme.toml: no such deal file; pass a deal file, or a deal's id\n"
    res = invoke("show", "deals", "--prices", TEST_PRICES)
    assert res.exit_code == 1
    assert "; deals is a folder: `arb show ID --deals deals` shows one of its deals (known: " in res.stderr
    res = invoke("show", "cash-deal", "--deals", "deals", "--prices", TEST_PRICES)
    assert res.exit_code == 0, res.stderr


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("symbol;price;currency\nACME;48,00;USD\n", ":1: unknown column 'symbol;price;currency'; separate the cells "
         "with commas (symbol,price,currency), not semicolons or tabs"),
        ("symbol\tprice\tcurrency\nACME\t48\tUSD\n", ":1: unknown column 'symbol\\tprice\\tcurrency'; separate the "
         "cells with commas (symbol,price,currency), not semicolons or tabs"),
        ('symbol,price,currency\nACME,"48,00",USD\n', ":2: price '48,00' of ACME is not a number; write the "
         "decimals after a point (40.10), not a comma"),
        ('symbol,price,currency\nACME,"1,048.00",USD\n', ":2: price '1,048.00' of ACME is not a number; write the "
         "number without thousands separators (1234.5)"),
    ],
)  # fmt: skip
def test_a_spreadsheet_export_says_how_to_fix_it(content: str, problem: str, tmp_path: Path) -> None:
    # A price file saved by a spreadsheet set to a European locale said only "unknown column
    # 'symbol;price;currency'" or "'48,00' is not a number".
    prices = tmp_path / "prices.csv"
    prices.write_text(content, encoding="utf-8")
    res = invoke("report", CASH, "--prices", prices)
    assert res.exit_code == 1
    assert f"error: {prices}{problem}" in res.stderr.splitlines()

"""The watchlist: its TOML format, clear errors, add/remove that keep the file, alert rules."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arb.cli import app
from arb.errors import DealFileError
from arb.resources import seeds_dir
from arb.watchlist import WatchlistError, add_entry, evaluate_alerts, load_watchlist, remove_entry

DATA = Path(__file__).parent / "data" / "refresh"
DEALS = DATA / "deals"

EXAMPLE = """\
# my deals
[[watch]]
id = "alpha"
path = "deals/alpha.toml"   # relative to this file

[alerts.alpha]
spread_pct_below = "10%"
spread_pct_above = 0.3
annualized_above = "40 %"
spread_widens_by = 1.5
spread_pct_widens_by = "2pp"

[alerts."*"]
spread_pct_widens_by = 0.05
annualized_above = "90%"
"""


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ARB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "home"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "watchlist.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_documented_format_reads(tmp_path: Path) -> None:
    wl = load_watchlist(write(tmp_path, EXAMPLE))
    assert [(e.id, e.path) for e in wl.entries] == [("alpha", tmp_path / "deals" / "alpha.toml")]
    levels = {r.kind: r.level for r in wl.rules_for("alpha")}
    assert levels == pytest.approx(
        {
            "spread_pct_below": 0.10,
            "spread_pct_above": 0.30,
            "annualized_above": 0.40,  # the deal's own level wins over "*"
            "spread_widens_by": 1.5,
            "spread_pct_widens_by": 0.02,
        }
    )
    assert {r.kind: r.level for r in wl.rules_for("other")} == pytest.approx(
        {"spread_pct_widens_by": 0.05, "annualized_above": 0.90}
    )
    assert wl.unknown_alert_deals({"beta"}) == ["alpha"]


def test_no_watchlist_follows_the_seeds() -> None:
    wl = load_watchlist()
    assert wl.follows_seeds and wl.deal_paths() == [seeds_dir()]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("watches = []\n", "watches: unknown key; did you mean 'watch'?"),
        ("[alerts.alpha]\nspread_pct_blow = 0.1\n", "alerts.alpha.spread_pct_blow: unknown rule; did you mean 'spread_pct_below'?"),  # noqa: E501
        ("[alerts.alpha]\nspread_pct_below = \"ten\"\n", "alerts.alpha.spread_pct_below: 'ten' is not a level; write a percent"),  # noqa: E501
        ("[alerts.alpha]\nspread_pct_below = \"10\"\n", "'10' is not a level; write a percent, e.g. \"5%\""),
        ("[alerts.alpha]\nspread_widens_by = \"1.5%\"\n", "spread_widens_by: '1.5%' is not a level; write a number in the deal's currency"),  # noqa: E501
        ("[alerts.alpha]\nspread_pct_widens_by = -0.01\n", "spread_pct_widens_by: -0.01 must be above zero"),
        ("[alerts.Alpha]\nspread_pct_below = 0.1\n", "alerts.Alpha: is not a deal id"),
        ("[[watch]]\nid = \"a\"\n", "watch #1.path: is required"),
        ("[[watch]]\nid = \"a\"\npath = \"x\"\n[[watch]]\nid = \"a\"\npath = \"y\"\n", "watch #2.id: 'a' is used twice"),  # noqa: E501
        ("[[watch]]\nid = \"a\"\npath = \"x\"\nfolder = true\n", "watch #1.folder: unknown key"),
        ("[watch]\nid = 1\n", "watch: must be a list of [[watch]] tables"),
        ("[alerts\n", "TOML syntax error"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_naming_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(WatchlistError) as info:
        load_watchlist(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_an_explicit_watchlist_must_exist(tmp_path: Path) -> None:
    with pytest.raises(WatchlistError, match="no such watchlist; create it with `arb watch add PATH`"):
        load_watchlist(tmp_path / "missing.toml")


def test_add_and_remove_keep_comments_and_alerts(tmp_path: Path) -> None:
    path = write(tmp_path, EXAMPLE.replace('path = "deals/alpha.toml"', f'path = "{DEALS / "alpha.toml"}"'))
    entry = add_entry(path, DEALS / "beta.toml")
    assert entry.id == "beta"
    folder = add_entry(path, DEALS)
    assert folder.id == "deals"
    with pytest.raises(WatchlistError, match="already watched as 'beta'"):
        add_entry(path, DEALS / "beta.toml")
    assert [e.id for e in load_watchlist(path).entries] == ["alpha", "beta", "deals"]
    remove_entry(path, "beta")
    text = path.read_text()
    assert "# my deals" in text and "# relative to this file" in text and 'spread_pct_below = "10%"' in text
    wl = load_watchlist(path)
    assert [e.id for e in wl.entries] == ["alpha", "deals"]
    assert len(wl.rules) == 7
    with pytest.raises(WatchlistError, match="no entry with id 'beta'"):
        remove_entry(path, "beta")


def test_add_checks_the_deal_first(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'id = "bad"\nname = "x"\nstatus = "pending"\n[target]\nticker = "1111.HK"\n[[consideration]]\nkind = "cash"\n'
    )
    path = tmp_path / "wl" / "watchlist.toml"
    with pytest.raises(DealFileError):
        add_entry(path, bad)
    with pytest.raises(WatchlistError, match="no such deal file or folder"):
        add_entry(path, tmp_path / "nothing.toml")
    assert not path.exists()
    add_entry(path, DEALS / "alpha.toml")
    assert tomllib.loads(path.read_text())["watch"] == [{"id": "alpha", "path": str(DEALS / "alpha.toml")}]


@pytest.mark.parametrize(
    ("rule", "level", "figures", "change", "fires"),
    [
        ("spread_pct_below", 0.10, {"spread_pct": 0.08}, None, True),
        ("spread_pct_below", 0.10, {"spread_pct": 0.12}, None, False),
        ("spread_pct_above", 0.20, {"spread_pct": 0.25}, None, True),
        ("spread_pct_above", 0.20, {"spread_pct": 0.20}, None, False),
        ("annualized_above", 0.40, {"annualized": 0.45}, None, True),
        ("annualized_above", 0.40, {"annualized": None}, None, False),
        ("spread_widens_by", 0.40, {}, {"spread": 0.50}, True),
        ("spread_widens_by", 0.40, {}, {"spread": -0.50}, False),
        ("spread_widens_by", 0.40, {}, None, False),
        ("spread_pct_widens_by", 0.02, {}, {"spread_pct": 0.03}, True),
        ("spread_pct_widens_by", 0.02, {}, {"spread_pct": 0.01}, False),
    ],
)  # fmt: skip
def test_each_rule_fires_only_past_its_level(
    tmp_path: Path, rule: str, level: float, figures: dict, change: dict | None, fires: bool
) -> None:
    wl = load_watchlist(write(tmp_path, f"[alerts.alpha]\n{rule} = {level}\n"))
    alerts = evaluate_alerts("alpha", wl.rules_for("alpha"), {"currency": "HKD", **figures}, change)
    assert bool(alerts) is fires
    if fires:
        assert alerts[0].rule == rule and alerts[0].deal_id == "alpha"
        assert alerts[0].message.startswith("alpha: ") and f"[{rule}]" in alerts[0].message


def test_alert_messages_read_in_the_trade_units(tmp_path: Path) -> None:
    wl = load_watchlist(write(tmp_path, '[alerts.alpha]\nspread_widens_by = 0.4\nspread_pct_below = "10%"\n'))
    got = evaluate_alerts("alpha", wl.rules_for("alpha"), {"currency": "HKD", "spread_pct": 0.0825}, {"spread": 0.5})
    assert [a.message for a in got] == [
        "alpha: spread widened by HKD 0.50 since the last refresh (more than HKD 0.40) [spread_widens_by]",
        "alpha: spread % 8.2% is below 10.0% [spread_pct_below]",
    ]


def test_watch_commands(tmp_path: Path, _home: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["watch", "list"])
    assert res.exit_code == 0 and "following the bundled seed deals" in res.output
    res = runner.invoke(app, ["watch", "add", str(DEALS / "alpha.toml")])
    assert res.exit_code == 0, res.output
    assert (_home / "watchlist.toml").exists()
    res = runner.invoke(app, ["watch", "add", str(DEALS)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["watch", "list"])
    assert res.exit_code == 0
    assert "alpha" in res.output and "deals" in res.output and "beta" in res.output
    res = runner.invoke(app, ["watch", "remove", "alpha"])
    assert res.exit_code == 0
    assert [e.id for e in load_watchlist(_home / "watchlist.toml").entries] == ["deals"]
    res = runner.invoke(app, ["watch", "remove", "alpha"])
    assert res.exit_code == 1 and "no entry with id 'alpha'" in res.output


def test_a_bad_watchlist_is_one_line_without_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "[alerts.alpha]\nannualized_abov = 0.3\n")
    for args in (["watch", "list", "--watchlist", str(path)], ["refresh", "--watchlist", str(path)]):
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 1
        assert res.output.strip().splitlines() == [
            f"error: {path}: alerts.alpha.annualized_abov: unknown rule; did you mean 'annualized_above'?"
        ]
        assert res.exception is None or isinstance(res.exception, SystemExit)


# -- hostile paths, ids and files (issue 10) ---------------------------------------------------


def test_watch_add_escapes_a_path_with_a_newline_or_control_character(tmp_path: Path, _home: Path) -> None:
    folder = tmp_path / "odd\nname\x1b[2J\x7f"
    folder.mkdir()
    (folder / "alpha.toml").write_text((DEALS / "alpha.toml").read_text(encoding="utf-8"), encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["watch", "add", str(folder)])
    assert res.exit_code == 0, res.output
    [entry] = load_watchlist(_home / "watchlist.toml").entries
    assert entry.path == folder.resolve()
    assert "\x1b" not in (_home / "watchlist.toml").read_text(encoding="utf-8")  # written as \u001b
    res = runner.invoke(app, ["watch", "list"])
    assert res.exit_code == 0 and "alpha" in res.output


@pytest.mark.parametrize("entry_id", ["two\nlines", "esc\x1b[2J", "tab\tid", 'quote"id'])
def test_watch_add_refuses_an_id_with_control_characters(tmp_path: Path, _home: Path, entry_id: str) -> None:
    res = CliRunner().invoke(app, ["watch", "add", str(DEALS / "alpha.toml"), "--id", entry_id])
    assert res.exit_code == 1
    assert len(res.output.strip().splitlines()) == 1 and "not an id" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert not (_home / "watchlist.toml").exists()


def test_a_deeply_nested_watchlist_is_one_error_line(tmp_path: Path) -> None:
    path = write(tmp_path, "watch = " + "[" * 1000 + "]" * 1000 + "\n")
    res = CliRunner().invoke(app, ["watch", "list", "--watchlist", str(path)])
    assert res.exit_code == 1
    assert res.output.strip().splitlines() == [
        f"error: {path}: arrays or tables are nested too deeply to read; no arb file needs more than a few levels"
    ]


def test_a_watchlist_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.encode())
    assert [e.id for e in load_watchlist(path).entries] == ["alpha"]
    # editing it keeps working: the mark is dropped, the rest kept
    add_entry(path, DEALS / "beta.toml")
    remove_entry(path, "alpha")
    assert [e.id for e in load_watchlist(path).entries] == ["beta"]
    assert "spread_pct_below" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("errno_", "words"), [(30, "is read-only"), (13, "is read-only"), (28, "disk is full")])
def test_watch_add_in_a_folder_it_cannot_write_is_one_line_and_loses_nothing(
    tmp_path: Path, _home: Path, monkeypatch: pytest.MonkeyPatch, errno_: int, words: str
) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["watch", "add", str(DEALS / "alpha.toml")]).exit_code == 0
    target = _home / "watchlist.toml"
    before = target.read_bytes()
    real = Path.write_text

    def refuse(self: Path, *args: object, **kwargs: object) -> int:
        if self.name.endswith(".tmp"):
            raise OSError(errno_, "refused")
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", refuse)
    res = runner.invoke(app, ["watch", "add", str(DEALS / "beta.toml")])
    assert res.exit_code == 1
    [line] = res.output.strip().splitlines()
    assert line.startswith(f"error: {target}: ") and words in line and "was not changed" in line
    assert target.read_bytes() == before
    assert not target.with_name("watchlist.toml.tmp").exists()


def test_paths_longer_than_the_system_allows_are_one_line(tmp_path: Path) -> None:
    too_long = tmp_path / ("n" * 300)
    runner = CliRunner()
    cases = [
        ["watch", "add", str(too_long)],
        ["watch", "add", "--watchlist", str(too_long / "w.toml"), str(DEALS / "alpha.toml")],
        ["watch", "list", "--watchlist", str(too_long / "w.toml")],
        ["watch", "remove", "--watchlist", str(too_long / "w.toml"), "alpha"],
    ]
    for args in cases:
        res = runner.invoke(app, args)
        assert res.exit_code == 1, args
        assert res.exception is None or isinstance(res.exception, SystemExit), args
        [line] = res.output.strip().splitlines()
        assert line.startswith(f"error: {too_long}") and ("too long" in line or "longer than" in line), line

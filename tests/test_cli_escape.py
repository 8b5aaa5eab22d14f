"""Nothing from input reaches the terminal raw: every command, piped (CliRunner) and through a pty.

Every field of a deal file, a price file (its source column too) and a watchlist, and an article's
headline, carries a control sequence (clear screen, window title, OSC 8 link, blink, bell, CR,
C1 CSI, a bidi override) and rich markup. Each command must print them as visible escapes, print
the markup as written, keep one message on one line, and not traceback.
"""

from __future__ import annotations

import io
import json
import os
import re
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from arb.cli import app

#: Every sequence the issue names, plus bell, CR, C1 CSI, DEL and a bidi override.
ATTACK = (
    "\x1b[2J\x1b[H"  # clear the screen, cursor home
    "\x1b]0;PWNED\x1b\\"  # set the window title
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\"  # an OSC 8 hyperlink
    "\x1b[5m\x07\r\n\x9b31m\x7f\u202e"  # blink, bell, CR LF, C1 CSI, DEL, right-to-left override
    " [/] [red]x[/red] :warning:"  # rich markup (a bare [/] raised MarkupError) and an emoji code
)
#: What may never appear in output (CliRunner output has plain \n line ends and no colour).
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def toml_str(text: str) -> str:
    """A TOML basic string holding ``text`` exactly (control characters as \\u escapes)."""
    return json.dumps(text)  # JSON string escapes are valid TOML basic-string escapes


def evil_deal(name: str = "evil-deal") -> str:
    """A deal that validates (its id, tickers and currencies are clean) with every free-text field hostile."""
    a = toml_str
    return f"""\
id = "{name}"
name = {a("Evil name " + ATTACK)}
status = "pending"
announced = 2025-02-03
expected_close = 2025-12-31
downside = 40.0
currency = "USD"

[target]
ticker = "ACME"
name = {a("Target " + ATTACK)}

[acquirer]
ticker = "BIGCO"
name = {a("Acquirer " + ATTACK)}

[[consideration]]
kind = "cash"
amount = 20.00
currency = "USD"
note = {a("leg note " + ATTACK)}

[[consideration]]
kind = "stock"
ratio = 0.5
security = "newco"

[securities.newco]
name = {a("Security " + ATTACK)}
currency = "USD"
estimate = 50.0

[[source]]
title = {a("Title " + ATTACK)}
publisher = {a("Publisher " + ATTACK)}
url = {a("https://x.example/" + ATTACK)}
note = {a("source note " + ATTACK)}
quote = {a("quote " + ATTACK)}
"""


def worse_deal() -> str:
    """A deal whose id, tickers, currency and a key are hostile: validation rejects it, quoting them."""
    a = toml_str
    return f"""\
id = {a("worse" + ATTACK)}
name = "worse"
announced = 2025-02-03
expected_close = 2025-12-31
{a("key" + ATTACK)} = 1

[target]
ticker = {a("SMALL" + ATTACK)}

[[consideration]]
kind = "cash"
amount = 50.00
currency = {a("USD" + ATTACK)}
"""


def price_file(path: Path) -> Path:
    """ACME's source cell, a row's symbol, a row's currency and an unknown cell carry the attack."""
    rows = [
        "symbol,price,currency,as_of,source",
        f'ACME,48.00,USD,2025-06-20,"src {ATTACK}"',
        f'BIGCO,44.00,USD,2025-06-20,"{ATTACK}"',
        f'"OTHER{ATTACK}",30.00,USD,2025-06-20,x',
        f'ZED,30.00,"USD{ATTACK}",2025-06-20,x',
        f'ZED2,"1{ATTACK}",USD,2025-06-20,x',
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ARB_OFFLINE", "1")
    deals = tmp_path / "deals [/] \x1b[2J"  # folders named with markup (v[ / ]b) and a control sequence
    deals.mkdir(parents=True)
    (deals / "evil.toml").write_text(evil_deal(), encoding="utf-8")
    (deals / "[red]x[red].toml").write_text(evil_deal("markup-file"), encoding="utf-8")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "worse.toml").write_text(worse_deal(), encoding="utf-8")
    watchlist = tmp_path / "watchlist.toml"
    entries = [f'[[watch]]\nid = "{k}"\npath = {toml_str(str(p))}\n' for k, p in (("evil", deals), ("bad", bad))]
    watchlist.write_text("\n".join(entries), encoding="utf-8")
    article = tmp_path / "article.txt"
    article.write_text(
        f"Acme to buy Globex for $25.50 a share in cash {ATTACK}\n\n"
        f"On March 3, 2025, Acme Corp. (NASDAQ: ACME) agreed to acquire Globex Inc. (NYSE: GBX) for $25.50 per "
        f"share in cash. {ATTACK} Globex shares closed at $22.10 on Friday.\n",
        encoding="utf-8",
    )
    return {
        "deals": deals,
        "bad": bad,
        "prices": price_file(tmp_path / "prices.csv"),
        "watchlist": watchlist,
        "article": article,
        "tmp": tmp_path,
    }


def check(result: Any) -> str:
    """Assert nothing raw reached stdout or stderr and nothing tracebacked; return both, joined."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the command raised {result.exception!r}") from result.exception
    both = result.stdout + "\n" + result.stderr
    assert "Traceback" not in both
    found = RAW.search(both)
    assert found is None, f"raw {found.group()!r} reached the output at {found.start()}: {both!r}"
    return both


def one_line_messages(stderr: str) -> None:
    """Every stderr line is a whole message: an input line break never starts a new line."""
    for line in stderr.splitlines():
        if line.strip():
            assert line.startswith(("error: ", "warning: ", "skipped: ", "wrote ", "watching ", "created ")), line


def strings(data: Any) -> set[str]:
    """Every string in a parsed JSON document."""
    if isinstance(data, str):
        return {data}
    items = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    return set().union(*(strings(x) for x in items))


def invoke(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def test_validate_prints_every_hostile_value_escaped(hostile: dict[str, Path]) -> None:
    res = invoke("validate", hostile["deals"], hostile["bad"])
    both = check(res)
    one_line_messages(res.stderr)
    assert res.exit_code == 1  # worse.toml is invalid
    assert "[red]x[red].toml" in res.stdout and "deals [/] \\x1b[2J" in res.stdout  # markup paths as named
    assert "\\x1b[2J" in res.stderr and "worse" in res.stderr  # the rejected values are shown, escaped
    assert "2 valid, 1 invalid" in both


def test_report_and_show(hostile: dict[str, Path]) -> None:
    res = invoke("report", hostile["deals"], hostile["bad"], "--prices", hostile["prices"])
    check(res)
    one_line_messages(res.stderr)
    assert "evil-deal" in res.stdout and "markup-file" in res.stdout

    res = invoke("show", "evil-deal", "--deals", hostile["deals"], "--prices", hostile["prices"])
    out = check(res)
    one_line_messages(res.stderr)
    assert "Evil name \\x1b[2J\\x1b[H\\x1b]0;PWNED\\x1b\\" in out  # visible, not dropped
    assert "[/] [red]x[/red] :warning:" in out  # markup and emoji codes printed as written
    flat = " ".join(out.split())  # rich wraps long lines at spaces
    for field in ("Target ", "Acquirer ", "leg note ", "Title ", "source note ", "quote ", "src "):
        assert f"{field}\\x1b[2J" in flat, field  # every field reached the screen, escaped
    assert "\\r\\n" in out and "\\u009b31m" in out and "\\u202e" in out

    res = invoke("show", hostile["deals"] / "[red]x[red].toml", "--prices", hostile["prices"])
    assert "markup-file" in check(res)


def test_show_json_is_exact_and_escaped(hostile: dict[str, Path]) -> None:
    res = invoke("show", "evil-deal", "--deals", hostile["deals"], "--prices", hostile["prices"], "--json")
    check(res)
    data = json.loads(res.stdout)
    assert data["name"] == "Evil name " + ATTACK  # exact: the JSON holds what the file held
    assert "\\u009b" in res.stdout and "\\u202e" in res.stdout  # C1 and bidi written as escapes
    res = invoke("report", hostile["deals"], "--prices", hostile["prices"], "--json")
    check(res)
    assert {r["name"] for r in json.loads(res.stdout)} == {"Evil name " + ATTACK}


def test_report_csv_cells_are_escaped(hostile: dict[str, Path]) -> None:
    res = invoke("report", hostile["deals"], "--prices", hostile["prices"], "--csv")
    check(res)
    assert "Evil name \\x1b[2J" in res.stdout


def test_watch_add_and_list(hostile: dict[str, Path]) -> None:
    wl = hostile["tmp"] / "new-watchlist.toml"
    res = invoke("watch", "add", hostile["deals"] / "[red]x[red].toml", "--watchlist", wl)
    check(res)
    one_line_messages(res.stderr)
    assert res.exit_code == 0 and "[red]x[red].toml" in res.stderr
    res = invoke("watch", "add", hostile["deals"], "--id", "folder", "--watchlist", wl)
    check(res)
    one_line_messages(res.stderr)
    assert "deals [/] \\x1b[2J" in res.stderr
    res = invoke("watch", "list", "--watchlist", wl)
    assert "[red]x[red].toml" in check(res)

    res = invoke("watch", "list", "--watchlist", hostile["watchlist"])
    out = check(res)
    assert res.exit_code == 1  # the bad folder's deal does not load: shown in the table
    assert "deals [/] \\x1b[2J" in out and "evil-deal" in out and "\\x1b[2J" in out


def test_refresh_and_history(hostile: dict[str, Path]) -> None:
    res = invoke("refresh", "--watchlist", hostile["watchlist"], "--prices", hostile["prices"])
    check(res)
    one_line_messages(res.stderr)
    assert "evil-deal" in res.stdout
    res = invoke("refresh", "--watchlist", hostile["watchlist"], "--prices", hostile["prices"], "--json")
    check(res)
    assert "Evil name " + ATTACK in strings(json.loads(res.stdout))  # exact
    for args in ([], ["--json"], ["--csv"]):
        res = invoke("history", "evil-deal", *args)
        check(res)
        assert res.exit_code == 0, res.stderr
    res = invoke("history", "no-such" + ATTACK)
    check(res)
    one_line_messages(res.stderr)


def test_extract_prints_drafts_and_messages_escaped(hostile: dict[str, Path]) -> None:
    import tomllib

    res = invoke("extract", hostile["article"])
    check(res)
    one_line_messages(res.stderr)
    assert "PWNED" in res.stdout  # the headline reached the draft, escaped
    tomllib.loads(res.stdout)  # and the printed draft is still TOML
    res = invoke("extract", hostile["tmp"] / f"missing{ATTACK}.txt")
    check(res)
    assert res.exit_code != 0


# ------------------------------------------------------------------------------------------------
# Through a pseudo-terminal: rich sees a terminal, so it may write its own SGR colour codes, and
# nothing else. Every ESC in the output must start one of those.
# ------------------------------------------------------------------------------------------------

_SGR = re.compile(r"\x1b\[[0-9;]*m")


def _run_in_pty(args: list[str], env: dict[str, str], timeout: float = 60.0) -> bytes:
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "arb", *args], stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True
    )
    os.close(follower)
    chunks: list[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], timeout)
            if not ready:
                raise AssertionError(f"arb {args} printed nothing for {timeout} s")
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        proc.wait(timeout=timeout)
    return b"".join(chunks)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize("command", ["report", "show", "validate"])
def test_through_a_terminal_only_colour_codes_are_written(hostile: dict[str, Path], command: str) -> None:
    args = {
        "report": ["report", str(hostile["deals"]), str(hostile["bad"]), "--prices", str(hostile["prices"])],
        "show": ["show", "evil-deal", "--deals", str(hostile["deals"]), "--prices", str(hostile["prices"])],
        "validate": ["validate", str(hostile["deals"]), str(hostile["bad"])],
    }[command]
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "TERM")}
    env.update(TERM="xterm-256color", COLUMNS="160", ARB_OFFLINE="1", PYTHONIOENCODING="utf-8")
    raw = _run_in_pty(args, env).decode("utf-8")
    assert "Traceback" not in raw
    assert _SGR.search(raw), "rich did not see a terminal: the test would prove nothing"
    text = _SGR.sub("", raw).replace("\r\n", "\n")  # the pty turns each \n into \r\n
    found = RAW.search(text)
    assert found is None, f"raw {found.group()!r} reached the terminal: {text!r}"
    assert "\\x1b[2J" in text  # the attack was shown, escaped


def test_the_notebook_view_escapes_html_and_links_only_the_web(tmp_path: Path) -> None:
    from arb.display import deal_html
    from arb.loader import load_deal

    text = evil_deal().replace("Evil name ", "<script>alert(1)</script> & ")
    text = text.replace(toml_str("https://x.example/" + ATTACK), toml_str("javascript:alert(1)"))
    path = tmp_path / "evil.toml"
    path.write_text(text, encoding="utf-8")
    html = deal_html(load_deal(path))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html  # shown, not a link
    path.write_text(evil_deal(), encoding="utf-8")
    assert '<a href="https://x.example/' in deal_html(load_deal(path))


# ------------------------------------------------------------------------------------------------
# The consoles themselves, and a bounded fuzz of `arb show` over random hostile text.
# ------------------------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    ["\x1b", "\x1b[2J", "\x1b]0;x\x1b\\", "\x07", "\r", "\n", "\t", "\x9b", "\u202e", "[/]", "[b]"]
)
HOSTILE = st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=12).map("".join)


@settings(max_examples=50, deadline=None)
@given(HOSTILE, HOSTILE, HOSTILE)
def test_the_console_prints_any_text_table_or_group_without_control_codes(a: str, b: str, c: str) -> None:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from arb.cli.common import SafeConsole

    buf = io.StringIO()
    console = SafeConsole(file=buf, width=60, force_terminal=True, color_system="standard")
    styled = Text(a)
    styled.append(b, style="bold")
    table = Table(title=c)
    table.add_column(a)
    table.add_row(b)
    table.add_row(Text(c, style="red"))
    console.print(Group(styled, table), a)
    console.print(b, c)
    shown = _SGR.sub("", buf.getvalue())
    found = RAW.search(shown)
    assert found is None, f"raw {found.group()!r} in {shown!r}"


def test_styles_stay_on_their_characters_after_escaping(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.text import Text

    from arb.cli.common import SafeConsole

    monkeypatch.delenv("NO_COLOR")

    buf = io.StringIO()
    console = SafeConsole(file=buf, width=60, force_terminal=True, color_system="standard")
    text = Text("a\x1b[2J")
    text.append("bold", style="bold")
    text.append("\u202ered", style="red")
    console.print(text)
    assert buf.getvalue() == "a\\x1b[2J\x1b[1mbold\x1b[0m\x1b[31m\\u202ered\x1b[0m\n"


@settings(max_examples=10, deadline=None)
@given(HOSTILE, HOSTILE)
def test_show_fuzz(tmp_path_factory: pytest.TempPathFactory, name: str, note: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    deal = evil_deal().replace(toml_str("Evil name " + ATTACK), toml_str(name or "x"))
    deal = deal.replace(toml_str("leg note " + ATTACK), toml_str(note))
    (folder / "deal.toml").write_text(deal, encoding="utf-8")
    prices = price_file(folder / "prices.csv")
    for extra in ([], ["--json"]):
        res = invoke("show", folder / "deal.toml", "--prices", prices, *extra)
        check(res)
        one_line_messages(res.stderr)


def test_the_cli_writes_only_through_its_doors() -> None:
    # Output goes through arb.cli.common (SafeConsole, error/warn/note, print_json) or safe_lines;
    # a new printer that writes to the terminal some other way would skip the escape.
    bypass = re.compile(r"sys\.std(out|err)\.write\(|json\.dumps\(|(?<![\w.])print\(|\becho\(|markup=True|Console\(")
    cli = Path(__file__).parent.parent / "arb" / "cli"
    for path in sorted(cli.glob("*.py")):
        if path.name == "common.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if bypass.search(line):
                assert "safe_lines(" in line, f"arb/cli/{path.name}:{n} writes around the escape: {line.strip()}"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a file system that takes any bytes in a name")
def test_a_file_name_that_is_not_utf8_is_printed_not_a_crash(tmp_path: Path) -> None:
    # Python reads the byte \xff of such a name as the lone surrogate \udcff: printed raw it
    # raises UnicodeEncodeError; escaped it is visible.
    folder = os.fsencode(tmp_path)
    (Path(os.fsdecode(folder + b"/caf\xe9\xff.toml"))).write_text(evil_deal(), encoding="utf-8")
    (Path(os.fsdecode(folder + b"/bad\xff.toml"))).write_text("id = 1\n", encoding="utf-8")
    res = invoke("validate", tmp_path)
    check(res)
    one_line_messages(res.stderr)
    assert "caf\\udce9\\udcff.toml" in res.stdout and "bad\\udcff.toml" in res.stderr

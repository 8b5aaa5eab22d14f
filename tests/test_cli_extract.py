"""``arb extract`` through the CLI: drafts written, skips reported on stderr, drafts validate."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from arb.cli import app
from arb.loader import load_deals

ARTICLES = Path(__file__).parent / "data" / "articles"


def _digest() -> Path:
    return sorted(ARTICLES.glob("zh_digest*"))[0]


def test_extract_writes_one_file_per_deal_and_they_validate(tmp_path):
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "extract",
            str(_digest()),
            "-o",
            str(tmp_path / "drafts"),
            "--prices-out",
            str(tmp_path / "p.csv"),
            "--date",
            "2025-06-20",
            "--title",
            "Test digest",
        ],
    )
    assert res.exit_code == 0, res.output
    files = sorted((tmp_path / "drafts").glob("*.toml"))
    assert len(files) >= 2
    loaded = load_deals(files)
    assert loaded.errors == []
    assert "skipped:" in res.stderr
    assert (tmp_path / "p.csv").read_text().startswith("symbol,price,currency,as_of,source")


def test_extract_stdin_to_stdout():
    text = _digest().read_text(encoding="utf-8")
    res = CliRunner().invoke(app, ["extract", "-"], input=text)
    assert res.exit_code == 0
    assert "[[consideration]]" in res.stdout
    assert "skipped:" not in res.stdout


def test_extract_no_deal_is_exit_1(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("The company reported higher quarterly results and raised its dividend.\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["extract", str(f)])
    assert res.exit_code == 1
    assert "no deal terms found" in res.stderr


def test_extract_missing_file_is_usage_error(tmp_path):
    res = CliRunner().invoke(app, ["extract", str(tmp_path / "nope.txt")])
    assert res.exit_code == 2


# --- where the drafts go: -o FOLDER/, --prices-out into a new folder, unwritable targets ---------

ONE_DEAL = ARTICLES / "en_cash.txt"


def _run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(app, ["extract", *args], input=stdin)


def _one_error_line(res) -> str:
    lines = res.stderr.strip().splitlines()
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output + res.stderr
    (line,) = [ln for ln in lines if ln.startswith("error:")]
    return line


def test_readme_command_creates_the_drafts_folder(tmp_path, monkeypatch):
    # The README's own command, in a folder where drafts/ does not exist yet.
    monkeypatch.chdir(tmp_path)
    res = _run(str(ONE_DEAL), "-o", "drafts/", "--prices-out", "drafts/prices.csv", "--date", "2025-03-03")
    assert res.exit_code == 0, res.output
    (draft,) = (tmp_path / "drafts").glob("*.toml")
    assert draft.name == "globex-inc.toml"
    assert load_deals([draft]).errors == []
    assert (tmp_path / "drafts" / "prices.csv").read_text().startswith("symbol,price,currency,as_of,source\nGBX,")


def test_an_existing_folder_takes_the_draft_and_a_file_path_gets_its_folder(tmp_path):
    (tmp_path / "here").mkdir()
    assert _run(str(ONE_DEAL), "-o", str(tmp_path / "here")).exit_code == 0
    assert [p.name for p in (tmp_path / "here").iterdir()] == ["globex-inc.toml"]
    target = tmp_path / "new" / "sub" / "deal.toml"
    res = _run(str(ONE_DEAL), "-o", str(target), "--prices-out", str(tmp_path / "p" / "q" / "prices.csv"))
    assert res.exit_code == 0, res.output
    assert target.is_file() and (tmp_path / "p" / "q" / "prices.csv").is_file()


def test_several_deals_and_o_naming_a_file_is_one_error(tmp_path):
    existing = tmp_path / "drafts"
    existing.write_text("not a folder")
    res = _run(str(_digest()), "-o", str(existing))
    assert res.exit_code == 1
    assert "-o must name a folder" in _one_error_line(res)
    assert existing.read_text() == "not a folder"


def test_unwritable_targets_are_one_error_line(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    for args in (
        ["--prices-out", "/proc/version", "--force"],  # --force: an existing file is refused without it
        ["-o", "/proc/version", "--force"],
        ["--prices-out", str(blocker / "prices.csv")],  # a folder that is a file
        ["-o", str(blocker / "drafts") + "/"],
        ["-o", str(tmp_path)],  # a folder: the draft goes in it, fine
    ):
        res = _run(str(ONE_DEAL), *args)
        if args[-1] == str(tmp_path):
            assert res.exit_code == 0
            continue
        assert res.exit_code == 1, (args, res.output)
        line = _one_error_line(res)
        assert "cannot write it" in line, line


def test_an_article_over_the_cap_is_one_error_line(tmp_path):
    from arb.extract import MAX_ARTICLE_CHARS

    big = tmp_path / "dump.txt"
    big.write_bytes(b"a" * (MAX_ARTICLE_CHARS + 10))
    res = _run(str(big))
    assert res.exit_code == 1
    assert "over the 2,000,000" in _one_error_line(res)
    res = _run("-", stdin="b" * (MAX_ARTICLE_CHARS + 10))
    assert res.exit_code == 1
    assert _one_error_line(res).startswith("error: stdin: ")


def test_a_long_one_line_argument_is_one_error_line():
    # 300 characters: too long for a file name on most systems, and not a file.
    res = _run("Acme agreed to buy Globex. " * 11)
    assert res.exit_code in (1, 2)
    assert "Traceback" not in res.output + res.stderr


def test_drafts_printed_from_a_hostile_article_are_plain_toml(tmp_path):
    import tomllib

    text = ONE_DEAL.read_text(encoding="utf-8")
    hostile = "Acme\x1b]0;PWNED\x07 buys\x1b[2J Globex \u202e\n" + text.replace("Globex", "Glo\x1b[31mbex")
    res = _run("-", stdin=hostile)
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout and "\u202e" not in res.stdout
    assert "\x1b" not in res.stderr
    data = tomllib.loads(res.stdout)
    assert data["target"]["ticker"] == "GBX"


def test_article_text_given_as_the_argument_is_one_short_error_line():
    text = "Acme Corp. agreed to acquire Globex Inc. for $25.50 per share in cash.\n" * 2_000
    res = _run(text)
    assert res.exit_code == 1
    line = _one_error_line(res)
    assert "pipe the text to `arb extract -`" in line and len(line) < 400


def test_names_too_long_for_the_system_are_one_short_error_line(tmp_path):
    long_name = str(tmp_path / ("x" * 5_000))
    for args in (
        [str(_digest()), "-o", long_name],
        [str(ONE_DEAL), "-o", long_name],
        [str(ONE_DEAL), "--prices-out", long_name],
    ):
        res = _run(*args)
        assert res.exit_code == 1, (args[1:2], res.output)
        line = _one_error_line(res)
        assert "cannot write it" in line and len(line) < 400

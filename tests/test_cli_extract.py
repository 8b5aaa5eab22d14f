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

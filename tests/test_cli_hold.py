"""arb.cli.common.hold: work done early (the price file read while a helper reads deal files),
its messages printed later, where the command always printed them."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from conftest import DEALS
from typer.testing import CliRunner

from arb.cli import app
from arb.cli.common import error, hold, note, warn


def test_held_lines_are_printed_when_the_result_is_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    def work() -> int:
        warn("first held")
        error("second held")
        return 42

    release = hold(work)
    note("printed at once")
    assert capsys.readouterr().err == "printed at once\n"
    assert release() == 42
    assert capsys.readouterr().err == "warning: first held\nerror: second held\n"


def test_what_the_work_raised_is_raised_when_the_result_is_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    def broken() -> None:
        error("the file is broken")
        raise typer.Exit(1)

    release = hold(broken)
    assert capsys.readouterr().err == ""
    with pytest.raises(typer.Exit):
        release()
    assert capsys.readouterr().err == "error: the file is broken\n"


def test_holds_nest_and_end_even_when_the_work_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def outer() -> str:
        inner = hold(lambda: note("inner"))
        note("outer")
        inner()
        return "done"

    release = hold(outer)
    assert capsys.readouterr().err == ""
    assert release() == "done"
    assert capsys.readouterr().err == "outer\ninner\n"
    hold(lambda: 1 / 0)
    note("not held once a hold is over")
    assert capsys.readouterr().err == "not held once a hold is over\n"


def test_report_prints_a_bad_deal_file_before_a_bad_price_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The price file is read first now (beside the deal files); its errors still come after the deal files'.
    monkeypatch.setenv("ARB_OFFLINE", "1")
    deals = tmp_path / "deals"
    deals.mkdir()
    (deals / "good.toml").write_bytes((DEALS / "valid" / "cash.toml").read_bytes())
    (deals / "bad.toml").write_text('id = "bad"\nname = "Bad"\n[target]\nticker = 12\n', encoding="utf-8")
    prices = tmp_path / "prices.csv"
    prices.write_text((DEALS / "prices.csv").read_text(encoding="utf-8") + "BROKEN,abc,USD\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(deals), "--prices", str(prices), "--json"])
    lines = result.stderr.splitlines()
    deal_line = next(i for i, line in enumerate(lines) if "bad.toml" in line)
    price_line = next(i for i, line in enumerate(lines) if "prices.csv" in line and "BROKEN" in line)
    assert deal_line < price_line and result.exit_code == 1
    missing = CliRunner().invoke(app, ["report", str(deals), "--prices", str(tmp_path / "none.csv")])
    assert missing.exit_code == 1
    errors = [line for line in missing.stderr.splitlines() if line.startswith("error:")]
    assert "bad.toml" in errors[0] and "none.csv" in errors[-1]  # a price file that cannot be read: last, then the exit

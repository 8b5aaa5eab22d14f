"""Deal files that are not plain, small UTF-8 TOML (issue 10): one error line each, never a hang or a
traceback, and the good deals beside them still load and print."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arb.cli import app
from arb.errors import DealFileError
from arb.loader import load_deal, load_deals, read_toml

VALID = Path(__file__).parent / "data" / "deals" / "valid"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ARB_OFFLINE", "1")
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A deal folder holding one good deal (cash-deal)."""
    out = tmp_path / "deals"
    out.mkdir()
    shutil.copy(VALID / "cash.toml", out / "cash.toml")
    return out


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 1000 + "]" * 1000,
        "x = " + "{a = " * 1000 + "1" + "}" * 1000,
    ],
    ids=["1000-arrays", "1000-inline-tables"],
)
def test_deep_nesting_is_one_error_and_the_good_deal_still_prints(folder: Path, text: str) -> None:
    (folder / "nested.toml").write_text(text + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["report", str(folder), "--json"])
    assert res.exit_code == 1
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert [r["id"] for r in json.loads(res.stdout)] == ["cash-deal"]
    errors = [line for line in res.stderr.splitlines() if str(folder / "nested.toml") in line]
    assert len(errors) == 1 and "nested too deeply" in errors[0]


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "{a = " * 400 + "1" + "}" * 400,  # tomli's compiled parser reads it; tomllib gives up
        "x." * 65 + "y = 1",  # dotted keys nest tables too, with no bracket at all
        "[" + ".".join(["t"] * 70) + "]\nv = 1",
    ],
    ids=["400-inline-tables", "65-dotted-keys", "70-deep-table-header"],
)
def test_nesting_deeper_than_arb_allows_is_one_error_whatever_the_parser_reads(folder: Path, text: str) -> None:
    (folder / "nested.toml").write_text(text + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["report", str(folder), "--json"])
    assert res.exit_code == 1 and [r["id"] for r in json.loads(res.stdout)] == ["cash-deal"]
    errors = [line for line in res.stderr.splitlines() if str(folder / "nested.toml") in line]
    assert len(errors) == 1 and "nested too deeply" in errors[0]


def test_toml_1_1_syntax_is_refused_as_the_standard_tomllib_refuses_it(tmp_path: Path) -> None:
    # tomli 2.4 reads TOML 1.1 (a trailing comma in an inline table, times without seconds, \e);
    # arb reads TOML 1.0, so a file that loads here also loads, and edits, everywhere.
    for text in ('x = {b = 1,}', 't = 07:32', 'a = "\\e"'):
        path = tmp_path / "new.toml"
        path.write_text(text + "\n", encoding="utf-8")
        with pytest.raises(DealFileError, match="TOML syntax error"):
            read_toml(path, DealFileError)
    deep = tmp_path / "ok.toml"
    deep.write_text("x." * 63 + "y = 1\n", encoding="utf-8")
    assert read_toml(deep, DealFileError)  # 64 levels: at the limit, read


def test_a_deal_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (VALID / "cash.toml").read_bytes())
    assert load_deal(path).id == "cash-deal"


def test_a_deal_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'id = "x"\nname = "Soci\xe9t\xe9"\n')
    got = load_deals([path])
    [err] = got.errors
    assert str(err) == f"{path}: line 2 is not UTF-8 text (byte 0xe9); save it as UTF-8"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_toml_is_skipped_with_an_error_not_read(folder: Path) -> None:
    os.mkfifo(folder / "pipe.toml")
    # Reading the FIFO would block for ever (no writer); a regular-file check keeps it unopened.
    got = load_deals([folder])
    assert [d.id for d in got.deals] == ["cash-deal"]
    [err] = got.errors
    assert err.path == folder / "pipe.toml" and "not a regular file" in str(err)
    err = load_deals([folder / "pipe.toml"]).errors[0]
    assert "not a regular file" in str(err)


def test_a_folder_given_as_a_deal_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "x.toml"
    folder.mkdir()
    with pytest.raises(Exception, match="is a folder"):
        load_deal(folder)


def test_paths_longer_than_the_system_allows_are_one_line_each(tmp_path: Path, folder: Path) -> None:
    long_name = tmp_path / ("n" * 300 + ".toml")  # one name past NAME_MAX
    long_path = tmp_path / "/".join(["d" * 200] * 30)  # past PATH_MAX
    res = CliRunner().invoke(app, ["validate", str(long_name), str(long_path), str(folder)])
    assert res.exit_code == 1
    assert res.exception is None or isinstance(res.exception, SystemExit)
    lines = res.stderr.splitlines()
    assert len(lines) == 2 and all("longer than the system allows" in line for line in lines)
    assert "ok " in res.stdout and "1 valid, 2 invalid" in res.stdout


def test_show_and_prices_with_a_path_too_long_are_one_line(tmp_path: Path) -> None:
    too_long = tmp_path / ("n" * 300)
    runner = CliRunner()
    for args in (["show", f"{too_long}.toml"], ["report", "--prices", f"{too_long}.csv"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 1, args
        assert res.exception is None or isinstance(res.exception, SystemExit), args
        [line] = [x for x in res.stderr.splitlines() if str(too_long) in x]
        assert "too long" in line or "longer than" in line

"""Price files (CSV), the bundled snapshot, and the in-memory and chained sources."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from arb.errors import PriceFileError
from arb.prices.base import ChainSource, MemorySource, Quote, bad_price_reason
from arb.prices.csvfile import CsvSource, normalize_price_symbol, snapshot


def _csv(tmp_path: Path, text: str) -> CsvSource:
    path = tmp_path / "prices.csv"
    path.write_text(text, encoding="utf-8")
    return CsvSource(path)


def test_good_file(tmp_path: Path) -> None:
    src = _csv(
        tmp_path,
        "# a comment\n"
        "symbol,price,currency,as_of,source\n"
        "\n"
        "600803.SH,13.05,CNY,2025-06-20,article\n"
        "09992.HK,250.5,hkd,2025-06-19T16:10:00,exchange close\n"
        "CNYHKD=X,1.0945,HKD,2025-06-20,\n"
        "enn-ng-h,18.86,HKD,,company estimate\n"
        "VOD.L,7250,GBp,2025-06-20,test\n",
    )
    assert src.errors == []
    q = src.quotes
    assert sorted(q) == ["600803.SS", "9992.HK", "CNYHKD=X", "VOD.L", "enn-ng-h"]
    assert (q["600803.SS"].price, q["600803.SS"].currency) == (13.05, "CNY")
    assert q["600803.SS"].as_of == dt.datetime(2025, 6, 20)
    assert q["600803.SS"].source == "file (article)"
    assert q["9992.HK"].currency == "HKD"
    assert q["9992.HK"].as_of == dt.datetime(2025, 6, 19, 16, 10)
    assert q["CNYHKD=X"].origin == str(tmp_path / "prices.csv")  # no source cell: the file
    assert q["enn-ng-h"].as_of is None
    # pence stay pence in the file; in_major_units makes them pounds
    assert q["VOD.L"].currency == "GBp"
    major = q["VOD.L"].in_major_units()
    assert (major.price, major.currency) == (72.5, "GBP")


def test_fetch_names_a_reason_for_each_missing_symbol(tmp_path: Path) -> None:
    src = _csv(tmp_path, "symbol,price,currency\nAAA,1.5,USD\n")
    got = src.fetch(["AAA", "BBB"])
    assert list(got.quotes) == ["AAA"]
    assert got.failures == {"BBB": "not in prices.csv"}


@pytest.mark.parametrize(
    ("row", "fragments"),
    [
        ("BBB,abc,USD", ["'abc'", "not a number"]),
        ("BBB,-2.5,USD", ["above zero", "-2.5"]),
        ("BBB,0,USD", ["above zero"]),
        ("BBB,nan,USD", ["NaN"]),
        ("BBB,inf,USD", ["infinite"]),
        ("BBB,2.5,USX", ["'USX'", "not an ISO code"]),
        ("BBB,2.5,GBP,2025-06-20,src,extra", ["6 cells", "header has 5"]),
        ("BBB,2.5", ["2 cells"]),
        (",2.5,USD", ["symbol is empty"]),
        ("BBB,2.5,USD,20/06/2025", ["as_of", "YYYY-MM-DD"]),
        ("AAA,1.6,USD", ["AAA is already priced on line 3"]),
        ("aaa.us,1.6,USD", ["AAA is already priced on line 3"]),
    ],
)
def test_bad_row_is_reported_with_its_line_and_skipped(tmp_path: Path, row: str, fragments: list[str]) -> None:
    src = _csv(tmp_path, f"# prices\nsymbol,price,currency,as_of,source\nAAA,1.5,USD\n{row}\nCCC,3.0,USD\n")
    [err] = src.errors
    assert isinstance(err, PriceFileError)
    assert err.line == 4
    assert str(err).startswith(f"{tmp_path / 'prices.csv'}:4: ")
    for fragment in fragments:
        assert fragment in err.problem
    # the good rows around it are kept, the first price of a duplicate wins
    assert {s: q.price for s, q in src.quotes.items()} == {"AAA": 1.5, "CCC": 3.0}


def test_trailing_optional_cells_may_be_left_off(tmp_path: Path) -> None:
    src = _csv(tmp_path, "symbol,price,currency,as_of,source\nAAA,1.5,USD\n")
    assert src.errors == []
    assert src.quotes["AAA"].as_of is None


def test_missing_column_is_an_error_for_the_whole_file(tmp_path: Path) -> None:
    with pytest.raises(PriceFileError) as info:
        _csv(tmp_path, "# header next\nsymbol,price\nAAA,1.5\n")
    assert info.value.line == 2
    assert "missing column(s) currency" in info.value.problem


def test_unknown_column_suggests_the_one_meant(tmp_path: Path) -> None:
    with pytest.raises(PriceFileError) as info:
        _csv(tmp_path, "symbol,prise,currency\nAAA,1.5,USD\n")
    assert info.value.line == 1
    assert "unknown column 'prise'" in info.value.problem
    assert "did you mean 'price'?" in info.value.problem


def test_empty_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(PriceFileError, match="has no rows"):
        _csv(tmp_path, "# only a comment\n\n")
    with pytest.raises(PriceFileError, match="cannot read"):
        CsvSource(tmp_path / "missing.csv")


def test_normalize_price_symbol() -> None:
    assert normalize_price_symbol("600803.SH") == "600803.SS"
    assert normalize_price_symbol(" enn-ng-h ") == "enn-ng-h"  # a [securities] name stays as written
    assert normalize_price_symbol("cnyhkd=x") == "CNYHKD=X"
    assert normalize_price_symbol("NVDA.US") == "NVDA"


def test_bundled_snapshot() -> None:
    src = snapshot()
    assert src.errors == []
    assert src.path.name == "prices.csv"
    q = src.quotes
    assert (q["2688.HK"].price, q["2688.HK"].currency) == (65.0, "HKD")
    assert q["2688.HK"].as_of == dt.datetime(2025, 6, 20)
    assert q["2688.HK"].kind == "snapshot"
    assert (q["2533.HK"].price, q["2533.HK"].as_of) == (18.24, dt.datetime(2025, 6, 18))


def test_bad_price_reason() -> None:
    assert bad_price_reason(1.5) is None
    assert bad_price_reason(2) is None
    assert bad_price_reason(True) == "not a number: True"
    assert bad_price_reason("1.5") == "not a number: '1.5'"
    assert bad_price_reason(0.0) == "price must be above zero, got 0"


def test_memory_source_needs_a_currency_and_refuses_bad_prices() -> None:
    with pytest.raises(ValueError, match="no currency for 'AAA'"):
        MemorySource({"AAA": 1.0})
    src = MemorySource({"AAA": 1.0, "BAD": -1.0}, {"AAA": "USD", "BAD": "USD"})
    got = src.fetch(["AAA", "BAD", "ZZZ"])
    assert list(got.quotes) == ["AAA"]
    assert "above zero" in got.failures["BAD"]
    assert got.failures["ZZZ"] == "not in the price set"


def test_chain_source_falls_back_and_says_why() -> None:
    first = MemorySource({"AAA": 1.0}, {"AAA": "USD"}, label="first")
    second = MemorySource({"AAA": 9.0, "BBB": 2.0}, {"AAA": "USD", "BBB": "USD"}, label="second")
    chain = ChainSource([first, second])
    got = chain.fetch(["AAA", "BBB", "CCC"])
    assert got.quotes["AAA"].price == 1.0 and got.quotes["AAA"].fallback is None
    assert got.quotes["BBB"].price == 2.0
    assert got.quotes["BBB"].fallback == "first: not in the price set"
    assert got.failures == {"CCC": "first: not in the price set; second: not in the price set"}
    assert chain.label == "first -> second"


def test_quote_age_and_label() -> None:
    q = Quote("AAA", 1.0, "USD", dt.datetime(2025, 6, 13), "file", "prices.csv", synthetic=True)
    assert q.age_days(dt.date(2025, 6, 20)) == 7
    assert q.source == "file (prices.csv) [synthetic]"


# -- broken files: one error line per broken record, the rows after it still read (issue 10) ----


def _bytes(tmp_path: Path, data: bytes) -> CsvSource:
    path = tmp_path / "prices.csv"
    path.write_bytes(data)
    return CsvSource(path)


def test_an_unclosed_quote_is_an_error_and_the_rows_after_it_are_read(tmp_path: Path) -> None:
    src = _csv(
        tmp_path,
        'symbol,price,currency,as_of,source\nACME,48,USD,2025-06-20,"unclosed\nBBB,2.5,USD\nCCC,3.5,USD\n',
    )
    [err] = src.errors
    assert (err.line, str(err.path)) == (2, str(tmp_path / "prices.csv"))
    assert "never closed" in err.problem
    assert {s: q.price for s, q in src.quotes.items()} == {"BBB": 2.5, "CCC": 3.5}


def test_a_quote_that_closes_rows_later_into_more_text_is_caught(tmp_path: Path) -> None:
    # The stray quote on line 2 would close at the first quote of line 3 and swallow BBB.
    src = _csv(tmp_path, 'symbol,price,currency,as_of,source\nAAA,1,USD,,"oops\nBBB,2,USD,,"ok"\nCCC,3,USD\n')
    [err] = src.errors
    assert err.line == 2 and "closes on line 3" in err.problem
    assert {s: q.source for s, q in src.quotes.items()} == {"BBB": "file (ok)", "CCC": f"file ({src.path})"}


def test_a_comment_after_an_open_quote_does_not_hide_the_rows(tmp_path: Path) -> None:
    src = _csv(tmp_path, 'symbol,price,currency,as_of,source\nAAA,1,USD,,"open\n# a comment\nBBB,2,USD\n')
    assert [(e.line, "never closed" in e.problem) for e in src.errors] == [(2, True)]
    assert list(src.quotes) == ["BBB"]


def test_a_quoted_newline_keeps_its_text_and_later_line_numbers(tmp_path: Path) -> None:
    src = _csv(
        tmp_path,
        'symbol,price,currency,as_of,source\nAAA,1,USD,,"two\n# lines"\nBBB,x,USD\n\nCCC,0,USD\n',
    )
    assert src.quotes["AAA"].origin == "two\n# lines"  # a '#' inside a quoted cell is text, not a comment
    assert [e.line for e in src.errors] == [4, 6]


def test_a_cell_over_the_size_limit_is_one_error(tmp_path: Path) -> None:
    big = "x" * 131_073
    src = _csv(tmp_path, f'symbol,price,currency,as_of,source\nAAA,1,USD,,"{big}"\nBBB,2,USD,,{big}\nCCC,3,USD\n')
    assert [e.line for e in src.errors] == [2, 3]
    assert all("131,072 characters" in e.problem and len(str(e)) < 200 for e in src.errors)
    assert list(src.quotes) == ["CCC"]


def test_bytes_that_are_not_utf8_name_the_line(tmp_path: Path) -> None:
    latin1 = "symbol,price,currency,as_of,source\nAAA,1,EUR,,Société Générale\nBBB,2,USD\n".encode("latin-1")
    src = _bytes(tmp_path, latin1)
    [err] = src.errors
    assert (
        err.line == 2 and "not UTF-8" in err.problem and "0xe9" in err.problem and "save the file as UTF-8" in str(err)
    )
    assert list(src.quotes) == ["BBB"]
    with pytest.raises(PriceFileError, match="the header is not UTF-8"):
        _bytes(tmp_path, b"symbol,pr\xffce,currency\nAAA,1,USD\n")


def test_a_byte_order_mark_and_crlf_line_ends_are_accepted(tmp_path: Path) -> None:
    src = _bytes(tmp_path, b"\xef\xbb\xbfsymbol,price,currency\r\nAAA,1.5,USD\r\nBBB,oops,USD\r\n")
    assert src.quotes["AAA"].price == 1.5
    assert [e.line for e in src.errors] == [3]


def test_only_a_regular_file_is_read(tmp_path: Path) -> None:
    with pytest.raises(PriceFileError, match="is a folder; give a CSV price file"):
        CsvSource(tmp_path)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.csv")  # opening it would wait for a writer for ever
        with pytest.raises(PriceFileError, match="not a regular file"):
            CsvSource(tmp_path / "pipe.csv")


def test_an_unreadable_price_file_is_bad_input_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from arb.cli import app

    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(b"symbol,pri\xe9e,currency\n")
    for command in (["report"], ["show", "enn-energy"], ["refresh"]):
        for path in (tmp_path / "missing.csv", tmp_path, latin1):
            res = CliRunner().invoke(app, [*command, "--prices", str(path)])
            assert res.exit_code == 1, (command, res.output)
            assert res.exception is None or isinstance(res.exception, SystemExit)
            assert str(path) in res.stderr and "Traceback" not in res.output


def test_quotes_inside_an_unquoted_cell_are_text_and_a_stray_carriage_return_is_one_error(tmp_path: Path) -> None:
    src = _bytes(
        tmp_path,
        b'symbol,price,currency,as_of,source\nAAA,1,USD,,O"Brien "desk"\nBBB,2,USD,,a\rb\nCCC,3,USD,,"x""y"\n',
    )
    assert src.quotes["AAA"].origin == 'O"Brien "desk"'
    assert src.quotes["CCC"].origin == 'x"y'
    [err] = src.errors
    assert err.line == 3 and "carriage return" in err.problem

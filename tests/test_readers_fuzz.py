"""Fuzz the file readers (issue 10): whatever a price file, deal file or watchlist holds, the reader
raises only its documented error (one line naming the file), and nothing good beside a bad part
is lost. Bounded so the suite stays fast.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arb.errors import DealFileError, PriceFileError
from arb.loader import load_deals
from arb.prices.csvfile import CsvSource
from arb.watchlist import WatchlistError, add_entry, load_watchlist

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
GOOD_DEAL = Path(__file__).parent / "data" / "deals" / "valid" / "cash.toml"

# Garbage lines: CSV punctuation, comment marks, quotes, control characters and non-ASCII, but no
# 'z'/'q' so they can never spell a good row's symbol (ZQ0.HK, ZQ1.HK...).
JUNK_CHARS = st.sampled_from([*"\",#\r\t \\\x00\x1bé中abcxy0123456789.-=:;'", "\u2028", "\x85", "\ufeff"])
JUNK_LINE = st.text(JUNK_CHARS, max_size=30)
RAW_LINE = st.binary(max_size=30).filter(lambda b: b"\n" not in b and b"z" not in b.lower() and b"q" not in b.lower())


def _good(i: int) -> str:
    return f"ZQ{i}.HK,{i + 1}.5,HKD,2025-06-{i % 28 + 1:02d},src{i}"


@SETTINGS
@given(parts=st.lists(st.one_of(JUNK_LINE.map(str.encode), RAW_LINE, st.just(b"GOOD")), max_size=25))
def test_a_price_file_of_random_lines_loses_no_good_row_silently(tmp_path: Path, parts: list[bytes]) -> None:
    lines, good = [b"symbol,price,currency,as_of,source"], {}
    for part in parts:
        if part == b"GOOD":
            good[f"ZQ{len(good)}.HK"] = len(lines) + 1
            part = _good(len(good) - 1).encode()
        lines.append(part)
    path = tmp_path / "fuzz.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    src = CsvSource(path)  # the header is good: no whole-file error
    error_lines = [e.line for e in src.errors]
    assert all(isinstance(e, PriceFileError) and e.line and "\n" not in e.problem for e in src.errors)
    for symbol, line in good.items():
        if symbol in src.quotes:
            assert src.quotes[symbol].price == int(symbol[2:-3]) + 1.5
        else:  # swallowed into a broken record that started at or before it: that record is an error
            assert any(n <= line for n in error_lines), (symbol, line, error_lines)
    for symbol in src.quotes:  # nothing invented
        assert not symbol.startswith("ZQ") or symbol in good


@SETTINGS
@given(data=st.binary(max_size=300))
def test_random_bytes_give_a_price_file_error_or_rows(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bytes.csv"
    path.write_bytes(data)
    try:
        src = CsvSource(path)
    except PriceFileError as exc:
        assert str(exc).startswith(str(path))
    else:
        assert all(isinstance(e, PriceFileError) for e in src.errors)


NEST = st.lists(st.sampled_from(["[", "{a = "]), min_size=1, max_size=1500)


def _nested(opens: list[str]) -> str:
    closes = "".join("]" if o == "[" else "}" for o in reversed(opens))
    return "".join(opens) + "1" + closes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(opens=NEST, bom=st.booleans())
def test_nested_toml_is_one_error_and_the_good_deal_beside_it_loads(
    tmp_path: Path, opens: list[str], bom: bool
) -> None:
    folder = tmp_path / "deals"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    shutil.copy(GOOD_DEAL, folder / "good.toml")
    (folder / "nested.toml").write_text(("\ufeff" if bom else "") + f"x = {_nested(opens)}\n", encoding="utf-8")
    got = load_deals([folder])
    assert [d.id for d in got.deals] == ["cash-deal"]
    [err] = got.errors
    assert isinstance(err, DealFileError) and err.path == folder / "nested.toml" and "\n" not in str(err)

    watchlist = tmp_path / "watchlist.toml"
    watchlist.write_text(f"watch = {_nested(opens)}\n", encoding="utf-8")
    with pytest.raises(WatchlistError) as info:
        load_watchlist(watchlist)
    assert str(info.value).startswith(str(watchlist))


# A folder name: anything a file system takes (no '/', no NUL), control characters included.
FOLDER_NAME = st.text(
    st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1, max_size=20
).filter(lambda s: s not in (".", ".."))


@SETTINGS
@given(name=FOLDER_NAME, entry_id=st.none() | st.text(max_size=12))
def test_watch_add_writes_a_watchlist_that_reads_back_or_refuses(
    tmp_path: Path, name: str, entry_id: str | None
) -> None:
    base = tmp_path / "case"
    shutil.rmtree(base, ignore_errors=True)
    folder = base / "deals" / name
    try:
        folder.mkdir(parents=True)
    except OSError:  # a name this file system refuses (too long in bytes, say)
        return
    shutil.copy(GOOD_DEAL, folder / "cash.toml")
    watchlist = base / "watchlist.toml"
    try:
        entry = add_entry(watchlist, folder, entry_id=entry_id)
    except WatchlistError as exc:
        assert entry_id is not None and "\n" not in str(exc).replace(repr(entry_id), "")
        assert not watchlist.exists()
        return
    [back] = load_watchlist(watchlist).entries
    assert back.path == folder.resolve() == entry.path
    assert back.id == entry.id
    tomllib.loads(watchlist.read_text(encoding="utf-8"))


# Bytes a deal file or watchlist might hold: TOML-ish fragments, a BOM, bytes that are not UTF-8.
TOML_BITS = st.sampled_from(
    [b"\xef\xbb\xbf", b"id = ", b'"x"', b"[", b"]", b"{", b"}", b"[[watch]]", b"\n", b"=", b"\xe9", b"\xff", b'"""']
)
TOML_BYTES = st.lists(st.one_of(TOML_BITS, st.binary(max_size=8)), max_size=30).map(b"".join)


@SETTINGS
@given(data=TOML_BYTES)
def test_any_bytes_in_a_deal_file_or_watchlist_are_one_error_at_most(tmp_path: Path, data: bytes) -> None:
    folder = tmp_path / "deals"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    shutil.copy(GOOD_DEAL, folder / "good.toml")
    (folder / "junk.toml").write_bytes(data)
    got = load_deals([folder])
    assert "cash-deal" in [d.id for d in got.deals]
    assert len(got.errors) <= 1
    assert all(e.path.name in ("junk.toml", "good.toml") and "\n" not in e.problem for e in got.errors)

    watchlist = tmp_path / "watchlist.toml"
    watchlist.write_bytes(data)
    try:
        load_watchlist(watchlist)
    except WatchlistError as exc:
        assert str(exc).startswith(str(watchlist))

"""The cheaper price path must give what the plain one gave: the file read, the quotes, the lookups.

Reading a price file works out each distinct cell text once; that must not change what a row
gives, and an error is not kept: each bad row is still reported on its own line. Columns are
found by position once, as the header names them (a name written twice takes its later cell, a
short row is padded). Quotes are built in one step, merges and override checks skip the work
that cannot change their answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import math
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arb.models import Deal
from arb.prices.base import FetchResult, Quote, bad_price_reason, fetch_as_of
from arb.prices.csvfile import CsvSource
from arb.prices.overrides import unused_overrides
from arb.symbols import MAX_PER_SHARE, check_ticker, fx_unit_problem, price_key


def _csv(tmp_path: Path, text: str, today: dt.date = dt.date(2025, 6, 21)) -> CsvSource:
    path = tmp_path / "prices.csv"
    path.write_text(text, encoding="utf-8")
    return CsvSource(path, today=today)


def _lines(src: CsvSource) -> list[tuple[int, str]]:
    return [(e.line or 0, e.problem) for e in src.errors]


def test_a_bad_cell_repeated_is_reported_on_every_row(tmp_path: Path) -> None:
    src = _csv(
        tmp_path,
        "symbol,price,currency,as_of\n"
        "AAA,1,gbp,2025-06-20\n"
        "BBB,2,gbp,2025-06-20\n"  # the same ambiguous currency: an error again, not a kept None
        "CCC,3,USD,2099-01-01\n"
        "DDD,4,USD,2099-01-01\n"  # the same future date: refused again
        "EEE,5,USD,20/06/2025\n"
        "FFF,6,USD,20/06/2025\n"
        "a b,7,USD,2025-06-20\n"
        "a b,8,USD,2025-06-19\n"
        "GGG,9,USD,2025-06-20\n",
    )
    got = _lines(src)
    assert [line for line, _ in got] == [2, 3, 4, 5, 6, 7, 8, 9]
    assert all("could be GBP or GBp" in p for _, p in got[0:2])
    assert got[2][1] == got[3][1].replace("DDD", "CCC") and "after today (2025-06-21)" in got[2][1]
    assert all("as_of '20/06/2025' is not a date" in p for _, p in got[4:6])
    assert all("'a b' is not a security name" in p for _, p in got[6:8])
    assert list(src.quotes) == ["GGG"]


def test_cells_shared_by_rows_give_each_row_its_own_quote(tmp_path: Path) -> None:
    src = _csv(
        tmp_path,
        "symbol,price,currency,as_of,source\n"
        "VOD.L,7250,GBp,2025-06-19,synthetic feed\n"
        "vod.l,7260,GBp,2025-06-20,synthetic feed\n"  # the same listing written another way
        "VOD.L,7240,GBp,2025-06-18,\n"
        "BARC.L,250,GBp,2025-06-20,\n"
        "0005.HK,80,hkd,2025-06-20T16:10:00+08:00,exchange\n"
        "00005.HK,81,HKD,2025-06-19T16:10:00+08:00,exchange\n",
    )
    assert src.errors == []
    vod = src.history("VOD.L")
    assert [(q.price, q.as_of, q.origin, q.synthetic) for q in vod] == [
        (7240.0, dt.datetime(2025, 6, 18), str(src.path), False),
        (7250.0, dt.datetime(2025, 6, 19), "synthetic feed", True),
        (7260.0, dt.datetime(2025, 6, 20), "synthetic feed", True),
    ]
    assert src.quotes["BARC.L"].as_of == dt.datetime(2025, 6, 20)
    hk = src.history("0005.HK")
    assert [(q.price, q.currency, q.as_of and q.as_of.utcoffset()) for q in hk] == [
        (81.0, "HKD", dt.timedelta(hours=8)),
        (80.0, "HKD", dt.timedelta(hours=8)),
    ]


def test_the_same_date_written_twice_for_a_symbol_names_the_first_line(tmp_path: Path) -> None:
    src = _csv(
        tmp_path,
        "symbol,price,currency,as_of\n"
        "AAA,1,USD,2025-06-20\n"
        "AAA,2,USD,2025-06-20T12:00:00\n"  # another time, the same day
        "AAA,3,USD,\n"  # undated among dated rows
        "BBB,4,USD,\n"
        "BBB,5,USD,2025-06-20\n"  # dated after an undated row
        "BBB,6,USD,\n",
    )
    assert _lines(src) == [
        (3, "AAA is already priced on line 2 for 2025-06-20; keep one row per symbol and date"),
        (
            4,
            "AAA is already priced on line 2; a symbol's rows must all have an as_of date (one row per date) "
            "or be a single undated row",
        ),
        (
            6,
            "BBB is already priced on line 5; a symbol's rows must all have an as_of date (one row per date) "
            "or be a single undated row",
        ),
        (7, "BBB is already priced on line 5; keep one row per symbol"),
    ]


def test_a_column_named_twice_takes_its_later_cell_and_a_short_row_is_padded(tmp_path: Path) -> None:
    src = _csv(
        tmp_path,
        "symbol,price,currency,symbol,source\n"
        "AAA,1,USD,BBB,feed\n"  # the later 'symbol' cell wins
        "CCC,2,USD,DDD\n"  # no source: the file
        "EEE,3,USD\n"  # the later 'symbol' cell is left off: empty
        "FFF,4\n",  # too short to hold a currency
    )
    assert {s: (q.price, q.origin) for s, q in src.quotes.items()} == {
        "BBB": (1.0, "feed"),
        "DDD": (2.0, str(src.path)),
    }
    assert _lines(src) == [(4, "symbol is empty"), (5, "has 2 cells but the header has 5")]


@pytest.mark.parametrize("text", ["1e9", "1000000000.5", "0", "-0.0", "-3", "nan", "inf", "-inf", "5e-324", "1e-9"])
def test_prices_at_the_edges_are_judged_as_bad_price_reason_judges_them(tmp_path: Path, text: str) -> None:
    src = _csv(tmp_path, f"symbol,price,currency\nAAA,{text},USD\n")
    why = bad_price_reason(float(text))
    assert _lines(src) == ([] if why is None else [(2, f"AAA: {why}")])
    assert (why is None) == (0 < float(text) <= MAX_PER_SHARE)


def test_a_price_taken_as_of_a_date_is_the_latest_on_or_before_it(tmp_path: Path) -> None:
    src = _csv(
        tmp_path,
        "symbol,price,currency,as_of\n"
        "AAA,3,USD,2025-06-20\n"  # out of order in the file
        "AAA,1,USD,2025-06-16\n"
        "AAA,2,USD,2025-06-18T23:30:00-05:00\n"  # the 18th where it was written, the 19th in UTC
        "BBB,9,USD,\n",
    )
    picks = {
        day: src.fetch_at(["AAA", "BBB", "CCC"], day)
        for day in (None, dt.date(2025, 6, 15), dt.date(2025, 6, 16), dt.date(2025, 6, 18), dt.date(2025, 6, 21))
    }
    assert {day: got.quotes["AAA"].price for day, got in picks.items()} == {
        None: 3.0,
        dt.date(2025, 6, 15): 1.0,  # only later prices: the earliest, for the caller to set aside
        dt.date(2025, 6, 16): 1.0,
        dt.date(2025, 6, 18): 2.0,
        dt.date(2025, 6, 21): 3.0,
    }
    assert all(got.quotes["BBB"].price == 9.0 for got in picks.values())
    assert all(got.failures == {"CCC": "not in prices.csv"} for got in picks.values())


@pytest.mark.parametrize(
    "text",
    [
        "AAA",
        "aaa",
        "BigCo",
        "ß",
        "ªb",
        "ÄBC",
        "äbc",
        "ǅx",
        "x\u2028",
        "x\x7f",
        "a\tb",
        "İX",
        "ﬁx",
        "AB.c",
        "cnyhkd=x",
        "^hsi",
    ],
)
def test_the_symbol_door_reads_unicode_as_it_always_did(text: str) -> None:
    """price_key's quick tests (ASCII case, printable text) agree with the letter-by-letter ones."""

    def slow(t: str) -> str:
        s = t.strip()
        if not any(c in s for c in ".=^") and any(c.islower() for c in s):
            return "name"
        return "ticker"

    try:
        key = price_key(text)
    except ValueError as exc:
        problem = str(exc)
        if slow(text) == "name":
            assert "is not a security name" in problem
        else:
            assert "is not a ticker" in problem or "control character" in problem
            assert ("control character" in problem) == any(not c.isprintable() for c in text.strip())
    else:
        assert key == (key.lower() if slow(text) == "name" else check_ticker(text.strip()))


def test_an_fx_unit_is_checked_only_for_a_pair() -> None:
    assert fx_unit_problem("CNYHKD=X", "CNY") == "CNYHKD=X is HKD per one CNY: its currency is HKD, not CNY"
    assert fx_unit_problem("CNYHKD=X\n", "CNY") is not None  # as the pair pattern reads it
    assert fx_unit_problem("CNYHKD=X", "HKD") is None
    assert fx_unit_problem("AB=XY", "CNY") is None
    assert fx_unit_problem("X=X", "CNY") is None


def test_a_quote_is_built_as_its_fields_say_and_stays_frozen() -> None:
    """Quote sets its fields in one step; its signature must still be the dataclass fields, in order."""
    params = inspect.signature(Quote).parameters
    assert [(p.name, p.default) for p in params.values()] == [
        (f.name, inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default)
        for f in dataclasses.fields(Quote)
    ]
    when = dt.datetime(2025, 6, 20)
    q = Quote("VOD.L", 7250.0, "GBp", when, "file", "feed", None, True, (("possibly-suspended", "no trades"),))
    assert dataclasses.asdict(q) == {
        "symbol": "VOD.L",
        "price": 7250.0,
        "currency": "GBp",
        "as_of": when,
        "kind": "file",
        "origin": "feed",
        "fallback": None,
        "synthetic": True,
        "flags": (("possibly-suspended", "no trades"),),
    }
    assert q == Quote(symbol="VOD.L", price=7250.0, currency="GBp", as_of=when, kind="file", origin="feed",
                      synthetic=True, flags=(("possibly-suspended", "no trades"),))  # fmt: skip
    assert hash(q) == hash(dataclasses.replace(q))
    assert dataclasses.replace(q, fallback="yahoo: down").fallback == "yahoo: down"
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.price = 1.0  # type: ignore[misc]
    assert Quote("AAA", 1.0, "USD", None, "memory").origin == ""


@pytest.mark.parametrize(
    ("unit", "price", "currency"),
    [
        ("GBp", 1.23, "GBP"),
        ("GBX", 1.23, "GBP"),
        ("ZAc", 1.23, "ZAR"),
        ("KWF", 0.123, "KWD"),
        ("HKD", 123.0, "HKD"),
        ("hkd", 123.0, "HKD"),  # not an ISO code as written: upper-cased, as major_currency does
    ],
)
def test_a_quote_in_major_units(unit: str, price: float, currency: str) -> None:
    q = Quote("AAA", 123.0, unit, dt.datetime(2025, 6, 20), "file", "feed", "why", True, (("f", "n"),))
    major = q.in_major_units()
    assert math.isclose(major.price, price) and major.currency == currency
    assert major == dataclasses.replace(q, price=major.price, currency=currency)
    assert (major is q) == (unit == currency)


def test_merging_a_later_round_clears_what_it_priced() -> None:
    def q(sym: str, day: int) -> Quote:
        return Quote(sym, 1.0, "HKD", dt.datetime(2025, 6, day), "file")

    first = FetchResult(
        quotes={"AAA": q("AAA", 1)},
        failures={"BBB": "not in file", "CCC": "not in file", "DDD": "no price on or before"},
        later={"DDD": q("DDD", 25), "EEE": q("EEE", 26)},
    )
    second = FetchResult(
        quotes={"AAA": q("AAA", 2), "BBB": q("BBB", 2), "DDD": q("DDD", 2)},
        failures={"CCC": "still not", "FFF": "new failure", "AAA": "ignored: priced"},
        later={"EEE": q("EEE", 27), "GGG": q("GGG", 28), "BBB": q("BBB", 29)},
    )
    first.merge(second)
    assert first.quotes == {"AAA": q("AAA", 2), "BBB": q("BBB", 2), "DDD": q("DDD", 2)}
    assert first.failures == {"CCC": "still not", "FFF": "new failure"}
    assert list(first.failures) == ["CCC", "FFF"]
    assert first.later == {"EEE": q("EEE", 26), "GGG": q("GGG", 28)}  # the first later price is kept


def test_unused_overrides_are_named_and_none_given_is_none_found(deal: Callable[..., Deal]) -> None:
    deals = [deal('[[consideration]]\nkind = "stock"\nratio = 1.0\nticker = "ACME.HK"\n', target="TGT.HK")]
    assert unused_overrides([], deals) == []
    assert unused_overrides({}, deals) == []
    assert unused_overrides({"ACME.HK": (1.0, None)}, deals) == []
    typo = ["TGT.HX: no deal here is priced from TGT.HX, so it changes nothing (did you mean 'TGT.HK'?)"]
    assert unused_overrides(["TGT.HX", "CNYHKD=X"], deals) == typo
    assert unused_overrides(iter(["TGT.HX"]), deals) == typo  # any iterable, not only a collection
    assert unused_overrides(["TGT.HX"], []) == []


def test_a_price_only_after_the_as_of_is_set_aside_with_its_date(tmp_path: Path) -> None:
    src = _csv(
        tmp_path,
        "symbol,price,currency,as_of\nAAA,1,USD,2025-06-18\nAAA,2,USD,2025-06-20\nBBB,3,USD,2025-06-19\nCCC,4,USD,\n",
    )
    got = fetch_as_of(src, ["BBB", "AAA", "CCC", "DDD"], dt.date(2025, 6, 18))
    assert {s: q.price for s, q in got.quotes.items()} == {"AAA": 1.0, "CCC": 4.0}
    assert {s: q.price for s, q in got.later.items()} == {"BBB": 3.0}
    assert got.failures == {
        "DDD": "not in prices.csv",
        "BBB": "no price on or before the as-of 2025-06-18 (one dated 2025-06-19)",
    }
    assert list(fetch_as_of(src, ["BBB", "AAA"], None).quotes) == ["BBB", "AAA"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from("ab1.,# \t\u00e9\u3000-"), max_size=12), max_size=12))
def test_a_file_without_quotes_cuts_its_records_as_the_line_by_line_reader(lines: list[str]) -> None:
    """A file with no quote anywhere is cut in one pass; a quoted line added at its end sends the
    whole file through the reader's line-by-line loop, which must cut the other lines the same."""
    from arb.prices.csvfile import _records

    quick = _records(lines)
    slow = _records([*lines, '"quoted",1,USD'])
    assert slow[-1] == (len(lines) + 1, ["quoted", "1", "USD"], None)
    assert quick == slow[:-1]


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["AAA", "BBB", "CCC"]), st.sampled_from(["", "2025-06-18", "2025-06-19"])),
        max_size=9,
    )
)
def test_repeated_symbols_clash_as_each_row_read_against_all_before_it(
    rows: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The same symbol twice on a date, or dated and undated rows of one symbol, are refused with
    the line they clash with, whichever rows came first: as a reader keeping every row's line would."""
    path = tmp_path_factory.mktemp("clash") / "prices.csv"
    path.write_text("symbol,price,currency,as_of\n" + "".join(f"{s},1.5,USD,{d}\n" for s, d in rows))
    src = CsvSource(path, today=dt.date(2025, 6, 20))
    expected: list[tuple[int, str]] = []
    kept: dict[tuple[str, str], int] = {}
    first: dict[str, str] = {}
    for line, (sym, day) in enumerate(rows, start=2):
        if (sym, day) in kept:
            on, per = (f" for {day}", " and date") if day else ("", "")
            expected.append(
                (line, f"{sym} is already priced on line {kept[(sym, day)]}{on}; keep one row per symbol{per}")
            )
            continue
        if sym in first and (first[sym] == "") != (day == ""):
            expected.append(
                (
                    line,
                    f"{sym} is already priced on line {kept[(sym, first[sym])]}; a symbol's rows must all have an "
                    "as_of date (one row per date) or be a single undated row",
                )
            )
            continue
        first.setdefault(sym, day)
        kept[(sym, day)] = line
    assert [(e.line, e.problem) for e in src.errors] == expected
    assert sorted(
        (q.symbol, "" if q.as_of is None else str(q.as_of.date())) for qs in src._history.values() for q in qs
    ) == sorted(kept)

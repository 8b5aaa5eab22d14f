"""Ticker notation, FX pair names and minor currency units."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from arb.fx import FxTable
from arb.prices.base import Quote
from arb.symbols import (
    check_ticker,
    fx_pair,
    guess_currency,
    is_fx_pair,
    major_currency,
    minor_unit_problem,
    normalize_symbol,
    parse_fx_pair,
    preview,
    price_key,
    read_price,
    security_key,
    ticker_aliases,
)


@pytest.mark.parametrize(
    ("written", "yahoo"),
    [
        ("600803.SH", "600803.SS"),
        ("600803.SS", "600803.SS"),
        ("002074.SZ", "002074.SZ"),
        ("0981.HK", "0981.HK"),
        ("09992.HK", "9992.HK"),
        ("00700.HK", "0700.HK"),
        ("5.HK", "0005.HK"),
        ("2688.hk", "2688.HK"),
        ("NVDA.US", "NVDA"),
        ("nvda", "NVDA"),
        (" NVDA ", "NVDA"),
        ("VOD.L", "VOD.L"),
        ("cnyhkd=x", "CNYHKD=X"),
    ],
)
def test_normalize_symbol(written: str, yahoo: str) -> None:
    assert normalize_symbol(written) == yahoo


def test_normalize_symbol_is_idempotent() -> None:
    for sym in ("600803.SH", "09992.HK", "NVDA.US", "002074.SZ"):
        once = normalize_symbol(sym)
        assert normalize_symbol(once) == once


def test_empty_ticker_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        normalize_symbol("  ")


def test_fx_pair_names() -> None:
    assert fx_pair("CNY", "HKD") == "CNYHKD=X"
    assert parse_fx_pair("CNYHKD=X") == ("CNY", "HKD")
    assert is_fx_pair("CNYHKD=X")
    assert not is_fx_pair("2688.HK")
    assert not is_fx_pair("CNYHKD")
    with pytest.raises(ValueError, match="not an FX pair"):
        parse_fx_pair("2688.HK")


def _q(sym: str, price: float, ccy: str = "") -> Quote:
    return Quote(sym, price, ccy, dt.datetime(2025, 6, 20), "memory")


def test_fx_direct_pair() -> None:
    table = FxTable({"CNYHKD=X": _q("CNYHKD=X", 1.09, "HKD")})
    rate = table.rate("CNY", "HKD")
    assert rate is not None
    assert rate.rate == 1.09
    assert rate.symbol == "CNYHKD=X"
    assert not rate.inverted


def test_fx_inverse_pair_serves_as_one_over_x() -> None:
    table = FxTable({"HKDCNY=X": _q("HKDCNY=X", 0.92, "CNY")})
    rate = table.rate("CNY", "HKD")
    assert rate is not None
    assert rate.rate == pytest.approx(1 / 0.92, rel=1e-15)
    assert rate.inverted
    assert rate.symbol == "HKDCNY=X"


def test_fx_same_currency_is_one_and_missing_is_none() -> None:
    table = FxTable({})
    same = table.rate("HKD", "HKD")
    assert same is not None and same.rate == 1.0 and same.symbol is None
    assert table.rate("USD", "HKD") is None  # never a silent 1.0


@pytest.mark.parametrize(
    ("unit", "major", "divisor"),
    [("GBp", "GBP", 100.0), ("GBX", "GBP", 100.0), ("ZAc", "ZAR", 100.0), ("ILA", "ILS", 100.0), ("HKD", "HKD", 1.0)],
)
def test_major_currency(unit: str, major: str, divisor: float) -> None:
    assert major_currency(unit) == (major, divisor)


@pytest.mark.parametrize(
    ("unit", "price", "major", "expected"),
    [
        ("GBp", 7250.0, "GBP", 72.50),
        ("GBX", 150.0, "GBP", 1.50),
        ("ZAc", 4321.0, "ZAR", 43.21),
        ("ILA", 980.0, "ILS", 9.80),
    ],
)
def test_quote_in_major_units(unit: str, price: float, major: str, expected: float) -> None:
    q = _q("X", price, unit).in_major_units()
    assert q.currency == major
    assert q.price == pytest.approx(expected, rel=1e-12)


def test_quote_in_major_unit_already_is_unchanged() -> None:
    q = _q("2688.HK", 65.0, "HKD")
    assert q.in_major_units() is q


def test_guess_currency_from_suffix() -> None:
    assert guess_currency("2688.HK") == "HKD"
    assert guess_currency("600803.SS") == "CNY"
    assert guess_currency("VOD.L") == "GBp"
    assert guess_currency("NVDA") == "USD"
    assert guess_currency("CNYHKD=X") == "HKD"
    assert guess_currency("X.ZZ") is None


# ------------------------------------------------------------------------------------------------
# The doors: one key for every symbol, one reader for every price with its unit
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("600803.sh", "600803.SS"),
        ("BIGCO", "BIGCO"),
        ("bigco", "bigco"),  # a security's name, or ticker BIGCO when the deals have no such security
        ("NewCo", "newco"),
        (" enn-ng-h ", "enn-ng-h"),
        ("cnyhkd=x", "CNYHKD=X"),
        ("^hsi", "^HSI"),
        ("brk-b", "brk-b"),
        ("BRK-B", "BRK-B"),
    ],
)
def test_price_key(written: str, key: str) -> None:
    assert price_key(written) == key
    assert price_key(key) == key  # idempotent


@pytest.mark.parametrize("bad", ["", " ", ".", "..", "../../etc/passwd", "A B", 'A"B', "A\x1b[2J", "A\nB", "X" * 33])
def test_what_is_not_a_ticker(bad: str) -> None:
    with pytest.raises(ValueError):
        check_ticker(bad)
    with pytest.raises(ValueError):
        price_key(bad)


@pytest.mark.parametrize("good", ["2688.HK", "BRK-B", "M&M.NS", "CNYHKD=X", "^HSI", "600803.SH", "nvda"])
def test_what_is_a_ticker(good: str) -> None:
    assert check_ticker(good) == normalize_symbol(good)


def test_security_key_folds_case_and_refuses_listing_forms() -> None:
    assert security_key("NewCo") == "newco"
    assert security_key("ENN-NG-H") == "enn-ng-h"
    for bad in ("new.co", "a=b", "new co", "123", "", "a\tb", "x" * 65):
        with pytest.raises(ValueError):
            security_key(bad)


def test_ticker_aliases_skip_security_names_and_dotted_tickers() -> None:
    got = ticker_aliases(["BIGCO", "2688.HK", "CNYHKD=X", "enn-ng-h", "ACME"], ["acme"])
    assert got == {"bigco": "BIGCO"}


@pytest.mark.parametrize(
    ("given", "read"),
    [
        (4.9, (4.9, None)),
        ("4.9", (4.9, None)),
        ("4.90GBP", (4.9, "GBP")),
        ("490GBp", (490.0, "GBp")),  # pence stay pence: "GBp".upper() would be pounds
        ("4.9:GBP", (4.9, "GBP")),
        ("4.9 usd", (4.9, "USD")),  # a code with no minor unit of the same letters: case does not matter
        ("13.1CNY", (13.1, "CNY")),
        ((250.0, "GBX"), (250.0, "GBX")),
        ("1e3USD", (1000.0, "USD")),
    ],
)
def test_read_price(given: object, read: tuple[float, str | None]) -> None:
    assert read_price(given) == read


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("", "not a price"),
        ("=5", "not a price"),
        ("abc", "not a price"),
        ("inf", "not a price"),
        (math.inf, "finite"),
        (math.nan, "finite"),
        (-1.0, "above zero"),
        ("4.9 gbp", "could be GBP or GBp"),  # pounds or pence: a hundredfold is not guessed
        (0, "above zero"),
        ("5XYZ", "unknown currency"),
        ("1e307", r"above 1e\+09"),
        ("100000000001GBp", r"above 1e\+09"),  # 1e9 pounds and a penny
        (True, "not a number"),
        ("4.9GBP", None),
    ],
)
def test_read_price_refuses(given: object, why: str | None) -> None:
    if why is None:
        assert read_price(given, None)[1] == "GBP"
        return
    with pytest.raises(ValueError, match=why):
        read_price(given)


def test_a_unit_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="give one"):
        read_price("4.9GBP", "GBP")


def test_minor_unit_problem_from_the_quote_or_the_suffix() -> None:
    assert minor_unit_problem("TGT.L", 4.9, None, None) is not None  # .L guessed pence
    assert minor_unit_problem("TGT.L", 4.9, "GBP", None) is None  # the unit was given
    assert minor_unit_problem("TGT.L", 4.9, None, "GBP") is None  # the quote says pounds
    assert minor_unit_problem("TGTX", 4.9, None, "GBp") is not None  # the quote says pence
    assert minor_unit_problem("X.JO", 3.0, None, None) == (
        "X.JO is quoted in ZAc (1/100 ZAR): a bare 3 could be either; write X.JO=3ZAc if it is in ZAc,"
        " X.JO=3ZAR if in ZAR"
    )


def test_the_minor_unit_message_offers_both_readings_of_the_number() -> None:
    # A reader holding 400 pence must find a spelling of 400 pence in the message, and one holding
    # 400 pounds one of 400 pounds: each suggestion, read back, is one of the two readings.
    problem = minor_unit_problem("TGT.L", 400.0, None, None, python=True)
    assert problem is not None
    suggested = {read_price(*pair) for pair in ((400, "GBp"), (400, "GBP")) if repr(pair) in problem}
    assert suggested == {(400.0, "GBp"), (400.0, "GBP")}
    assert "40000" not in problem  # not the pounds reading again, spelt in pence


def test_preview_is_one_short_line() -> None:
    assert preview("cash-deal\n") == "'cash-deal\\n'"
    long = preview("x" * 100_000)
    assert long.endswith("…(100000 chars)") and len(long) < 70
    assert "\x1b" not in preview("A\x1b[2J")

"""Ticker notation, FX pair names and minor currency units."""

from __future__ import annotations

import datetime as dt

import pytest

from arb.fx import FxTable
from arb.prices.base import Quote
from arb.symbols import fx_pair, guess_currency, is_fx_pair, major_currency, normalize_symbol, parse_fx_pair


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

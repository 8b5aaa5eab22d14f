"""Number formatting: half away from zero on the decimal a reader sees, a dash when unknown, never raising."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arb.cli.format import DASH, amount, money, num, pct, shares
from arb.display import _money as html_money
from arb.display import _pct as html_pct


@pytest.mark.parametrize(
    ("x", "text"),
    [(0.0125, "1.3%"), (-0.0125, "-1.3%"), (0.00125, "0.1%"), (0.2307588, "23.1%"), (0.0, "0.0%"), (-0.0004, "0.0%")],
)
def test_pct_rounds_half_away_from_zero(x: float, text: str) -> None:
    assert pct(x) == text


def test_pct_sign_and_digits() -> None:
    assert pct(0.0125, sign=True) == "+1.3%"
    assert pct(0.000125, 2) == "0.01%"
    assert pct(0.12345, 2) == "12.35%"  # Python's format gives 12.34% here (binary 0.12344999...)


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (2.675, "2.68"),
        (-2.675, "-2.68"),
        (1.005, "1.01"),
        (0.125, "0.13"),
        (-0.004, "0.00"),
        (1234567.125, "1,234,567.13"),
    ],
)
def test_money_rounds_half_away_from_zero(x: float, text: str) -> None:
    assert money(x, None) == text


def test_money_sign_and_currency() -> None:
    assert money(15.0, "HKD", sign=True) == "HKD +15.00"
    assert money(-0.001, None, sign=True) == "0.00"  # rounds to zero: no sign, never -0.00


def test_num_and_amount_round_half_away() -> None:
    assert num(2.00005) == "2.0001"
    assert num(-2.00005) == "-2.0001"
    assert num(2.5, 0) == "3"
    assert shares(0.12345) == "0.1235"
    assert amount(24.5) == "24.50"
    assert amount(18.8612) == "18.8612"
    assert amount(1.0000005) == "1.000001"


@pytest.mark.parametrize("x", [1e307, 1e308, -1e308, 1.7976931348623157e308, 5e-324, -0.0])
def test_huge_and_tiny_numbers_format(x: float) -> None:
    for text in (money(x, "USD"), money(x, None, sign=True), pct(x), num(x), amount(x), shares(x)):
        assert text and text != DASH
    assert money(1e307, None) == "1e+307"
    assert pct(-1e308) == "-1e+310%"


@pytest.mark.parametrize("x", [math.inf, -math.inf, math.nan, None])
def test_not_finite_is_a_dash(x: float | None) -> None:
    assert money(x, "USD") == pct(x) == num(x) == amount(x) == shares(x) == DASH
    assert html_money(x) == html_pct(x) == "n/a"


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True), st.integers(0, 6), st.booleans())
def test_formatters_never_raise(x: float, digits: int, sign: bool) -> None:
    money(x, "USD", sign=sign)
    pct(x, digits, sign=sign)
    num(x, digits)
    amount(x)
    html_money(x, "USD", signed=sign)
    html_pct(x, signed=sign)


def test_html_views_round_like_the_terminal() -> None:
    assert html_money(2.675) == "2.68"
    assert html_pct(0.0125) == "+1.3%"
    assert html_pct(-0.0125, signed=False) == "-1.3%"


def test_html_report_has_a_dividends_column_and_half_away_rounding() -> None:
    from conftest import make_deal, value

    from arb.display import valuation_html

    body = (
        '[[consideration]]\nkind = "cash"\namount = 50.005\ncurrency = "HKD"\n'
        '[[dividend]]\nticker = "T.HK"\namount = 0.125\ncurrency = "HKD"\nex_date = 2025-09-01\n'
    )
    html = valuation_html(value(make_deal(body), {"T.HK": (48.0, "HKD")}))
    assert "<th" in html and ">dividends</th>" in html
    assert "HKD 50.01" in html and "HKD 0.13" in html  # half away from zero, not Python's half-even on binary

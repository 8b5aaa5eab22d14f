"""The report's printing done a column or a batch at a time gives what the one-at-a-time forms give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from arb.cli.format import money, money_each, pct, pct_each
from arb.rounding import fixed, fixed_each
from arb.text import safe, safe_each

_PIECES = st.sampled_from(["\x1b", "\r", "\n", "\t", "\x9b", "\u202e", "\u200b", "\udcff", "中文", "é", "a", "-", " "])
TEXTS = st.lists(st.lists(st.one_of(_PIECES, st.characters()), max_size=8).map("".join), max_size=12)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_safe_each_is_safe_of_each(texts: list[str]) -> None:
    assert safe_each(texts) == [safe(t) for t in texts]


def test_safe_each_escapes_the_one_bad_text_among_good_ones() -> None:
    assert safe_each(["ok", "bad\x1b[2J", "中文"]) == ["ok", "bad\\x1b[2J", "中文"]
    assert safe_each(iter(["a", "b"])) == ["a", "b"]
    assert safe_each([]) == []


# Ties (2.675, 0.0125), short decimals, the thousands, the HUGE edge, tiny numbers repr writes
# with an exponent, NaN and infinities, None, and ints: everything fixed() sees from a report.
FIGURES = st.one_of(
    st.none(),
    st.floats(),
    st.decimals(min_value=-100_000, max_value=100_000, places=4).map(float),
    st.decimals(min_value=-2_000, max_value=2_000, places=2).map(float),
    st.sampled_from([0.0, -0.0, 999.995, -999.995, 1000.0, 1e-05, -4.5e-06, 1e13, 9.99e14, 1e15, -1e15, 5e-324]),
    st.floats(min_value=9e12, max_value=2e15),
    st.integers(-10_000, 10_000),
)


@settings(max_examples=1500, deadline=None)
@given(
    xs=st.lists(FIGURES, max_size=10),
    digits=st.integers(0, 6),
    sign=st.booleans(),
    scale=st.sampled_from([0, 2]),
    group=st.booleans(),
)
def test_fixed_each_is_fixed_of_each(xs: list[float | None], digits: int, sign: bool, scale: int, group: bool) -> None:
    expected = [None if x is None else fixed(x, digits, sign=sign, scale=scale, group=group) for x in xs]
    assert fixed_each(xs, digits, sign=sign, scale=scale, group=group) == expected


@settings(max_examples=500, deadline=None)
@given(xs=st.lists(FIGURES, max_size=10), sign=st.booleans(), digits=st.integers(0, 3))
def test_money_each_and_pct_each_are_money_and_pct_of_each(xs: list[float | None], sign: bool, digits: int) -> None:
    assert money_each(xs, sign=sign) == [money(x, None, sign=sign) for x in xs]
    assert pct_each(xs, digits, sign=sign) == [pct(x, digits, sign=sign) for x in xs]


def test_fixed_each_rounds_ties_away_from_zero_and_never_writes_minus_zero() -> None:
    assert fixed_each([2.675, -2.675, 0.125, -0.001, None, float("nan")], 2) == [
        "2.68", "-2.68", "0.13", "0.00", None, None,
    ]  # fmt: skip
    assert fixed_each([0.0125, -0.00049, 1234.5], 1, scale=2, group=False, sign=True) == ["+1.3", "0.0", "+123450.0"]
    assert fixed_each([1234.5, 1234.567], 2, sign=True) == ["+1,234.50", "+1,234.57"]

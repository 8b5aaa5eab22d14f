"""The quick checks in arb.symbols agree with the full rules they stand in for.

A price file's reader checks each row's price with :func:`price_in_range` and asks
:func:`bad_price_reason` only for a row it refuses; :meth:`Quote.in_major_units` skips the
conversion when :func:`is_major_unit` says the unit is already an ISO code. Each quick check must
say yes exactly where the full rule would: for every edge value here.
"""

from __future__ import annotations

import datetime as dt
import math
import sys

import pytest

from arb.prices.base import Quote, bad_price_reason
from arb.symbols import MAX_PER_SHARE, MINOR_UNITS, is_major_unit, major_currency, price_in_range

EDGE_PRICES = [
    0.0,
    -0.0,
    5e-324,  # the smallest float above zero
    sys.float_info.min,
    -1e-9,
    -1.0,
    1.0,
    42.5,
    MAX_PER_SHARE,
    math.nextafter(MAX_PER_SHARE, 0.0),
    math.nextafter(MAX_PER_SHARE, math.inf),
    2 * MAX_PER_SHARE,
    sys.float_info.max,
    math.inf,
    -math.inf,
    math.nan,
    1,  # an int, as a source may give
    0,
    10**9,
    10**9 + 1,
]


@pytest.mark.parametrize("price", EDGE_PRICES, ids=repr)
def test_price_in_range_is_what_bad_price_reason_passes(price: float) -> None:
    assert price_in_range(price) == (bad_price_reason(price) is None)


def test_the_range_ends() -> None:
    assert price_in_range(MAX_PER_SHARE) and price_in_range(5e-324)
    assert not price_in_range(0.0) and not price_in_range(math.nan)
    assert not price_in_range(math.nextafter(MAX_PER_SHARE, math.inf))


UNITS = [*MINOR_UNITS, *(u.upper() for u in MINOR_UNITS), *(u.lower() for u in MINOR_UNITS)]
UNITS += ["HKD", "USD", "hkd", "Usd", "", "X", "gbP", "ZAR", "ILS", "KWD", "USD ", "1"]


@pytest.mark.parametrize("unit", sorted(set(UNITS)), ids=repr)
def test_is_major_unit_is_where_major_currency_changes_nothing(unit: str) -> None:
    assert is_major_unit(unit) == (major_currency(unit) == (unit, 1.0))


@pytest.mark.parametrize("unit", sorted(set(UNITS)), ids=repr)
def test_in_major_units_converts_exactly_the_other_units(unit: str) -> None:
    q = Quote("X.L", 250.0, unit, dt.datetime(2025, 6, 20), "memory", "test")
    major = q.in_major_units()
    code, divisor = major_currency(unit)
    if is_major_unit(unit):
        assert major is q
    else:
        assert (major.currency, major.price) == (code, 250.0 / divisor)
        assert (major.symbol, major.as_of, major.kind, major.origin) == (q.symbol, q.as_of, q.kind, q.origin)

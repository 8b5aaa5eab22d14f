"""A price DataFrame whose as_of column has a missing date: that row is undated, never a traceback.

pandas writes a missing date as ``NaT``, which is a ``datetime`` subclass: it passed for a date
and failed later, comparing ``NaT`` with the as-of (``TypeError``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from arb.api import valuation
from tests.conftest import make_deal

BODY = '[[consideration]]\nkind = "stock"\nratio = 0.5\nticker = "BIGCO"\n'


@pytest.mark.parametrize("missing", [pd.NaT, np.datetime64("NaT"), float("nan"), None])
def test_a_missing_date_in_a_price_frame_is_an_undated_row(missing: object) -> None:
    deal = make_deal(BODY, currency="USD", target="TGTR")
    frame = pd.DataFrame(
        {
            "symbol": ["TGTR", "BIGCO"],
            "price": [19.0, 40.0],  # synthetic prices
            "currency": ["USD", "USD"],
            "as_of": [pd.Timestamp("2025-06-20"), missing],
        }
    )
    v = valuation(deal, frame)
    assert v.as_of == dt.date(2025, 6, 20)  # the one date given sets the as-of
    prices = v.prices_frame().set_index("symbol")
    assert prices.loc["TGTR", "as_of"] == pd.Timestamp("2025-06-20")
    assert pd.isna(prices.loc["BIGCO", "as_of"])
    result = v.results[0]
    assert result.figures["deal_value"] == pytest.approx(20.0)
    assert result.figures["spread"] == pytest.approx(1.0)

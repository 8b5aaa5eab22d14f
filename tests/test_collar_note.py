"""The outside-collar note gives the price and the collar in the security's currency.

A UK collar copied in pence for a listing priced in pounds is a hundredfold off; the flag fires,
and the note must show the unit the comparison was made in, so the slip can be seen.
"""

from __future__ import annotations

import datetime as dt

from arb.api import valuation
from arb.flags import Flag
from tests.conftest import make_deal

AS_OF = dt.date(2025, 6, 20)


def _note(collar: str) -> list[str]:
    body = f'[[consideration]]\nkind = "stock"\nratio = 0.5\nticker = "BIGL.L"\ncollar = {collar}\n'
    deal = make_deal(body, currency="GBP", target="UKCO.L")
    result = valuation(deal, {"UKCO.L": "340GBp", "BIGL.L": "700GBp"}, as_of=AS_OF).results[0]  # synthetic
    return [n for f, n in result.info.flag_notes if f == Flag.OUTSIDE_COLLAR]


def test_a_collar_written_in_pence_is_named_in_pounds() -> None:
    assert _note("[600.0, 800.0]") == ["BIGL.L at 7 GBP is outside its collar [600, 800] GBP"]


def test_a_collar_in_pounds_around_the_price_raises_nothing() -> None:
    assert _note("[6.0, 8.0]") == []

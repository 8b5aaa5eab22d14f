"""Quote units as users write them: pence stay pence on every way prices come in."""

from __future__ import annotations

import pytest

from arb.api import prices_from
from arb.pricing import parse_override
from arb.symbols import quote_unit


@pytest.mark.parametrize(
    ("text", "unit"),
    [("GBp", "GBp"), ("GBX", "GBX"), ("ZAc", "ZAc"), ("ILA", "ILA"), ("hkd", "HKD"), (" USD ", "USD"), ("XYZ", None)],
)
def test_quote_unit(text, unit):
    assert quote_unit(text) == unit


def test_python_prices_keep_pence():
    # 250 pence is 2.50 pounds: reading "GBp" as "GBP" would make it 250 pounds.
    source = prices_from({"VOD.L": (250.0, "GBp")})
    quote = source.fetch(["VOD.L"]).quotes["VOD.L"]
    assert quote.currency == "GBp"
    assert quote.in_major_units().price == pytest.approx(2.5)
    assert quote.in_major_units().currency == "GBP"


def test_override_keeps_pence():
    assert parse_override("VOD.L=250:GBp") == ("VOD.L", (250.0, "GBp"))
    assert parse_override("VOD.L=2.5:gbp") == ("VOD.L", (2.5, "GBP"))

"""An FX pair is priced in its quote currency: a row naming another is refused on every path.

``GBPUSD=X`` is US dollars per pound, and the valuation reads its price so whatever currency the
row gives. A row ``GBPUSD=X,0.8,EUR`` was used as 0.8 US dollars a pound, silently.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from arb.api import valuation
from arb.errors import ArbError, PriceSourceError
from arb.prices.csvfile import CsvSource
from arb.prices.overrides import overrides_from, parse_override
from arb.symbols import fx_unit_problem
from tests.conftest import make_deal

AS_OF = dt.date(2025, 6, 20)
CASH_IN_POUNDS = '[[consideration]]\nkind = "cash"\namount = 3.0\ncurrency = "GBP"\n'


def test_the_rule() -> None:
    assert fx_unit_problem("GBPUSD=X", "USD") is None
    assert fx_unit_problem("GBPUSD=X", None) is None  # no unit given: the pair's own
    assert fx_unit_problem("VOD.L", "EUR") is None  # not a pair
    assert fx_unit_problem("GBPUSD=X", "EUR") == "GBPUSD=X is USD per one GBP: its currency is USD, not EUR"
    assert fx_unit_problem("USDGBP=X", "GBp") is not None  # pence would be a hundredfold off


@pytest.mark.parametrize("unit", ["EUR", "GBP"])
def test_python_prices_refuse_a_pair_in_another_currency(unit: str) -> None:
    deal = make_deal(CASH_IN_POUNDS, currency="USD", target="TGT")
    with pytest.raises(PriceSourceError, match=f"its currency is USD, not {unit}"):
        valuation(deal, {"TGT": (3.9, "USD"), "GBPUSD=X": (0.8, unit)}, as_of=AS_OF)
    ok = valuation(deal, {"TGT": (3.9, "USD"), "GBPUSD=X": (1.25, "USD")}, as_of=AS_OF).results[0]
    assert ok.figures["deal_value"] == pytest.approx(3.75)  # synthetic prices


def test_a_price_file_row_for_a_pair_in_another_currency_is_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("symbol,price,currency\nTGT,3.9,USD\nGBPUSD=X,0.8,EUR\n", encoding="utf-8")
    source = CsvSource(path)
    assert "GBPUSD=X" not in source.quotes
    assert [e.line for e in source.errors] == [3]
    assert "its currency is USD, not EUR" in str(source.errors[0])


def test_overrides_refuse_a_pair_in_another_currency() -> None:
    with pytest.raises(ArbError, match="its currency is USD, not EUR"):
        overrides_from({"GBPUSD=X": (0.8, "EUR")})
    with pytest.raises(ArbError, match="its currency is USD, not EUR"):
        parse_override("GBPUSD=X=0.8EUR")
    assert overrides_from({"GBPUSD=X": 1.25}) == {"GBPUSD=X": (1.25, None)}

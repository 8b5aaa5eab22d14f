"""Quote units as users write them: pence stay pence on every way prices come in."""

from __future__ import annotations

import pytest

from arb.api import prices_from
from arb.errors import ArbError
from arb.prices.overrides import overrides_from, parse_override
from arb.symbols import quote_unit


@pytest.mark.parametrize(
    ("text", "unit"),
    [("GBp", "GBp"), ("GBX", "GBX"), ("ZAc", "ZAc"), ("ILA", "ILA"), ("hkd", "HKD"), (" USD ", "USD"), ("XYZ", None)],
)
def test_quote_unit(text, unit):
    assert quote_unit(text) == unit


@pytest.mark.parametrize("text", ["gbp", "Gbp", "gBP", " gbp "])
def test_a_currency_that_could_be_pounds_or_pence_is_refused(text: str) -> None:
    """'gbp' upper-cases to GBP but could mean GBp: the unit door refuses to guess a hundredfold."""
    with pytest.raises(ValueError, match=r"could be GBP or GBp .*write GBP or GBp"):
        quote_unit(text)
    with pytest.raises(ArbError, match="could be GBP or GBp"):
        prices_from({"BIGL.L": (400.0, text.strip())})


def test_a_price_file_row_in_gbp_lower_case_is_one_error_and_the_rest_are_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "prices.csv"
    path.write_text("symbol,price,currency,as_of\nBIGL.L,400,gbp,2025-06-20\nOTHR.L,4.1,GBP,2025-06-20\n")
    with pytest.warns(UserWarning, match=r"prices.csv:2: currency 'gbp' could be GBP or GBp"):
        source = prices_from(str(path))
    quotes = source.fetch(["BIGL.L", "OTHR.L"]).quotes
    assert set(quotes) == {"OTHR.L"} and quotes["OTHR.L"].currency == "GBP"


def test_python_prices_keep_pence():
    # 250 pence is 2.50 pounds: reading "GBp" as "GBP" would make it 250 pounds.
    source = prices_from({"VOD.L": (250.0, "GBp")})
    quote = source.fetch(["VOD.L"]).quotes["VOD.L"]
    assert quote.currency == "GBp"
    assert quote.in_major_units().price == pytest.approx(2.5)
    assert quote.in_major_units().currency == "GBP"


def test_override_keeps_pence():
    assert parse_override("VOD.L=250:GBp") == ("VOD.L", (250.0, "GBp"))
    assert parse_override("VOD.L=2.5:GBP") == ("VOD.L", (2.5, "GBP"))
    with pytest.raises(ArbError, match="could be GBP or GBp"):  # pounds or pence: not guessed
        parse_override("VOD.L=2.5:gbp")


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("VOD.L=4.90GBP", ("VOD.L", (4.9, "GBP"))),
        ("VOD.L=490GBp", ("VOD.L", (490.0, "GBp"))),
        ("VOD.L=4.9:GBP", ("VOD.L", (4.9, "GBP"))),
        ("NPN.JO=300000ZAc", ("NPN.JO", (300000.0, "ZAc"))),
        ("2688.HK=66", ("2688.HK", (66.0, None))),  # HKD has no minor unit: a bare number is fine
    ],
)
def test_override_unit_forms(text: str, parsed: tuple[str, tuple[float, str | None]]) -> None:
    assert parse_override(text) == parsed


@pytest.mark.parametrize("text", ["VOD.L=4.9", "NPN.JO=3000", "TEVA.TA=50"])
def test_a_bare_override_on_a_minor_unit_exchange_asks_for_the_unit(text: str) -> None:
    with pytest.raises(ArbError, match=r"quoted in (GBp|ZAc|ILA).*write"):
        parse_override(text)


def test_overrides_from_python_take_the_same_forms() -> None:
    assert overrides_from({"VOD.L": "4.9GBP", "2688.HK": 66, "X.L": (490, "GBp")}) == {
        "VOD.L": (4.9, "GBP"),
        "2688.HK": (66.0, None),
        "X.L": (490.0, "GBp"),
    }
    with pytest.raises(ArbError, match=r"\(4.9, 'GBp'\) if it is in GBp, \(4.9, 'GBP'\) if in GBP"):
        overrides_from({"VOD.L": 4.9})

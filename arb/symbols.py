"""Ticker notation, currency codes and FX pair names.

Articles write tickers the way exchanges do (``600803.SH``, ``09992.HK``, ``NVDA.US``); Yahoo
wants its own symbols (``600803.SS``, ``9992.HK``, ``NVDA``). Everything that enters ``arb`` is
normalised here, once.
"""

from __future__ import annotations

import re

__all__ = [
    "ISO_CURRENCIES",
    "MINOR_UNITS",
    "fx_pair",
    "guess_currency",
    "is_fx_pair",
    "is_listing",
    "major_currency",
    "normalize_symbol",
    "parse_fx_pair",
    "quote_unit",
]

#: ISO 4217 codes a deal or a quote may use. Upper-case only.
ISO_CURRENCIES: frozenset[str] = frozenset(
    [
        "AED",
        "ARS",
        "AUD",
        "BGN",
        "BHD",
        "BRL",
        "CAD",
        "CHF",
        "CLP",
        "CNH",
        "CNY",
        "COP",
        "CZK",
        "DKK",
        "EGP",
        "EUR",
        "GBP",
        "HKD",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "ISK",
        "JPY",
        "KES",
        "KRW",
        "KWD",
        "MAD",
        "MXN",
        "MYR",
        "NGN",
        "NOK",
        "NZD",
        "OMR",
        "PEN",
        "PHP",
        "PKR",
        "PLN",
        "QAR",
        "RON",
        "RUB",
        "SAR",
        "SEK",
        "SGD",
        "THB",
        "TRY",
        "TWD",
        "UAH",
        "USD",
        "VND",
        "ZAR",
    ]
)

#: Quote units Yahoo reports in hundredths (or thousandths) of a currency: unit -> (ISO code, divisor).
MINOR_UNITS: dict[str, tuple[str, float]] = {
    "GBp": ("GBP", 100.0),
    "GBX": ("GBP", 100.0),
    "GBx": ("GBP", 100.0),
    "ZAc": ("ZAR", 100.0),
    "ZAC": ("ZAR", 100.0),
    "ILA": ("ILS", 100.0),
    "KWF": ("KWD", 1000.0),
}

# Exchange suffixes as articles write them -> Yahoo's suffix ("" for a US listing).
_SUFFIX_ALIASES = {"SH": "SS", "US": "", "N": "", "O": "", "OQ": "", "NYSE": "", "NASDAQ": ""}

# The quote currency an exchange suffix implies: only a guess, used to ask for FX pairs early.
_SUFFIX_CURRENCY = {
    "HK": "HKD",
    "SS": "CNY",
    "SZ": "CNY",
    "L": "GBp",
    "T": "JPY",
    "TO": "CAD",
    "V": "CAD",
    "AX": "AUD",
    "SI": "SGD",
    "KS": "KRW",
    "KQ": "KRW",
    "TW": "TWD",
    "PA": "EUR",
    "DE": "EUR",
    "F": "EUR",
    "AS": "EUR",
    "MI": "EUR",
    "MC": "EUR",
    "BR": "EUR",
    "HE": "EUR",
    "SW": "CHF",
    "ST": "SEK",
    "OL": "NOK",
    "CO": "DKK",
    "JO": "ZAc",
    "TA": "ILA",
    "NS": "INR",
    "BO": "INR",
    "SA": "BRL",
    "MX": "MXN",
    "NZ": "NZD",
}

_FX_RE = re.compile(r"^([A-Z]{3})([A-Z]{3})=X$")
_LISTING_RE = re.compile(r"^[A-Z0-9^][A-Z0-9.\-^=]*$")


def normalize_symbol(symbol: str) -> str:
    """Return the Yahoo symbol for a ticker written in an article's or exchange's notation.

    ``600803.SH`` -> ``600803.SS``; ``09992.HK`` -> ``9992.HK``; ``NVDA.US`` -> ``NVDA``;
    ``cnyhkd=x`` -> ``CNYHKD=X``. Symbols already in Yahoo form come back unchanged.
    """
    text = symbol.strip()
    if not text:
        raise ValueError("empty ticker")
    upper = text.upper()
    if upper.endswith("=X"):
        return upper
    if "." not in upper:
        return upper
    code, _, suffix = upper.rpartition(".")
    suffix = _SUFFIX_ALIASES.get(suffix, suffix)
    if suffix == "HK" and code.isdigit():
        # Hong Kong codes are four digits on Yahoo: 00700 -> 0700, 09992 -> 9992, 5 -> 0005.
        code = code.lstrip("0").rjust(4, "0")
    return f"{code}.{suffix}" if suffix else code


def is_fx_pair(symbol: str) -> bool:
    """True for a Yahoo FX pair such as ``CNYHKD=X``."""
    return _FX_RE.match(symbol) is not None


def is_listing(symbol: str) -> bool:
    """True for something that looks like an exchange listing (not an FX pair, not a security name)."""
    return _LISTING_RE.match(symbol) is not None and not is_fx_pair(symbol)


def fx_pair(base: str, quote: str) -> str:
    """Yahoo's name for the rate giving ``quote`` currency per one unit of ``base``: ``CNYHKD=X``."""
    return f"{base}{quote}=X"


def parse_fx_pair(symbol: str) -> tuple[str, str]:
    """``CNYHKD=X`` -> ``("CNY", "HKD")``."""
    match = _FX_RE.match(symbol)
    if match is None:
        raise ValueError(f"not an FX pair: {symbol!r}")
    return match.group(1), match.group(2)


def major_currency(unit: str) -> tuple[str, float]:
    """Map a quote unit to its ISO currency and the divisor that converts a price into it.

    ``GBp`` -> ``("GBP", 100.0)``; ``HKD`` -> ``("HKD", 1.0)``.
    """
    if unit in MINOR_UNITS:
        return MINOR_UNITS[unit]
    return unit.upper(), 1.0


def quote_unit(text: str) -> str | None:
    """A price's unit as written by a user: a minor unit kept as is (``GBp`` is pence), an ISO
    code upper-cased (``hkd`` -> ``HKD``); None when it is neither.

    Minor units are checked first: ``"GBp".upper()`` is ``"GBP"``, which would read pence as pounds.
    """
    unit = text.strip()
    if unit in MINOR_UNITS:
        return unit
    return unit.upper() if unit.upper() in ISO_CURRENCIES else None


def guess_currency(symbol: str) -> str | None:
    """The quote unit a listing's exchange suffix implies, or None when unknown.

    A guess only: it lets a refresh ask for FX pairs in the same round as the listings. The
    quote's own currency always wins.
    """
    if is_fx_pair(symbol):
        return parse_fx_pair(symbol)[1]
    if "." not in symbol:
        return "USD" if is_listing(symbol) else None
    return _SUFFIX_CURRENCY.get(symbol.rpartition(".")[2])

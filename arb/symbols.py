"""Ticker notation, currency codes and FX pair names.

Articles write tickers the way exchanges do (``600803.SH``, ``09992.HK``, ``NVDA.US``); Yahoo
wants its own symbols (``600803.SS``, ``9992.HK``, ``NVDA``). Everything that enters ``arb`` is
normalised here, once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import SupportsFloat

__all__ = [
    "ISO_CURRENCIES",
    "MAX_PER_SHARE",
    "MINOR_UNITS",
    "check_ticker",
    "fx_pair",
    "fx_unit_problem",
    "guess_currency",
    "is_fx_pair",
    "is_listing",
    "is_major_unit",
    "major_currency",
    "minor_unit_problem",
    "normalize_symbol",
    "parse_fx_pair",
    "preview",
    "price_in_range",
    "price_key",
    "quote_unit",
    "read_price",
    "security_key",
    "ticker_aliases",
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

#: The largest price, amount or value per share anything may hold: a bound on typing slips and
#: overflow, not a market fact (no share trades near a billion in any currency).
MAX_PER_SHARE = 1e9


def price_in_range(value: float) -> bool:
    """True for a price a quote may hold: above zero and at most :data:`MAX_PER_SHARE` (NaN is not).

    The range :func:`arb.prices.base.bad_price_reason` passes, as one comparison for a reader that
    checks every row of a price file and asks for the reason only when this says no.
    """
    return 0.0 < value <= MAX_PER_SHARE


# A ticker once normalised: an optional index caret, letters and digits, then '.', '-', '&' or
# '=' joining more of them ("0981.HK", "BRK-B", "M&M.NS", "CNYHKD=X", "^HSI"). Full match only.
_TICKER_RE = re.compile(r"\^?[A-Z0-9]+(?:[.\-&=][A-Z0-9]+)*")
_MAX_TICKER = 32
# A [securities] name once case-folded: lower-case words joined by '-' or '_' ("enn-ng-h").
_SECURITY_RE = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_MAX_SECURITY = 64
# "4.90GBP", "490GBp", "4.9:GBP", "4.9 GBP": a number, then an optional unit.
_PRICE_RE = re.compile(r"\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*:?\s*([A-Za-z]{3})?\s*")


def preview(value: object, limit: int = 40) -> str:
    """A value as an error message may echo it: one line, control characters escaped, cut short.

    ``'cash-deal\\n'``; a 100 kB string becomes its first ``limit`` characters and ``…(N chars)``.
    """
    text = value if isinstance(value, str) else str(value)
    cut = text[:limit]
    shown = repr(cut)
    return shown + (f"…({len(text)} chars)" if len(text) > limit else "")


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
    return "=X" in symbol and _FX_RE.match(symbol) is not None  # the cheap test first: most symbols are not


def is_listing(symbol: str) -> bool:
    """True for something that looks like an exchange listing (not an FX pair, not a security name)."""
    return _LISTING_RE.match(symbol) is not None and not is_fx_pair(symbol)


def fx_pair(base: str, quote: str) -> str:
    """Yahoo's name for the rate giving ``quote`` currency per one unit of ``base``: ``CNYHKD=X``."""
    return f"{base}{quote}=X"


def fx_unit_problem(symbol: str, unit: str | None) -> str | None:
    """Why ``unit`` cannot be the currency of ``symbol`` when that is an FX pair, else None.

    ``CNYHKD=X`` is HKD per one CNY: its price is in HKD, and the valuation reads it so whatever
    currency the row names. A row naming another (EUR, or a minor unit such as ``GBp`` that would
    make it a hundredfold off) is refused rather than used as if it said HKD.
    """
    if unit is None or not is_fx_pair(symbol):
        return None
    base, quote = parse_fx_pair(symbol)
    if unit == quote:
        return None
    return f"{symbol} is {quote} per one {base}: its currency is {quote}, not {unit}"


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


def is_major_unit(unit: str) -> bool:
    """True when a quote unit is already its ISO currency: :func:`major_currency` gives ``(unit, 1.0)``.

    ``HKD`` is; ``GBp`` (pence) and ``hkd`` (not yet upper-cased) are not. A quick test for a caller
    that converts many quotes and most of them are in major units already.
    """
    return unit not in MINOR_UNITS and unit.upper() == unit


def quote_unit(text: str) -> str | None:
    """A price's unit as written by a user: a minor unit kept as is (``GBp`` is pence), an ISO
    code upper-cased (``hkd`` -> ``HKD``); None when it is neither.

    Minor units are checked first: ``"GBp".upper()`` is ``"GBP"``, which would read pence as pounds.
    A spelling that upper-cases to a code whose minor unit differs from it only in case (``gbp``,
    ``Gbp``: pounds or pence?) raises ValueError: a hundredfold is not guessed.
    """
    unit = text.strip()
    if unit in MINOR_UNITS:
        return unit
    upper = unit.upper()
    if upper != unit:
        minor = next((m for m in MINOR_UNITS if m.upper() == upper and m.upper() in ISO_CURRENCIES), None)
        if minor is not None:
            raise ValueError(
                f"currency {preview(unit)} could be {upper} or {minor} (hundredths of {upper}, a hundred times "
                f"smaller): write {upper} or {minor}, in that case"
            )
    return upper if upper in ISO_CURRENCIES else None


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


def check_ticker(text: str) -> str:
    """A ticker from a deal file, normalised (:func:`normalize_symbol`) and checked to be one.

    Raises ValueError saying why for what no source could ever price: an empty or bare ``.``,
    a path (``../../etc/passwd``), quotes, spaces or control characters.
    """
    if not text.isprintable():
        raise ValueError(f"{preview(text)} holds a control character; a ticker is letters, digits and . - & = ^")
    symbol = normalize_symbol(text)
    if not _TICKER_RE.fullmatch(symbol) or len(symbol) > _MAX_TICKER:
        raise ValueError(
            f"{preview(text)} is not a ticker: write letters and digits with . - & = ^ "
            "(e.g. '2688.HK', 'BRK-B', 'CNYHKD=X')"
        )
    return symbol


def security_key(name: str) -> str:
    """The key a ``[securities]`` name is known by everywhere: case-folded (``NewCo`` -> ``newco``).

    Raises ValueError unless it is lower-case words joined by ``-`` or ``_`` once folded, with a
    letter somewhere: a name with a ``.``, ``=`` or ``^`` would read as a listing on the price side.
    """
    key = name.strip().lower()
    if (
        not _SECURITY_RE.fullmatch(key)
        or len(key) > _MAX_SECURITY
        or not any(c.isalpha() for c in key)
        or any(not c.isprintable() for c in name)
    ):
        raise ValueError(
            f"{preview(name)} is not a security name: use words of letters and digits joined by "
            "'-' or '_' (e.g. 'enn-ng-h'); no dots, spaces or '=', which read as a listing"
        )
    return key


def price_key(text: str) -> str:
    """THE key a price is filed and looked up under, on every path (price files, ``--price``,
    Python prices and overrides, scenario grids).

    - a bare word holding a lower-case letter (``enn-ng-h``, ``NewCo``, ``bigco``) is folded to
      lower case: the form of a ``[securities]`` name (:func:`security_key`). When the deals
      have no security of that name it prices the ticker of the same letters (``bigco`` is
      ``BIGCO``, see :func:`ticker_aliases`), as tickers in deal files are upper-cased;
    - anything else is a ticker or an FX pair in Yahoo form (:func:`check_ticker`).

    Raises ValueError for what is neither.
    """
    stripped = text.strip()
    if not stripped:
        raise ValueError("empty symbol")
    if "." in stripped or "=" in stripped or "^" in stripped:  # a listing or an FX pair, never a name
        return check_ticker(stripped)
    # For ASCII text, changing under upper() is having a lower-case letter; other text is read letter by letter.
    lower = stripped != stripped.upper() if stripped.isascii() else any(c.islower() for c in stripped)
    return security_key(stripped) if lower else check_ticker(stripped)


def ticker_aliases(symbols: Iterable[str], securities: Iterable[str] = ()) -> dict[str, str]:
    """For each bare upper-case ticker among ``symbols``, the lower-case key a price file may file
    it under (``{"bigco": "BIGCO"}``), unless that key is a security's own name."""
    names = set(securities)
    out: dict[str, str] = {}
    for sym in symbols:
        # A dotted listing (most of them) can never be a security name: no need to try the pattern.
        if "." not in sym and sym.isupper() and _SECURITY_RE.fullmatch(sym.lower()) and sym.lower() not in names:
            out[sym.lower()] = sym
    return out


def read_price(value: object, unit: str | None = None) -> tuple[float, str | None]:
    """A price as a user gave it, and its unit if one was given: THE unit reader for ``--price``,
    ``overrides=``, ``prices=`` and scenario grids.

    ``4.9`` -> ``(4.9, None)``; ``"4.90GBP"``, ``"4.9:GBP"`` -> ``(4.9, "GBP")``;
    ``"490GBp"`` -> ``(490.0, "GBp")`` (pence stay pence); ``(4.9, "GBP")`` likewise. Raises
    ValueError for what is not a positive finite number at most :data:`MAX_PER_SHARE`, or an
    unknown unit.
    """
    if isinstance(value, tuple) and len(value) == 2 and unit is None:
        value, unit = value
    if isinstance(value, str):
        m = _PRICE_RE.fullmatch(value)
        if m is None:
            raise ValueError(f"{preview(value)} is not a price: write a number, optionally with its unit (4.90GBP)")
        number: float = float(m.group(1))
        if m.group(2):
            if unit is not None:
                raise ValueError(f"{preview(value)} gives a unit, and so does {preview(unit)}: give one")
            unit = m.group(2)
    elif isinstance(value, bool) or not isinstance(value, (int, float, SupportsFloat)):
        raise ValueError(f"{preview(value)} is not a number")
    else:
        number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"the price must be a finite number, got {number:g}")
    if number <= 0:
        raise ValueError(f"the price must be above zero, got {number:g}")
    checked: str | None = None
    if unit is not None:
        checked = quote_unit(str(unit))
        if checked is None:
            raise ValueError(f"unknown currency {preview(str(unit).strip())}")
    if number / (major_currency(checked)[1] if checked else 1.0) > MAX_PER_SHARE:
        raise ValueError(f"{number:g} is above {MAX_PER_SHARE:g} a share; no share trades there")
    return number, checked


def minor_unit_problem(
    symbol: str, value: float, unit: str | None, listed_in: str | None, *, python: bool = False
) -> str | None:
    """Why a bare number (``unit`` None) cannot price ``symbol``: it is quoted in a minor unit.

    ``listed_in`` is the quote's own unit when known; else the exchange suffix guess is used.
    Pence and pounds differ a hundredfold, so neither reading is taken silently: the message
    asks for the unit, as ``--price`` text (``TGT.L=4.9GBP``) or, with ``python``, as a tuple.
    """
    if unit is not None:
        return None
    quoted = listed_in or guess_currency(symbol)
    if quoted is None or quoted not in MINOR_UNITS:
        return None
    major, per = MINOR_UNITS[quoted]
    # Both readings of the same number, each with its unit: offering the number in pounds and the
    # same pounds in pence would leave a reader whose number is pence no right answer.
    if python:
        minor, whole = f"({value:g}, {quoted!r})", f"({value:g}, {major!r})"
    else:
        minor, whole = f"{symbol}={value:g}{quoted}", f"{symbol}={value:g}{major}"
    return (
        f"{symbol} is quoted in {quoted} (1/{per:g} {major}): a bare {value:g} could be either;"
        f" write {minor} if it is in {quoted}, {whole} if in {major}"
    )

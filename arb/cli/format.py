"""Number formatting for the terminal: money to the cent with its currency, fractions as percents.

Every function rounds half away from zero on the number's shortest decimal form
(:func:`arb.rounding.fixed`: ``2.675`` -> ``2.68``, ``0.0125`` -> ``1.3%``), shows a dash for a
missing or non-finite figure, and never raises for any float.
"""

from __future__ import annotations

from collections.abc import Iterable

from arb.rounding import fixed, fixed_each

__all__ = ["amount", "money", "money_each", "num", "pct", "pct_each", "shares"]

DASH = "—"


def money(x: float | None, currency: str | None, *, sign: bool = False) -> str:
    """``HKD 80.00``; rounded half away from zero to the cent; a dash when unknown."""
    body = None if x is None else fixed(x, 2, sign=sign)
    if body is None:
        return DASH
    return f"{currency} {body}" if currency else body


def pct(x: float | None, digits: int = 1, *, sign: bool = False) -> str:
    """A fraction shown as a percent: ``0.2308`` -> ``23.1%``; ``0.0125`` -> ``1.3%``."""
    body = None if x is None else fixed(x, digits, sign=sign, scale=2, group=False)
    return DASH if body is None else body + "%"


def money_each(xs: Iterable[float | None], *, sign: bool = False) -> list[str]:
    """:func:`money` without a currency for each of ``xs``: a column of figures in one call."""
    return [DASH if body is None else body for body in fixed_each(xs, 2, sign=sign)]


def pct_each(xs: Iterable[float | None], digits: int = 1, *, sign: bool = False) -> list[str]:
    """:func:`pct` of each of ``xs``: a column of figures in one call."""
    return [DASH if body is None else body + "%" for body in fixed_each(xs, digits, sign=sign, scale=2, group=False)]


def _trim(text: str, keep: int) -> str:
    """Drop trailing zeros of the decimals, keeping at least ``keep`` of them."""
    if "." not in text or "e" in text:
        return text
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(keep, "0")
    return f"{whole}.{frac}" if frac else whole


def num(x: float | None, digits: int = 4) -> str:
    """A plain number with up to ``digits`` decimals, trailing zeros dropped."""
    text = None if x is None else fixed(x, digits)
    return DASH if text is None else _trim(text, 0)


def shares(x: float | None) -> str:
    """A share count per target share, to 4 decimals."""
    return num(x, 4)


def amount(x: float | None) -> str:
    """A price or amount: at least 2 decimals, up to 6 when they matter (``24.50``, ``18.8612``)."""
    text = None if x is None else fixed(x, 6)
    return DASH if text is None else _trim(text, 2)

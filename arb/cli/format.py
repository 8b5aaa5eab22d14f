"""Number formatting for the terminal: money to the cent with its currency, fractions as percents."""

from __future__ import annotations

import math

__all__ = ["amount", "money", "num", "pct", "shares"]

DASH = "—"


def _missing(x: float | None) -> bool:
    return x is None or not math.isfinite(x)


def money(x: float | None, currency: str | None, *, sign: bool = False) -> str:
    """``HKD 80.00``; rounded half away from zero to the cent; a dash when unknown."""
    if _missing(x):
        return DASH
    assert x is not None
    cents = math.floor(abs(x) * 100 + 0.5 + 1e-9) / 100  # half away from zero, immune to 0.005 noise
    body = f"{cents:,.2f}"
    if x < 0 and cents != 0:
        body = "-" + body
    elif sign and cents != 0:
        body = "+" + body
    return f"{currency} {body}" if currency else body


def pct(x: float | None, digits: int = 1, *, sign: bool = False) -> str:
    """A fraction shown as a percent: ``0.2308`` -> ``23.1%``."""
    if _missing(x):
        return DASH
    assert x is not None
    return f"{x * 100:{'+' if sign else ''}.{digits}f}%"


def num(x: float | None, digits: int = 4) -> str:
    """A plain number with up to ``digits`` decimals, trailing zeros dropped."""
    if _missing(x):
        return DASH
    assert x is not None
    text = f"{x:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def shares(x: float | None) -> str:
    """A share count per target share, to 4 decimals."""
    return num(x, 4)


def amount(x: float | None) -> str:
    """A price or amount: at least 2 decimals, up to 6 when they matter (``24.50``, ``18.8612``)."""
    if _missing(x):
        return DASH
    assert x is not None
    text = f"{x:,.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"

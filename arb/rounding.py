"""Rounding for display: half away from zero, on a number's shortest decimal form, never raising.

Python's ``format`` rounds half to even on the binary value, so ``2.675`` (stored as
2.67499999...) prints as ``2.67`` and ``0.0125`` as a percent as ``1.2%``. A reader of a figure
expects what they would get by hand from the decimal they see: ``2.68`` and ``1.3%``. Every
figure printed by the terminal (:mod:`arb.cli.format`) and the notebook views (:mod:`arb.display`)
is rounded here.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext

__all__ = ["HUGE", "fixed"]

#: At or beyond this magnitude a number is written in scientific notation: 300 digits fit no table.
HUGE = 1e15


def fixed(x: float, digits: int, *, sign: bool = False, scale: int = 0, group: bool = True) -> str | None:
    """``x * 10**scale`` with ``digits`` decimals, half away from zero; None when not finite.

    ``sign`` writes ``+`` before a positive result. A result that rounds to zero has no sign
    (never ``-0.00``). Magnitudes of :data:`HUGE` and beyond are written as ``1.235e+20``.
    ``scale=2`` turns a fraction into a percent exactly (``0.0125`` -> ``1.25``).
    """
    if not math.isfinite(x):
        return None
    shortest = repr(float(x))
    if "e" not in shortest and abs(x) < HUGE / 10**scale:
        return _fixed_digits(shortest, digits, sign, scale, group)
    scaled = Decimal(shortest).scaleb(scale)
    if abs(scaled) >= HUGE:
        text = f"{scaled:.4g}"
        return ("+" + text) if sign and scaled > 0 else text
    with localcontext() as ctx:
        ctx.prec = max(28, scaled.adjusted() + digits + 3)
        r = scaled.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    if r == 0:
        r = abs(r)
    body = f"{r:,.{digits}f}" if group else f"{r:.{digits}f}"
    return ("+" + body) if sign and r > 0 else body


def _fixed_digits(shortest: str, digits: int, sign: bool, scale: int, group: bool) -> str:
    """:func:`fixed` on the digits of ``shortest`` (a float's repr without an exponent), in integers.

    The same half-away-from-zero rounding of the same decimal as the Decimal path, about seven
    times faster: a report of a thousand deals formats some ten thousand figures.
    """
    negative = shortest.startswith("-")
    whole, _, frac = shortest.lstrip("-").partition(".")
    if scale:  # move the decimal point: exact on the digits
        frac = frac.ljust(scale, "0")
        whole, frac = whole + frac[:scale], frac[scale:]
    units = int(whole + frac[:digits].ljust(digits, "0"))
    if len(frac) > digits and frac[digits] >= "5":
        units += 1
    text = str(units).rjust(digits + 1, "0")
    head, tail = (text[:-digits], text[-digits:]) if digits else (text, "")
    body = (f"{int(head):,}" if group else head) + ("." + tail if digits else "")
    if units == 0:
        return body
    return "-" + body if negative else "+" + body if sign else body

"""Rounding for display: half away from zero, on a number's shortest decimal form, never raising.

Python's ``format`` rounds half to even on the binary value, so ``2.675`` (stored as
2.67499999...) prints as ``2.67`` and ``0.0125`` as a percent as ``1.2%``. A reader of a figure
expects what they would get by hand from the decimal they see: ``2.68`` and ``1.3%``. Every
figure printed by the terminal (:mod:`arb.cli.format`) and the notebook views (:mod:`arb.display`)
is rounded here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, localcontext

__all__ = ["HUGE", "fixed", "fixed_each"]

#: At or beyond this magnitude a number is written in scientific notation: 300 digits fit no table.
HUGE = 1e15
#: Below this, ``x * 10**k`` near an integer ``n`` is the decimal ``n / 10**k`` when that comes back as ``x``.
_EXACT = 2.0**50


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
        quick = _fixed_digits(float(x), shortest, digits, sign, scale, group)
        if quick is not None:
            return quick
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


def fixed_each(
    xs: Iterable[float | None], digits: int, *, sign: bool = False, scale: int = 0, group: bool = True
) -> list[str | None]:
    """:func:`fixed` of each of ``xs`` (None for None): the same strings, for a column of figures.

    A report of a thousand deals formats some six thousand figures; a call or two and a ``repr``
    per figure were most of their cost. Here, in one loop, with ``places = digits + scale``:

    - ``r = x * 10**(places + 1)`` is an integer, to within float error, whenever the shortest
      decimal of ``x`` has ``places + 1`` decimals or fewer: the only case where rounding the
      binary value can differ from rounding that decimal (a tie such as ``2.675``, or a short
      decimal of a large number). So when ``r`` is clearly not near an integer, ``format`` of
      ``x * 10**scale`` is the answer (the scaling's own error is far smaller than the distance
      to a rounding boundary, which sits at an integer ``r`` too).
    - Near an integer, the shortest decimal is rounded in integers: its digits times a power of
      ten make ``S * 10**(places + 1)`` exactly, and adding 5 and dropping the last digit rounds
      it half away from zero. Those digits are ``n = round(r)`` when ``n / 10**(places + 1)``
      comes back as ``x`` and ``|r| < 2**50`` (there two decimals of ``places + 1`` places are
      further apart than the doubles, so no other one comes back as ``x``: it is the shortest
      decimal, scaled); else they are read off ``repr(x)``.
    - Any other value (None, NaN, infinite, huge, not a float) goes to :func:`fixed`.
    """
    if not 0 <= digits <= 20:  # not a figure's form: each through fixed()
        return [None if x is None else fixed(x, digits, sign=sign, scale=scale, group=group) for x in xs]
    places = digits + scale
    spec = f"{',' if group else ''}.{digits}f"
    factor, near, unit = 10.0**scale, 10.0 ** (places + 1), 10**digits
    limit = HUGE / 10**scale
    zero = format(0.0, f".{digits}f")
    exact = places + 1 <= 22  # 10**(places + 1) is a double exactly
    out: list[str | None] = []
    append = out.append
    for x in xs:
        text = None
        if type(x) is float and -limit < x < limit:  # neither None, nor NaN, nor infinite, nor huge
            r = x * near
            f = r % 1.0
            if (f if f < 0.5 else 1.0 - f) > 1e-12 * abs(r):
                text = format(x * factor, spec) if scale else format(x, spec)
            elif x == 0.0:
                append(zero)  # never -0.00
                continue
            else:
                n = round(r)
                if not (exact and -_EXACT < r < _EXACT and n / near == x):
                    shortest = repr(x)
                    whole, _, decimals = shortest.partition(".")
                    n = 0
                    if "e" not in shortest and len(decimals) <= places + 1:
                        n = int(whole + decimals) * 10 ** (places + 1 - len(decimals))
                if n:
                    m = (abs(n) + 5) // 10  # the magnitude to ``places`` decimals, half away from zero
                    if not m:
                        append(zero)  # never -0.00
                        continue
                    q, rem = divmod(m, unit)
                    text = f"{q:,}" if group else str(q)
                    if digits:
                        text += "." + str(rem).zfill(digits)
                    if n < 0:
                        text = "-" + text
        if text is None:
            append(None if x is None else fixed(x, digits, sign=sign, scale=scale, group=group))
        elif text[-1] == "0" and not text.strip("-0.,"):
            append(text.lstrip("-"))  # never -0.00
        else:
            append("+" + text if sign and text[0] != "-" else text)
    return out


def _fixed_digits(x: float, shortest: str, digits: int, sign: bool, scale: int, group: bool) -> str | None:
    """:func:`fixed` without Decimal, for ``shortest`` (``repr(x)``, no exponent); None at a tie.

    Python's ``format`` rounds the binary value correctly, which is the shortest decimal's own
    rounding except when that decimal ends exactly half-way (``2.675``: then None, and the Decimal
    path rounds it away from zero) or has no more digits than are shown (then it is written as
    it is: for a large number the binary value's further digits are noise). Some ten times
    faster than Decimal: a report of a thousand deals formats some ten thousand figures.
    """
    places = digits + scale
    decimals = len(shortest) - shortest.index(".") - 1
    if decimals <= places:
        text = shortest + "0" * (places - decimals)
    elif decimals == places + 1 and shortest[-1] == "5":
        return None
    elif not scale:
        text = f"{x:,.{places}f}" if group else f"{x:.{places}f}"
        group = False
    else:
        text = f"{x:.{places}f}"
    if scale:  # move the decimal point: exact on the digits
        whole, _, frac = text.partition(".")
        negative = whole.startswith("-")
        whole = (whole.lstrip("-") + frac[:scale]).lstrip("0") or "0"
        text = ("-" if negative else "") + whole + ("." + frac[scale:] if digits else "")
    if not text.strip("-0.,"):
        return text.lstrip("-")  # never -0.00
    if group:
        whole, dot, frac = text.lstrip("-").partition(".")
        text = ("-" if text.startswith("-") else "") + f"{int(whole):,}{dot}{frac}"
    return "+" + text if sign and not text.startswith("-") else text

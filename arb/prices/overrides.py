"""Price overrides for a what-if: ``--price SYMBOL=VALUE`` and ``overrides=`` in the API.

An override replaces (or adds) one quote in a fetch result, stamped ``kind="override"`` and
remembering the quote it replaced.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from arb.errors import ArbError
from arb.prices.base import FetchResult, Quote
from arb.symbols import guess_currency, quote_unit

__all__ = ["Override", "apply_overrides", "parse_override"]

#: One override: the price and its unit (None: the quote's own, else the security's, else a guess).
Override = tuple[float, str | None]


def parse_override(text: str) -> tuple[str, Override]:
    """``SYMBOL=VALUE`` or ``SYMBOL=VALUE:CCY`` (``2688.HK=66``, ``600803.SH=13.1:CNY``)."""
    from arb.prices.csvfile import normalize_price_symbol

    sym, sep, rest = text.rpartition("=")  # the last '=': FX pairs such as CNYHKD=X=1.08 hold one too
    if not sep or not sym or not rest:
        raise ArbError(f"--price {text!r}: write SYMBOL=VALUE, e.g. --price 2688.HK=66 or --price 600803.SH=13.1:CNY")
    value_text, _, ccy_text = rest.partition(":")
    try:
        value = float(value_text)
    except ValueError:
        raise ArbError(f"--price {text!r}: {value_text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise ArbError(f"--price {text!r}: the price must be a positive number")
    ccy: str | None = None
    if ccy_text.strip():
        ccy = quote_unit(ccy_text)
        if ccy is None:
            raise ArbError(f"--price {text!r}: unknown currency {ccy_text.strip()!r}")
    return normalize_price_symbol(sym), (value, ccy)


def apply_overrides(result: FetchResult, overrides: Mapping[str, Override], securities: Mapping[str, Any]) -> None:
    """Put each override into ``result`` in place of the fetched quote (kept in ``result.replaced``)."""
    for sym, (price, ccy) in overrides.items():
        base = result.quotes.get(sym)
        unit = ccy or (base.currency if base else None)
        if unit is None and sym in securities:
            unit = securities[sym].currency
        unit = unit or guess_currency(sym)
        if unit is None:
            raise ArbError(f"--price {sym}={price:g}: cannot tell its currency; write {sym}={price:g}:CCY")
        if base is not None and base.kind != "override":
            result.replaced[sym] = base
        was = f"; was {base.price:g} {base.currency} from {base.source}" if base else ""
        result.quotes[sym] = Quote(
            sym, price, unit, dt.datetime.now().replace(microsecond=0), "override", f"--price{was}"
        )
        result.failures.pop(sym, None)

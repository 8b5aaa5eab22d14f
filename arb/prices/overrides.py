"""Price overrides for a what-if: ``--price SYMBOL=VALUE`` and ``overrides=`` in the API.

An override replaces (or adds) one quote in a fetch result, stamped ``kind="override"`` and
dated the valuation's as-of (a what-if is a price *on that day*, not at the wall clock's time),
remembering the quote it replaced. Symbols go through the one door for keys
(:func:`arb.symbols.price_key`) and values through the one unit reader
(:func:`arb.symbols.read_price`), as price files and grids do: a bare number for a listing
quoted in pence (``TGT.L=4.9``) is refused, not read as pence or as pounds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from arb.errors import ArbError
from arb.prices.base import FetchResult, PriceSource, Quote, fetch_as_of
from arb.symbols import (
    fx_unit_problem,
    guess_currency,
    minor_unit_problem,
    preview,
    price_key,
    read_price,
    ticker_aliases,
)

if TYPE_CHECKING:
    from arb.models import Deal

__all__ = [
    "Override",
    "apply_overrides",
    "fetch_aliases",
    "overrides_from",
    "parse_override",
    "resolve_key",
    "stamp_overrides",
    "unused_overrides",
]

#: One override: the price and its unit (None: the quote's own, else the security's, else a guess).
Override = tuple[float, str | None]

_EXAMPLE = "e.g. --price 2688.HK=66, --price 600803.SH=13.1CNY, --price VOD.L=72.5GBP or =7250GBp"


def parse_override(text: str) -> tuple[str, Override]:
    """``SYMBOL=VALUE``, ``SYMBOL=VALUE CCY`` or ``SYMBOL=VALUE:CCY`` (``2688.HK=66``,
    ``600803.SH=13.1CNY``, ``VOD.L=4.90GBP``, ``VOD.L=490GBp``, ``VOD.L=4.9:GBP``).

    Raises :class:`ArbError` with one line for anything else, or for a bare number on a listing
    whose exchange quotes in a minor unit.
    """
    shown = preview(text)
    sym, sep, rest = text.rpartition("=")  # the last '=': FX pairs such as CNYHKD=X=1.08 hold one too
    if not sep or not sym.strip() or not rest.strip():
        raise ArbError(f"--price {shown}: write SYMBOL=VALUE, {_EXAMPLE}")
    try:
        key = price_key(sym)
        value, unit = read_price(rest)
    except ValueError as exc:
        raise ArbError(f"--price {shown}: {exc}") from None
    problem = minor_unit_problem(key, value, unit, None) or fx_unit_problem(key, unit)
    if problem:
        raise ArbError(f"--price {shown}: {problem}")
    return key, (value, unit)


def overrides_from(overrides: Mapping[str, Any] | None) -> dict[str, Override]:
    """``overrides=`` of the Python API: ``{symbol: price}``, ``{symbol: (price, unit)}`` or
    ``{symbol: "4.90GBP"}``, checked as ``--price`` is."""
    out: dict[str, Override] = {}
    for sym, v in (overrides or {}).items():
        try:
            key = price_key(str(sym))
            value, unit = read_price(v)
        except ValueError as exc:
            raise ArbError(f"overrides {preview(sym)}: {exc}") from None
        problem = minor_unit_problem(key, value, unit, None, python=True) or fx_unit_problem(key, unit)
        if problem:
            raise ArbError(f"overrides {preview(sym)}: {problem}")
        out[key] = (value, unit)
    return out


def resolve_key(key: str, securities: Iterable[str]) -> str:
    """The symbol a price key prices in these deals: a lower-case word that names no security is
    the ticker of the same letters (``bigco`` -> ``BIGCO``), as in a deal file."""
    names = set(securities)
    if key in names or not key.islower() or any(c in key for c in ".=^"):
        return key
    return key.upper()


def fetch_aliases(
    source: PriceSource,
    result: FetchResult,
    symbols: Iterable[str],
    securities: Iterable[str],
    as_of: dt.date | None = None,
) -> None:
    """Price the tickers still missing from ``result`` from rows filed under their lower-case form.

    A price file (or dict) may write ``bigco``: the one symbol door reads a lower-case word as a
    security's name, which for a deal with no security of that name is ticker ``BIGCO``. Only
    tickers the source did not price are asked again, so a live source is not asked twice.
    """
    aliases = {a: t for a, t in ticker_aliases(symbols, securities).items() if t not in result.quotes}
    if not aliases:
        return
    got = fetch_as_of(source, list(aliases), as_of)
    for alias, ticker in aliases.items():
        q = got.quotes.get(alias)
        if q is not None:
            result.quotes[ticker] = replace(q, symbol=ticker)
            result.failures.pop(ticker, None)
            result.later.pop(ticker, None)
        elif alias in got.later and ticker not in result.later:
            result.later[ticker] = replace(got.later[alias], symbol=ticker)


def apply_overrides(result: FetchResult, overrides: Mapping[str, Override], securities: Mapping[str, Any]) -> None:
    """Put each override into ``result`` in place of the fetched quote (kept in ``result.replaced``).

    Call it on quotes as the source gave them (before conversion to major units), so that a
    quote in pence is known to be in pence. The overrides are undated until
    :func:`stamp_overrides` dates them with the valuation's as-of.
    """
    for key, (price, ccy) in overrides.items():
        sym = resolve_key(key, securities)
        if sym != key and sym not in result.quotes and sym not in result.failures:
            sym = key  # no deal asked for the ticker: leave the word as written
        base = result.quotes.get(sym)
        known = base.currency if base else (securities[sym].currency if sym in securities else None)
        problem = minor_unit_problem(sym, price, ccy, known)
        if problem:
            raise ArbError(f"--price {sym}={price:g}: {problem} (in Python: a (price, unit) tuple)")
        unit = ccy or known or guess_currency(sym)
        if unit is None:
            raise ArbError(f"--price {sym}={price:g}: cannot tell its currency; write {sym}={price:g}CCY")
        if base is not None and base.kind != "override":
            result.replaced[sym] = base
        was = f"; was {base.price:g} {base.currency} from {base.source}" if base else ""
        result.quotes[sym] = Quote(sym, price, unit, None, "override", f"--price{was}")
        result.failures.pop(sym, None)


def stamp_overrides(result: FetchResult, as_of: dt.date) -> None:
    """Date every override the valuation's as-of: the what-if is a price on that day."""
    when = dt.datetime.combine(as_of, dt.time())
    for sym, q in result.quotes.items():
        if q.kind == "override":
            result.quotes[sym] = replace(q, as_of=when)


def unused_overrides(overrides: Iterable[str], deals: Sequence[Deal]) -> list[str]:
    """For each override no deal is priced from, why it changes nothing: a typo would pass for a
    what-if. ``"BIGC0: no deal here is priced from BIGC0, so it changes nothing (did you mean 'BIGCO'?)"``.
    FX pairs are never named (either orientation serves). The CLI writes each after ``--price``,
    the API after ``overrides``."""
    import difflib

    from arb.book import symbols_for

    if not deals or (isinstance(overrides, Collection) and not overrides):
        return []  # nothing to check: no need to gather every symbol of every deal
    known = {s.upper(): s for s in symbols_for(deals)}
    out: list[str] = []
    for sym in overrides:
        if sym.upper() in known or sym.upper().endswith("=X"):
            continue
        close = difflib.get_close_matches(sym.upper(), list(known), n=1, cutoff=0.6)
        hint = f" (did you mean {known[close[0]]!r}?)" if close else ""
        out.append(f"{sym}: no deal here is priced from {sym}, so it changes nothing{hint}")
    return out

"""A stored valuation's record: what the columns do not hold, packed small, and the record rebuilt.

A valuation's record is :meth:`arb.pricing.DealResult.to_dict` (the shape of ``arb report
--json``). Schema v5 keeps its figures as columns, its names, dates, flags and terms hash in a
shared ``labels`` row, each price it used once per refresh in ``quotes`` (every deal of a
refresh that used a symbol shares that row), and only the rest in the valuation's ``extra``:

- ``p``: the symbols of its prices, in order; a price that differs from the refresh's row for
  that symbol is kept whole here instead (``{"symbol": {price...}}``), so nothing is lost;
- ``h``: the hedge (shares per target share, by symbol), ``n``: the notes.

Empty parts are left out (no ``extra`` at all when every part is empty). The JSON is compact,
and zlib-compressed when that is shorter: TEXT is plain JSON, a BLOB is compressed JSON. A row's
JSON is a few hundred bytes, too little for zlib to find repeats in, so the compression starts
from a preset dictionary (:data:`ZDICT`) of what notes and keys usually say.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["COLUMNS", "QUOTE_FIELDS", "pack_extra", "record_from_row", "unpack_extra"]

#: The record's keys kept as columns of ``valuations`` (the record's order; ``id`` is ``deal_id``).
COLUMNS = (
    "id", "name", "status", "currency", "as_of", "expected_close", "target", "target_price", "deal_value",
    "dividends", "spread", "spread_pct", "days_to_close", "annualized", "annualized_simple", "downside",
    "implied_probability",
)  # fmt: skip
#: The fields of one price in a record, as columns of ``quotes`` (``fallback`` only when set).
QUOTE_FIELDS = ("price", "currency", "as_of", "source", "fallback")


#: zlib's preset dictionary for ``extra``: the wording of the notes :mod:`arb.book` writes and the
#: JSON around them, most frequent last. NEVER change it: stored blobs need it to be read (zlib
#: checks its Adler-32); a better one goes in beside it, picked by the id in a blob's header.
ZDICT = (
    b"leg : currency unknown (no quote) no ->  rate for the target the target has no listing to price "
    b"the deal currency is unknown: set currency in the deal file the consideration is not disclosed "
    b"no expected_close in the deal file, nor a payment or effective event is the as-of date itself "
    b"no downside in the deal file, so no implied probability dividend on  ignored: not a security the "
    b"hedge is short condition failed on  the vote failed is too large to represent  is before "
    b" price used because yahoo: HTTP  store snapshot fallback  days old at "
    b"spread  of the target price is beyond +/-50%: check the terms, the units and the prices "
    b"target price  is above value + dividends : the market expects more (or doubts the terms); "
    b"no price for the target no price for  is outside its collar [ value + dividends  is below the downside "
    b': no implied probability price is synthetic test data",""],"h":{""},"n":["{"p":["'
)
_ZDICT_ID = zlib.adler32(ZDICT)


def _compress(data: bytes) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, ZDICT)
    return z.compress(data) + z.flush()


def _decompress(data: bytes) -> bytes:
    if len(data) >= 6 and data[1] & 0x20 and int.from_bytes(data[2:6], "big") != _ZDICT_ID:
        raise ValueError("a stored extra compressed with an unknown preset dictionary")
    z = zlib.decompressobj(15, ZDICT) if data[1] & 0x20 else zlib.decompressobj()
    return z.decompress(data) + z.flush()


def quote_row(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    """A record's price entry as the values of ``quotes``' QUOTE_FIELDS."""
    return tuple(entry.get(k) for k in QUOTE_FIELDS)


def quote_entry(values: Sequence[Any]) -> dict[str, Any]:
    """The inverse of :func:`quote_row`: the record's price entry (no ``fallback`` key when None)."""
    out = dict(zip(QUOTE_FIELDS[:4], values[:4], strict=True))
    if values[4] is not None:
        out["fallback"] = values[4]
    return out


def pack_extra(rec: Mapping[str, Any], shared: dict[str, tuple[Any, ...]]) -> str | bytes | None:
    """The part of ``rec`` that neither the columns nor the refresh's shared quotes hold.

    ``shared`` maps a symbol to its quote row for this refresh; a symbol not yet in it is added
    (the first deal to use a symbol sets the refresh's row), so the caller stores ``shared``.
    """
    symbols: list[Any] = []
    for sym, entry in rec.get("prices", {}).items():
        row = quote_row(entry)
        if shared.setdefault(sym, row) == row:
            symbols.append(sym)
        else:
            symbols.append({sym: entry})
    parts: dict[str, Any] = {}
    if symbols:
        parts["p"] = symbols
    if rec.get("hedge"):
        parts["h"] = rec["hedge"]
    if rec.get("notes"):
        parts["n"] = rec["notes"]
    if not parts:
        return None
    text = json.dumps(parts, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    packed = _compress(text.encode())
    return packed if len(packed) < len(text.encode()) else text


def unpack_extra(extra: str | bytes | None) -> dict[str, Any]:
    """The parts :func:`pack_extra` kept (``{}`` for none)."""
    if extra is None:
        return {}
    text = _decompress(extra).decode() if isinstance(extra, bytes) else extra
    parts: dict[str, Any] = json.loads(text)
    return parts


def record_from_row(
    columns: Mapping[str, Any], flags: str | None, terms_hash: str | None, extra: str | bytes | None,
    quotes: Mapping[str, tuple[Any, ...]],
) -> dict[str, Any]:  # fmt: skip
    """The record (:meth:`~arb.pricing.DealResult.to_dict`) of a stored valuation, keys in its order.

    ``columns`` holds COLUMNS' values, ``quotes`` the refresh's quote rows by symbol.
    """
    parts = unpack_extra(extra)
    prices: dict[str, Any] = {}
    for item in parts.get("p", []):
        if isinstance(item, str):
            prices[item] = quote_entry(quotes[item])
        else:
            prices.update(item)
    rec = {k: columns[k] for k in COLUMNS}
    if rec["days_to_close"] is not None:
        rec["days_to_close"] = int(rec["days_to_close"])
    rec["hedge"] = parts.get("h", {})
    rec["prices"] = prices
    rec["flags"] = json.loads(flags or "[]")
    rec["notes"] = parts.get("n", [])
    rec["terms_hash"] = terms_hash
    return rec

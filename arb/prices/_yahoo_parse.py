"""Turn one decoded Yahoo v8 chart response into a :class:`Quote`, or a reason why not.

Pure: no network, no clock, no globals. It is unit-tested on recorded responses. The chart
JSON holds parallel arrays, ``timestamp`` (epoch seconds) and
``indicators.quote[0].close``; a day the exchange did not trade is a ``null`` close, so the
price is the last close that is present, with that bar's timestamp. The last bar of a live
range is the current session (its timestamp is ``regularMarketTime``, not midnight).

Prices stay in the unit Yahoo quotes (``GBp`` pence for London): :meth:`Quote.in_major_units`
converts later, in one place.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from arb.prices.base import Quote, bad_price_reason
from arb.symbols import is_fx_pair, parse_fx_pair

__all__ = ["NoPrice", "quote_from_chart"]

KIND = "yahoo"


class NoPrice(Exception):
    """Yahoo's answer holds no usable price for the symbol; ``str(exc)`` says why."""


def quote_from_chart(symbol: str, payload: Any) -> Quote:
    """The last valid daily close in a decoded v8 chart response.

    Raises :class:`NoPrice` when the response is Yahoo's error body (unknown symbol), holds no
    bars, only empty closes, or a last close that is zero, negative or not finite.
    """
    chart = payload.get("chart") if isinstance(payload, Mapping) else None
    if not isinstance(chart, Mapping):
        raise NoPrice("Yahoo's answer is not a chart response")
    error = chart.get("error")
    if error:
        raise NoPrice(_error_reason(error))
    results = chart.get("result")
    if not isinstance(results, Sequence) or not results or not isinstance(results[0], Mapping):
        raise NoPrice("Yahoo returned no chart data")
    result = results[0]
    meta = result.get("meta")
    if not isinstance(meta, Mapping):
        raise NoPrice("Yahoo's chart has no meta block")

    currency = meta.get("currency")
    if not isinstance(currency, str) or not currency:
        raise NoPrice("Yahoo gave no currency")
    if is_fx_pair(symbol):
        # An FX pair is quoted in its second currency: CNYHKD=X is HKD per CNY.
        expected = parse_fx_pair(symbol)[1]
        if currency.upper() != expected:
            raise NoPrice(f"Yahoo quoted the pair in {currency}, expected {expected}")

    stamps = result.get("timestamp") or []
    closes = _closes(result)
    if not stamps or not closes:
        raise NoPrice("no prices in the last month (empty chart)")
    if len(stamps) != len(closes):
        raise NoPrice(f"chart is malformed: {len(stamps)} timestamps but {len(closes)} closes")

    for stamp, close in zip(reversed(stamps), reversed(closes), strict=True):
        if _missing(close):
            continue  # a holiday or a day without trades: look further back
        why = bad_price_reason(close)
        if why:
            raise NoPrice(f"last close is unusable: {why}")
        return Quote(
            symbol=symbol,
            price=float(close),
            currency=currency,
            as_of=_exchange_time(stamp, meta),
            kind=KIND,
            origin=f"Yahoo chart {meta.get('exchangeName') or '?'}",
        )
    raise NoPrice(f"no valid close in the last month ({len(closes)} bars, every close empty)")


def _error_reason(error: Any) -> str:
    if not isinstance(error, Mapping):
        return f"Yahoo error: {error}"
    code = str(error.get("code") or "")
    text = str(error.get("description") or "").strip()
    if code == "Not Found":
        return f"unknown symbol: Yahoo says {text!r}" if text else "unknown symbol (Yahoo: Not Found)"
    return f"Yahoo error {code}: {text}" if text else f"Yahoo error {code}"


def _closes(result: Mapping[str, Any]) -> list[Any]:
    indicators = result.get("indicators")
    quotes = indicators.get("quote") if isinstance(indicators, Mapping) else None
    if not isinstance(quotes, Sequence) or not quotes or not isinstance(quotes[0], Mapping):
        return []
    closes = quotes[0].get("close")
    return list(closes) if isinstance(closes, Sequence) else []


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _exchange_time(stamp: Any, meta: Mapping[str, Any]) -> dt.datetime:
    """The bar's time in the exchange's time zone (aware); a fixed offset or UTC if Yahoo names none."""
    if isinstance(stamp, bool) or not isinstance(stamp, (int, float)):
        raise NoPrice(f"chart timestamp {stamp!r} is not a number")
    tz: dt.tzinfo = dt.UTC
    name = meta.get("exchangeTimezoneName")
    offset = meta.get("gmtoffset")
    if isinstance(name, str) and name:
        try:
            tz = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            if isinstance(offset, int):
                tz = dt.timezone(dt.timedelta(seconds=offset))
    elif isinstance(offset, int):
        tz = dt.timezone(dt.timedelta(seconds=offset))
    return dt.datetime.fromtimestamp(stamp, tz)

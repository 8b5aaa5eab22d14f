"""Turn what Yahoo returned for one symbol into a :class:`Quote`, or a reason why not.

Two shapes come in, one per client of :mod:`arb.prices.yahoo`:

* :func:`quote_from_chart`: a decoded v8 chart response (the direct client). The JSON holds
  parallel arrays, ``timestamp`` (epoch seconds) and ``indicators.quote[0].close``; a day the
  exchange did not trade is a ``null`` close. The last bar of a live range is the current
  session (its timestamp is ``regularMarketTime``, not midnight).
* :func:`quote_from_history`: the DataFrame of ``yfinance.Ticker.history`` and the ticker's
  ``history_metadata`` (the yfinance client). yfinance has already parsed the same chart
  response: the index is the bar's *date* at midnight in the exchange's time zone, a day without
  trades is a NaN close (with ``keepna=True``).

Both take the last close that is present and put it through the same checks (:func:`_last_close`:
empty, every close missing, zero, negative, not finite) and the same currency check, so a
failure reads the same whichever client fetched it.

Pure: no network, no clock, no globals, no pandas import (the frame is only read). Unit-tested on
recorded and synthetic responses.

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

__all__ = ["NoPrice", "quote_from_chart", "quote_from_history", "unknown_symbol_reason"]

KIND = "yahoo"

#: The reason for a response with no bars at all.
EMPTY = "no prices in the last month (empty chart)"


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

    currency = _currency(symbol, meta.get("currency"))
    stamps = result.get("timestamp") or []
    closes = _closes(result)
    if not stamps or not closes:
        raise NoPrice(EMPTY)
    if len(stamps) != len(closes):
        raise NoPrice(f"chart is malformed: {len(stamps)} timestamps but {len(closes)} closes")
    stamp, close = _last_close(list(zip(stamps, closes, strict=True)))
    return Quote(
        symbol=symbol,
        price=close,
        currency=currency,
        as_of=_exchange_time(stamp, meta),
        kind=KIND,
        origin=f"Yahoo chart {meta.get('exchangeName') or '?'}",
    )


def quote_from_history(symbol: str, frame: Any, meta: Mapping[str, Any] | None) -> Quote:
    """The last valid daily close in a ``yfinance.Ticker.history`` frame.

    ``frame`` is the DataFrame (a ``Close`` column, an index of exchange-local dates); ``meta``
    is ``Ticker.history_metadata`` (``currency``, ``exchangeTimezoneName``, ``exchangeName``,
    ``regularMarketTime``). The quote's time is ``regularMarketTime`` when that falls on the
    last valid bar's date (the live session, as the direct client reports it), else that date
    at midnight in the exchange's time zone (yfinance keeps no time of day for daily bars).

    Raises :class:`NoPrice` for the same reasons as :func:`quote_from_chart`.
    """
    meta = meta if isinstance(meta, Mapping) else {}
    currency = _currency(symbol, meta.get("currency"))
    columns = getattr(frame, "columns", None)
    if frame is None or columns is None or "Close" not in columns:
        if frame is not None and len(frame) == 0:
            raise NoPrice(EMPTY)
        raise NoPrice("yfinance returned no Close column")
    rows = list(zip(list(frame.index), frame["Close"].tolist(), strict=True))
    if not rows:
        raise NoPrice(EMPTY)
    stamp, close = _last_close(rows)
    return Quote(
        symbol=symbol,
        price=close,
        currency=currency,
        as_of=_bar_date_time(stamp, meta),
        kind=KIND,
        origin=f"yfinance {meta.get('exchangeName') or '?'}",
    )


def unknown_symbol_reason(said: str) -> str:
    """The reason for Yahoo's "Not Found" chart error, worded the same for both clients."""
    said = said.strip()
    return f"unknown symbol: Yahoo says {said!r}" if said else "unknown symbol (Yahoo: Not Found)"


# -- checks shared by both shapes ---------------------------------------------------------------


def _currency(symbol: str, currency: Any) -> str:
    if not isinstance(currency, str) or not currency:
        raise NoPrice("Yahoo gave no currency")
    if is_fx_pair(symbol):
        # An FX pair is quoted in its second currency: CNYHKD=X is HKD per CNY.
        expected = parse_fx_pair(symbol)[1]
        if currency.upper() != expected:
            raise NoPrice(f"Yahoo quoted the pair in {currency}, expected {expected}")
    return currency


def _last_close(rows: Sequence[tuple[Any, Any]]) -> tuple[Any, float]:
    """The last ``(time, close)`` whose close is present; NoPrice if none is, or it is unusable."""
    if not rows:
        raise NoPrice(EMPTY)
    for stamp, close in reversed(rows):
        if _missing(close):
            continue  # a holiday or a day without trades: look further back
        why = bad_price_reason(close)
        if why:
            raise NoPrice(f"last close is unusable: {why}")
        return stamp, float(close)
    raise NoPrice(f"no valid close in the last month ({len(rows)} bars, every close empty)")


def _error_reason(error: Any) -> str:
    if not isinstance(error, Mapping):
        return f"Yahoo error: {error}"
    code = str(error.get("code") or "")
    text = str(error.get("description") or "").strip()
    if code == "Not Found":
        return unknown_symbol_reason(text)
    return f"Yahoo error {code}: {text}" if text else f"Yahoo error {code}"


def _closes(result: Mapping[str, Any]) -> list[Any]:
    indicators = result.get("indicators")
    quotes = indicators.get("quote") if isinstance(indicators, Mapping) else None
    if not isinstance(quotes, Sequence) or not quotes or not isinstance(quotes[0], Mapping):
        return []
    closes = quotes[0].get("close")
    return list(closes) if isinstance(closes, Sequence) else []


def _missing(value: Any) -> bool:
    """None, NaN, or pandas' NA/NaT (which a frame of another dtype could hold)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def _exchange_time(stamp: Any, meta: Mapping[str, Any]) -> dt.datetime:
    """The bar's time in the exchange's time zone (aware); a fixed offset or UTC if Yahoo names none."""
    if isinstance(stamp, bool) or not isinstance(stamp, (int, float)):
        raise NoPrice(f"chart timestamp {stamp!r} is not a number")
    return dt.datetime.fromtimestamp(stamp, _zone(meta))


def _bar_date_time(stamp: Any, meta: Mapping[str, Any]) -> dt.datetime:
    """An aware time for a yfinance daily bar (see :func:`quote_from_history`)."""
    to_py = getattr(stamp, "to_pydatetime", None)
    when = to_py() if callable(to_py) else stamp
    if isinstance(when, dt.date) and not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time())
    if not isinstance(when, dt.datetime):
        raise NoPrice(f"yfinance bar time {stamp!r} is not a date")
    tz = _zone(meta, fallback=when.tzinfo)
    # The bar's calendar date where the exchange is: yfinance stamps daily bars at local midnight.
    day = (when.astimezone(tz) if when.tzinfo is not None else when).date()
    live = _as_datetime(meta.get("regularMarketTime"), tz)
    if live is not None and live.date() == day:
        return live
    return dt.datetime.combine(day, dt.time(), tz)


def _zone(meta: Mapping[str, Any], fallback: dt.tzinfo | None = None) -> dt.tzinfo:
    name = meta.get("exchangeTimezoneName")
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = meta.get("gmtoffset")
    if isinstance(offset, int) and not isinstance(offset, bool):
        return dt.timezone(dt.timedelta(seconds=offset))
    return fallback or dt.UTC


def _as_datetime(value: Any, tz: dt.tzinfo) -> dt.datetime | None:
    """``regularMarketTime`` as yfinance leaves it (a pandas Timestamp) or raw (epoch seconds)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, tz) if math.isfinite(value) else None
    to_py = getattr(value, "to_pydatetime", None)
    when = to_py() if callable(to_py) else value
    if isinstance(when, dt.datetime) and when.tzinfo is not None:
        return when.astimezone(tz)
    return None

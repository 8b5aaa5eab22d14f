"""Turn what Yahoo returned for one symbol into a :class:`Quote`, or a reason why not.

Two shapes come in, one per client of :mod:`arb.prices.yahoo`:

* :func:`quote_from_chart`: a decoded v8 chart response (the direct client). The JSON holds
  parallel arrays, ``timestamp`` (epoch seconds) and ``indicators.quote[0].close``; a day the
  exchange did not trade is a ``null`` close. The last bar of a live range is the current
  session, stamped ``regularMarketTime`` while it trades; after the close Yahoo may stamp it
  at the open (09:30 in Hong Kong, with ``regularMarketTime`` at 16:08).
* :func:`quote_from_history`: the DataFrame of ``yfinance.Ticker.history`` and the ticker's
  ``history_metadata`` (the yfinance client). yfinance has already parsed the same chart
  response: the index is the bar's *date* at midnight in the exchange's time zone, a day without
  trades is a NaN close (with ``keepna=True``).

Both become the same daily bars (date, close, volume) and go through :func:`_choose`, with the
chart's ``meta`` block: the last close that is present, cross-checked against
``regularMarketPrice``/``regularMarketTime`` (the last trade), dated at the last trade, rounded
to clear float32 noise, flagged ``possibly-suspended`` when the bars stop trading; and through
the same checks (empty, every close missing, zero, negative, not finite) and currency check.
So a quote or a failure reads the same whichever client fetched it.

Pure: no network, no clock, no globals, no pandas import (the frame is only read). Unit-tested on
recorded and synthetic responses.

Prices stay in the unit Yahoo quotes (``GBp`` pence for London): :meth:`Quote.in_major_units`
converts later, in one place.
"""

from __future__ import annotations

import datetime as dt
import math
import struct
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from arb.prices.base import Quote, bad_price_reason
from arb.symbols import is_fx_pair, parse_fx_pair

__all__ = ["NoPrice", "quote_from_chart", "quote_from_history", "unknown_symbol_reason"]

KIND = "yahoo"

#: The reason for a response with no bars at all.
EMPTY = "no prices in the last month (empty chart)"
#: The flag on a quote whose listing seems not to trade (see :func:`_choose`).
SUSPENDED = "possibly-suspended"
#: Trailing bars with zero volume and an unchanged close that make a listing possibly suspended.
#: One such bar is an illiquid day (the quote is still dated at the last trade); two are a pattern.
SUSPENDED_AFTER_BARS = 2
#: Yahoo instrument types whose volume is always zero or absent: it says nothing about trading.
NO_VOLUME_TYPES = frozenset({"CURRENCY", "INDEX"})


class NoPrice(Exception):
    """Yahoo's answer holds no usable price for the symbol; ``str(exc)`` says why."""


def quote_from_chart(symbol: str, payload: Any) -> Quote:
    """The price in a decoded v8 chart response (see :func:`_choose` for which one and its time).

    Raises :class:`NoPrice` when the response is Yahoo's error body (unknown symbol), holds no
    bars and no ``regularMarketPrice``, only empty closes, or a last close that is zero,
    negative or not finite.
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
    closes = _series(result, "close")
    if stamps and closes and len(stamps) != len(closes):
        raise NoPrice(f"chart is malformed: {len(stamps)} timestamps but {len(closes)} closes")
    volumes = _series(result, "volume")
    if len(volumes) != len(closes):
        volumes = [None] * len(closes)
    tz = _zone(meta)
    bars = [
        _Bar(_exchange_time(stamp, tz).date(), close, volume)
        for stamp, close, volume in zip(stamps if closes else [], closes, volumes, strict=False)
    ]
    return _choose(symbol, bars, meta, tz, currency, f"Yahoo chart {meta.get('exchangeName') or '?'}")


def quote_from_history(symbol: str, frame: Any, meta: Mapping[str, Any] | None) -> Quote:
    """The price in a ``yfinance.Ticker.history`` frame, chosen as :func:`quote_from_chart` does.

    ``frame`` is the DataFrame (``Close`` and ``Volume`` columns, an index of exchange-local
    dates); ``meta`` is ``Ticker.history_metadata`` (``currency``, ``exchangeTimezoneName``,
    ``exchangeName``, ``regularMarketTime``, ``regularMarketPrice``, ``priceHint``). yfinance
    keeps no time of day for daily bars: the time comes from ``regularMarketTime``, as for
    the direct client, so both give the same quote for the same answer.

    Raises :class:`NoPrice` for the same reasons as :func:`quote_from_chart`.
    """
    meta = meta if isinstance(meta, Mapping) else {}
    currency = _currency(symbol, meta.get("currency"))
    columns = getattr(frame, "columns", None)
    if frame is None or columns is None or "Close" not in columns:
        if frame is None or len(frame) == 0:  # None: yfinance raised for want of bars, meta is all there is
            return _choose(symbol, [], meta, _zone(meta), currency, f"yfinance {meta.get('exchangeName') or '?'}")
        raise NoPrice("yfinance returned no Close column")
    closes = frame["Close"].tolist()
    volumes = frame["Volume"].tolist() if "Volume" in columns else [None] * len(closes)
    index = list(frame.index)
    tz = _zone(meta, fallback=_tzinfo(index[0]) if index else None)
    bars = [
        _Bar(_bar_day(stamp, tz), close, volume) for stamp, close, volume in zip(index, closes, volumes, strict=True)
    ]
    return _choose(symbol, bars, meta, tz, currency, f"yfinance {meta.get('exchangeName') or '?'}")


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


class _Bar(NamedTuple):
    """One daily bar: its date where the exchange is, its close and its volume (None when absent)."""

    day: dt.date
    close: Any
    volume: Any


def _choose(
    symbol: str, bars: Sequence[_Bar], meta: Mapping[str, Any], tz: dt.tzinfo, currency: str, label: str
) -> Quote:
    """The quote for one symbol from its daily bars and the chart's ``meta`` block.

    * The price is the last bar with a close (a day without trades has none), rounded to clear
      float32 noise (:func:`_clean`).
    * ``meta.regularMarketPrice`` at ``regularMarketTime`` is the last trade. When it falls on a
      later day than that bar (Yahoo dropped or emptied the latest days), it is the price; when
      there are no bars with a close at all, it is the price too, flagged ``possibly-suspended``
      for a listing (a month without one bar). Either way the origin says so.
    * A tail of bars with zero volume and the close unchanged is not trading: the price is dated
      at the last bar that traded, and two or more such bars flag ``possibly-suspended``.
    * The time is ``regularMarketTime`` when it falls on the chosen bar's day (the close, e.g.
      16:08 in Hong Kong, where the bar is stamped 09:30), else the day at midnight.
    """
    hint = _price_hint(meta)
    live_price = meta.get("regularMarketPrice")
    if live_price is not None and (bad_price_reason(live_price) or isinstance(live_price, bool)):
        live_price = None
    live = _as_datetime(meta.get("regularMarketTime"), tz)
    priced = [b for b in bars if not _missing(b.close)]
    if not priced:
        if live_price is None or live is None:
            if bars:
                raise NoPrice(f"no valid close in the last month ({len(bars)} bars, every close empty)")
            raise NoPrice(EMPTY)
        no_bars: tuple[tuple[str, str], ...] = ()
        if _trades(symbol, meta):
            no_bars = (
                (
                    SUSPENDED,
                    f"{symbol}: no daily bar with a close in the last month; "
                    f"last trade {live.date().isoformat()} (Yahoo's regularMarketTime)",
                ),
            )
        what = "no daily bars" if not bars else "every daily close empty"
        return Quote(
            symbol,
            _clean(float(live_price), hint),
            currency,
            live,
            KIND,
            f"{label}, regularMarketPrice ({what})",
            flags=no_bars,
        )

    last = priced[-1]
    why = bad_price_reason(last.close)
    if why:
        raise NoPrice(f"last close is unusable: {why}")
    if live_price is not None and live is not None and live.date() > last.day:
        return Quote(
            symbol,
            _clean(float(live_price), hint),
            currency,
            live,
            KIND,
            f"{label}, regularMarketPrice (daily bars end {last.day.isoformat()})",
        )

    close = _clean(float(last.close), hint)
    traded, idle = _last_trade(symbol, meta, priced, hint)
    if idle and traded is None:
        # Every bar is idle: the last trade is older than the bars. Yahoo's time for it, if earlier.
        first = priced[0].day
        when = live if live is not None and live.date() <= first else dt.datetime.combine(first, dt.time(), tz)
        since = (
            f"{when.date().isoformat()}, before the month's bars" if when.date() < first else "before the month's bars"
        )
    else:
        day = (traded or last).day
        when = live if live is not None and live.date() == day else dt.datetime.combine(day, dt.time(), tz)
        since = day.isoformat()
    flags: tuple[tuple[str, str], ...] = ()
    if idle >= SUSPENDED_AFTER_BARS:
        flags = (
            (SUSPENDED, f"{symbol}: {idle} daily bars with zero volume and the close unchanged; last trade {since}"),
        )
    return Quote(symbol, close, currency, when, KIND, label, flags=flags)


def _trades(symbol: str, meta: Mapping[str, Any]) -> bool:
    """True for an instrument whose volume means trades (not an FX pair or an index)."""
    return not is_fx_pair(symbol) and str(meta.get("instrumentType") or "").upper() not in NO_VOLUME_TYPES


def _last_trade(
    symbol: str, meta: Mapping[str, Any], priced: Sequence[_Bar], hint: int | None
) -> tuple[_Bar | None, int]:
    """The last bar that traded before a tail of idle bars, and how many idle bars follow it.

    An idle bar has zero volume and the same close as the bar before the tail. ``(None, n)``
    when every bar is idle (the last trade is older than the bars); ``(last, 0)`` when the last
    bar traded, or when volume says nothing (FX, an index, no volume column).
    """
    if not _trades(symbol, meta):
        return priced[-1], 0
    close = _clean(float(priced[-1].close), hint)
    idle = 0
    for bar in reversed(priced):
        if not _is_zero(bar.volume) or _clean(float(bar.close), hint) != close:
            break
        idle += 1
    if idle == 0:
        return priced[-1], 0
    before = priced[len(priced) - idle - 1] if idle < len(priced) else None
    if before is not None and _clean(float(before.close), hint) != close:
        # The close moved on the last day that traded: the idle tail is not "unchanged" since then.
        return priced[-1], 0
    return before, idle


def _is_zero(volume: Any) -> bool:
    return not _missing(volume) and not isinstance(volume, bool) and isinstance(volume, (int, float)) and volume == 0


def _price_hint(meta: Mapping[str, Any]) -> int | None:
    hint = meta.get("priceHint")
    if isinstance(hint, bool) or not isinstance(hint, (int, float)) or not math.isfinite(hint):
        return None
    return int(hint) if 0 <= hint <= 10 and hint == int(hint) else None


def _clean(price: float, hint: int | None) -> float:
    """The close without float32 noise: ``478.79998779296875`` -> ``478.8``.

    Yahoo keeps bars as float32, so a close of 478.8 arrives as 478.79998779296875. The price
    is rounded (half away from zero) to ``priceHint`` decimals when that names the same float32
    (nothing but noise is dropped); otherwise, or without a hint, to the fewest decimals that
    name the same float32. A digit Yahoo really sent is never dropped, so an FX rate keeps more
    decimals than its display hint.
    """
    if not math.isfinite(price) or price == 0:
        return price
    target = _f32(price)
    if target is None:
        return price
    tries = ([hint] if hint is not None else []) + list(range(0, 17))
    for places in tries:
        rounded = _round_half_away(price, places)
        if _f32(rounded) == target:
            return rounded
    return price


def _round_half_away(value: float, places: int) -> float:
    step = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def _f32(value: float) -> float | None:
    try:
        return float(struct.unpack("f", struct.pack("f", value))[0])
    except (OverflowError, struct.error):
        return None


def _error_reason(error: Any) -> str:
    if not isinstance(error, Mapping):
        return f"Yahoo error: {error}"
    code = str(error.get("code") or "")
    text = str(error.get("description") or "").strip()
    if code == "Not Found":
        return unknown_symbol_reason(text)
    return f"Yahoo error {code}: {text}" if text else f"Yahoo error {code}"


def _series(result: Mapping[str, Any], name: str) -> list[Any]:
    """One column of ``indicators.quote[0]`` (``close``, ``volume``), or [] when absent."""
    indicators = result.get("indicators")
    quotes = indicators.get("quote") if isinstance(indicators, Mapping) else None
    if not isinstance(quotes, Sequence) or not quotes or not isinstance(quotes[0], Mapping):
        return []
    values = quotes[0].get(name)
    return list(values) if isinstance(values, Sequence) and not isinstance(values, str) else []


def _missing(value: Any) -> bool:
    """None, NaN, or pandas' NA/NaT (which a frame of another dtype could hold)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def _exchange_time(stamp: Any, tz: dt.tzinfo) -> dt.datetime:
    """A chart timestamp (epoch seconds) in the exchange's time zone."""
    if isinstance(stamp, bool) or not isinstance(stamp, (int, float)) or not math.isfinite(stamp):
        raise NoPrice(f"chart timestamp {stamp!r} is not a number")
    return dt.datetime.fromtimestamp(stamp, tz)


def _bar_day(stamp: Any, tz: dt.tzinfo) -> dt.date:
    """The calendar date, where the exchange is, of a yfinance daily bar (stamped at local midnight)."""
    to_py = getattr(stamp, "to_pydatetime", None)
    when = to_py() if callable(to_py) else stamp
    if isinstance(when, dt.date) and not isinstance(when, dt.datetime):
        return when
    if not isinstance(when, dt.datetime):
        raise NoPrice(f"yfinance bar time {stamp!r} is not a date")
    return (when.astimezone(tz) if when.tzinfo is not None else when).date()


def _tzinfo(stamp: Any) -> dt.tzinfo | None:
    return getattr(stamp, "tzinfo", None)


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

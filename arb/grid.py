"""One deal valued over a grid of its inputs, in one pass of the vectorised engine.

The deal is compiled once (:func:`arb.book.compile_book`) at the source's prices, with each
gridded price standing in at its first value so the book knows how every leg is priced. The
arrays the grid touches are then rebuilt with a leading scenario axis, shape ``(S, L)``, and
:func:`arb.engine.value_book` values all ``S`` scenarios at once:

- a listing's price feeds the legs priced from it directly, and the legs of a security priced
  from it as a proxy: security price = proxy price x proxy FX x (1 - discount);
- ``discount:NAME`` feeds the proxy discount of security NAME (and the hedge, which is
  ``1 - discount`` proxy shares per security share);
- an FX pair (``CNYHKD=X``, or its inverse ``HKDCNY=X`` as 1/x) feeds every conversion that
  uses it: proxy to security, leg to deal currency, target and dividends to deal currency;
- ``expected_close`` and ``as_of`` feed the days to close and the dividend window;
- ``downside`` feeds the implied probability, ``probability`` (of completion) the expected return.

Grid prices are numbers in the quote's major currency (CNY for ``600803.SS``), or strings with
their unit (``"4.90GBP"``, ``"490GBp"``, read by :func:`arb.symbols.read_price`). A listing quoted
in a minor unit (``VOD.L``, pence) takes strings only: a bare 4.9 could be pounds or pence, and
``--price`` and ``overrides=`` refuse it too.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from arb.api import _as_date, load
from arb.book import OVERFLOW_FIGURES, SPREAD_TOLERANCE, compile_book
from arb.engine import FIGURES, value_book
from arb.errors import ArbError
from arb.flags import FLAGS, Flag, closure
from arb.fx import FxRate, FxTable
from arb.lifecycle import deal_at, first_announced, terms_at
from arb.models import Deal
from arb.prices.base import Quote
from arb.prices.coerce import PricesLike, as_source
from arb.prices.overrides import resolve_key
from arb.pricing import fetch_for
from arb.symbols import (
    MAX_PER_SHARE,
    fx_pair,
    guess_currency,
    is_fx_pair,
    major_currency,
    minor_unit_problem,
    parse_fx_pair,
    preview,
    price_key,
    read_price,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DATE_KEYS", "FIGURES", "scenarios"]

FloatArray = npt.NDArray[np.float64]

#: Grid keys holding dates (given as dates, ``datetime64`` or ISO strings).
DATE_KEYS = ("expected_close", "as_of")
#: Grid keys that are neither prices nor dates.
NUMBER_KEYS = ("probability", "downside")
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


@dataclass
class _Axis:
    """One grid input: the user's key, what it feeds, and its values (float; dates as ordinals)."""

    label: str
    key: str
    values: FloatArray
    is_date: bool = False
    unit: str | None = None  # the major currency a price axis was given in, if one was written


def _to_ordinals(values: Any) -> FloatArray:
    days = np.asarray(values, dtype="datetime64[D]").astype(np.int64)
    return (days + _EPOCH_ORDINAL).astype(np.float64)


def _axis(label: str, values: Any, deal: Deal) -> _Axis:
    if label in DATE_KEYS:
        try:
            days = np.atleast_1d(np.asarray(values, dtype="datetime64[D]")).ravel()
        except (TypeError, ValueError):
            raise ArbError(f"grid {label!r}: give dates (datetime.date, datetime64 or 'YYYY-MM-DD')") from None
        if days.size == 0:
            raise ArbError(f"grid {label!r} is empty")
        if np.isnat(days).any():
            # None, NaT or '' read as "not a time": as an ordinal it would be a day billions of years out.
            raise ArbError(f"grid {label!r}: every value must be a date (got None, NaT or ''); drop it from the list")
        return _Axis(label, label, _to_ordinals(days), is_date=True)
    if label == "probability" or label.startswith("discount:"):
        arr = _numbers(label, values)
        hi_ok = arr <= 1 if label == "probability" else arr < 1
        if np.any(arr < 0) or not np.all(hi_ok):
            what = "from 0 to 1" if label == "probability" else "from 0 up to (not including) 1"
            raise ArbError(f"grid {label!r}: a fraction {what}, not a percent")
        # A security is known by one key everywhere (security_key): discount:NewCo is discount:newco.
        fed = label if label == "probability" else "discount:" + label.partition(":")[2].strip().lower()
        return _Axis(label, fed, arr)
    if label == "downside":
        arr = _numbers(label, values)
        if np.any(arr < 0):
            raise ArbError("grid 'downside' must not be negative")
        return _Axis(label, label, arr)
    key: str | None = deal.target.ticker if label == "target" else None
    if key is None:
        if label == "target":
            raise ArbError(f"grid 'target': {deal.id} has no listed target")
        try:
            key = resolve_key(price_key(label), deal.securities)
        except ValueError as exc:
            raise ArbError(f"grid key {preview(label)} is not a symbol: {exc}") from None
    prices, unit = _prices(label, key, values)
    return _Axis(label, key, prices, unit=unit)


def _prices(label: str, key: str, values: Any) -> tuple[FloatArray, str | None]:
    """A price axis in the quote's major unit, read by the one unit reader (:func:`read_price`).

    Values are numbers, or prices with their unit (``"4.90GBP"``, ``"490GBp"``). Bare numbers
    for a listing quoted in a minor unit (``TGT.L``: pence) are refused: pence or pounds?
    """
    items = list(np.atleast_1d(np.asarray(values, dtype=object)).ravel())
    if not items:
        raise ArbError(f"grid {label!r} is empty")
    read: list[tuple[float, str | None]] = []
    for v in items:
        try:
            read.append(read_price(v.item() if isinstance(v, np.generic) else v))
        except ValueError as exc:
            raise ArbError(f"grid {label!r}: {exc}") from None
    units = {u for _, u in read}
    majors = {major_currency(u)[0] if u else None for u in units}
    if len(majors) > 1:
        raise ArbError(f"grid {label!r}: give every value in one currency (got {', '.join(map(str, units))})")
    if None in units:
        problem = minor_unit_problem(key, read[0][0], None, None, python=True)
        if problem:
            raise ArbError(f"grid {label!r}: {problem}; in a grid, give strings such as '4.90GBP'")
    arr = np.array([v / (major_currency(u)[1] if u else 1.0) for v, u in read], dtype=np.float64)
    major = majors.pop()
    return arr, major


def _numbers(label: str, values: Any) -> FloatArray:
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=np.float64)).ravel()
    except (TypeError, ValueError):
        raise ArbError(f"grid {label!r}: give numbers") from None
    if arr.size == 0:
        raise ArbError(f"grid {label!r} is empty")
    if not np.all(np.isfinite(arr)):
        raise ArbError(f"grid {label!r} holds NaN or infinite values")
    if label == "downside" and np.any(arr > MAX_PER_SHARE):
        raise ArbError(f"grid 'downside': above {MAX_PER_SHARE:g} a share")
    return arr


def _layout(axes: list[_Axis], product: bool) -> dict[str, FloatArray]:
    """Each axis's value per scenario, shape (S,): the Cartesian product (first axis slowest) or zipped."""
    if not product:
        if len({a.values.size for a in axes}) > 1:
            raise ArbError(
                "product=False needs grid arrays of one length; got "
                + ", ".join(f"{a.label}: {a.values.size}" for a in axes)
            )
        return {a.key: a.values for a in axes}
    sizes = [a.values.size for a in axes]
    total = math.prod(sizes)
    out: dict[str, FloatArray] = {}
    inner = total
    for a, n in zip(axes, sizes, strict=True):
        inner //= n
        out[a.key] = np.tile(np.repeat(a.values, inner), total // (n * inner))
    return out


def _resolve_deal(deal: Deal | str | Path) -> Deal:
    if isinstance(deal, Deal):
        return deal
    found = load(deal)
    if len(found) != 1:
        raise ArbError(f"{deal}: holds {len(found)} deals; pass one Deal or one deal file")
    return found[0]


def _same_terms_over_as_of(deal: Deal, axes: list[_Axis], day: dt.date) -> None:
    """Refuse an ``as_of`` axis whose days straddle a change of terms: one grid values one set of
    terms (those in force on the base as-of ``day``); each side of a bump is a grid of its own."""

    def terms(on: dt.date) -> tuple[object, ...]:
        dated = terms_at(deal, on)
        return (dated.consideration, dated.currency)

    base = terms(day)
    for a in axes:
        if a.key != "as_of":
            continue
        for ordinal in np.unique(a.values):
            when = dt.date.fromordinal(int(ordinal))
            if terms(when) != base:
                raise ArbError(
                    f"grid 'as_of': the terms on {when} differ from those on {day} (a revision between them); "
                    "value each side of the revision in a grid of its own, with as_of= set inside it"
                )


def scenarios(
    deal: Deal | str | Path,
    prices: PricesLike = "snapshot",
    grid: Mapping[str, Any] | None = None,
    *,
    product: bool = True,
    as_of: dt.date | str | None = None,
) -> pd.DataFrame:
    """Value one deal over a grid of inputs; one row per scenario (a tidy DataFrame).

    ``grid`` maps an input to its values: a listing (``"600803.SS"``, or ``"target"`` for the
    target's own listing), an FX pair (``"CNYHKD=X"``), a security's own price
    (``"enn-ng-h"``), ``"discount:NAME"``, ``"expected_close"``, ``"as_of"``, ``"downside"``
    or ``"probability"`` (of completion). With ``product=True`` every combination is a
    scenario (the first key varies slowest); with ``product=False`` the arrays are zipped.

    Columns: each grid input as given (dates as ``datetime64``), then the figures of
    :data:`FIGURES`, ``expected_return`` when ``probability`` is gridded, ``hedge.SYMBOL``
    (shares to short per target share), ``security_price.NAME`` for each stock leg (in
    the security's currency), and ``flags``: the flags read off each row's own figures
    (:data:`ROW_FLAGS`, space-separated, '' for none), so a NaN says why (``price-above-value``
    for a null implied probability, ``close-date-passed`` for a null annualised return). The
    deal's other flags, at the prices not gridded, are ``attrs["flags"]``. Prices not in the grid
    come from ``prices``.

    The terms valued are those in force on the as-of, as :func:`arb.value` values them (before a
    bump, the older terms); an ``as_of`` axis whose days straddle a revision is refused.
    """
    import pandas as pd

    deal = _resolve_deal(deal)
    if not grid:
        raise ArbError("scenarios: give a grid, e.g. grid={'600803.SS': np.linspace(10, 16, 61)}")
    axes = [_axis(str(k), v, deal) for k, v in grid.items()]
    keys = [a.key for a in axes]
    if len(set(keys)) != len(keys):
        raise ArbError("grid: the same input appears twice (" + ", ".join(a.label for a in axes) + ")")
    source = as_source(prices)

    fetched = fetch_for([deal], source, as_of=_as_date(as_of))  # never a price dated after a given as-of
    # The terms in force on the as-of (before a bump, the older terms), as value_deals values them.
    day = _as_of(as_of, source.dated, fetched.quotes)
    _same_terms_over_as_of(deal, axes, day)
    dated = deal_at(deal, day)
    if dated.consideration is not deal.consideration:
        fetched = fetch_for([dated], source, as_of=_as_date(as_of))  # the older terms may name other listings
    deal = dated
    quotes = dict(fetched.quotes)
    for a in axes:
        if a.key in DATE_KEYS or a.key in NUMBER_KEYS or a.key.startswith("discount:"):
            continue
        fetched_quote = quotes.get(a.key)
        if a.unit and fetched_quote is not None and a.unit != major_currency(fetched_quote.currency)[0]:
            raise ArbError(f"grid {a.label!r}: given in {a.unit}, but {a.key} is quoted in {fetched_quote.currency}")
        quotes[a.key] = _stand_in(a, fetched_quote, deal)
    book = compile_book([deal], quotes, day)
    info = book.info[0]
    by_key = _layout(axes, product)
    n = next(iter(by_key.values())).size

    used: set[str] = set()

    def take(key: str) -> FloatArray | None:
        if key in by_key:
            used.add(key)
            return by_key[key]
        return None

    def rate(fx: FxRate | None) -> FloatArray | float:
        if fx is None:
            return math.nan
        direct = take(fx_pair(fx.base, fx.quote))
        if direct is not None:
            return direct
        inverse = take(fx_pair(fx.quote, fx.base))
        return 1.0 / inverse if inverse is not None else fx.rate

    # Each leg's price, FX rate and hedge multiplier: one number, or an array when the grid moves it.
    price: list[FloatArray | float] = [float(x) for x in book.legs.price]
    fx: list[FloatArray | float] = [float(x) for x in book.legs.fx]
    hedge_mult: list[FloatArray | float] = [float(x) for x in book.legs.hedge_mult]
    sec_price: dict[str, FloatArray] = {}
    for j, li in enumerate(info.legs):
        fx[j] = rate(li.fx)
        if li.priced_by == "listing" and li.quote is not None:
            p = take(li.quote.symbol)
            if p is not None:
                price[j] = p
        elif li.priced_by in ("proxy", "price") and li.quote is not None:
            own = take(li.quote.symbol)
            base = own if own is not None else li.quote.price
            discount: FloatArray | float = 0.0
            if li.priced_by == "proxy":
                d = take(f"discount:{li.leg.security}")
                discount = d if d is not None else li.discount
                hedge_mult[j] = 1.0 - discount
            price[j] = base * rate(li.proxy_fx) * (1.0 - discount)
        if li.symbol is not None and li.leg.kind == "stock":
            sec_price.setdefault(li.symbol, np.broadcast_to(np.asarray(price[j], dtype=np.float64), (n,)))

    target_price: FloatArray | float = float(book.deals.target_price[0])
    if info.target_quote is not None and info.target_fx is not None:
        tp = take(info.target_quote.symbol)
        target_price = (tp if tp is not None else info.target_quote.price) * rate(info.target_fx)
    close = take("expected_close")
    start = take("as_of")
    downside = take("downside")
    deals = book.deals.with_(
        target_price=_column(target_price, n),
        close=_column(close if close is not None else book.deals.close[0], n),
        as_of=_column(start if start is not None else book.deals.as_of[0], n),
        downside=_column(downside if downside is not None else book.deals.downside[0], n),
    )
    dividends = book.dividends
    div_rates = _dividend_rates(deal, info, quotes, rate)
    if div_rates is not None and len(dividends.deal):
        amounts = np.column_stack([np.broadcast_to(np.asarray(r, dtype=np.float64), (n,)) for r in div_rates])
        dividends = replace(dividends, amount=amounts)
    probability = take("probability")

    unused = [a for a in axes if a.key not in used]
    if unused:
        raise ArbError(_unused_message(unused[0], deal, info, axes))

    price_f, fx_f, mult_f = _leg_field(price, n), _leg_field(fx, n), _leg_field(hedge_mult, n)
    if price_f.ndim == fx_f.ndim == mult_f.ndim == 1:
        # Only deal-level inputs move (the target's price, a date): the legs still need the axis.
        price_f = np.broadcast_to(price_f, (n, price_f.size))
    legs = book.legs.with_(price=price_f, fx=fx_f, hedge_mult=mult_f)
    res = value_book(legs, deals, dividends)
    columns: dict[str, Any] = {}
    for a in axes:
        vals = by_key[a.key]
        if a.is_date:
            columns[a.label] = (vals.astype(np.int64) - _EPOCH_ORDINAL).astype("datetime64[D]")
        else:
            columns[a.label] = vals
    for name in FIGURES:
        columns[name] = np.broadcast_to(getattr(res, name)[..., 0], (n,))
    # No look-ahead, as in value_deals: on a day before the first terms were announced there was
    # nothing to value (not-yet-announced blocks the deal value, the dividends and what follows).
    announced = first_announced(deal)
    as_of_days = start if start is not None else book.deals.as_of[0]
    unannounced = np.broadcast_to(
        np.asarray(as_of_days, dtype=np.float64) < (announced.toordinal() if announced else -math.inf), (n,)
    )
    if unannounced.any():
        for name in sorted(closure(FLAGS[Flag.NOT_YET_ANNOUNCED].blocks) & set(FIGURES)):
            columns[name] = np.where(unannounced, np.nan, columns[name])
    if probability is not None:
        if np.isnan(deals.downside).all():
            raise ArbError(f"grid 'probability': {deal.id} has no downside; set downside in the deal or grid it")
        received = columns["deal_value"] + columns["dividends"]
        with np.errstate(invalid="ignore", divide="ignore"):
            columns["expected_return"] = (
                probability * received + (1.0 - probability) * columns["downside"] - columns["target_price"]
            ) / columns["target_price"]
    hedge: dict[str, FloatArray] = {}
    for j, li in enumerate(info.legs):
        if li.hedge_symbol and li.priced_by in ("listing", "proxy"):
            h = res.leg_hedge[:, j]
            hedge[li.hedge_symbol] = hedge[li.hedge_symbol] + h if li.hedge_symbol in hedge else h
    for sym, h in hedge.items():
        columns[f"hedge.{sym}"] = np.where(unannounced, np.nan, h) if unannounced.any() else h
    for sym, p in sec_price.items():
        columns[f"security_price.{sym}"] = p
    gridded = {a.key for a in axes}
    constant = [
        str(f)
        for f in dict.fromkeys(info.flags)
        if f in _DEAL_BLOCKS
        and not (f == Flag.NO_DOWNSIDE and "downside" in gridded)
        and not (f == Flag.DIVIDENDS_UNKNOWN and "expected_close" in gridded)
    ]
    columns["flags"] = _row_flags(columns, n, unannounced, constant)
    frame = pd.DataFrame(columns, copy=False)
    frame.attrs.update(_provenance(deal, info, axes, quotes, day, source.label))
    return frame


#: The flags read off each scenario's own figures (they differ from row to row), in the order the
#: ``flags`` column writes them. The deal's other flags, at the prices not gridded, are in
#: ``attrs["flags"]``.
ROW_FLAGS: tuple[Flag, ...] = (
    Flag.NOT_YET_ANNOUNCED,
    Flag.NO_CLOSE_DATE,
    Flag.CLOSE_DATE_PASSED,
    Flag.VALUE_BELOW_DOWNSIDE,
    Flag.VALUE_AT_DOWNSIDE,
    Flag.PRICE_ABOVE_VALUE,
    Flag.PRICE_BELOW_DOWNSIDE,
    Flag.OVERFLOW,
    Flag.IMPLAUSIBLE,
)
#: The deal's own flags that leave a figure null in every row whatever the grid moves (unless the
#: grid gives what was missing: a downside, a close date): the ``flags`` column starts with them.
_DEAL_BLOCKS: tuple[Flag, ...] = (
    Flag.TARGET_UNLISTED,
    Flag.NO_PRICE,
    Flag.NO_FX_RATE,
    Flag.NO_DEAL_CURRENCY,
    Flag.TERMS_UNDISCLOSED,
    Flag.DIVIDENDS_UNKNOWN,
    Flag.NO_DOWNSIDE,
)


def _row_flags(columns: Mapping[str, Any], n: int, unannounced: Any, constant: Sequence[str]) -> Any:
    """Each scenario's flags: the deal's ``constant`` blocking flags, then those read off the row's
    own figures as ``book.flag_figures`` and the close-date check read them for one valuation.
    A categorical of space-separated names ('' for none), so a row whose figure is NaN says why
    (``price-above-value`` for a null implied probability, say) at a few ms for a million rows."""
    import pandas as pd

    def col(name: str) -> FloatArray:
        return np.broadcast_to(np.asarray(columns[name], dtype=np.float64), (n,))

    days, target, downside = col("days_to_close"), col("target_price"), col("downside")
    received = col("deal_value") + col("dividends")
    with np.errstate(invalid="ignore"):
        masks = (
            unannounced,
            np.isnan(days),
            days <= 0,
            received < downside,
            received == downside,
            (received > downside) & (target > received),
            (received > downside) & (target < downside),
            np.logical_or.reduce([np.isinf(col(name)) for name in OVERFLOW_FIGURES]),
            np.abs(col("spread_pct")) > SPREAD_TOLERANCE,
        )
    codes = np.zeros(n, dtype=np.int16)
    for k, mask in enumerate(masks):
        codes |= mask.astype(np.int16) << k
    categories = [
        " ".join([*constant, *(str(f) for k, f in enumerate(ROW_FLAGS) if code >> k & 1)])
        for code in range(1 << len(ROW_FLAGS))
    ]
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories))


def _provenance(
    deal: Deal, info: Any, axes: Sequence[_Axis], quotes: Mapping[str, Quote], day: dt.date, label: str
) -> dict[str, Any]:
    """What a chart of the grid names (``frame.attrs``): the deal, the as-of, the price source, units.

    Plain values only: pandas deep-copies ``attrs`` into every frame and column taken from it.
    ``stale`` and ``synthetic`` describe the source's prices the grid did not replace.
    """
    from types import SimpleNamespace

    from arb.store.db import is_stale

    fed = {a.key for a in axes}
    held = {s: q for s, q in info.prices.items() if s not in fed}
    return {
        "deal": deal.id,
        "currency": info.currency,
        "as_of": day,
        "prices": label,
        "stale": is_stale(SimpleNamespace(flags=info.flags, info=SimpleNamespace(prices=held))),  # type: ignore[arg-type]
        "synthetic": any(q.synthetic for q in held.values()),
        "units": {a.label: quotes[a.key].currency for a in axes if a.key in quotes},
        # the deal's flags at the prices not gridded; those read off each row's figures are its own
        "flags": [str(f) for f in info.flags if f not in ROW_FLAGS],
        "proxies": {
            a.label: str(deal.securities[a.key.partition(":")[2]].proxy or "")
            for a in axes
            if a.key.startswith("discount:") and a.key.partition(":")[2] in deal.securities
        },
    }


def _leg_field(per_leg: list[FloatArray | float], n: int) -> FloatArray:
    """A leg-table field: shape (L,) when no leg's value moves with the grid, else (S, L)."""
    if all(np.ndim(v) == 0 for v in per_leg):
        return np.asarray(per_leg, dtype=np.float64)
    out = np.empty((n, len(per_leg)))
    for j, v in enumerate(per_leg):
        out[:, j] = v
    return out


def _column(x: FloatArray | float, n: int) -> FloatArray:
    """A deal-table field with the scenario axis: shape (S, 1), or (1, 1) when it does not vary.

    A field that does not vary stays one number, so the engine's arithmetic on it (the target
    price less the downside, say) is done once, not once per scenario.
    """
    col = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    return col if col.shape[0] in (1, n) else np.broadcast_to(col, (n, 1))


def _stand_in(a: _Axis, base: Quote | None, deal: Deal) -> Quote:
    """The quote a gridded symbol has in the compiled book: its first grid value, major units."""
    if base is not None:
        unit = major_currency(base.currency)[0]
    elif a.unit is not None:
        unit = a.unit
    elif a.key in deal.securities:
        unit = deal.securities[a.key].currency
    elif is_fx_pair(a.key):
        unit = parse_fx_pair(a.key)[1]
    else:
        guess = guess_currency(a.key)
        if guess is None:
            raise ArbError(
                f"grid {a.label!r}: the price source has no quote for it and its currency cannot be "
                "told from the symbol; add it to the prices with its currency"
            )
        unit = major_currency(guess)[0]
    return Quote(a.key, float(a.values[0]), unit, None, "scenario", "grid")


def _as_of(as_of: dt.date | str | None, dated: bool, quotes: Mapping[str, Quote]) -> dt.date:
    day = _as_date(as_of)
    if day is not None:
        return day
    today = dt.date.today()
    # a price dated after today (a typo'd year) never moves the default as-of, as in value_deals
    dates = [
        d for q in quotes.values() if q.as_of is not None and q.kind != "override" and (d := q.as_of.date()) <= today
    ]
    return max(dates) if dated and dates else today


def _dividend_rates(deal: Deal, info: Any, quotes: Mapping[str, Quote], rate: Any) -> list[Any] | None:
    """Per dividend row (as compile_book lays them out), its amount per scenario; None if none moves."""
    table = FxTable(quotes)
    rows: list[Any] = []
    moves = False
    for div in deal.dividend:
        conv = table.rate(div.currency, info.currency) if info.currency else None
        r = rate(conv)
        moves = moves or isinstance(r, np.ndarray)
        count = 1 if div.ticker == deal.target.ticker else sum(1 for li in info.legs if li.hedge_symbol == div.ticker)
        rows.extend([div.amount * r] * count)
    return rows if moves else None


def _usable(deal: Deal, info: Any) -> list[str]:
    keys: dict[str, None] = {}
    if info.target_quote is not None:
        keys[info.target_quote.symbol] = None
    for li in info.legs:
        if li.priced_by in ("listing", "proxy", "price") and li.quote is not None:
            keys[li.quote.symbol] = None
        if li.priced_by == "proxy":
            keys[f"discount:{li.leg.security}"] = None
        for fx in (li.fx, li.proxy_fx):
            if fx is not None and fx.base != fx.quote:
                keys[fx_pair(fx.base, fx.quote)] = None
    if info.target_fx is not None and info.target_fx.base != info.target_fx.quote:
        keys[fx_pair(info.target_fx.base, info.target_fx.quote)] = None
    return [*keys, *DATE_KEYS, *NUMBER_KEYS]


def _unused_message(a: _Axis, deal: Deal, info: Any, axes: Sequence[_Axis]) -> str:
    usable = _usable(deal, info)
    if a.key.startswith("discount:"):
        name = a.key.partition(":")[2]
        sec = deal.securities.get(name)
        if sec is not None and sec.proxy:
            how = next((li.priced_by for li in info.legs if li.leg.security == name), "none")
            return (
                f"grid {a.label!r} has no effect: {name} is priced by {how}, not from its proxy {sec.proxy}; "
                f"give {sec.proxy} a price (in the prices or the grid)"
            )
    close = difflib.get_close_matches(a.key, usable, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    why = f"; note: {'; '.join(info.notes)}" if info.notes else ""
    return f"grid {a.label!r} feeds nothing in {deal.id}{hint} (inputs: {', '.join(usable)}){why}"

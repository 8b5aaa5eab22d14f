"""The Python API for notebooks and scripts: deals in, pandas out.

Everything ``arb report`` does, in a few lines::

    import arb
    deals = arb.load()                        # the bundled seeds, or files and folders
    frame = arb.value(deals, prices="snapshot")
    frame.loc["enn-energy", "spread_pct"]     # 0.2307... (a fraction, not a percent)
    deals, prices, hedges = arb.value(deals, "snapshot", frames=True)   # and the long frames

Money is per target share in each deal's currency; fractions (``spread_pct``, probabilities,
discounts) are fractions, never percents; days are calendar days (ACT/365).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, overload

import numpy as np

from arb.errors import ArbError, DealFileError
from arb.loader import load_deals
from arb.models import Deal
from arb.prices.base import PriceSource, Quote
from arb.prices.coerce import PricesLike, as_source
from arb.prices.overrides import overrides_from, unused_overrides
from arb.pricing import DealResult, Valuation, store_closes, value_deals

if TYPE_CHECKING:
    import pandas as pd

    from arb.frames import Frames

__all__ = [
    "DealsLike",
    "PricesLike",
    "conditions",
    "events",
    "expected_return",
    "history",
    "load",
    "prices_from",
    "valuation",
    "value",
]

#: Where deals can come from: Deal objects, or deal files and folders of them.
DealsLike: TypeAlias = "Deal | str | Path | Iterable[Deal | str | Path]"


def load(paths: str | Path | Iterable[str | Path] | None = None, *, skip_bad: bool = False) -> list[Deal]:
    """Load deals from deal files (``*.toml``) and folders of them; default: the bundled seeds.

    A bad file raises :class:`~arb.errors.DealFileError` naming the first bad file, its key and
    the problem (and how many other files were bad). With ``skip_bad=True`` each bad file is a
    warning instead and the good deals are returned.
    """
    from arb.resources import seeds_dir

    if paths is None:
        paths = [seeds_dir()]
    elif isinstance(paths, (str, Path)):
        paths = [paths]
    paths = list(paths)
    loaded = load_deals(paths)
    if loaded.errors:
        if not skip_bad:
            first = loaded.errors[0]
            more = loaded.errors[1:]
            extra = (
                f" (and {len(more)} more bad deal file{'s' if len(more) > 1 else ''}: "
                + ", ".join(str(e.path) for e in more)
                + ")"
                if more
                else ""
            )
            raise DealFileError(first.path, first.key, first.problem + extra)
        for e in loaded.errors:
            warnings.warn(f"skipped {e}", stacklevel=2)
    if not loaded.deals and not loaded.errors:
        raise ArbError(f"no deal files (*.toml) under {', '.join(str(p) for p in paths)}")
    return loaded.deals


def _as_deals(deals: DealsLike) -> list[Deal]:
    if isinstance(deals, Deal):
        return [deals]
    if isinstance(deals, (str, Path)):
        return load(deals)
    out: list[Deal] = []
    files: list[str | Path] = []
    for item in deals:
        if isinstance(item, Deal):
            out.append(item)
        else:
            files.append(item)
    return out + (load(files) if files else [])


def _as_date(when: dt.date | str | None, name: str = "as_of") -> dt.date | None:
    if when is None or (isinstance(when, dt.date) and not isinstance(when, dt.datetime)):
        return when
    if isinstance(when, dt.datetime):
        return when.date()
    try:
        return dt.date.fromisoformat(str(when))
    except ValueError:
        raise ArbError(f"{name} {when!r} is not a date; write YYYY-MM-DD") from None


def prices_from(
    prices: PricesLike,
    currencies: Mapping[str, str] | None = None,
    *,
    as_of: dt.date | dt.datetime | str | None = None,
    label: str | None = None,
) -> PriceSource:
    """A price source from whatever is at hand: see :func:`arb.prices.coerce.as_source`.

    A source as it is; ``"snapshot"``, ``"yahoo"``, ``"store"``; a CSV price file; a dict
    ``{symbol: price}``, ``{symbol: (price, currency)}`` or ``{symbol: "4.90GBP"}``; a
    DataFrame (``symbol, price, currency[, as_of, source]``); or a list of these, asked in order.
    A bare number for a listing quoted in a minor unit (pence) is refused: give the unit.
    """
    return as_source(prices, currencies, as_of=as_of, label=label)


def valuation(
    deals: DealsLike | None = None,
    prices: PricesLike = "snapshot",
    *,
    as_of: dt.date | str | None = None,
    overrides: Mapping[str, float | tuple[float, str]] | None = None,
    store: Any = None,
) -> Valuation:
    """Value deals and keep the objects: results with their pricing detail (HTML in Jupyter).

    ``overrides`` replaces single prices for a what-if: ``{"2688.HK": 66}``,
    ``{"600803.SS": (13.1, "CNY")}`` or ``{"VOD.L": "72.5GBP"}``; a listing quoted in a minor
    unit needs its unit (a bare number could be pence or pounds). ``as_of`` defaults to the latest price date for dated
    prices (a snapshot, a price file), else today.

    A leg with a pricing period averages the closes the history store holds for its days:
    ``store`` (a :class:`~arb.store.HistoryStore` or its path), else the user's store when there is
    one. Deals without a pricing period never read the store.
    """
    deal_list = load() if deals is None else _as_deals(deals)
    _unique_ids(deal_list)
    checked = overrides_from(overrides)
    for problem in unused_overrides(checked, deal_list):
        warnings.warn(f"overrides {problem}", stacklevel=2)
    closes = _closes_from_store(deal_list, store)
    return value_deals(deal_list, prices_from(prices), as_of=_as_date(as_of), overrides=checked, closes=closes)


def _unique_ids(deals: Sequence[Deal]) -> None:
    """Refuse two deals with one id: the frames are indexed by id, so their rows (and their
    prices and hedges) could not be told apart; deal files are refused the same way on loading."""
    seen: set[str] = set()
    for d in deals:
        if d.id in seen:
            raise ArbError(
                f"deal id {d.id!r} is given twice; give each its own id, "
                "e.g. deal.model_copy(update={'id': 'new-id'})"
            )
        seen.add(d.id)


def _closes_from_store(deals: Sequence[Deal], store: Any) -> dict[str, dict[dt.date, Quote]]:
    """The store's closes for the deals' pricing periods: the store given (its errors raised), else
    the user's store when it exists and can be read (else none: the days are flagged unfixed)."""
    if store is not None:
        return store_closes(deals, store)
    from arb.paths import store_path

    try:
        return store_closes(deals, store_path())
    except ArbError:
        return {}


@overload
def value(
    deals: DealsLike | None = ...,
    prices: PricesLike = ...,
    *,
    as_of: dt.date | str | None = ...,
    overrides: Mapping[str, float | tuple[float, str]] | None = ...,
    store: Any = ...,
    frames: Literal[False] = ...,
) -> pd.DataFrame: ...


@overload
def value(
    deals: DealsLike | None = ...,
    prices: PricesLike = ...,
    *,
    as_of: dt.date | str | None = ...,
    overrides: Mapping[str, float | tuple[float, str]] | None = ...,
    store: Any = ...,
    frames: Literal[True],
) -> Frames: ...


def value(
    deals: DealsLike | None = None,
    prices: PricesLike = "snapshot",
    *,
    as_of: dt.date | str | None = None,
    overrides: Mapping[str, float | tuple[float, str]] | None = None,
    store: Any = None,
    frames: bool = False,
) -> pd.DataFrame | Frames:
    """One row per deal, indexed by id, with the figures of ``arb report --json``.

    The columns are the same whatever deals are valued (:data:`arb.frames.DEAL_COLUMNS`): name,
    status, target, currency; as_of and expected_close (datetimes); the figures target_price,
    deal_value, dividends, spread, spread_pct, days_to_close, annualized, annualized_simple,
    downside, implied_probability (floats; NaN where a flag blocks one); the long-stop figures;
    ``costed`` and the net figures after costs (NaN where the deal has none); flags and notes (lists);
    one boolean column per flag family (``blocked``: a figure is null; ``missing_price``,
    ``estimate``, ``stale``, ``synthetic``... : :data:`arb.frames.FLAG_FAMILIES`); terms_hash.

    With ``frames=True`` the prices and the hedge come too, as long frames:
    ``deals, prices, hedges = arb.value(..., frames=True)``; ``prices`` has one row per deal and
    symbol (deal, symbol, price, currency, as_of, source, kind, fallback), ``hedges`` one per deal
    and listing to short (deal, symbol, shares per target share). :func:`valuation` keeps the
    objects and gives the same frames (``v.to_frame()``, ``v.prices_frame()``, ``v.hedges_frame()``).
    See :func:`valuation` for the other arguments.
    """
    v = valuation(deals, prices, as_of=as_of, overrides=overrides, store=store)
    if frames:
        from arb.frames import frames as all_frames

        return all_frames(v)
    return v.to_frame()


def _figures(obj: Any) -> tuple[Any, Any, Any, Any]:
    """(value received, target price, downside, index) from a result, a record, a row or a frame."""
    if isinstance(obj, DealResult):
        f = obj.figures
        rec: Mapping[str, Any] = {k: (math.nan if v is None else v) for k, v in f.items()}
        return rec["deal_value"] + rec["dividends"], rec["target_price"], rec["downside"], None
    if isinstance(obj, Mapping):

        def num(k: str) -> float:
            v = obj.get(k)
            return math.nan if v is None else float(v)

        return num("deal_value") + num("dividends"), num("target_price"), num("downside"), None
    if hasattr(obj, "columns") or hasattr(obj, "index"):  # a DataFrame or a Series (a row)
        get = obj.__getitem__
        dividends = get("dividends") if "dividends" in obj else 0.0
        index = obj.index if hasattr(obj, "columns") else None
        return get("deal_value") + dividends, get("target_price"), get("downside"), index
    raise TypeError(f"expected_return: cannot read figures from {type(obj).__name__}")


def expected_return(
    result: DealResult | Mapping[str, Any] | pd.DataFrame | pd.Series,
    probability: float | Sequence[float] | np.ndarray,
    downside: float | None = None,
) -> Any:
    """Expected return to completion for a chosen probability of completion.

    ``(p V + (1 - p) D - P) / P`` with V the value received (deal value plus dividends), P the
    target price and D the downside (``downside`` here, else the deal's own), all in the deal
    currency; a fraction, not annualised. ``result`` is a :class:`DealResult`, a record of
    ``arb report --json``, a row of :func:`value`, or a frame of rows (then a Series comes back).
    A scalar probability gives a float for one deal; an array gives an array.
    """
    received, price, down, index = _figures(result)
    if downside is not None:
        down = downside
    p = np.asarray(probability, dtype=np.float64)
    if np.any((p < 0) | (p > 1)):
        raise ArbError("probability must be a fraction from 0 to 1")
    if index is not None:
        import pandas as pd

        received, price, down = (np.asarray(x, dtype=np.float64) for x in (received, price, down))
        return pd.Series((p * received + (1 - p) * down - price) / price, index=index, name="expected_return")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (p * np.asarray(received, np.float64) + (1 - p) * np.asarray(down, np.float64) - price) / price
    return float(out) if out.ndim == 0 else out


def history(deal_id: str, store: Any = None, *, since: dt.date | str | None = None) -> pd.DataFrame:
    """A deal's stored valuations over time, one row per refresh, oldest first.

    ``store`` is a :class:`~arb.store.HistoryStore` or the path of one (default: the user's
    store). Columns: ``as_of`` and ``refreshed`` (datetimes), ``source``, every figure of
    :func:`value` (``spread_pct`` a fraction), ``flags`` (a list), ``stale`` (True when a
    price the row used fell back, came from the store or the snapshot, or was old: its figures
    are not live), ``price_age_days`` (its oldest price's age at ``as_of``), ``terms_hash`` and
    ``terms_changed`` (True on the first row under new terms: a price bump, a new close date).
    :func:`arb.charts.spread_history` draws the stale rows hollow.
    Raises :class:`~arb.errors.ArbError` when the store holds nothing for the deal.
    """
    import pandas as pd

    from arb.paths import store_path
    from arb.store import HistoryStore

    opened = store if isinstance(store, HistoryStore) else HistoryStore(store or store_path(), create=False)
    rows = opened.history_rows(deal_id, since=_as_date(since, "since"))
    if not len(rows):
        what = "no history store yet" if not opened.exists() else f"no stored valuation of {deal_id!r}"
        raise ArbError(f"{opened.path}: {what}; run `arb refresh` (or back-fill it with --prices FILE) first")
    frame = pd.DataFrame.from_records(rows.rows, columns=list(rows.columns))
    frame.insert(0, "deal_id", deal_id)
    from arb.engine import FIGURES

    for name in FIGURES:  # floats as in value(), NaN where null: never object columns of None, nor ints
        if name in frame:
            frame[name] = frame[name].astype(np.float64)
    frame["flags"] = [json.loads(f or "[]") for f in frame["flags"]]
    frame["stale"] = frame["stale"].astype(bool)
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    frame["refreshed"] = pd.to_datetime(frame["refreshed"], utc=True)
    if "expected_close" in frame:
        frame["expected_close"] = pd.to_datetime(frame["expected_close"])
    return frame


def conditions(deals: DealsLike) -> pd.DataFrame:
    """One row per condition of each deal (approvals, votes, filings), with its status and dates.

    Columns: ``deal`` (the deal id), name, kind, authority, status (pending, met, waived,
    failed), ``date`` (when met, waived or failed; NaT while pending), ``expected`` (NaT when
    unknown), note, source. Dates are datetime64. A deal without conditions adds no row.
    """
    from arb.calendar import conditions_frame

    frame: pd.DataFrame = conditions_frame(_as_deals(deals))
    return frame


def events(deals: DealsLike) -> pd.DataFrame:
    """One row per timetable event of each deal, soonest first.

    Columns: ``deal`` (the deal id), deal_name, kind (meeting, payment, long-stop, ...), ``date``
    (datetime64), ``confirmed`` (False for an expected date), note, source, and ``uid`` (the
    event's id in ``arb calendar --ics`` files). A deal without events adds no row.
    """
    from arb.calendar import events_frame

    frame: pd.DataFrame = events_frame(_as_deals(deals))
    return frame

"""A valuation as pandas frames: one row per deal with fixed columns, and two long frames.

- :func:`deals_frame`: one row per deal, indexed by ``id``, with :data:`DEAL_COLUMNS` whichever
  deals were valued: the figures of ``arb report --json``, dates as datetimes, the flags as a
  list and one boolean column per flag family (:data:`FLAG_FAMILIES`).
- :func:`prices_frame`: one row per (deal, symbol) for every price a deal used (:data:`PRICE_COLUMNS`).
- :func:`hedges_frame`: one row per (deal, symbol) the hedge is short (:data:`HEDGE_COLUMNS`).

The figures come from :attr:`DealResult.figures` and :attr:`DealResult.net` (the one place that
decides which are null), a column at a time into numpy arrays: the frame of 1,000 deals takes
about 25 ms and 0.8 MiB (``benchmarks/bench_api.py``), where a column per symbol took over a
second and 123 MiB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from arb.costs import NET_FIGURES
from arb.engine import FIGURES
from arb.flags import FLAGS
from arb.lifecycle import close_date
from arb.pricing import LONG_STOP_FIGURES

if TYPE_CHECKING:
    import pandas as pd

    from arb.pricing import DealResult, Valuation

__all__ = [
    "DEAL_COLUMNS",
    "FLAG_FAMILIES",
    "HEDGE_COLUMNS",
    "PRICE_COLUMNS",
    "Frames",
    "deals_frame",
    "frames",
    "hedges_frame",
    "prices_frame",
]


def _present(*names: str) -> frozenset[str]:
    """The flags named that the table has (by name: flags still being added elsewhere are left out)."""
    return frozenset(n for n in names if n in FLAGS)


#: Each flag family (a boolean column of :func:`deals_frame`) and the flags that set it.
#: ``blocked`` is every flag of :data:`arb.flags.FLAGS` that blocks a figure; every warning (a flag
#: that blocks none of the report's figures) is in exactly one other family, and a test checks
#: both against the table, so a new flag fails the tests until it has a family here.
FLAG_FAMILIES: dict[str, frozenset[str]] = {
    # A figure is null: a price, a rate or a term is missing, or the figure has no meaning.
    "blocked": frozenset(str(f) for f, spec in FLAGS.items() if spec.blocks),
    # A price or rate the deal needs is missing or unusable.
    "missing_price": _present("no-price", "no-fx-rate", "target-unlisted", "price-after-as-of"),
    # The deal file leaves out something the figures need.
    "incomplete_terms": _present(
        "no-deal-currency", "terms-undisclosed", "no-close-date", "no-downside", "dividends-unknown"
    ),
    # A stand-in for a market price: the deal file's estimate, or the spot price for the days of a
    # pricing period not yet fixed.
    "estimate": _present("estimate-used", "pricing-period"),
    "implausible": _present("implausible"),
    "outside_collar": _present("outside-collar"),
    # Also true when a price fell back or came from the store or the snapshot: see _stale below.
    "stale": _present("stale-price"),
    "suspended": _present("possibly-suspended"),
    "synthetic": _present("synthetic-price"),
    # The deal is over: it closed, or it will not.
    "ended": _present("completed", "terminated", "lapsed", "withdrawn"),
    # The deal may not close as written: a condition or the vote failed, the long stop passed, or
    # the offer waits on its pre-conditions.
    "at_risk": _present("condition-failed", "vote-failed", "long-stop-passed", "pre-conditional"),
    # The net figures after costs: a rate is a built-in default or missing, no probability is
    # chosen, there is no break-even, or no compound net annualised return.
    "costs": _present("costs-default", "no-cost-rate", "no-probability", "no-break-even", "no-net-annualized"),
}

#: The columns of :func:`deals_frame`, in order, whatever deals were valued (the index is ``id``).
DEAL_COLUMNS: tuple[str, ...] = (
    "name",
    "status",
    "target",
    "currency",
    "as_of",
    "expected_close",
    *FIGURES,
    *LONG_STOP_FIGURES,
    "costed",
    *NET_FIGURES,
    "flags",
    "notes",
    *FLAG_FAMILIES,
    "terms_hash",
)

#: The columns of :func:`prices_frame`.
PRICE_COLUMNS: tuple[str, ...] = ("deal", "symbol", "price", "currency", "as_of", "source", "kind", "fallback")

#: The columns of :func:`hedges_frame`.
HEDGE_COLUMNS: tuple[str, ...] = ("deal", "symbol", "shares")

#: Dates and times in every frame (the resolution :func:`arb.history` gives too).
_TIME = "datetime64[us]"


class Frames(NamedTuple):
    """The three frames of one valuation: ``deals, prices, hedges = arb.value(..., frames=True)``."""

    deals: pd.DataFrame
    prices: pd.DataFrame
    hedges: pd.DataFrame


def _stale(r: DealResult) -> bool:
    """The history store's test, so ``value()`` and ``history()`` mean the same by ``stale``."""
    from arb.store.db import is_stale

    return is_stale(r)


def deals_frame(valuation: Valuation) -> pd.DataFrame:
    """One row per deal, indexed by ``id``, with the columns :data:`DEAL_COLUMNS`.

    - ``name``, ``status``, ``target`` (the target's ticker), ``currency`` (the deal currency,
      missing when unknown) and ``terms_hash`` are strings;
    - ``as_of`` and ``expected_close`` are datetimes (``NaT`` without a close date; as in
      ``arb report --json``, the payment or effective event's date when the file has no
      ``expected_close``);
    - the figures (:data:`arb.engine.FIGURES`) are floats, money per target share in the deal
      currency, fractions as fractions, ``days_to_close`` in calendar days; a figure a flag
      blocks is NaN;
    - the long-stop figures (:data:`arb.pricing.LONG_STOP_FIGURES`: the spread annualised to the
      long-stop date) are NaN for a deal without a long-stop event;
    - ``costed`` is true when costs are set for the deal; the net figures
      (:data:`arb.costs.NET_FIGURES`) are NaN where it is false, and where a flag blocks them;
    - ``flags`` and ``notes`` are lists of strings (empty lists when there are none);
    - each flag family of :data:`FLAG_FAMILIES` is a boolean column, true when the deal has one
      of its flags. ``stale`` is the history store's test (:func:`arb.store.db.is_stale`): a
      ``stale-price`` flag, or a price that fell back or came from the store or the snapshot.
    """
    import pandas as pd

    results = valuation.results
    n = len(results)
    columns: dict[str, object] = {
        "name": pd.array([r.deal.name for r in results], dtype="str"),
        "status": pd.array([r.deal.status for r in results], dtype="str"),
        "target": pd.array([r.deal.target.ticker for r in results], dtype="str"),
        "currency": pd.array([r.currency for r in results], dtype="str"),
        "as_of": np.full(n, np.datetime64(valuation.as_of, "D")).astype(_TIME),
        "expected_close": np.array([close_date(r.deal)[0] for r in results], dtype="datetime64[D]").astype(_TIME),
    }
    # None (a blocked figure, or one the deal does not have) becomes NaN; the values are the records' own.
    for figure in (*FIGURES, *LONG_STOP_FIGURES):
        columns[figure] = np.array([r.figures.get(figure) for r in results], dtype=np.float64)
    # Net figures only where costs are set: NaN elsewhere, filled at the costed rows.
    nets = [(i, r.net) for i, r in enumerate(results) if r.net is not None]
    rows = [i for i, _ in nets]
    costed = np.zeros(n, dtype=bool)
    costed[rows] = True
    columns["costed"] = costed
    for figure in NET_FIGURES:
        column = np.full(n, np.nan)
        column[rows] = np.array([net.get(figure) for _, net in nets], dtype=np.float64)
        columns[figure] = column
    columns["flags"] = _lists([r.flags for r in results])
    columns["notes"] = _lists([r.info.notes for r in results])
    flag_sets = [frozenset(r.flags) for r in results]
    for family, members in FLAG_FAMILIES.items():
        columns[family] = np.fromiter((not members.isdisjoint(s) for s in flag_sets), dtype=bool, count=n)
    columns["stale"] = np.fromiter((_stale(r) for r in results), dtype=bool, count=n)
    columns["terms_hash"] = pd.array([r.deal.terms_hash() for r in results], dtype="str")
    return pd.DataFrame(columns, index=pd.Index([r.id for r in results], name="id", dtype="str"))


def _lists(values: list[list[str]]) -> np.ndarray:
    """An object array of lists (numpy would make a 2-D array of equal-length lists)."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = list(v)
    return out


def prices_frame(valuation: Valuation) -> pd.DataFrame:
    """Every price each deal used: one row per (deal, symbol), deals in order, :data:`PRICE_COLUMNS`.

    ``price`` is in major units of ``currency`` (``1.23 GBP``, not ``123 GBp``); FX pairs are
    here too (``CNYHKD=X``: HKD per CNY). ``as_of`` is the quote's time as the source gave it, in
    the market's own time zone with the zone dropped (so its date is the trading day), ``NaT``
    when undated. ``source`` says where the price came from (``snapshot (seeds/prices.csv)``),
    ``kind`` what sort of source that is, ``fallback`` why the preferred source failed (missing
    when it did not).
    """
    import pandas as pd

    deal, symbol, price, currency, when, source, kind, fallback = ([] for _ in range(8))
    for r in valuation.results:
        for sym, q in r.info.prices.items():
            deal.append(r.id)
            symbol.append(sym)
            price.append(q.price)
            currency.append(q.currency)
            when.append(None if q.as_of is None else q.as_of.replace(tzinfo=None))
            source.append(q.source)
            kind.append(q.kind)
            fallback.append(q.fallback)
    return pd.DataFrame(
        {
            "deal": pd.array(deal, dtype="str"),
            "symbol": pd.array(symbol, dtype="str"),
            "price": np.array(price, dtype=np.float64),
            "currency": pd.array(currency, dtype="str"),
            "as_of": np.array(when, dtype=_TIME),
            "source": pd.array(source, dtype="str"),
            "kind": pd.array(kind, dtype="str"),
            "fallback": pd.array(fallback, dtype="str"),
        }
    )


def hedges_frame(valuation: Valuation) -> pd.DataFrame:
    """The hedge: one row per (deal, listing), :data:`HEDGE_COLUMNS`, deals in order.

    ``shares`` is the number of the listing's shares to short per target share (a deal with no
    listed security to short has no rows).
    """
    import pandas as pd

    deal, symbol, shares = [], [], []
    for r in valuation.results:
        for sym, n in r.hedge.items():
            deal.append(r.id)
            symbol.append(sym)
            shares.append(n)
    return pd.DataFrame(
        {
            "deal": pd.array(deal, dtype="str"),
            "symbol": pd.array(symbol, dtype="str"),
            "shares": np.array(shares, dtype=np.float64),
        }
    )


def frames(valuation: Valuation) -> Frames:
    """The three frames of ``valuation``."""
    return Frames(deals_frame(valuation), prices_frame(valuation), hedges_frame(valuation))

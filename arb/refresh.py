"""A refresh: price every watched deal, value it, append one snapshot to the history store, and
say what changed since the previous refresh and which alerts fired.

>>> from arb.refresh import refresh
>>> result = refresh()                       # doctest: +SKIP   (watchlist, live prices, store)
>>> [a.message for a in result.alerts]       # doctest: +SKIP

The default price source is live: per symbol Yahoo, then the last price in the history store,
then the bundled snapshot (a fallen-back quote carries the reason, and the valuation flags it
``stale-price``). No rich or typer here: the CLI renders the :class:`RefreshResult`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arb.book import STALE_AFTER_DAYS
from arb.errors import ArbError, DealFileError
from arb.models import Deal
from arb.prices.base import ChainSource, FetchResult, PriceSource, Quote
from arb.pricing import DealResult, Valuation, store_closes, value_deals
from arb.store import HistoryStore, RefreshInfo, StoreDamagedError, StoreError, StoreSource
from arb.store.db import NOT_STORED_KINDS, is_stale, oldest_price
from arb.watchlist import Alert, Watchlist, evaluate_alerts, load_watchlist, status_alert

__all__ = [
    "DEFAULT_TIMEOUT",
    "DealChange",
    "NotChecked",
    "RefreshResult",
    "default_source",
    "expected_symbols",
    "refresh",
    "run_refresh",
    "yahoo_factory",
]

#: Seconds the live fetch may take in all before unfinished symbols fall back.
DEFAULT_TIMEOUT = 20.0

Progress = Callable[[str, bool], None]


class _Unavailable:
    """Stands in for Yahoo when it cannot be built: every symbol fails with the reason."""

    dated = False

    def __init__(self, label: str, reason: str) -> None:
        self.label = label
        self.reason = reason

    def fetch(self, symbols: Collection[str]) -> FetchResult:
        return FetchResult(failures={s: self.reason for s in symbols})


def _make_yahoo(*, timeout: float, progress: Progress | None) -> PriceSource:
    from arb.paths import cache_dir

    try:
        from arb.prices.yahoo import YahooSource

        source: PriceSource = YahooSource(timeout=timeout, cache_dir=cache_dir(), progress=progress)
    except (ImportError, ArbError) as exc:
        return _Unavailable("yahoo", f"the Yahoo source cannot start ({exc})")
    return source


#: Builds the live source; tests replace it (``monkeypatch.setattr(arb.refresh, "yahoo_factory", ...)``).
yahoo_factory: Callable[..., PriceSource] = _make_yahoo


def default_source(
    store: HistoryStore | None,
    *,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
) -> ChainSource:
    """Yahoo, then the store's latest price, then the bundled snapshot; ``offline`` drops Yahoo."""
    from arb.prices.csvfile import snapshot

    sources: list[PriceSource] = []
    if not offline:
        sources.append(yahoo_factory(timeout=timeout, progress=progress))
    if store is not None and (store.exists() or not offline):
        sources.append(StoreSource(store))
    # Offline with no store yet, the snapshot is the source asked for, not a fallback.
    sources.append(snapshot())
    return ChainSource(sources)


def expected_symbols(deals: Sequence[Deal]) -> int:
    """How many symbols the first fetch round asks for (listings and the FX pairs already known)."""
    from arb.book import needed_fx, symbols_for
    from arb.fx import pairs_to_fetch

    return len(set(symbols_for(deals)) | set(pairs_to_fetch(needed_fx(deals, {}), {}, set())))


@dataclass(frozen=True)
class DealChange:
    """One deal's change since its previous stored valuation: this refresh minus that one.

    ``spread`` in the deal's currency per target share; ``spread_pct`` in fraction points
    (0.01 = one percentage point). None where either side is missing or the currency changed.
    """

    deal_id: str
    previous_as_of: str
    previous_refresh: int
    previous_spread: float | None
    previous_spread_pct: float | None
    spread: float | None
    spread_pct: float | None
    target_price: float | None
    terms_changed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "previous_as_of": self.previous_as_of,
            "previous_refresh": self.previous_refresh,
            "previous_spread": self.previous_spread,
            "previous_spread_pct": self.previous_spread_pct,
            "spread": self.spread,
            "spread_pct": self.spread_pct,
            "target_price": self.target_price,
            "terms_changed": self.terms_changed,
        }


@dataclass(frozen=True)
class NotChecked:
    """Alert rules of one deal that were not checked, and why (a stale figure is never checked)."""

    deal_id: str
    rules: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"deal": self.deal_id, "rules": list(self.rules), "reason": self.reason}


def _age(days: int) -> str:
    return f"{days} day{'' if days == 1 else 's'} old"


def _quote_note(q: Quote, as_of: dt.date) -> str:
    """``2688.HK 68.45 HKD, yahoo 2026-11-30, 1 day old``: which price, from where, how old at ``as_of``."""
    age = q.age_days(as_of)
    when = "undated" if q.as_of is None else f"{q.as_of.date().isoformat()}, {_age(age or 0)}"
    return f"{q.symbol} {q.price:,.6g} {q.currency}, {q.kind} {when}"


def price_note(r: DealResult) -> str | None:
    """The price a deal's figures rest on: the target's, and the oldest one when that is another."""
    target = r.deal.target.ticker
    tq = r.info.prices.get(target) if target else None
    oldest = oldest_price(r)
    parts = []
    if tq is not None:
        parts.append("target " + _quote_note(tq, r.as_of))
    target_age = -1 if tq is None else (tq.age_days(r.as_of) or 0)
    if oldest is not None and oldest[0] is not tq and oldest[1] > target_age:
        parts.append("oldest " + _quote_note(oldest[0], r.as_of))
    return "; ".join(parts) or None


def stale_reason(r: DealResult, today: dt.date | None = None) -> str:
    """Why a deal's figures are stale: the prices that were not live or are old, the oldest first.

    Ages are counted to ``today`` (the day of the refresh) or the valuation's as-of date,
    whichever is later: a stored price re-used today is as old as it is today.
    """
    when = max(r.as_of, today or dt.date.today())
    why = []
    for q in sorted(r.info.prices.values(), key=lambda q: -(q.age_days(when) or 0)):
        age = q.age_days(r.as_of)
        note = _quote_note(q, when)
        if q.fallback:  # the reason itself is on stderr once per symbol; here only which source failed
            why.append(f"{note} (fell back: {q.fallback.split(':', 1)[0]} failed)")
        elif q.kind in NOT_STORED_KINDS - {"override"}:
            why.append(f"{note} (not live)")
        elif age is not None and age > STALE_AFTER_DAYS:
            why.append(note)
    return "; ".join(why[:2]) + (f"; {len(why) - 2} more" if len(why) > 2 else "") or "stale price"


def live_quotes(valuation: Valuation) -> list[Quote]:
    """The quotes that came first-hand from the first source (not the store, the snapshot, an override)."""
    return [q for q in valuation.fetch.quotes.values() if q.kind not in NOT_STORED_KINDS and not q.fallback]


def rescue_path(path: Path) -> Path:
    """A new store file beside a damaged one, for a refresh that must not be lost."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = path.with_name(f"{path.stem}.rescued-{stamp}{path.suffix}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}.rescued-{stamp}-{n}{path.suffix}")
    return candidate


@dataclass
class RefreshResult:
    """What a refresh did: the valuation, the stored refresh, changes, alerts and price problems.

    ``stored`` is None when nothing was stored (``not_stored`` says why: no price was live). When
    the store was damaged, ``store_error`` says so and ``rescued`` is the new file that kept
    this refresh (``stored`` then describes the refresh in that file).
    """

    valuation: Valuation
    stored: RefreshInfo | None
    changes: dict[str, DealChange] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    not_checked: list[NotChecked] = field(default_factory=list)
    not_stored: str | None = None
    store_error: str | None = None
    rescued: Path | None = None
    load_errors: list[DealFileError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Symbols asked for on the off chance (``[securities]`` names, which only a price file can
    #: price): their failures are expected and not reported.
    optional: set[str] = field(default_factory=set)

    @property
    def fallbacks(self) -> dict[str, str]:
        """Symbols priced by a later source than the first, with the reason the first failed."""
        return {s: q.fallback for s, q in sorted(self.valuation.fetch.quotes.items()) if q.fallback}

    @property
    def failures(self) -> dict[str, str]:
        """Symbols no source could price, with the reasons (optional symbols left out)."""
        return {s: why for s, why in sorted(self.valuation.fetch.failures.items()) if s not in self.optional}

    @property
    def all_live(self) -> bool:
        """True when every price came from the first source (exit status 0)."""
        return not self.fallbacks and not self.failures

    def records(self) -> list[dict[str, Any]]:
        """The report records (best annualised return first), each with ``change`` and ``alerts``,
        and the timetable fields of ``arb report --json`` (next event, conditions met, long-stop)."""
        from arb.calendar import lifecycle_fields

        out = []
        for r in self.valuation.sorted():
            rec = r.to_dict()
            for key, val in lifecycle_fields(r.deal, r.as_of).items():
                rec.setdefault(key, val)
            change = self.changes.get(r.id)
            rec["change"] = None if change is None else change.to_dict()
            rec["alerts"] = [a.to_dict() for a in self.alerts if a.deal_id == r.id]
            rec["stale"] = is_stale(r)
            oldest = oldest_price(r)
            rec["price_age_days"] = None if oldest is None else oldest[1]
            rec["alerts_not_checked"] = [n.to_dict() for n in self.not_checked if n.deal_id == r.id]
            out.append(rec)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The ``arb refresh --json`` object."""
        s = self.stored
        return {
            "refresh": None
            if s is None
            else {
                "id": s.id,
                "started": s.started,
                "finished": s.finished,
                "as_of": s.as_of,
                "source": s.source,
                "backfill": s.backfill_of is not None,
                "replaced": s.replaced,
            },
            "not_stored": self.not_stored,
            "store_error": self.store_error,
            "rescued_to": None if self.rescued is None else str(self.rescued),
            "deals": self.records(),
            "alerts": [a.to_dict() for a in self.alerts],
            "alerts_not_checked": [n.to_dict() for n in self.not_checked],
            "fallbacks": self.fallbacks,
            "failures": self.failures,
            "warnings": list(self.warnings),
            "deal_file_errors": [line for e in self.load_errors for line in e.lines()],
        }


def _diff(now: float | None, then: float | None) -> float | None:
    return None if now is None or then is None else now - then


def run_refresh(
    deals: Sequence[Deal],
    source: PriceSource,
    store: HistoryStore,
    watchlist: Watchlist | None = None,
    *,
    as_of: dt.date | None = None,
    backfill: bool = False,
    today: dt.date | None = None,
    store_stale: bool = False,
) -> RefreshResult:
    """Value ``deals`` with ``source`` in one ``value_deals`` call, store the snapshot, compare, alert.

    ``backfill=True`` (a refresh from a dated price file) replaces an earlier back-fill of the
    same as-of date instead of adding a second one. A refresh in which no price was live (all
    from the store or the snapshot) stores nothing unless ``store_stale``: it would only repeat
    old prices under a new date. A damaged store is not written to: the refresh goes to a new
    file beside it (``result.rescued``) and ``result.store_error`` says what to do. Alerts are
    not checked on a stale figure (nor widening rules against a stale previous refresh); they
    are listed in ``result.not_checked``.
    """
    if not deals:
        raise ArbError("no deals to refresh; add one with `arb watch add PATH`")
    started = dt.datetime.now(dt.UTC)
    try:
        closes = store_closes(deals, store)  # the stored closes of pricing periods; no read without one
    except StoreError:
        closes = {}  # the days go unfixed (flagged); writing to the damaged store is rescued below
    valuation = value_deals(deals, source, as_of=as_of, today=today, closes=closes)
    result = RefreshResult(valuation, None, optional={name for d in deals for name in d.securities})
    live = live_quotes(valuation)
    if not live and not store_stale:
        kinds = sorted({q.kind for q in valuation.fetch.quotes.values()})
        where = f"all {len(valuation.fetch.quotes)} from {' and '.join(kinds)}" if kinds else "none was found"
        result.not_stored = (
            f"no price was live ({where}), so this refresh was not stored; --store-stale stores it anyway, marked stale"
        )
    else:
        try:
            result.stored = store.record_refresh(valuation, started=started, backfill=backfill)
        except StoreDamagedError as exc:
            with HistoryStore(rescue_path(store.path), timeout=store.timeout) as rescue:
                result.stored = rescue.record_refresh(valuation, started=started, backfill=backfill)
            result.rescued = rescue.path
            result.store_error = f"{exc}; this refresh was kept in {rescue.path}"
    previous: dict[str, dict[str, Any]] = {}
    if result.store_error is None:
        try:
            previous = store.previous_valuations(
                [r.id for r in valuation.results],
                valuation.as_of,
                result.stored.id if result.stored is not None else 2**62,
            )
        except StoreDamagedError as exc:
            result.store_error = str(exc)
    for r in valuation.results:
        prev = previous.get(r.id)
        if prev is None:
            continue
        same_ccy = prev["currency"] is None or prev["currency"] == r.currency
        f = r.figures
        result.changes[r.id] = DealChange(
            r.id,
            prev["as_of"],
            prev["refresh_id"],
            prev["spread"],
            prev["spread_pct"],
            _diff(f["spread"], prev["spread"]) if same_ccy else None,
            _diff(f["spread_pct"], prev["spread_pct"]),
            _diff(f["target_price"], prev["target_price"]) if same_ccy else None,
            prev["terms_hash"] is not None and prev["terms_hash"] != r.deal.terms_hash(),
        )
    if watchlist is not None:
        for r in valuation.sorted():
            _check_status(result, r, store, previous.get(r.id))
            _check_alerts(result, r, watchlist, previous.get(r.id))
        for deal_id in watchlist.unknown_alert_deals({d.id for d in deals}):
            result.warnings.append(f"alerts.{deal_id}: no watched deal has this id; check the spelling")
    return result


def _check_alerts(result: RefreshResult, r: DealResult, watchlist: Watchlist, prev: dict[str, Any] | None) -> None:
    """Check one deal's rules, unless its figures (or, for widening, the previous ones) are stale.

    Event rules read the deal file's timetable, not prices: they are checked whatever the prices,
    and never on a closed deal nor on one announced after the as-of (no look-ahead).
    """
    rules = watchlist.rules_for(r.id)
    on_events = [x for x in rules if not x.on_prices]
    from arb.lifecycle import first_announced

    announced = first_announced(r.deal)
    known = announced is None or announced <= r.as_of
    if on_events and known and not r.deal.is_closed:
        result.alerts += evaluate_alerts(r.id, on_events, {"events": _events_ahead(r)}, None)
    rules = [x for x in rules if x.on_prices]
    if not rules:
        return
    if is_stale(r):
        result.not_checked.append(NotChecked(r.id, tuple(x.kind for x in rules), f"stale: {stale_reason(r)}"))
        return
    change = result.changes.get(r.id)
    if change is not None and prev is not None and prev.get("stale"):
        widening = tuple(x.kind for x in rules if x.needs_previous)
        if widening:
            result.not_checked.append(
                NotChecked(r.id, widening, f"stale: the previous refresh (as of {prev['as_of']}) used stale prices")
            )
        rules = [x for x in rules if not x.needs_previous]
    figures = {"currency": r.currency, **r.figures}
    result.alerts += evaluate_alerts(
        r.id, rules, figures, None if change is None else change.to_dict(), price=price_note(r)
    )


def _events_ahead(r: DealResult) -> list[dict[str, Any]]:
    """The deal's events on or after the valuation's as-of, with their distance in days."""
    return [
        {"kind": e.kind, "date": e.date.isoformat(), "days": (e.date - r.as_of).days, "confirmed": e.confirmed}
        for e in sorted(r.deal.events, key=lambda e: e.date)
        if e.date >= r.as_of
    ]


def _check_status(result: RefreshResult, r: DealResult, store: HistoryStore, prev: dict[str, Any] | None) -> None:
    """Alert when the deal's status differs from the one stored with its previous valuation."""
    if prev is None:
        return
    before = prev.get("status")
    if before is None:  # the comparison row does not carry it: read it from the deal's history
        try:
            rows = store.deal_history(r.id, since=dt.date.fromisoformat(str(prev["as_of"])))
        except ArbError as exc:
            result.warnings.append(f"{r.id}: the previous status could not be read ({exc})")
            return
        before = next((row.get("status") for row in rows if row.get("refresh_id") == prev["refresh_id"]), None)
    if before is not None and before != r.deal.status:
        result.alerts.append(status_alert(r.id, str(before), r.deal.status, str(prev.get("as_of") or "") or None))


def refresh(
    watchlist: Watchlist | Path | str | None = None,
    *,
    source: PriceSource | None = None,
    store: HistoryStore | Path | str | None = None,
    as_of: dt.date | None = None,
    backfill: bool = False,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    store_stale: bool = False,
) -> RefreshResult:
    """The whole refresh from Python: load the watchlist (default file, else the seeds), its deals,
    the store (default ``<data>/history.sqlite3``), and price with ``source`` (default: live chain).

    Deal files that fail to load are skipped and listed in ``load_errors``. A damaged store
    raises :class:`~arb.store.StoreDamagedError` after the refresh was kept in a new file
    beside it (the message names both).
    """
    from arb.loader import load_deals
    from arb.paths import store_path

    wl = watchlist if isinstance(watchlist, Watchlist) else load_watchlist(watchlist)
    st = store if isinstance(store, HistoryStore) else HistoryStore(store or store_path())
    loaded = load_deals(wl.deal_paths())
    src = source or default_source(st, offline=offline, timeout=timeout)
    try:
        result = run_refresh(loaded.deals, src, st, wl, as_of=as_of, backfill=backfill, store_stale=store_stale)
    finally:
        if st is not store:  # opened here: its one connection closes (and checkpoints) here
            st.close()
    result.load_errors = list(loaded.errors)
    if result.store_error is not None:
        raise StoreDamagedError(result.store_error)
    return result

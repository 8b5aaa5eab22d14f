"""The deal model: what a deal file says, checked and normalised, frozen.

Money amounts are per target share. Fractions (``discount``, ``probability``, ``weight``) are
fractions, never percents. Tickers are stored as Yahoo symbols (see :mod:`arb.symbols`).

These are plain frozen records (:class:`arb.frozen.Record`): a file is checked (types, bounds,
the fields each kind of leg takes, dates in order: :mod:`arb.quickcheck` for a valid file, the
models of :mod:`arb.schema` for the rest) and comes out as these. ``Deal(**data)`` and
``Deal.model_validate(data)`` check ``data`` the same way, so a record built in a notebook is
checked as a file is.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from arb.frozen import Record

if TYPE_CHECKING:
    from arb.costs import Costs

__all__ = [
    "CLOSED_STATUSES",
    "MAX_LEGS",
    "Acquirer",
    "Condition",
    "Deal",
    "Dividend",
    "Event",
    "Holder",
    "Leg",
    "Paid",
    "PricingPeriod",
    "Revision",
    "Security",
    "ShareCap",
    "Source",
    "Target",
    "Vote",
    "VoteResult",
    "voting_pool",
]

DealStatus = Literal[
    "rumoured", "announced", "pre-conditional", "pending", "completed", "lapsed", "terminated", "withdrawn"
]
#: The statuses after which nothing is left to happen: the deal leaves the default report.
CLOSED_STATUSES: frozenset[str] = frozenset({"completed", "lapsed", "terminated", "withdrawn"})
LegKind = Literal["cash", "stock", "cvr"]
ConditionKind = Literal["regulatory", "shareholder", "court", "listing", "financing", "other"]
ConditionStatus = Literal["pending", "met", "waived", "failed"]
EventKind = Literal[
    "announcement",
    "scheme-document",
    "record-date",
    "meeting",
    "sanction-hearing",
    "effective",
    "last-trading",
    "delisting",
    "payment",
    "offer-close",
    "long-stop",
    "pre-condition-long-stop",
    "other",
]
VoteRule = Literal["hk-scheme", "uk-scheme", "majority-outstanding", "tender"]
Stance = Literal["for", "against", "undecided"]

#: Legs per deal: no real deal has more than a handful; thousands would only be a broken file.
MAX_LEGS = 50
#: Shares of one security per target share, at most.
MAX_RATIO = 1e6
#: How far the weights of an election may stray from summing to 1.
WEIGHT_TOLERANCE = 1e-9


def voting_pool(vote: Any) -> int:
    """The shares that may vote: the disinterested (scheme) shares when given, else all shares in issue."""
    return int(vote.shares_outstanding if vote.disinterested_shares is None else vote.disinterested_shares)


class Target(Record):
    """The company being bought. ``ticker`` may be absent when the target is not listed."""

    ticker: str | None = None
    name: str | None = None


class Acquirer(Record):
    """The buyer, for reference (its shares in the consideration are named on the legs)."""

    ticker: str | None = None
    name: str | None = None


class Security(Record):
    """A line of shares with no listing yet, priced from a listed proxy or a fixed estimate.

    Price = proxy price converted to ``currency``, times (1 - ``discount``); when the proxy has
    no price, ``estimate`` (in ``currency``).
    """

    name: str | None = None
    currency: str
    proxy: str | None = None
    discount: float = 0.0
    estimate: float | None = None


class PricingPeriod(Record):
    """The trading days whose average price sets a collar or a fixed value's shares.

    ``days`` trading days (Monday to Friday; holidays are not known to arb) ending
    ``ends_before_close`` trading days before the close.
    """

    days: int
    ends_before_close: int = 0


class ShareCap(Record):
    """A cap on the acquirer's shares issued (Synopsys/Ansys: 19.9999% of its shares outstanding).

    When ``ratio x target_shares`` would exceed ``max_shares`` the ratio is cut to
    ``max_shares / target_shares`` and the shares cut are paid in cash at the acquirer's price (at
    the closing under the agreement; at today's price in arb, so the value is unchanged and the
    terms show the adjusted ratio and cash).
    """

    max_shares: float
    target_shares: float


class Leg(Record):
    """One form of consideration per target share, counted with its proration ``weight``.

    - ``cash``: ``amount`` in ``currency``.
    - ``stock``: ``ratio`` shares of ``ticker`` or ``security``; or a fixed ``value`` (deal
      currency) paid in a floating number of shares. ``collar = [low, high]`` clamps the
      reference price (in the security's currency) to the band.
    - ``cvr``: ``amount`` in ``currency`` paid with ``probability``.

    Clauses as agreements print them: ``ratio_bounds = [min, max]`` (shares) for a fixed value
    outside its band (the printed ratios win over ``value / collar``); ``value_currency`` for a
    fixed value in another currency than the deal's; ``payment_date`` for cash or a CVR paid after
    the close; ``share_cap`` for a ratio cut back (and topped up in cash) when the shares issued
    would exceed a cap; ``dividend_equalisation`` for a ratio leg whose holders also get ``ratio``
    times each dividend of the acquirer going ex before the close.
    """

    kind: LegKind
    amount: float | None = None
    currency: str | None = None
    ratio: float | None = None
    value: float | None = None
    ticker: str | None = None
    security: str | None = None
    collar: tuple[float, float] | None = None
    probability: float | None = None
    weight: float = 1.0
    ratio_bounds: tuple[float, float] | None = None
    value_currency: str | None = None
    payment_date: dt.date | None = None
    share_cap: ShareCap | None = None
    dividend_equalisation: bool = False
    pricing_period: PricingPeriod | None = None
    note: str | None = None


class Dividend(Record):
    """A dividend per share on the target (received) or on a hedged security (owed)."""

    ticker: str
    amount: float
    currency: str
    ex_date: dt.date
    note: str | None = None


class Source(Record):
    """Where the terms came from."""

    title: str
    publisher: str | None = None
    date: dt.date | None = None
    url: str | None = None
    note: str | None = None
    quote: str | None = None


class Paid(Record):
    """What a completed deal paid per target share (``currency`` defaults to the deal's)."""

    amount: float
    currency: str | None = None
    date: dt.date | None = None


class Condition(Record):
    """One condition the deal must satisfy (an approval, a vote, a filing): its state and dates.

    ``date`` is when it was met, waived or failed, so it is required for those and refused while
    the condition is pending (whose hoped-for date is ``expected``).
    """

    name: str
    kind: ConditionKind
    authority: str | None = None
    status: ConditionStatus
    date: dt.date | None = None
    expected: dt.date | None = None
    note: str | None = None
    source: Source | None = None


class Event(Record):
    """A dated step of the timetable; ``confirmed`` is false for an expected or indicative date."""

    kind: EventKind
    date: dt.date
    confirmed: bool = False
    note: str | None = None
    source: Source | None = None


class Holder(Record):
    """A known holder of the target and how it is expected to vote (or accept)."""

    name: str
    shares: int
    stance: Stance = "undecided"


class VoteResult(Record):
    """The outcome of the meeting (or the final acceptance count of a tender).

    ``shares_for`` and ``shares_against`` are the disinterested votes cast (hk-scheme), the votes
    cast (uk-scheme, majority-outstanding) or the acceptances (tender, with ``shares_against`` 0).
    """

    date: dt.date | None = None
    shares_for: int
    shares_against: int = 0
    holders_for: int | None = None
    holders_against: int | None = None
    source: Source | None = None


class Vote(Record):
    """The approval rule of the deal and the numbers it works on (see :mod:`arb.lifecycle`).

    Share counts are whole shares of the class that votes. ``minimum_acceptance`` is a fraction of
    ``shares_outstanding`` (tender only; or ``minimum_shares``, a count).
    """

    _aliases: ClassVar[dict[str, str]] = {"holders": "holder"}

    rule: VoteRule
    shares_outstanding: int
    disinterested_shares: int | None = None
    irrevocables: int = 0
    headcount: bool | None = None
    minimum_acceptance: float | None = None
    minimum_shares: int | None = None
    holders: tuple[Holder, ...] = ()
    result: VoteResult | None = None

    @property
    def voting_pool(self) -> int:
        """The shares that may vote: the disinterested (scheme) shares when given, else all shares in issue."""
        return voting_pool(self)

    @property
    def applies_headcount(self) -> bool:
        """True when a majority in number of holders voting is also needed."""
        return self.rule == "uk-scheme" or (self.rule == "hk-scheme" and bool(self.headcount))


class Revision(Record):
    """Earlier terms of the deal, in force until ``superseded`` (the day the next terms replaced them)."""

    superseded: dt.date
    announced: dt.date | None = None
    bidder: str | None = None
    currency: str | None = None
    note: str | None = None
    consideration: tuple[Leg, ...]


#: The fields a deal's terms hash covers (the target's name is left out of it too).
_TERMS = frozenset({"currency", "downside", "expected_close", "target", "consideration", "securities", "dividend"})
_TERMS_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
_sha256_new: Any = None


def _sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` in hex, by CPython's own code where it has it: hashlib loads OpenSSL, about
    6 ms of a process that hashes (the deal cache's child, a refresh)."""
    global _sha256_new
    if _sha256_new is None:
        try:
            from _sha256 import sha256  # Python 3.11
        except ImportError:  # pragma: no cover - Python 3.12 and later, or another interpreter
            try:
                from _sha2 import sha256
            except ImportError:
                from hashlib import sha256
        _sha256_new = sha256
    return str(_sha256_new(data).hexdigest())


class Deal(Record):
    """One deal, as written in its TOML file (see ``docs/deal-format.md``)."""

    _aliases: ClassVar[dict[str, str]] = {"conditions": "condition", "events": "event", "revisions": "revision"}

    id: str
    name: str
    status: DealStatus = "announced"
    status_date: dt.date | None = None
    paid: Paid | None = None
    announced: dt.date | None = None
    expected_close: dt.date | None = None
    currency: str | None = None
    downside: float | None = None
    target: Target
    acquirer: Acquirer | None = None
    consideration: tuple[Leg, ...] = ()
    securities: dict[str, Security]  # {} when the file defines none
    dividend: tuple[Dividend, ...] = ()
    source: tuple[Source, ...] = ()
    conditions: tuple[Condition, ...] = ()
    events: tuple[Event, ...] = ()
    vote: Vote | None = None
    revisions: tuple[Revision, ...] = ()
    costs: Costs | None = None  # the cost of carrying the position (arb.costs); None: not set here
    notes: str | None = None

    def _repr_html_(self) -> str:
        from arb.display import deal_html

        return deal_html(self)

    @property
    def is_closed(self) -> bool:
        """True for a completed, lapsed, terminated or withdrawn deal: nothing is left to happen."""
        return self.status in CLOSED_STATUSES

    @property
    def has_terms(self) -> bool:
        """False when the consideration is undisclosed."""
        return bool(self.consideration)

    def terms_hash(self) -> str:
        """A short hash of the terms (legs, securities, dividends, dates, downside).

        Changes when the terms change (a price bump, a new close date), not when names or
        sources are edited, so a history of spreads can mark the change. Worked out once per
        record and kept with it (in the deal cache too, which works it out for every deal it writes).
        """
        return self._memo("_terms_hash", self._hash_terms)

    def _hash_terms(self) -> str:
        terms = self.model_dump(mode="json", include=_TERMS, exclude_none=True)
        terms.get("target", {}).pop("name", None)
        # The text json.dumps(terms, sort_keys=True, separators=(",", ":")) gives, from an encoder made
        # once (json.dumps makes one a call: half the time of 1,000 deals' hashes).
        blob = _TERMS_JSON.encode(terms)
        return _sha256_hex(blob.encode())[:16]

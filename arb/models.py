"""The deal model: what a deal file says, checked and normalised, frozen.

Money amounts are per target share. Fractions (``discount``, ``probability``, ``weight``) are
fractions, never percents. Tickers are stored as Yahoo symbols (see :mod:`arb.symbols`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import math
import re
from typing import Annotated, Any, Literal

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict, field_validator, model_validator
from pydantic_core import PydanticCustomError

from arb.costs import Costs
from arb.numbering import item_key
from arb.symbols import ISO_CURRENCIES, MAX_PER_SHARE, MINOR_UNITS, check_ticker, preview, security_key

__all__ = [
    "CLOSED_STATUSES",
    "Acquirer",
    "Condition",
    "Deal",
    "Dividend",
    "Event",
    "Holder",
    "Leg",
    "Paid",
    "Revision",
    "Security",
    "Source",
    "Target",
    "Vote",
    "VoteResult",
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

# Full match only: with re.match and "$", "cash-deal\n" would pass (and dodge the duplicate check).
_ID_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_MAX_ID = 64

#: Legs per deal: no real deal has more than a handful; thousands would only be a broken file.
MAX_LEGS = 50
#: Shares of one security per target share, at most.
MAX_RATIO = 1e6
#: How far the weights of an election may stray from summing to 1.
WEIGHT_TOLERANCE = 1e-9

# TOML has its own numbers and dates: a quoted "0.5", a true, or an integer where a date belongs
# (which lax parsing reads as Unix seconds) is a mistake to report, not a value to coerce.
# TOML also has inf and nan, which no term of a deal can be.
Number = Annotated[float, Strict(), AllowInfNan(False)]
Day = Annotated[dt.date, Strict()]
#: Money per share: at most MAX_PER_SHARE (a price or an amount above a billion a share is a typo).
Money = Annotated[float, Strict(), AllowInfNan(False), Field(le=MAX_PER_SHARE)]
#: A count of shares: a whole number (TOML's integer), not negative, below 10^15 (no company has more).
Shares = Annotated[int, Strict(), Field(ge=0, le=10**15)]


def _check_currency(value: str | None) -> str | None:
    if value is None:
        return None
    if any(not c.isprintable() for c in value) or len(value) > 8:
        raise PydanticCustomError(
            "currency", "{code} is not a currency code; use an ISO 4217 code such as 'HKD'", {"code": preview(value)}
        )
    code = value.strip()
    # A minor unit is checked before upper-casing: "GBp".upper() is "GBP", 100 times the amount.
    minor = code in MINOR_UNITS
    if not minor and code.upper() in ISO_CURRENCIES and code != code.upper():
        code = code.upper()
    if code not in ISO_CURRENCIES:
        hint = difflib.get_close_matches(code.upper(), sorted(ISO_CURRENCIES), n=1)
        fix = f"; did you mean {hint[0]!r}?" if hint else "; use an ISO 4217 code such as 'HKD'"
        if minor:
            fix = "; write amounts in the major unit (GBP, ZAR, ILS): 150 pence is 1.50 GBP"
        raise PydanticCustomError("currency", "unknown currency code {code}{fix}", {"code": preview(value), "fix": fix})
    return code


def _check_ticker(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_ticker(value)
    except ValueError as exc:
        raise PydanticCustomError("ticker", "{problem}", {"problem": str(exc)}) from None


def _check_security_name(name: str) -> str:
    try:
        return security_key(name)
    except ValueError as exc:
        raise PydanticCustomError("security_name", "{problem}", {"problem": str(exc)}) from None


class _Strict(BaseModel):
    """Frozen model that rejects unknown keys with a suggestion of the key meant."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = {f.alias or name for name, f in cls.model_fields.items()} | set(cls.model_fields)
            for key in data:
                if key not in known:
                    close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
                    hint = f"; did you mean {close[0]!r}?" if close else f"; allowed keys: {', '.join(sorted(known))}"
                    raise PydanticCustomError("unknown_key", "unknown key{hint}", {"key": key, "hint": hint})
        return data


class Target(_Strict):
    """The company being bought. ``ticker`` may be absent when the target is not listed."""

    ticker: str | None = None
    name: str | None = None

    _ticker = field_validator("ticker")(_check_ticker)


class Acquirer(_Strict):
    """The buyer, for reference (its shares in the consideration are named on the legs)."""

    ticker: str | None = None
    name: str | None = None

    _ticker = field_validator("ticker")(_check_ticker)


class Security(_Strict):
    """A line of shares with no listing yet, priced from a listed proxy or a fixed estimate.

    Price = proxy price converted to ``currency``, times (1 - ``discount``); when the proxy has
    no price, ``estimate`` (in ``currency``).
    """

    name: str | None = None
    currency: str
    proxy: str | None = None
    discount: Number = Field(default=0.0, ge=0.0, lt=1.0)
    estimate: Money | None = Field(default=None, gt=0.0)

    _currency = field_validator("currency")(_check_currency)
    _proxy = field_validator("proxy")(_check_ticker)

    @model_validator(mode="after")
    def _priced_somehow(self) -> Security:
        if self.proxy is None and self.estimate is None:
            raise PydanticCustomError(
                "security", "needs a 'proxy' (a listed ticker) or an 'estimate' (a price), or both", {}
            )
        return self


class PricingPeriod(_Strict):
    """The trading days whose average price sets a collar or a fixed value's shares.

    ``days`` trading days (Monday to Friday; holidays are not known to arb) ending
    ``ends_before_close`` trading days before the close.
    """

    days: int = Field(gt=0, le=250, strict=True)
    ends_before_close: int = Field(default=0, ge=0, le=250, strict=True)


class ShareCap(_Strict):
    """A cap on the acquirer's shares issued (Synopsys/Ansys: 19.9999% of its shares outstanding).

    When ``ratio x target_shares`` would exceed ``max_shares`` the ratio is cut to
    ``max_shares / target_shares`` and the shares cut are paid in cash at the acquirer's price (at
    the closing under the agreement; at today's price in arb, so the value is unchanged and the
    terms show the adjusted ratio and cash).
    """

    max_shares: Number = Field(gt=0.0)
    target_shares: Number = Field(gt=0.0)


class Leg(_Strict):
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
    amount: Money | None = Field(default=None, ge=0.0)
    currency: str | None = None
    ratio: Number | None = Field(default=None, gt=0.0, le=MAX_RATIO)
    value: Money | None = Field(default=None, gt=0.0)
    ticker: str | None = None
    security: str | None = None
    collar: tuple[Money, Money] | None = None
    probability: Number | None = Field(default=None, ge=0.0, le=1.0)
    weight: Number = Field(default=1.0, gt=0.0, le=1.0)
    ratio_bounds: tuple[Number, Number] | None = None
    value_currency: str | None = None
    payment_date: Day | None = None
    share_cap: ShareCap | None = None
    dividend_equalisation: bool = False
    pricing_period: PricingPeriod | None = None
    note: str | None = None

    _currency = field_validator("currency", "value_currency")(_check_currency)
    _ticker = field_validator("ticker")(_check_ticker)

    @field_validator("ratio_bounds")
    @classmethod
    def _ratio_bounds(cls, bounds: tuple[float, float] | None) -> tuple[float, float] | None:
        if bounds is not None:
            low, high = bounds
            if not 0 < low < high <= MAX_RATIO:
                raise PydanticCustomError(
                    "ratio_bounds",
                    "ratio_bounds [{low}, {high}] must be shares with 0 < min < max: write [min, max], "
                    "e.g. [1.300, 1.437]",
                    {"low": low, "high": high},
                )
        return bounds

    @field_validator("security")
    @classmethod
    def _security_name(cls, name: str | None) -> str | None:
        return None if name is None else _check_security_name(name)

    @field_validator("collar")
    @classmethod
    def _collar_band(cls, band: tuple[float, float] | None) -> tuple[float, float] | None:
        if band is not None:
            low, high = band
            if low <= 0:
                raise PydanticCustomError("collar", "collar low must be above zero, got {low}", {"low": low})
            if low >= high:
                raise PydanticCustomError(
                    "collar",
                    "collar low {low} must be below high {high}: write [low, high]",
                    {"low": low, "high": high},
                )
        return band

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Leg:
        def bad(msg: str) -> PydanticCustomError:
            return PydanticCustomError("leg", msg, {})

        if self.kind in ("cash", "cvr"):
            if self.amount is None:
                raise bad(f"a {self.kind} leg needs 'amount' (per target share)")
            for key in ("ratio", "value", "ticker", "security", "collar"):
                if getattr(self, key) is not None:
                    raise bad(f"a {self.kind} leg takes no '{key}'")
            for key in ("ratio_bounds", "value_currency", "share_cap", "pricing_period"):
                if getattr(self, key) is not None:
                    raise bad(f"a {self.kind} leg takes no '{key}'")
            if self.dividend_equalisation:
                raise bad(f"a {self.kind} leg takes no 'dividend_equalisation' (it belongs on a stock leg)")
            if self.kind == "cvr" and self.probability is None:
                raise bad("a cvr leg needs 'probability' (a fraction from 0 to 1)")
            if self.kind == "cash" and self.probability is not None:
                raise bad("a cash leg takes no 'probability' (use kind = \"cvr\")")
        else:
            if self.ratio is not None and self.value is not None:
                raise bad("a stock leg takes 'ratio' (fixed shares) or 'value' (fixed value), not both")
            if self.ratio is None and self.value is None:
                raise bad("a stock leg needs 'ratio' (shares per target share) or 'value' (fixed value)")
            if (self.ticker is None) == (self.security is None):
                raise bad(
                    "a stock leg needs exactly one of 'ticker' (a listing) or 'security' (defined under [securities])"
                )
            for key in ("amount", "currency", "probability", "payment_date"):
                if getattr(self, key) is not None:
                    raise bad(f"a stock leg takes no '{key}'")
            if self.ratio is not None:
                for key in ("ratio_bounds", "value_currency"):
                    if getattr(self, key) is not None:
                        raise bad(f"'{key}' belongs on a fixed-value leg ('value'), not a fixed ratio")
            elif self.share_cap is not None or self.dividend_equalisation:
                raise bad("'share_cap' and 'dividend_equalisation' belong on a fixed-ratio leg ('ratio')")
            if self.pricing_period is not None and self.value is None and self.collar is None:
                raise bad("'pricing_period' sets a collar's or a fixed value's shares: this leg has neither")
        return self


class Dividend(_Strict):
    """A dividend per share on the target (received) or on a hedged security (owed)."""

    ticker: str
    amount: Money = Field(ge=0.0)
    currency: str
    ex_date: Day
    note: str | None = None

    _currency = field_validator("currency")(_check_currency)
    _ticker = field_validator("ticker")(_check_ticker)


class Source(_Strict):
    """Where the terms came from."""

    title: str
    publisher: str | None = None
    date: Day | None = None
    url: str | None = None
    note: str | None = None
    quote: str | None = None


def _bad(kind: str, msg: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, msg, ctx)


class Paid(_Strict):
    """What a completed deal paid per target share (``currency`` defaults to the deal's)."""

    amount: Money = Field(ge=0.0)
    currency: str | None = None
    date: Day | None = None

    _currency = field_validator("currency")(_check_currency)


class Condition(_Strict):
    """One condition the deal must satisfy (an approval, a vote, a filing): its state and dates.

    ``date`` is when it was met, waived or failed, so it is required for those and refused while
    the condition is pending (whose hoped-for date is ``expected``).
    """

    name: str
    kind: ConditionKind
    authority: str | None = None
    status: ConditionStatus
    date: Day | None = None
    expected: Day | None = None
    note: str | None = None
    source: Source | None = None

    @model_validator(mode="after")
    def _dated(self) -> Condition:
        if self.status == "pending" and self.date is not None:
            raise _bad(
                "condition",
                "a pending condition takes no 'date' (the day it was met, waived or failed); "
                "write the hoped-for day as 'expected', or set the status",
            )
        if self.status != "pending" and self.date is None:
            raise _bad(
                "condition",
                "a {status} condition needs 'date' (the day it was {status})",
                status=self.status,
            )
        return self


class Event(_Strict):
    """A dated step of the timetable; ``confirmed`` is false for an expected or indicative date."""

    kind: EventKind
    date: Day
    confirmed: bool = False
    note: str | None = None
    source: Source | None = None


class Holder(_Strict):
    """A known holder of the target and how it is expected to vote (or accept)."""

    name: str
    shares: Shares
    stance: Stance = "undecided"


class VoteResult(_Strict):
    """The outcome of the meeting (or the final acceptance count of a tender).

    ``shares_for`` and ``shares_against`` are the disinterested votes cast (hk-scheme), the votes
    cast (uk-scheme, majority-outstanding) or the acceptances (tender, with ``shares_against`` 0).
    """

    date: Day | None = None
    shares_for: Shares
    shares_against: Shares = 0
    holders_for: Shares | None = None
    holders_against: Shares | None = None
    source: Source | None = None


class Vote(_Strict):
    """The approval rule of the deal and the numbers it works on (see :mod:`arb.lifecycle`).

    Share counts are whole shares of the class that votes. ``minimum_acceptance`` is a fraction of
    ``shares_outstanding`` (tender only; or ``minimum_shares``, a count).
    """

    rule: VoteRule
    shares_outstanding: Shares = Field(gt=0)
    disinterested_shares: Shares | None = Field(default=None, gt=0)
    irrevocables: Shares = 0
    headcount: bool | None = None
    minimum_acceptance: Number | None = Field(default=None, gt=0.0, le=1.0)
    minimum_shares: Shares | None = Field(default=None, gt=0)
    holders: tuple[Holder, ...] = Field(default=(), alias="holder")
    result: VoteResult | None = None

    @property
    def voting_pool(self) -> int:
        """The shares that may vote: the disinterested (scheme) shares when given, else all shares in issue."""
        return self.shares_outstanding if self.disinterested_shares is None else self.disinterested_shares

    @property
    def applies_headcount(self) -> bool:
        """True when a majority in number of holders voting is also needed."""
        return self.rule == "uk-scheme" or (self.rule == "hk-scheme" and bool(self.headcount))

    @model_validator(mode="after")
    def _numbers_fit(self) -> Vote:
        out = self.shares_outstanding
        if self.rule == "hk-scheme":
            if self.disinterested_shares is None:
                raise _bad(
                    "vote",
                    "an hk-scheme vote needs 'disinterested_shares' (the shares held by holders other than "
                    "the offeror and its concert parties)",
                )
            if self.disinterested_shares > out:
                raise _bad(
                    "vote",
                    "disinterested_shares {d} is more than shares_outstanding {o}; the disinterested shares "
                    "are part of the shares in issue",
                    d=self.disinterested_shares,
                    o=out,
                )
        elif self.disinterested_shares is not None and self.rule != "uk-scheme":
            raise _bad(
                "vote",
                "'disinterested_shares' is for rule = 'hk-scheme' (or 'uk-scheme': the scheme shares that vote), "
                "not {rule}",
                rule=self.rule,
            )
        elif self.disinterested_shares is not None and self.disinterested_shares > out:
            raise _bad(
                "vote",
                "disinterested_shares {d} is more than shares_outstanding {o}",
                d=self.disinterested_shares,
                o=out,
            )
        if self.headcount is not None and self.rule != "hk-scheme":
            what = "always applies it" if self.rule == "uk-scheme" else "has none"
            raise _bad(
                "vote", "'headcount' is for rule = 'hk-scheme' only (a {rule} {what})", rule=self.rule, what=what
            )
        if self.rule == "tender":
            if (self.minimum_acceptance is None) == (self.minimum_shares is None):
                raise _bad(
                    "vote",
                    "a tender needs exactly one of 'minimum_acceptance' (a fraction of shares_outstanding, "
                    "e.g. 0.9) or 'minimum_shares' (a count)",
                )
            if self.minimum_shares is not None and self.minimum_shares > out:
                raise _bad(
                    "vote",
                    "minimum_shares {m} is more than shares_outstanding {o}",
                    m=self.minimum_shares,
                    o=out,
                )
        elif self.minimum_acceptance is not None or self.minimum_shares is not None:
            raise _bad("vote", "'minimum_acceptance' and 'minimum_shares' are for rule = 'tender' only")
        # The support and opposition are counted among the shares that vote: under a scheme, the
        # offeror's own shares are not listed as a holder (they do not vote at the court meeting).
        counted = self.irrevocables + sum(h.shares for h in self.holders)
        if counted > self.voting_pool:
            what = "shares_outstanding" if self.disinterested_shares is None else "disinterested_shares"
            raise _bad(
                "vote",
                "irrevocables plus the holders' shares come to {n}, more than {what} {o}; count a holder's "
                "irrevocable once, in one place, and list only holders whose shares vote",
                n=counted,
                what=what,
                o=self.voting_pool,
            )
        if self.result is not None:
            pool = self.voting_pool
            what = "shares_outstanding" if self.disinterested_shares is None else "disinterested_shares"
            cast = self.result.shares_for + self.result.shares_against
            if pool is not None and cast > pool:
                raise _bad(
                    "vote",
                    "result: shares_for + shares_against = {cast}, more than {what} {pool}",
                    cast=cast,
                    what=what,
                    pool=pool,
                )
        return self


class Revision(_Strict):
    """Earlier terms of the deal, in force until ``superseded`` (the day the next terms replaced them)."""

    superseded: Day
    announced: Day | None = None
    bidder: str | None = None
    currency: str | None = None
    note: str | None = None
    consideration: tuple[Leg, ...] = Field(min_length=1)

    _currency = field_validator("currency")(_check_currency)

    @field_validator("consideration", mode="before")
    @classmethod
    def _few_legs(cls, legs: Any) -> Any:
        return _check_leg_count(legs)

    @model_validator(mode="after")
    def _dates(self) -> Revision:
        if self.announced is not None and self.announced > self.superseded:
            raise _bad(
                "revision",
                "announced {a} is after superseded {s}; terms cannot stop applying before they are announced",
                a=self.announced.isoformat(),
                s=self.superseded.isoformat(),
            )
        return self


def _check_leg_count(legs: Any) -> Any:
    if isinstance(legs, (list, tuple)) and len(legs) > MAX_LEGS:
        raise PydanticCustomError(
            "legs",
            "{n} legs; a deal has at most {most} (no real deal has more than a handful)",
            {"n": len(legs), "most": MAX_LEGS},
        )
    return legs


class Deal(_Strict):
    """One deal, as written in its TOML file (see ``docs/deal-format.md``)."""

    id: str
    name: str
    status: DealStatus = "announced"
    status_date: Day | None = None
    paid: Paid | None = None
    announced: Day | None = None
    expected_close: Day | None = None
    currency: str | None = None
    downside: Money | None = Field(default=None, ge=0.0)
    target: Target
    acquirer: Acquirer | None = None
    consideration: tuple[Leg, ...] = ()
    securities: dict[str, Security] = Field(default_factory=dict)
    dividend: tuple[Dividend, ...] = ()
    source: tuple[Source, ...] = ()
    conditions: tuple[Condition, ...] = Field(default=(), alias="condition")
    events: tuple[Event, ...] = Field(default=(), alias="event")
    vote: Vote | None = None
    revisions: tuple[Revision, ...] = Field(default=(), alias="revision")
    costs: Costs | None = None  # the cost of carrying the position (arb.costs); None: not set here
    notes: str | None = None

    _currency = field_validator("currency")(_check_currency)

    @field_validator("id")
    @classmethod
    def _id_slug(cls, value: str) -> str:
        if not _ID_RE.fullmatch(value) or len(value) > _MAX_ID:
            raise PydanticCustomError(
                "id",
                "{value} is not lower-case words and hyphens (at most {most} characters), e.g. 'enn-energy'",
                {"value": preview(value), "most": _MAX_ID},
            )
        return value

    @field_validator("consideration", mode="before")
    @classmethod
    def _few_legs(cls, legs: Any) -> Any:
        return _check_leg_count(legs)

    @field_validator("securities", mode="before")
    @classmethod
    def _security_keys(cls, securities: Any) -> Any:
        # One key for a security everywhere (security_key): "NewCo" here, "newco" in a price file.
        if not isinstance(securities, dict):
            return securities
        out: dict[str, Any] = {}
        for name, sec in securities.items():
            key = _check_security_name(str(name))
            if key in out:
                raise PydanticCustomError(
                    "security_name",
                    "{name} is defined twice (names are compared without case)",
                    {"key": f"securities.{preview(name)}", "name": preview(name)},
                )
            out[key] = sec
        return out

    @model_validator(mode="after")
    def _consistent(self) -> Deal:
        if self.announced and self.expected_close and self.expected_close < self.announced:
            raise PydanticCustomError(
                "dates",
                "{close} is before announced {announced}; fix either date",
                {
                    "key": "expected_close",
                    "close": self.expected_close.isoformat(),
                    "announced": self.announced.isoformat(),
                },
            )
        for where, leg in self._all_legs():
            if leg.security is not None and leg.security not in self.securities:
                defined = ", ".join(sorted(self.securities)) or "none"
                raise PydanticCustomError(
                    "security_ref",
                    "'{name}' is not defined under [securities] (defined: {defined}); add [securities.{name}]",
                    {"key": f"{where}.security", "name": leg.security, "defined": defined},
                )
        if self.target.ticker is None and self.target.name is None:
            raise PydanticCustomError("target", "needs a 'ticker' or at least a 'name'", {"key": "target"})
        self._no_name_is_a_ticker()
        self._elections_sum_to_one(self.consideration, "consideration")
        for i, rev in enumerate(self.revisions):
            self._elections_sum_to_one(rev.consideration, f"{item_key('revision', i)}.consideration")
        self._paid_when_completed()
        self._nothing_after_the_long_stop()
        self._revisions_in_order()
        return self

    def _all_legs(self) -> list[tuple[str, Leg]]:
        """Every leg, current and revised, with its key path."""
        out = [(item_key("consideration", i), leg) for i, leg in enumerate(self.consideration)]
        for r, rev in enumerate(self.revisions):
            out += [
                (f"{item_key('revision', r)}.{item_key('consideration', i)}", leg)
                for i, leg in enumerate(rev.consideration)
            ]
        return out

    def _paid_when_completed(self) -> None:
        if self.paid is not None and self.status != "completed":
            raise PydanticCustomError(
                "paid",
                "'paid' is what a completed deal paid, but status is {status!r}; set status = \"completed\" "
                "or drop 'paid'",
                {"key": "paid", "status": self.status},
            )

    def _nothing_after_the_long_stop(self) -> None:
        # The long-stop is the date after which either side may walk away: a step of the timetable
        # later than it is a typing slip or a long-stop that was extended (add the new long-stop).
        stops = [e.date for e in self.events if e.kind == "long-stop"]
        if not stops:
            return
        stop = max(stops)
        if self.expected_close is not None and self.expected_close > stop:
            raise PydanticCustomError(
                "event_order",
                "{close} is after the long-stop date {stop}; fix either date, or add the extended long-stop "
                "as another long-stop event",
                {"key": "expected_close", "close": self.expected_close.isoformat(), "stop": stop.isoformat()},
            )
        for i, event in enumerate(self.events):
            if event.kind not in ("long-stop", "other") and event.date > stop:
                raise PydanticCustomError(
                    "event_order",
                    "the {kind} event on {date} is after the long-stop date {stop}; fix the date, or add the "
                    "extended long-stop as another long-stop event",
                    {
                        "key": f"{item_key('event', i)}.date",
                        "kind": event.kind,
                        "date": event.date.isoformat(),
                        "stop": stop.isoformat(),
                    },
                )

    def _revisions_in_order(self) -> None:
        for i in range(1, len(self.revisions)):
            before, after = self.revisions[i - 1].superseded, self.revisions[i].superseded
            if after <= before:
                raise PydanticCustomError(
                    "revision_order",
                    "superseded {after} is not after {earlier}.superseded {before}; list earlier terms "
                    "oldest first, each superseded on a later day",
                    {
                        "key": f"{item_key('revision', i)}.superseded",
                        "after": after.isoformat(),
                        "before": before.isoformat(),
                        "earlier": item_key("revision", i - 1),
                    },
                )

    def _tickers(self) -> dict[str, str]:
        """Every ticker the deal names, by its key path."""
        out: dict[str, str] = {}
        for key, holder in (("target", self.target), ("acquirer", self.acquirer)):
            if holder is not None and holder.ticker:
                out[f"{key}.ticker"] = holder.ticker
        for where, leg in self._all_legs():
            if leg.ticker:
                out[f"{where}.ticker"] = leg.ticker
        for name, sec in self.securities.items():
            if sec.proxy:
                out[f"securities.{name}.proxy"] = sec.proxy
        for i, div in enumerate(self.dividend):
            out[f"{item_key('dividend', i)}.ticker"] = div.ticker
        return out

    def _no_name_is_a_ticker(self) -> None:
        # A price row "bigco" prices security bigco, else ticker BIGCO: one deal cannot hold both.
        for where, ticker in self._tickers().items():
            if ticker.lower() in self.securities:
                raise PydanticCustomError(
                    "security_name",
                    "security '{name}' has the name of ticker {ticker} ({where}); a price row '{name}' "
                    "would price both: rename the security",
                    {"key": f"securities.{ticker.lower()}", "name": ticker.lower(), "ticker": ticker, "where": where},
                )

    @staticmethod
    def _elections_sum_to_one(legs: tuple[Leg, ...], key: str) -> None:
        # Legs with a weight below 1 are the forms of one election; together they are one share.
        prorated = [(i, leg.weight) for i, leg in enumerate(legs) if leg.weight < 1.0]
        if not prorated:
            return
        total = math.fsum(w for _, w in prorated)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            terms = " + ".join(f"{item_key(key, i)}.weight {w:g}" for i, w in prorated)
            raise PydanticCustomError(
                "weights",
                "the weights of an election sum to {total}, not 1: {legs}; a holder gets one share's "
                "worth in all (legs without a weight count in full)",
                {"key": key, "total": f"{total:.10g}", "legs": terms},
            )

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
        sources are edited, so a history of spreads can mark the change.
        """
        terms = self.model_dump(
            mode="json",
            include={"currency", "downside", "expected_close", "target", "consideration", "securities", "dividend"},
            exclude_none=True,
        )
        terms.get("target", {}).pop("name", None)
        blob = json.dumps(terms, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

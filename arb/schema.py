"""The checks a deal file passes: pydantic models of the deal records, used only while reading a file.

The records a deal is made of at run time are the plain frozen classes of :mod:`arb.models` (and
:class:`arb.costs.Costs`); each has a model here with the same fields, which adds what a file must
satisfy: types read strictly as TOML writes them, bounds, the fields each kind of leg takes, dates
in order, unknown keys refused with the key meant. :func:`validate` checks data with these models
and returns the plain records, so pydantic is imported only when a file is read (a deal served by
the deal cache, :mod:`arb.dealcache`, never is). Errors are pydantic's ``ValidationError``, which
:mod:`arb.loader` turns into one line per problem.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from typing import Annotated, Any, TypeVar

from pydantic import (
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from arb import costs as _costs
from arb import models as _models
from arb.frozen import Record
from arb.models import (
    MAX_LEGS,
    MAX_RATIO,
    WEIGHT_TOLERANCE,
    ConditionKind,
    ConditionStatus,
    DealStatus,
    EventKind,
    LegKind,
    Stance,
    VoteRule,
    voting_pool,
)
from arb.numbering import item_key
from arb.symbols import ISO_CURRENCIES, MAX_PER_SHARE, MINOR_UNITS, check_ticker, preview, security_key

__all__ = ["SCHEMAS", "ValidationError", "to_runtime", "validate"]

R = TypeVar("R", bound=Record)

# Full match only: with re.match and "$", "cash-deal\n" would pass (and dodge the duplicate check).
_ID_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_MAX_ID = 64

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


#: Each model's keys, by name and by alias (found once per model).
_KNOWN_KEYS: dict[type[BaseModel], frozenset[str]] = {}


class _Strict(BaseModel):
    """Frozen model that rejects unknown keys with a suggestion of the key meant."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = _KNOWN_KEYS.get(cls)
            if known is None:
                known = _KNOWN_KEYS[cls] = frozenset(
                    {f.alias or name for name, f in cls.model_fields.items()} | set(cls.model_fields)
                )
            if data.keys() <= known:
                return data
            for key in data:
                if key not in known:
                    close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
                    hint = f"; did you mean {close[0]!r}?" if close else f"; allowed keys: {', '.join(sorted(known))}"
                    raise PydanticCustomError("unknown_key", "unknown key{hint}", {"key": key, "hint": hint})
        return data


class Target(_Strict):
    """The checks of :class:`arb.models.Target`."""

    ticker: str | None = None
    name: str | None = None

    _ticker = field_validator("ticker")(_check_ticker)


class Acquirer(_Strict):
    """The checks of :class:`arb.models.Acquirer`."""

    ticker: str | None = None
    name: str | None = None

    _ticker = field_validator("ticker")(_check_ticker)


class Security(_Strict):
    """The checks of :class:`arb.models.Security`."""

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
    """The checks of :class:`arb.models.PricingPeriod`."""

    days: int = Field(gt=0, le=250, strict=True)
    ends_before_close: int = Field(default=0, ge=0, le=250, strict=True)


class ShareCap(_Strict):
    """The checks of :class:`arb.models.ShareCap`."""

    max_shares: Number = Field(gt=0.0)
    target_shares: Number = Field(gt=0.0)


class Leg(_Strict):
    """The checks of :class:`arb.models.Leg`."""

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
    """The checks of :class:`arb.models.Dividend`."""

    ticker: str
    amount: Money = Field(ge=0.0)
    currency: str
    ex_date: Day
    note: str | None = None

    _currency = field_validator("currency")(_check_currency)
    _ticker = field_validator("ticker")(_check_ticker)


class Source(_Strict):
    """The checks of :class:`arb.models.Source`."""

    title: str
    publisher: str | None = None
    date: Day | None = None
    url: str | None = None
    note: str | None = None
    quote: str | None = None


def _bad(kind: str, msg: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, msg, ctx)


class Paid(_Strict):
    """The checks of :class:`arb.models.Paid`."""

    amount: Money = Field(ge=0.0)
    currency: str | None = None
    date: Day | None = None

    _currency = field_validator("currency")(_check_currency)


class Condition(_Strict):
    """The checks of :class:`arb.models.Condition`."""

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
    """The checks of :class:`arb.models.Event`."""

    kind: EventKind
    date: Day
    confirmed: bool = False
    note: str | None = None
    source: Source | None = None


class Holder(_Strict):
    """The checks of :class:`arb.models.Holder`."""

    name: str
    shares: Shares
    stance: Stance = "undecided"


class VoteResult(_Strict):
    """The checks of :class:`arb.models.VoteResult`."""

    date: Day | None = None
    shares_for: Shares
    shares_against: Shares = 0
    holders_for: Shares | None = None
    holders_against: Shares | None = None
    source: Source | None = None


class Vote(_Strict):
    """The checks of :class:`arb.models.Vote`."""

    rule: VoteRule
    shares_outstanding: Shares = Field(gt=0)
    disinterested_shares: Shares | None = Field(default=None, gt=0)
    irrevocables: Shares = 0
    headcount: bool | None = None
    minimum_acceptance: Number | None = Field(default=None, gt=0.0, le=1.0)
    minimum_shares: Shares | None = Field(default=None, gt=0)
    holders: tuple[Holder, ...] = Field(default=(), alias="holder")
    result: VoteResult | None = None

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
        if counted > voting_pool(self):
            what = "shares_outstanding" if self.disinterested_shares is None else "disinterested_shares"
            raise _bad(
                "vote",
                "irrevocables plus the holders' shares come to {n}, more than {what} {o}; count a holder's "
                "irrevocable once, in one place, and list only holders whose shares vote",
                n=counted,
                what=what,
                o=voting_pool(self),
            )
        if self.result is not None:
            pool = voting_pool(self)
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
    """The checks of :class:`arb.models.Revision`."""

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


#: An annual rate or a fraction of a trade: at most 10 (1,000%), above which it is a typing slip.
Rate = Annotated[float, Strict(), AllowInfNan(False), Field(ge=0.0, le=10.0)]


class StampDuty(_Strict):
    """The checks of :class:`arb.costs.StampDuty`."""

    buy: Rate = 0.0
    sell: Rate = 0.0


class Costs(_Strict):
    """The checks of :class:`arb.costs.Costs` (a ``[costs]`` table, in a deal file or the config file)."""

    funding_rate: dict[str, Rate] | Rate | None = None
    borrow_fee: dict[str, Rate] | None = None
    rebate: dict[str, Rate] | Rate | None = None
    stamp_duty: dict[str, StampDuty] | None = None
    levies: dict[str, Rate] | None = None
    commission_bps: Annotated[float, Strict(), AllowInfNan(False), Field(ge=0.0, le=1000.0)] | None = None
    probability: Annotated[float, Strict(), AllowInfNan(False), Field(ge=0.0, le=1.0)] | None = None

    @field_validator("funding_rate", "borrow_fee", "rebate", "stamp_duty", "levies", mode="before")
    @classmethod
    def _upper_keys(cls, table: Any) -> Any:
        # Currencies, markets and tickers are upper-case everywhere else in arb: "hkd" is HKD.
        if isinstance(table, dict):
            return {str(k).strip().upper(): v for k, v in table.items()}
        return table


def _check_leg_count(legs: Any) -> Any:
    if isinstance(legs, (list, tuple)) and len(legs) > MAX_LEGS:
        raise PydanticCustomError(
            "legs",
            "{n} legs; a deal has at most {most} (no real deal has more than a handful)",
            {"n": len(legs), "most": MAX_LEGS},
        )
    return legs


class Deal(_Strict):
    """The checks of :class:`arb.models.Deal`."""

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


#: Each plain record class (arb.models, arb.costs) and the model that checks it.
SCHEMAS: dict[type[Record], type[BaseModel]] = {
    _models.Target: Target,
    _models.Acquirer: Acquirer,
    _models.Security: Security,
    _models.PricingPeriod: PricingPeriod,
    _models.ShareCap: ShareCap,
    _models.Leg: Leg,
    _models.Dividend: Dividend,
    _models.Source: Source,
    _models.Paid: Paid,
    _models.Condition: Condition,
    _models.Event: Event,
    _models.Holder: Holder,
    _models.VoteResult: VoteResult,
    _models.Vote: Vote,
    _models.Revision: Revision,
    _models.Deal: Deal,
    _costs.StampDuty: StampDuty,
    _costs.Costs: Costs,
}
_RECORDS: dict[type[BaseModel], type[Record]] = {model: record for record, model in SCHEMAS.items()}


def validate(cls: type[R], data: Any, *, plain: bool = False) -> R:
    """``data`` checked by the model of ``cls`` and returned as a ``cls`` record.

    ``data`` is a mapping as a file holds it (keys by name or by alias); records in it (a
    ``VoteResult`` in a vote's data, say) are checked again as their fields, unless ``plain``
    says there are none (data just read from a file). Raises pydantic's ``ValidationError``.
    """
    if isinstance(data, cls):
        return data
    checked = SCHEMAS[cls].model_validate(data if plain else _plain(data))
    record = to_runtime(checked)
    assert isinstance(record, cls)
    return record


def to_runtime(value: Any) -> Any:
    """A checked model (and the models, tuples and dicts in it) as plain records, field for field."""
    if isinstance(value, BaseModel):
        record = object.__new__(_RECORDS[type(value)])
        fields = record.__dict__
        for name, v in value.__dict__.items():  # a model's __dict__ holds its fields, in order
            fields[name] = to_runtime(v) if isinstance(v, _NESTED) else v
        return record
    if isinstance(value, tuple):
        return tuple(to_runtime(v) if isinstance(v, _NESTED) else v for v in value)
    if isinstance(value, dict):
        return {k: to_runtime(v) if isinstance(v, _NESTED) else v for k, v in value.items()}
    return value


_NESTED = (BaseModel, tuple, dict)


def _plain(data: Any) -> Any:
    """Records in ``data`` as the mappings a file would hold (keyed by alias)."""
    if isinstance(data, Record):
        return data.model_dump(by_alias=True)
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(_plain(v) for v in data)
    return data

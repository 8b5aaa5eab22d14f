"""The checks a deal file passes: pydantic models of the deal records, which name every problem.

The records a deal is made of at run time are the plain frozen classes of :mod:`arb.models` (and
:class:`arb.costs.Costs`); each has a model here with the same fields, which adds what a file must
satisfy: types read strictly as TOML writes them, bounds, the fields each kind of leg takes, dates
in order, unknown keys refused with the key meant. :func:`validate` checks data with these models
and returns the plain records. A valid file never gets here: :mod:`arb.quickcheck` checks it the
same way without pydantic (held to these models by its tests), and hands anything else here, so
pydantic is imported only for a file with a problem (or input the fast check does not read).
Errors are pydantic's ``ValidationError``, which :mod:`arb.loader` turns into one line per problem.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
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
from arb import rules
from arb.frozen import Record
from arb.models import (
    MAX_RATIO,
    ConditionKind,
    ConditionStatus,
    DealStatus,
    EventKind,
    LegKind,
    Stance,
    VoteRule,
)
from arb.quickcheck import to_plain
from arb.symbols import MAX_PER_SHARE

__all__ = ["SCHEMAS", "ValidationError", "to_runtime", "validate"]

R = TypeVar("R", bound=Record)


def _rule(check: Callable[..., Any], *args: Any) -> Any:
    """``check(*args)`` (a rule of :mod:`arb.rules`), its :class:`~arb.rules.Problem` raised as pydantic's error."""
    try:
        return check(*args)
    except rules.Problem as problem:
        raise PydanticCustomError(problem.kind, problem.template, problem.ctx) from None


def _check_currency(value: str | None) -> str | None:
    return _rule(rules.currency_code, value)


def _check_ticker(value: str | None) -> str | None:
    return _rule(rules.ticker, value)


# TOML has its own numbers and dates: a quoted "0.5", a true, or an integer where a date belongs
# (which lax parsing reads as Unix seconds) is a mistake to report, not a value to coerce.
# TOML also has inf and nan, which no term of a deal can be.
Number = Annotated[float, Strict(), AllowInfNan(False)]
Day = Annotated[dt.date, Strict()]
#: Money per share: at most MAX_PER_SHARE (a price or an amount above a billion a share is a typo).
Money = Annotated[float, Strict(), AllowInfNan(False), Field(le=MAX_PER_SHARE)]
#: A count of shares: a whole number (TOML's integer), not negative, below 10^15 (no company has more).
Shares = Annotated[int, Strict(), Field(ge=0, le=10**15)]


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
        _rule(rules.security_priced, self)
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
        return _rule(rules.ratio_bounds, bounds)

    @field_validator("security")
    @classmethod
    def _security_name(cls, name: str | None) -> str | None:
        return _rule(rules.security_name, name)

    @field_validator("collar")
    @classmethod
    def _collar_band(cls, band: tuple[float, float] | None) -> tuple[float, float] | None:
        return _rule(rules.collar_band, band)

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Leg:
        _rule(rules.leg_fits_kind, self)
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
        _rule(rules.condition_dated, self)
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
        _rule(rules.vote_numbers, self)
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
        return _rule(rules.few_legs, legs)

    @model_validator(mode="after")
    def _dates(self) -> Revision:
        _rule(rules.revision_dates, self)
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
        return _rule(rules.upper_keys, table)


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
        return _rule(rules.deal_id, value)

    @field_validator("consideration", mode="before")
    @classmethod
    def _few_legs(cls, legs: Any) -> Any:
        return _rule(rules.few_legs, legs)

    @field_validator("securities", mode="before")
    @classmethod
    def _security_keys(cls, securities: Any) -> Any:
        return _rule(rules.security_keys, securities)

    @model_validator(mode="after")
    def _consistent(self) -> Deal:
        _rule(rules.deal_consistent, self)
        return self


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
    checked = SCHEMAS[cls].model_validate(data if plain else to_plain(data))
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

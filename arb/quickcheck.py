"""A deal file's check without pydantic, for the files that pass it: the fast path of a first run.

:func:`quick` builds the plain records of :mod:`arb.models` (and :mod:`arb.costs`) from data as a
TOML file holds it, with the checks of the pydantic models of :mod:`arb.schema`: the same strict
types, bounds, keys, defaults and rules (the rules are one code, :mod:`arb.rules`). It returns the
record only when it is sure: at any problem, or anything it was not written to read (a key given
both by name and by alias, a number in quotes, a record object where a table belongs), it
returns None and the caller asks pydantic, which finds every problem and names each key. So a
valid file never imports pydantic (100-170 ms of a fresh process, and about 0.1 ms a file of
checks), and an invalid one gets the same messages as before.

The contract, held by ``tests/test_quickcheck.py`` (a differential test against pydantic on the
seeds, synthetic deals and mutations of them): :func:`quick` never accepts what pydantic refuses,
and what it accepts is the record pydantic's check gives, value for value and type for type.
``tests/test_quickcheck_spec.py`` holds each field's type, bounds and default here to the
pydantic model's.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any, TypeVar, get_args

from arb import costs as _costs
from arb import models as _m
from arb import rules
from arb.frozen import Record
from arb.symbols import MAX_PER_SHARE

__all__ = ["SPECS", "FieldSpec", "quick", "to_plain", "validate"]

R = TypeVar("R", bound=Record)


class _Unsure(Exception):
    """Not certainly valid: pydantic decides (and reports)."""


_UNSURE = _Unsure()
_INF = math.inf

#: A field's check: the value as read, to the value kept (or raise _Unsure).
Check = Callable[[Any], Any]


def _number(
    *, gt: float | None = None, ge: float | None = None, lt: float | None = None, le: float | None = None
) -> Check:
    """A strict float (pydantic ``Strict()``, ``AllowInfNan(False)``): a float or an int (made a float), finite."""
    low, low_open = (gt, True) if gt is not None else (ge if ge is not None else -_INF, False)
    high, high_open = (lt, True) if lt is not None else (le if le is not None else _INF, False)

    def check(value: Any) -> float:
        kind = type(value)
        if kind is float:
            x = value
        elif kind is int:
            try:
                x = float(value)
            except OverflowError:
                raise _UNSURE from None
        else:
            raise _UNSURE
        # nan fails every comparison; inf is past any finite bound, and refused when there is none.
        if not (low < x if low_open else low <= x) or not (x < high if high_open else x <= high):
            raise _UNSURE
        if x == _INF or x == -_INF:
            raise _UNSURE
        return x

    return check


def _money(**bounds: float) -> Check:
    """Money per share (``schema.Money``): a strict float at most MAX_PER_SHARE, and ``bounds``."""
    inner = _number(**bounds)

    def check(value: Any) -> float:
        x = inner(value)
        if x > MAX_PER_SHARE:
            raise _UNSURE
        return x

    return check


def _integer(*, gt: int | None = None, ge: int | None = None, le: int | None = None) -> Check:
    """A strict int (TOML's integer; a bool is not one)."""

    def check(value: Any) -> int:
        if type(value) is not int:
            raise _UNSURE
        if (gt is not None and not value > gt) or (ge is not None and not value >= ge):
            raise _UNSURE
        if le is not None and not value <= le:
            raise _UNSURE
        return value

    return check


#: A count of shares (``schema.Shares``).
_shares = _integer(ge=0, le=10**15)


def _positive_shares(value: Any) -> int:
    x = _shares(value)
    if x <= 0:
        raise _UNSURE
    return x


def _exactly(kind: type) -> Check:
    """A value of type ``kind`` itself, no subclass: a datetime is a date (refused by ``Strict()``), a bool an int."""

    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise _UNSURE
        return value

    return check


_text = _exactly(str)
_day = _exactly(dt.date)
_flag = _exactly(bool)


def _choice(literal: Any) -> Check:
    options = frozenset(get_args(literal))

    def check(value: Any) -> str:
        if type(value) is not str or value not in options:
            raise _UNSURE
        return value

    return check


def _optional(check: Check) -> Check:
    def optional(value: Any) -> Any:
        return None if value is None else check(value)

    return optional


def _then(check: Check, rule: Callable[[Any], Any]) -> Check:
    """``check``, then a field rule of :mod:`arb.rules` on what it gives (pydantic's after-validator)."""

    def then(value: Any) -> Any:
        try:
            return rule(check(value))
        except rules.Problem:
            raise _UNSURE from None

    return then


def _before(rule: Callable[[Any], Any], check: Check) -> Check:
    """A rule of :mod:`arb.rules` on the value as read, then ``check`` (pydantic's before-validator)."""

    def before(value: Any) -> Any:
        try:
            value = rule(value)
        except rules.Problem:
            raise _UNSURE from None
        return check(value)

    return before


def _pair(check: Check) -> Check:
    def pair(value: Any) -> tuple[Any, Any]:
        if type(value) not in (list, tuple) or len(value) != 2:
            raise _UNSURE
        return (check(value[0]), check(value[1]))

    return pair


def _record(cls: type[Record]) -> Check:
    def record(value: Any) -> Record:
        return _build(cls, value)

    return record


def _records(cls: type[Record], min_length: int = 0) -> Check:
    def records(value: Any) -> tuple[Record, ...]:
        if type(value) not in (list, tuple) or len(value) < min_length:
            raise _UNSURE
        return tuple([_build(cls, item) for item in value])

    return records


def _table(check: Check) -> Check:
    """A ``dict[str, ...]``."""

    def table(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise _UNSURE
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _UNSURE
            out[key] = check(item)
        return out

    return table


def _table_or(table: Check, number: Check) -> Check:
    """``dict[str, X] | float``: a table for a dict, else the number."""

    def either(value: Any) -> Any:
        return table(value) if type(value) is dict else number(value)

    return either


class FieldSpec:
    """One field: its name, the key a file writes it as, its check, and its default (or required)."""

    __slots__ = ("alias", "check", "default", "factory", "name", "required")

    def __init__(
        self, name: str, check: Check, *, required: bool = False, default: Any = None, factory: Any = None
    ) -> None:
        self.name = name
        self.alias = name
        self.check = check
        self.required = required
        self.default = default
        self.factory = factory


def _f(name: str, check: Check, default: Any = None, *, factory: Any = None) -> FieldSpec:
    return FieldSpec(name, check, default=default, factory=factory)


def _req(name: str, check: Check) -> FieldSpec:
    return FieldSpec(name, check, required=True)


_REQUIRED = object()  # in a spec's template: a required field not yet read
_FRESH = object()  # in a spec's template: a default made afresh for each record (a dict)


class _Spec:
    """A record class's fields: by key (name and alias), and a template of the defaults in field order."""

    __slots__ = ("by_key", "dual", "factories", "fields", "required", "rule", "template")

    def __init__(self, cls: type[Record], fields: list[FieldSpec], rule: Callable[[Any], None] | None = None) -> None:
        for f in fields:
            f.alias = cls._aliases.get(f.name, f.name)
        self.fields = tuple(fields)
        self.by_key = {f.name: f for f in fields} | {f.alias: f for f in fields}
        self.dual = tuple((f.name, f.alias) for f in fields if f.name != f.alias)
        self.required = sum(f.required for f in fields)
        self.factories = tuple((f.name, f.factory) for f in fields if f.factory is not None)
        self.template = {
            f.name: _REQUIRED if f.required else _FRESH if f.factory is not None else f.default for f in fields
        }
        self.rule = rule


_currency = _then(_optional(_text), rules.currency_code)
_ticker = _then(_optional(_text), rules.ticker)
_opt_text = _optional(_text)
_opt_day = _optional(_day)
_rate = _number(ge=0.0, le=10.0)
_legs = _before(rules.few_legs, _records(_m.Leg))

#: Each record class's fields, as :mod:`arb.schema`'s model of it checks them.
SPECS: dict[type[Record], _Spec] = {}


def _spec(cls: type[Record], fields: list[FieldSpec], rule: Callable[[Any], None] | None = None) -> None:
    SPECS[cls] = _Spec(cls, fields, rule)


_spec(_m.Target, [_f("ticker", _ticker), _f("name", _opt_text)])
_spec(_m.Acquirer, [_f("ticker", _ticker), _f("name", _opt_text)])
_spec(
    _m.Security,
    [
        _f("name", _opt_text),
        _req("currency", _then(_text, rules.currency_code)),
        _f("proxy", _ticker),
        _f("discount", _number(ge=0.0, lt=1.0), 0.0),
        _f("estimate", _optional(_money(gt=0.0))),
    ],
    rules.security_priced,
)
_spec(
    _m.PricingPeriod,
    [_req("days", _integer(gt=0, le=250)), _f("ends_before_close", _integer(ge=0, le=250), 0)],
)
_spec(_m.ShareCap, [_req("max_shares", _number(gt=0.0)), _req("target_shares", _number(gt=0.0))])
_spec(
    _m.Leg,
    [
        _req("kind", _choice(_m.LegKind)),
        _f("amount", _optional(_money(ge=0.0))),
        _f("currency", _currency),
        _f("ratio", _optional(_number(gt=0.0, le=_m.MAX_RATIO))),
        _f("value", _optional(_money(gt=0.0))),
        _f("ticker", _ticker),
        _f("security", _then(_optional(_text), rules.security_name)),
        _f("collar", _then(_optional(_pair(_money())), rules.collar_band)),
        _f("probability", _optional(_number(ge=0.0, le=1.0))),
        _f("weight", _number(gt=0.0, le=1.0), 1.0),
        _f("ratio_bounds", _then(_optional(_pair(_number())), rules.ratio_bounds)),
        _f("value_currency", _currency),
        _f("payment_date", _opt_day),
        _f("share_cap", _optional(_record(_m.ShareCap))),
        _f("dividend_equalisation", _flag, False),
        _f("pricing_period", _optional(_record(_m.PricingPeriod))),
        _f("note", _opt_text),
    ],
    rules.leg_fits_kind,
)
_spec(
    _m.Dividend,
    [
        _req("ticker", _then(_text, rules.ticker)),
        _req("amount", _money(ge=0.0)),
        _req("currency", _then(_text, rules.currency_code)),
        _req("ex_date", _day),
        _f("note", _opt_text),
    ],
)
_spec(
    _m.Source,
    [
        _req("title", _text),
        _f("publisher", _opt_text),
        _f("date", _opt_day),
        _f("url", _opt_text),
        _f("note", _opt_text),
        _f("quote", _opt_text),
    ],
)
_spec(_m.Paid, [_req("amount", _money(ge=0.0)), _f("currency", _currency), _f("date", _opt_day)])
_source = _optional(_record(_m.Source))
_spec(
    _m.Condition,
    [
        _req("name", _text),
        _req("kind", _choice(_m.ConditionKind)),
        _f("authority", _opt_text),
        _req("status", _choice(_m.ConditionStatus)),
        _f("date", _opt_day),
        _f("expected", _opt_day),
        _f("note", _opt_text),
        _f("source", _source),
    ],
    rules.condition_dated,
)
_spec(
    _m.Event,
    [
        _req("kind", _choice(_m.EventKind)),
        _req("date", _day),
        _f("confirmed", _flag, False),
        _f("note", _opt_text),
        _f("source", _source),
    ],
)
_spec(_m.Holder, [_req("name", _text), _req("shares", _shares), _f("stance", _choice(_m.Stance), "undecided")])
_spec(
    _m.VoteResult,
    [
        _f("date", _opt_day),
        _req("shares_for", _shares),
        _f("shares_against", _shares, 0),
        _f("holders_for", _optional(_shares)),
        _f("holders_against", _optional(_shares)),
        _f("source", _source),
    ],
)
_spec(
    _m.Vote,
    [
        _req("rule", _choice(_m.VoteRule)),
        _req("shares_outstanding", _positive_shares),
        _f("disinterested_shares", _optional(_positive_shares)),
        _f("irrevocables", _shares, 0),
        _f("headcount", _optional(_flag)),
        _f("minimum_acceptance", _optional(_number(gt=0.0, le=1.0))),
        _f("minimum_shares", _optional(_positive_shares)),
        _f("holders", _records(_m.Holder), ()),
        _f("result", _optional(_record(_m.VoteResult))),
    ],
    rules.vote_numbers,
)
_spec(
    _m.Revision,
    [
        _req("superseded", _day),
        _f("announced", _opt_day),
        _f("bidder", _opt_text),
        _f("currency", _currency),
        _f("note", _opt_text),
        _req("consideration", _before(rules.few_legs, _records(_m.Leg, min_length=1))),
    ],
    rules.revision_dates,
)
_spec(_costs.StampDuty, [_f("buy", _rate, 0.0), _f("sell", _rate, 0.0)])
_rates = _before(rules.upper_keys, _optional(_table(_rate)))
_rate_or_rates = _before(rules.upper_keys, _optional(_table_or(_table(_rate), _rate)))
_spec(
    _costs.Costs,
    [
        _f("funding_rate", _rate_or_rates),
        _f("borrow_fee", _rates),
        _f("rebate", _rate_or_rates),
        _f("stamp_duty", _before(rules.upper_keys, _optional(_table(_record(_costs.StampDuty))))),
        _f("levies", _rates),
        _f("commission_bps", _optional(_number(ge=0.0, le=1000.0))),
        _f("probability", _optional(_number(ge=0.0, le=1.0))),
    ],
)
_spec(
    _m.Deal,
    [
        _req("id", _then(_text, rules.deal_id)),
        _req("name", _text),
        _f("status", _choice(_m.DealStatus), "announced"),
        _f("status_date", _opt_day),
        _f("paid", _optional(_record(_m.Paid))),
        _f("announced", _opt_day),
        _f("expected_close", _opt_day),
        _f("currency", _currency),
        _f("downside", _optional(_money(ge=0.0))),
        _req("target", _record(_m.Target)),
        _f("acquirer", _optional(_record(_m.Acquirer))),
        _f("consideration", _legs, ()),
        _f("securities", _before(rules.security_keys, _table(_record(_m.Security))), factory=dict),
        _f("dividend", _records(_m.Dividend), ()),
        _f("source", _records(_m.Source), ()),
        _f("conditions", _records(_m.Condition), ()),
        _f("events", _records(_m.Event), ()),
        _f("vote", _optional(_record(_m.Vote))),
        _f("revisions", _records(_m.Revision), ()),
        _f("costs", _optional(_record(_costs.Costs))),
        _f("notes", _opt_text),
    ],
    rules.deal_consistent,
)


def _build(cls: type[R], data: Any) -> R:
    if type(data) is not dict:
        raise _UNSURE
    spec = SPECS[cls]
    by_key = spec.by_key
    values = spec.template.copy()
    required = 0
    for key, value in data.items():
        f = by_key.get(key)
        if f is None:  # an unknown key
            raise _UNSURE
        values[f.name] = f.check(value)
        required += f.required
    if required != spec.required:  # one missing (no required field has an alias to be given twice)
        raise _UNSURE
    for name, alias in spec.dual:
        if name in data and alias in data:  # both spellings: pydantic's choice, not ours
            raise _UNSURE
    for name, factory in spec.factories:
        if values[name] is _FRESH:
            values[name] = factory()
    record = object.__new__(cls)
    object.__setattr__(record, "__dict__", values)
    if spec.rule is not None:
        try:
            spec.rule(record)
        except rules.Problem:
            raise _UNSURE from None
    return record


def quick(cls: type[R], data: Any) -> R | None:
    """``data`` (as a TOML file holds it) as a ``cls`` record, or None unless it is certainly valid.

    None leaves the verdict to pydantic (:func:`arb.schema.validate`), which names every problem.
    """
    try:
        return _build(cls, data)
    except (_Unsure, RecursionError):
        return None


def validate(cls: type[R], data: Any, *, plain: bool = False) -> R:
    """``data`` checked into a ``cls`` record: by :func:`quick`, else by pydantic (:func:`arb.schema.validate`).

    ``plain`` says ``data`` holds no records (data just read from a file); otherwise records in
    it are checked again as the tables a file would hold. Raises pydantic's ``ValidationError``.
    """
    if isinstance(data, cls):
        return data
    if not plain:
        data = to_plain(data)
    record = quick(cls, data)
    if record is not None:
        return record
    from arb.schema import validate as check_with_pydantic

    return check_with_pydantic(cls, data, plain=True)


def to_plain(data: Any) -> Any:
    """Records in ``data`` as the mappings a file would hold (keyed by alias)."""
    if isinstance(data, Record):
        return data.model_dump(by_alias=True)
    if isinstance(data, dict):
        return {k: to_plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(to_plain(v) for v in data)
    return data

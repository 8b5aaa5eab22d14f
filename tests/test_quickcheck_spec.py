"""Each field of arb.quickcheck's specs against the same field of the pydantic model in arb.schema.

arb.quickcheck checks a file without pydantic and must never accept what pydantic refuses. Here
every field is held to its model's: the same names, keys (aliases), required fields and defaults,
and, value by value over a pool of awkward values around the field's own bounds, the same verdict
as pydantic's type and constraints (``TypeAdapter`` of the field's annotation and metadata). A
value the fast check accepts must be accepted by pydantic as the same value of the same type; a
value pydantic accepts in a strictly typed field (numbers, dates, text) must not be refused by the
fast check either, or valid files would be sent to pydantic for nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, get_args

import pytest
from annotated_types import Ge, Gt, Le, Lt
from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from arb import quickcheck
from arb.quickcheck import SPECS
from arb.schema import SCHEMAS

# Field validators of the models (rules of arb.rules): pydantic's TypeAdapter of the annotation
# does not run them, so the value a rule normalises (a currency upper-cased) is not compared.
_RULED = {"currency", "value_currency", "ticker", "proxy", "security", "collar", "ratio_bounds", "id"}
# Fields whose value is read before the type check by a rule (upper-cased keys, security keys, leg count).
_BEFORE = {"funding_rate", "borrow_fee", "rebate", "stamp_duty", "levies", "securities", "consideration"}


def _bounds(info: FieldInfo) -> list[float]:
    """Every bound in a field's metadata and in the Annotated types inside its annotation."""
    found: list[Any] = list(info.metadata)
    stack = [info.annotation]
    while stack:
        ann = stack.pop()
        for arg in get_args(ann):
            if isinstance(arg, FieldInfo):
                found += arg.metadata
            elif not isinstance(arg, (str, int, float)):
                stack.append(arg)
        found += getattr(ann, "__metadata__", ())
    out: list[float] = []
    for m in found:
        for kind, attr in ((Gt, "gt"), (Ge, "ge"), (Lt, "lt"), (Le, "le")):
            if isinstance(m, kind):
                out.append(float(getattr(m, attr)))
    return out


def _pool(bounds: list[float]) -> list[Any]:
    values: list[Any] = [0, 1, -1, 0.0, -0.0, 0.5, 1.0, 2.0, 250, 251, 10**15, 10**15 + 1, 10**400]
    values += [1e9, 1e9 + 1]
    values += [math.nan, math.inf, -math.inf, True, False, "1", "", "x", None, dt.date(2025, 1, 1)]
    values += [
        dt.datetime(2025, 1, 1),
        [1.0, 2.0],
        (1, 2),
        [2.0, 1.0],
        [],
        {},
        {"HKD": 0.1},
        "cash",
        "pending",
        "HKD",
        "usd",
    ]
    for b in bounds:
        values += [b, math.nextafter(b, math.inf), math.nextafter(b, -math.inf)]
        if b.is_integer() and abs(b) < 1e16:
            values += [int(b), int(b) + 1, int(b) - 1]
    return values


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return repr(a) == repr(b)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


_CASES = [(cls, name) for cls, spec in SPECS.items() for name in (f.name for f in spec.fields)]


def test_every_model_has_a_spec_with_its_fields_keys_and_defaults() -> None:
    assert set(SPECS) == set(SCHEMAS)
    for cls, spec in SPECS.items():
        model = SCHEMAS[cls]
        assert [f.name for f in spec.fields] == list(model.model_fields) == list(cls._fields), cls
        for f in spec.fields:
            info = model.model_fields[f.name]
            assert f.alias == (info.alias or f.name), (cls, f.name)
            assert f.required == info.is_required(), (cls, f.name)
            if not f.required:
                default = info.get_default(call_default_factory=True)
                made = f.factory() if f.factory is not None else f.default
                assert _same(made, default), (cls, f.name, made, default)


@pytest.mark.parametrize(("cls", "name"), _CASES, ids=[f"{c.__name__}.{n}" for c, n in _CASES])
def test_each_field_accepts_only_what_pydantic_accepts(cls: type, name: str) -> None:
    if name in _BEFORE:
        pytest.skip("read by a rule before its type: covered by tests/test_quickcheck.py")
    info = SCHEMAS[cls].model_fields[name]
    check = next(f.check for f in SPECS[cls].fields if f.name == name)
    ann = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    adapter: TypeAdapter[Any] = TypeAdapter(ann)
    strict_scalar = any(t in (float, int, dt.date, str) for t in _leaf_types(info.annotation))
    fast_accepted = 0
    for value in _pool(_bounds(info)):
        try:
            fast = check(value)
            fast_ok = True
        except quickcheck._Unsure:
            fast_ok = False
        try:
            slow = adapter.validate_python(value)
            slow_ok = True
        except ValidationError:
            slow_ok = False
        if fast_ok:
            fast_accepted += 1
            assert slow_ok, f"{cls.__name__}.{name}: the fast check accepted {value!r}, pydantic refuses it"
            if name not in _RULED and not hasattr(slow, "__pydantic_fields__") and not _has_models(slow):
                assert _same(fast, slow), f"{cls.__name__}.{name}: {value!r} read as {fast!r}, pydantic {slow!r}"
        elif slow_ok and strict_scalar and name not in _RULED and not isinstance(slow, bool):
            pytest.fail(f"{cls.__name__}.{name}: pydantic accepts {value!r}, the fast check sends it to pydantic")
    if strict_scalar:
        assert fast_accepted, f"{cls.__name__}.{name}: the pool holds no value the fast check accepts"


def _leaf_types(ann: Any) -> set[Any]:
    out: set[Any] = set()
    stack = [ann]
    while stack:
        a = stack.pop()
        args = get_args(a)
        if getattr(a, "__metadata__", None) is not None:
            stack.append(args[0])
        elif args and not all(isinstance(x, str) for x in args):
            stack += [x for x in args if not isinstance(x, FieldInfo)]
        else:
            out.add(a)
    return out


def _has_models(value: Any) -> bool:
    if isinstance(value, (tuple, list)):
        return any(_has_models(v) for v in value)
    if isinstance(value, dict):
        return any(_has_models(v) for v in value.values())
    return hasattr(value, "__pydantic_fields__")

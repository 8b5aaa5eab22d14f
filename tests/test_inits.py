"""Hand-written ``__init__``s of dataclasses set every field from its own argument.

Several value records declare ``@dataclass(init=False)`` and write their ``__init__`` out (it is
made once per deal or per price row, and the generated one was slower). There a field the
``__init__`` forgets keeps its class default without a word, and two crossed assignments give
each field the other's value. Each such class is built here with one distinct sentinel per
argument, and every field read back must be that argument's sentinel.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import re
from pathlib import Path
from typing import Any

import pytest

import arb

_ARB = Path(arb.__file__).parent
#: A dataclass decorator that leaves out the generated __init__, with or without other options.
_NO_INIT = re.compile(r"^@dataclass\([^)]*\binit=False\b", re.MULTILINE)


def _modules_with_own_inits() -> list[str]:
    """Every arb module that declares a dataclass without the generated ``__init__``."""
    out = []
    for path in sorted(_ARB.rglob("*.py")):
        if _NO_INIT.search(path.read_text(encoding="utf-8")):
            parts = path.relative_to(_ARB.parent).with_suffix("").parts
            out.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return out


def _classes() -> list[type]:
    """The dataclasses in those modules that take ``init=False`` and write their own ``__init__``."""
    found = []
    for name in _modules_with_own_inits():
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and obj.__module__ == name
                and dataclasses.is_dataclass(obj)
                and not obj.__dataclass_params__.init
                and "__init__" in obj.__dict__
            ):
                found.append(obj)
    return found


CLASSES = _classes()


def test_the_classes_under_test_are_found() -> None:
    # The search must see the classes the review named; a rename or a move must not empty it.
    names = {c.__qualname__ for c in CLASSES}
    assert {"DealResult", "LegInfo", "DealInfo", "CalendarEntry", "Quote"} <= names, names


class _Sentinel:
    """A value no default equals, named for the argument it was passed as."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<sentinel for {self.name}>"


def _params(cls: type) -> list[inspect.Parameter]:
    return list(inspect.signature(cls.__init__).parameters.values())[1:]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__qualname__)
@pytest.mark.parametrize("by_name", [False, True], ids=["positional", "keywords"])
def test_every_field_holds_its_own_argument(cls: type, by_name: bool) -> None:
    params = _params(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    # One argument per field: a field with no argument could only ever hold its default.
    assert sorted(p.name for p in params) == sorted(names), cls
    sentinels = {p.name: _Sentinel(p.name) for p in params}
    made = cls(**sentinels) if by_name else cls(*sentinels.values())
    got = {name: getattr(made, name) for name in names}
    wrong = {name: value for name, value in got.items() if value is not sentinels[name]}
    assert not wrong, f"{cls.__qualname__}: fields not set from their own argument: {wrong}"


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    assert f.default_factory is not dataclasses.MISSING
    return f.default_factory()


def _same(a: Any, b: Any) -> bool:
    return (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)) or (
        type(a) is type(b) and a == b
    )


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__qualname__)
def test_fields_left_out_take_the_dataclass_defaults(cls: type) -> None:
    required = [p.name for p in _params(cls) if p.default is inspect.Parameter.empty]
    sentinels = {name: _Sentinel(name) for name in required}
    made = cls(**sentinels)
    for f in dataclasses.fields(cls):
        got = getattr(made, f.name)
        if f.name in sentinels:
            assert got is sentinels[f.name], f.name
        else:
            assert _same(got, _default(f)), f"{cls.__qualname__}.{f.name}: {got!r}, not {_default(f)!r}"
    # A container made by a default factory is the instance's own, not shared with the next one.
    again = cls(**sentinels)
    for f in dataclasses.fields(cls):
        if f.default_factory is not dataclasses.MISSING:
            assert getattr(made, f.name) is not getattr(again, f.name), f.name

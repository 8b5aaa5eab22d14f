"""Command-line values converted without pydantic, for the plain types arb's options use.

typer 0.29 converts every non-flag parameter through a pydantic ``TypeAdapter``
(``typer._coercion.build_runtime_param``), so any command with an option imports pydantic,
about 100 ms of a fresh process that ``arb history`` otherwise never needs. This door converts
the plain cases itself: ``str``, ``int``, ``float``, ``bool`` and ``Path`` (and lists of them),
with no parser, no clamping and no path type of their own, when the value is spelled the plain
way (``30``, ``-1.5e3``, a path). Anything else goes to typer's own converter: another type, an
unusual spelling (``1_000``, `` 5``, ``inf``), a number out of its range, a bad value. So an
error reads exactly as typer words it, and a value converted here equals the one typer would
have given (tests compare the two).

typer's conversion is internal, so every piece this relies on is checked when the module is
imported (``AVAILABLE``); when one is missing or changed, arb uses typer's path unchanged: a
typer upgrade can make a command slower, never give it a different value.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args, get_origin

__all__ = ["AVAILABLE", "plain_converter", "runtime_param"]

try:
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer._param_types import coerce_cli_path
    from typer.core import _TyperParameter
except ImportError:  # another typer: its own conversion, with pydantic
    AVAILABLE = False
else:
    AVAILABLE = (
        callable(getattr(_TyperParameter, "get_runtime_param", None))
        and dataclasses.is_dataclass(RuntimeParam)
        and [f.name for f in dataclasses.fields(RuntimeParam)] == ["parameter_info", "annotation"]
        and callable(getattr(RuntimeParam, "coerce", None))
        and "_coerce_value" in getattr(RuntimeParam, "__abstractmethods__", ())
        and {"value", "parameter_info", "path_type", "param", "ctx"}
        <= set(inspect.signature(coerce_cli_path).parameters)
    )

#: The spellings converted here; every other one is typer's to convert or to refuse.
_INT = re.compile(r"[+-]?[0-9]{1,18}")
_FLOAT = re.compile(r"[+-]?(?:[0-9]{1,30}\.?[0-9]{0,30}|\.[0-9]{1,30})(?:[eE][+-]?[0-9]{1,3})?")
#: A path option left as typer makes it: no existence check, no resolving, no dash, no path type.
_PLAIN_PATH = {
    "exists": False,
    "file_okay": True,
    "dir_okay": True,
    "writable": False,
    "readable": True,
    "resolve_path": False,
    "allow_dash": False,
    "path_type": None,
}

_TYPER = object()  # "not a plain case: typer converts this value"

Leaf = Callable[[Any, Any, Any], Any]


def _number(kind: type, info: Any) -> Leaf | None:
    low, high = info.min, info.max
    pattern = _INT if kind is int else _FLOAT

    def convert(value: Any, param: Any, ctx: Any) -> Any:
        if type(value) is kind:
            number = value
        elif type(value) is str and pattern.fullmatch(value):
            number = kind(value)
        else:
            return _TYPER
        if number != number or number in (float("inf"), float("-inf")):
            return _TYPER
        if (low is not None and number < low) or (high is not None and number > high):
            return _TYPER  # typer words the range error
        return number

    return convert


def _text(value: Any, param: Any, ctx: Any) -> Any:
    return value if type(value) is str else _TYPER


def _flag(value: Any, param: Any, ctx: Any) -> Any:
    return value if type(value) is bool else _TYPER


def _path(info: Any) -> Leaf | None:
    if any(getattr(info, k, not v) != v for k, v in _PLAIN_PATH.items()):
        return None

    def convert(value: Any, param: Any, ctx: Any) -> Any:
        if type(value) is str and "\0" not in value:
            value = Path(value)  # what typer's pydantic step makes of a string
        elif not isinstance(value, Path):
            return _TYPER
        # typer's own checks from here (readable, a file or a folder), with the Path already made
        return coerce_cli_path(value, info, path_type=Path, param=param, ctx=ctx)

    return convert


def _leaf(annotation: Any, info: Any) -> Leaf | None:
    if annotation is str:
        return _text
    if annotation is bool:
        return _flag
    if annotation is int or annotation is float:
        return _number(annotation, info)
    if annotation is Path:
        return _path(info)
    return None


def plain_converter(annotation: Any, info: Any) -> Leaf | None:
    """A converter for ``annotation`` with typer's ``ParameterInfo`` ``info``; None when typer must convert.

    The converter returns the value, or ``_TYPER`` when this value is for typer to convert.
    """
    if getattr(info, "parser", None) is not None or getattr(info, "clamp", True):
        return None
    if get_origin(annotation) is list:
        args = get_args(annotation)
        item = _leaf(args[0], info) if len(args) == 1 else None
        if item is None:
            return None

        def convert_list(value: Any, param: Any, ctx: Any) -> Any:
            values = list(value) if isinstance(value, (list, tuple)) else [value]
            out = [item(v, param, ctx) for v in values]
            return _TYPER if any(v is _TYPER for v in out) else out

        return convert_list
    return _leaf(annotation, info)


if AVAILABLE:

    @dataclasses.dataclass(frozen=True)
    class _PlainRuntimeParam(RuntimeParam):
        """typer's runtime conversion contract, served by a plain converter with typer's as fallback."""

        convert: Leaf
        fallback: list[Any] = dataclasses.field(default_factory=list)  # typer's own, built on first use

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            out = self.convert(value, param, ctx)
            if out is not _TYPER:
                return out
            if not self.fallback:
                self.fallback.append(build_runtime_param(param.type_descriptor))
            return self.fallback[0]._coerce_value(value, param=param, ctx=ctx)


def runtime_param(param: Any) -> Any | None:
    """typer's runtime converter for ``param`` served the plain way; None when typer's own must serve it."""
    if not AVAILABLE:
        return None
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(descriptor, "file_annotation", None) is not None:
        return None
    convert = plain_converter(descriptor.annotation, descriptor.parameter_info)
    if convert is None:
        return None
    info = descriptor.parameter_info
    return _PlainRuntimeParam(parameter_info=info, annotation=descriptor.annotation, convert=convert)

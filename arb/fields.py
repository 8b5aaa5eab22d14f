"""Dataclasses without the code ``@dataclass`` compiles at import.

``@dataclass`` writes an ``__init__``, ``__repr__`` and ``__eq__`` (and for a frozen class
``__setattr__``, ``__delattr__`` and ``__hash__``) as source text for each class and compiles it
while the module is imported: a few tenths of a millisecond a class, in every fresh process, and
the valuation path has a dozen such classes. The bases here hold those methods written once.

A class declares its fields as before and takes ``@dataclass(init=False, repr=False, eq=False)``
with one of these bases: :func:`dataclasses.fields`, :func:`~dataclasses.replace` and
:func:`~dataclasses.asdict` work as before, and so do the repr, the equality and the hash of the
base chosen. A class made once per deal writes its own ``__init__`` (the generic one here reads
the fields on every call); the others take their arguments as a dataclass's ``__init__`` does.
"""

from __future__ import annotations

from dataclasses import MISSING, FrozenInstanceError, fields
from typing import Any

__all__ = ["Fields", "FrozenFields", "FrozenValueFields", "ValueFields"]


class Fields:
    """``__init__`` and ``__repr__`` as a dataclass has them; equality is identity.

    For classes that hold numpy arrays (which compare element by element, so a dataclass's
    ``__eq__`` raised on them) or are compared by nobody. The arguments are taken as a dataclass's
    ``__init__`` takes them: positional in field order, then by name, defaults for the rest.
    """

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        specs = fields(self)  # type: ignore[arg-type]
        name = type(self).__name__
        if len(args) > len(specs):
            raise TypeError(f"{name}() takes {len(specs)} arguments, {len(args)} given")
        values = {f.name: v for f, v in zip(specs, args, strict=False)}
        for key, v in kwargs.items():
            if key in values:
                raise TypeError(f"{name}() got multiple values for {key!r}")
            values[key] = v
        for f in specs:
            if f.name in values:
                value = values.pop(f.name)
            elif f.default is not MISSING:
                value = f.default
            elif f.default_factory is not MISSING:
                value = f.default_factory()
            else:
                raise TypeError(f"{name}() missing the argument {f.name!r}")
            object.__setattr__(self, f.name, value)
        if values:
            raise TypeError(f"{name}() got an unexpected argument {next(iter(values))!r}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))  # type: ignore[arg-type]

    def __repr__(self) -> str:
        inner = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))  # type: ignore[arg-type]
        return f"{type(self).__qualname__}({inner})"


class ValueFields(Fields):
    """:class:`Fields` equal when their class and fields are, unhashable (a dataclass with ``eq``)."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()


class FrozenFields(Fields):
    """:class:`Fields` whose fields cannot be assigned once made (``frozen=True``); equality is identity."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


class FrozenValueFields(FrozenFields):
    """Frozen, equal when their class and fields are, hashed by the fields (``frozen=True`` with ``eq``)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

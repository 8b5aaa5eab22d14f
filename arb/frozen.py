"""Frozen records: the plain classes a checked deal is made of, with no pydantic at run time.

A deal file is checked once, and what comes out is these records: a valid file by the
pydantic-free fast path of :mod:`arb.quickcheck`, anything else by the pydantic models of
:mod:`arb.schema`, which name every problem (:func:`arb.quickcheck.validate` tries the one, then
the other). Everything after that (pricing, the report, the deal cache's pickles) works on the
records, so a command whose deal files are valid never imports pydantic (100-170 ms of a fresh
process).

A record keeps the part of pydantic's model API that arb and its notebooks use, with the same
meaning: ``Cls(**data)`` and ``Cls.model_validate(data)`` check ``data`` (and raise pydantic's
``ValidationError``); ``model_copy(update=...)`` makes a changed copy without checking it, as
pydantic's does; ``model_dump(mode=..., include=..., exclude=..., by_alias=..., exclude_none=...)``
and ``model_dump_json`` give the same dicts and JSON. Records are frozen (assigning a field raises
:class:`FrozenRecordError`), compare equal when their class and fields are, and pickle as plain
objects. A field that holds a dict (a deal's ``securities``, a ``Costs`` table) is not frozen by
Python: change a record only through ``model_copy``, never in place, or a value worked out from
its fields and kept (:meth:`Record._memo`, the terms hash) no longer matches them.

A record class declares its fields as annotations, in the order of its schema model; the schema
model adds each field's checks. ``tests/test_frozen.py`` holds the two to the same names,
types, defaults and aliases.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import json
from collections.abc import Callable, Collection, Mapping
from typing import Any, ClassVar, Literal, TypeVar

__all__ = ["FrozenRecordError", "Record"]

R = TypeVar("R", bound="Record")
T = TypeVar("T")


class FrozenRecordError(AttributeError):
    """A field of a frozen record was assigned or deleted."""


class Record:
    """The base of the frozen records (see the module's docstring)."""

    #: The fields, in declaration order (set for each subclass from its annotations).
    _fields: ClassVar[tuple[str, ...]] = ()
    #: Field name -> the key a file writes it as (``conditions`` -> ``condition``).
    _aliases: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = [
            name
            for name, ann in inspect.get_annotations(cls).items()
            if not str(ann).startswith(("ClassVar", "typing.ClassVar"))
        ]
        cls._fields = tuple(dict.fromkeys([*cls._fields, *own]))

    def __init__(self, **data: Any) -> None:
        checked = type(self).model_validate(data)
        self.__dict__.update(checked.__dict__)

    @classmethod
    def model_validate(cls: type[R], data: Any) -> R:
        """``data`` (a mapping as a deal file holds it, or a record) checked into a record of this class."""
        from arb.quickcheck import validate

        return validate(cls, data)

    @classmethod
    def _trusted(cls: type[R], **values: Any) -> R:
        """A record of ``values`` not checked, for a table written in arb's own code (its tests check it)."""
        obj = object.__new__(cls)
        for name in cls._fields:
            obj.__dict__[name] = values.pop(name) if name in values else getattr(cls, name)
        if values:
            raise TypeError(f"{cls.__name__} has no field {sorted(values)[0]!r}")
        return obj

    def model_copy(self: R, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> R:
        """A copy with the fields in ``update`` replaced (not checked, as pydantic's ``model_copy``).

        Values worked out from the fields and kept (:meth:`_memo`) are not copied.
        """
        fields = self.__dict__
        values = {name: fields[name] for name in self._fields}
        if deep:
            values = copy.deepcopy(values)
        if update:
            unknown = [name for name in update if name not in self._fields]
            if unknown:
                raise ValueError(
                    f"{type(self).__name__} has no field {unknown[0]!r}; its fields: {', '.join(self._fields)}"
                )
            values.update(update)
        new = object.__new__(type(self))
        new.__dict__.update(values)
        return new

    def model_dump(
        self,
        *,
        mode: Literal["python", "json"] | str = "python",
        include: Collection[str] | None = None,
        exclude: Collection[str] | None = None,
        by_alias: bool = False,
        exclude_none: bool = False,
    ) -> dict[str, Any]:
        """The fields as a dict, nested records as dicts (``mode="json"``: dates as ISO text, tuples as lists).

        ``include`` and ``exclude`` name fields of this record; ``exclude_none`` leaves out None
        fields at every level; ``by_alias`` keys a field by the name a file writes it as.
        """
        if mode not in ("python", "json"):
            raise ValueError(f"mode must be 'python' or 'json', not {mode!r}")
        as_json = mode == "json"
        if include is None and exclude is None:
            return _dump_record(self, as_json, by_alias, exclude_none)
        out: dict[str, Any] = {}
        for name in self._fields:
            if (include is not None and name not in include) or (exclude is not None and name in exclude):
                continue
            value = self.__dict__[name]
            if exclude_none and value is None:
                continue
            out[self._aliases.get(name, name) if by_alias else name] = _dump(value, as_json, by_alias, exclude_none)
        return out

    def model_dump_json(self, *, indent: int | None = None, **kwargs: Any) -> str:
        """:meth:`model_dump` in JSON mode, as JSON text (compact unless ``indent`` is given)."""
        data = self.model_dump(mode="json", **kwargs)
        separators = (",", ":") if indent is None else None
        return json.dumps(data, indent=indent, ensure_ascii=False, separators=separators)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenRecordError(
            f"{type(self).__name__} is frozen: make a changed copy with model_copy(update={{{name!r}: ...}})"
        )

    def __delattr__(self, name: str) -> None:
        raise FrozenRecordError(f"{type(self).__name__} is frozen: its field {name!r} cannot be deleted")

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickling: the fields (and kept values) put back as they were pickled (a fifth faster
        than pickle's own way, for the deals a helper or the deal cache gives back)."""
        self.__dict__.update(state)

    def _memo(self, key: str, work: Callable[[], T]) -> T:
        """``work()``, a value worked out from the fields alone, kept under ``key`` (a name starting with
        ``_``) after the first call; a pickled record keeps it too. Records are frozen, so it stays true;
        ``model_copy`` leaves it behind.
        """
        kept = self.__dict__.get(key)
        if kept is None:
            kept = self.__dict__[key] = work()
        return kept

    def _values(self) -> tuple[Any, ...]:
        fields = self.__dict__
        return tuple(fields[name] for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__qualname__, *self._values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={self.__dict__[name]!r}" for name in self._fields)
        return f"{type(self).__name__}({fields})"


#: Values a dump gives as they are (in either mode).
_PLAIN = frozenset({str, float, int, bool, type(None)})


def _dump_record(record: Record, as_json: bool, by_alias: bool, exclude_none: bool) -> dict[str, Any]:
    fields = record.__dict__
    aliases = record._aliases if by_alias else {}
    out: dict[str, Any] = {}
    for name in record._fields:
        value = fields[name]
        if value is None and exclude_none:
            continue
        key = aliases.get(name, name) if aliases else name
        out[key] = value if type(value) in _PLAIN else _dump(value, as_json, by_alias, exclude_none)
    return out


def _dump(value: Any, as_json: bool, by_alias: bool, exclude_none: bool) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Record):
        return _dump_record(value, as_json, by_alias, exclude_none)
    if isinstance(value, tuple):
        items = [_dump(v, as_json, by_alias, exclude_none) for v in value]
        return items if as_json else tuple(items)
    if isinstance(value, dict):
        return {k: _dump(v, as_json, by_alias, exclude_none) for k, v in value.items()}
    if as_json and isinstance(value, dt.date):
        return value.isoformat()
    return value

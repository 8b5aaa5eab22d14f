"""The one door for machine-readable listings: ``--json``, ``--csv`` and ``--nl`` with the same columns.

Every listing command (``report``, ``history``, ``calendar``, ``watch list``) hands its records
and its column names to :func:`emit`; each format then carries exactly those columns, in that
order. JSON and NDJSON keep nested values (lists, mappings) as they are; CSV flattens them
(a list of plain values joined with ``;``, a mapping of plain values as ``key=value;...``,
anything deeper as compact JSON) and writes floats without binary noise (:func:`csv_number`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any

import typer

from arb.cli.common import print_csv, print_json, print_json_lines
from arb.text import json_text

__all__ = ["CsvOpt", "JsonOpt", "NlOpt", "choose", "columns_of", "csv_cell", "csv_number", "emit"]

#: Significant digits a CSV float keeps. Binary noise sits at the 16th-17th digit
#: (1.5999999999999943 for 1.6); 12 keeps every figure a price, ratio or rate really has.
CSV_DIGITS = 12

JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON array.")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV: the same columns as --json, nested values flattened.")]
NlOpt = Annotated[bool, typer.Option("--nl", help="Print one JSON object per line (NDJSON).")]


def choose(json_out: bool, csv_out: bool, nl_out: bool) -> str | None:
    """The format asked for (``json``, ``csv``, ``nl``), None for the table; more than one is an error."""
    asked = [name for name, on in (("json", json_out), ("csv", csv_out), ("nl", nl_out)) if on]
    if len(asked) > 1:
        raise typer.BadParameter("choose one of --json, --csv and --nl", param_hint="--json/--csv/--nl")
    return asked[0] if asked else None


def csv_number(x: float) -> str:
    """A float as CSV text: its shortest form after rounding to 12 significant digits.

    ``1.5999999999999943`` -> ``1.6``; ``0.123456789012345`` -> ``0.123456789012``;
    ``1e-15`` stays ``1e-15`` (significant digits, not decimals, so small figures keep theirs);
    ``65.0`` stays ``65.0`` (Python's shortest repr, so a float column never reads as integers).
    Non-finite values are written empty: a CSV cell has no agreed spelling for them.
    """
    if not math.isfinite(x):
        return ""
    return repr(float(f"{x:.{CSV_DIGITS}g}"))  # a float stays a float: 65.0, not 65


def _plain(value: Any) -> str:
    if isinstance(value, bool):  # as the csv module has always written them here
        return "True" if value else "False"
    if isinstance(value, float):
        return csv_number(value)
    return str(value)


def _flat(value: Any, marks: str) -> bool:
    """Whether ``value`` is a plain value whose text holds none of ``marks`` (so a join stays readable back)."""
    if value is None or isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and not any(m in value for m in marks)


def csv_cell(value: Any) -> str:
    """One CSV cell: empty for None, nested values flattened (``print_csv`` escapes the text).

    A list joins with ``;`` and a mapping as ``key=value;...`` only when no item holds a ``;``
    (or ``=`` in a key), so the join can be split back; otherwise the cell is compact JSON.
    """
    if value is None:
        return ""
    if isinstance(value, Mapping):
        if all(_flat(k, ";=") and _flat(v, ";") for k, v in value.items()):
            return ";".join(f"{_plain(k)}={'' if v is None else _plain(v)}" for k, v in value.items())
        return json_text(dict(value), indent=None)
    if isinstance(value, (list, tuple)):
        if all(_flat(v, ";") for v in value):
            return ";".join("" if v is None else _plain(v) for v in value)
        return json_text(list(value), indent=None)
    return _plain(value)


def columns_of(records: Iterable[Mapping[str, Any]], declared: Sequence[str] = ()) -> list[str]:
    """The declared columns, then any other key the records carry, in the order first seen."""
    cols = list(declared)
    seen = set(cols)
    for rec in records:
        for key in rec:
            if key not in seen:
                seen.add(key)
                cols.append(key)
    return cols


def emit(records: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: str) -> None:
    """Print ``records`` in ``fmt`` (``json``, ``csv`` or ``nl``), each with exactly ``columns``.

    A column a record lacks is null in JSON and empty in CSV, so the three formats agree on
    the columns whatever the records hold.
    """
    rows = [{c: rec.get(c) for c in columns} for rec in records]
    if fmt == "json":
        print_json(rows)
    elif fmt == "nl":
        print_json_lines(rows)
    elif fmt == "csv":
        print_csv(columns, [[csv_cell(row[c]) for c in columns] for row in rows])
    else:
        raise ValueError(f"unknown listing format {fmt!r}")

"""The one way items of a file are numbered: from 1, in the order the file lists them.

A deal file lists its legs, events, conditions, revisions, dividends and sources as arrays of
tables (``[[consideration]]``, ``[[event]]``...), a watchlist its ``[[watch]]`` entries. Every
message, view and key path names such an item by its count from 1 in file order: the second
``[[consideration]]`` table is ``leg 2`` in prose (``arb show``, flag notes, the HTML view) and
``consideration #2`` in a key path (``consideration #2.ratio``, ``revision #1.consideration #2.ratio``).

The ``#`` says "the n-th", not a list index: ``consideration[1]`` reads as the second leg to a
programmer and as the first to everyone else, so that form is never written.

Code keeps 0-based indices (``LegInfo.index``, ``enumerate``); they become numbers only here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["item_key", "key_path", "leg_label", "legs_label", "number"]


def number(index: int) -> int:
    """The number a listed item (a leg, an event...) is shown with: ``index`` (0-based) plus one."""
    return index + 1


def leg_label(index: int) -> str:
    """``leg 2`` for the second ``[[consideration]]`` table (``index`` 1)."""
    return f"leg {number(index)}"


def legs_label(indices: Sequence[int]) -> str:
    """``leg 2`` or ``legs 1, 3`` for 0-based ``indices``."""
    numbers = ", ".join(str(number(i)) for i in indices)
    return ("leg " if len(indices) == 1 else "legs ") + numbers


def item_key(name: str, index: int) -> str:
    """``event #3`` for the third ``[[event]]`` table (``index`` 2): an item in a key path."""
    return f"{name} #{number(index)}"


def key_path(loc: Sequence[int | str], shown: Callable[[str], str] = str) -> str:
    """A location in a file as one key path: ``("revision", 0, "consideration", 1, "ratio")`` is
    ``revision #1.consideration #2.ratio``.

    Integers are positions in an array (0-based in ``loc``, counted from 1 here); other parts are
    keys, each passed through ``shown`` (the loader shortens and escapes keys from the file).
    A leading position (an array at the top) is written ``#n``.
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f" #{number(part)}" if out else f"#{number(part)}"
        else:
            out += ("." if out else "") + shown(str(part))
    return out

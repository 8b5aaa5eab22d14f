"""One deadline for every fetch round of one valuation (or one command).

A valuation may ask its price source more than once: the listings and the FX pairs it can
guess, then the pairs that only the quotes' currencies reveal, or the inverse of a pair that
failed (:func:`arb.pricing.fetch_for`). A source with a time budget (``YahooSource(timeout=20)``)
must not grant each round the whole budget: against a network that accepts connections and
never answers, two rounds took 41.8 s on a 20 s ``--timeout``.

Inside ``with one_deadline():`` a source's budget is counted from its first fetch, and each
later fetch gets only what is left (:func:`deadline_for`). Outside it, each fetch gets the
whole budget, as before, so a source kept in a notebook still works on the next call. Scopes
nest: an inner scope joins the outer one, so a command can wrap several valuations in one.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

__all__ = ["deadline_for", "one_deadline", "shares_one_deadline"]

_P = ParamSpec("_P")
_R = TypeVar("_R")

#: Per budgeted source (by ``id``), the monotonic time its fetches must end by; None: no scope.
_SCOPE: ContextVar[dict[int, float] | None] = ContextVar("arb_fetch_deadline", default=None)


@contextlib.contextmanager
def one_deadline() -> Iterator[None]:
    """Fetches inside share one deadline per source, started by that source's first fetch."""
    if _SCOPE.get() is not None:
        yield  # join the enclosing scope: the command's deadline, not a new one
        return
    token = _SCOPE.set({})
    try:
        yield
    finally:
        _SCOPE.reset(token)


def shares_one_deadline(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run every call of ``func`` inside :func:`one_deadline` (for the function that schedules rounds)."""

    @functools.wraps(func)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with one_deadline():
            return func(*args, **kwargs)

    return call


def deadline_for(source: object, seconds: float, *, now: float | None = None) -> float:
    """The ``time.monotonic()`` value by which ``source``'s fetch must end.

    ``seconds`` after now outside a scope; inside one, ``seconds`` after this source's first
    fetch in the scope (so it may already have passed). The source must outlive the scope,
    which it does while a fetch holds it.
    """
    start = time.monotonic() if now is None else now
    scope = _SCOPE.get()
    if scope is None:
        return start + seconds
    return scope.setdefault(id(source), start + seconds)

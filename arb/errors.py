"""Every error ``arb`` raises on purpose. The CLI turns each into one line on stderr."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from arb.text import safe

__all__ = [
    "ArbError",
    "ConfigError",
    "DealFileError",
    "DuplicateDealError",
    "PriceFileError",
    "PriceSourceError",
    "UnknownDealError",
]


class ArbError(Exception):
    """Base of every error arb raises for bad input or missing data."""


class ConfigError(ArbError):
    """A setting in ``config.toml`` or an ``ARB_*`` variable that is wrong (``path`` None for a variable)."""

    def __init__(self, path: Path | str | None, key: str, problem: str) -> None:
        self.path = None if path is None else Path(path)
        self.key = key
        self.problem = problem
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(safe(where + (f"{key}: " if key else "") + problem))


class DealFileError(ArbError):
    """A deal file that cannot be read or does not describe a valid deal.

    ``problems`` holds every problem of the file as ``(key, problem)``, and :meth:`lines` gives
    one line for each (what ``arb validate`` prints). ``str()`` stays one line: the first problem
    and how many more the file has; ``key`` and ``problem`` are that line's key and text.
    """

    def __init__(self, path: Path | str, key: str, problem: str, more: Sequence[tuple[str, str]] = ()) -> None:
        self.path = Path(path)
        self.problems = [(key, problem), *more]
        if more:
            n = len(more)
            problem += f" (and {n} more problem{'s' if n != 1 else ''} in this file; `arb validate` lists each)"
        self.key = key
        self.problem = problem
        where = f"{self.path}: {key}: " if key else f"{self.path}: "
        super().__init__(safe(where + problem))  # one line, nothing a terminal obeys: see arb.text

    def lines(self) -> list[str]:
        """One line per problem, each naming the file and the key (escaped: see :func:`arb.text.safe`)."""
        return [safe(f"{self.path}: {k}: {p}" if k else f"{self.path}: {p}") for k, p in self.problems]


class DuplicateDealError(DealFileError):
    """Two deal files that use the same ``id``."""


class UnknownDealError(ArbError):
    """A deal id that none of the loaded deal files defines."""


class PriceFileError(ArbError):
    """A price file (CSV) that cannot be read, or a row in it that is wrong."""

    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}: " if line else f"{self.path}: "
        super().__init__(safe(where + problem))


class PriceSourceError(ArbError):
    """A price source that cannot be used at all (as opposed to one symbol it cannot price)."""

"""Every error ``arb`` raises on purpose. The CLI turns each into one line on stderr."""

from __future__ import annotations

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
    """A deal file that cannot be read or does not describe a valid deal."""

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        self.path = Path(path)
        self.key = key
        self.problem = problem
        where = f"{self.path}: {key}: " if key else f"{self.path}: "
        super().__init__(safe(where + problem))  # one line, nothing a terminal obeys: see arb.text


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

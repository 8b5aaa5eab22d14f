"""Where the bundled data lives, installed from a wheel or from a source checkout."""

from __future__ import annotations

from pathlib import Path

__all__ = ["seeds_dir", "snapshot_path"]


def seeds_dir() -> Path:
    """The bundled ``seeds/`` folder: inside the package in a wheel, at the repository top in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_seeds", here.parent / "seeds"):
        if (candidate / "prices.csv").is_file():
            return candidate
    raise FileNotFoundError("arb's bundled seeds/ folder is missing; reinstall arb (pip install --force-reinstall arb)")


def snapshot_path() -> Path:
    """The bundled price snapshot, ``seeds/prices.csv``."""
    return seeds_dir() / "prices.csv"

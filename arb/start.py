"""The ``arb`` console script (and ``python -m arb``): a helper forked early for a command that
reads deal files, then the command line (:func:`arb.cli.run`).

This module imports nothing of the command line's: the helper (:func:`arb.helperload.start_early`)
is forked while the process is still small, before typer and rich are imported.
"""

from __future__ import annotations

import sys
from typing import NoReturn

#: The commands that read deal files with a helper (:func:`arb.cli.common.start_load`). A wrong
#: list only costs speed: a command that reads no files stops the helper; one not listed forks
#: its helper once it knows its files.
READS_DEALS = frozenset({"report", "show", "validate", "calendar"})


def run() -> NoReturn:
    """The console script's entry point."""
    if len(sys.argv) > 1 and sys.argv[1] in READS_DEALS:
        from arb.helperload import start_early

        start_early(_prepare)
    from arb.cli import run as run_command

    run_command()


def _prepare() -> None:  # pragma: no cover - runs in the helper
    """The helper's imports (reading a deal file's), made while this process makes its own."""
    from arb.loader import _prepare as prepare

    prepare()

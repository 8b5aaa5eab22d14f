"""The ``arb`` command line: a thin layer over the library.

Library errors become one line on stderr and an exit status: 0 when every deal was valued,
1 when a deal could not be valued or an input was bad, 2 for usage errors.
"""

from __future__ import annotations

import typer

from arb.cli import calendar as _calendar
from arb.cli import config as _config
from arb.cli import extract as _extract
from arb.cli import history as _history
from arb.cli import refresh as _refresh
from arb.cli import report as _report
from arb.cli import store as _store
from arb.cli import watch as _watch

app = typer.Typer(
    name="arb",
    help="Merger arbitrage spreads: deal terms in TOML, prices from a snapshot, a file or Yahoo.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: rich-formatted help costs ~60 ms of imports on every `arb --help`.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("report")(_report.report)
app.command("show")(_report.show)
app.command("validate")(_report.validate)
app.command("extract")(_extract.extract)
app.command("refresh")(_refresh.refresh)
app.command("history")(_history.history)
app.command("calendar")(_calendar.calendar)
app.add_typer(_watch.app, name="watch")
app.add_typer(_store.app, name="store")
app.add_typer(_config.app, name="config")


def main() -> None:
    """Console-script entry point."""
    app()

"""render: the report table of 1,000 valued deals printed to a pipe, in process (issue 11).

Only the rendering is timed: the deals are loaded and valued once, before the clock starts, and
each run builds the table (cells, widths, the columns that fit) and prints it through the CLI's
own console to an in-memory file without colour, as a pipe sees it, at 120 and 80 columns. The
target is well under a tenth of a second: the whole ``arb report`` (bench_report) is measured
against ``arb --help``, and this is the part of it that was ~2 s with a rich Table.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from benchmarks.synthetic import AS_OF, synthetic_quotes, write_deal_files
from benchmarks.timing import Row, median_time

__all__ = ["TARGET_SECONDS", "run"]

TARGET_SECONDS = 0.1


def run(smoke: bool = False) -> list[Row]:
    from arb.book import symbols_for
    from arb.cli.common import SafeConsole
    from arb.cli.render import render_report
    from arb.loader import load_deals
    from arb.prices.base import MemorySource
    from arb.pricing import value_deals

    n = 50 if smoke else 1_000
    repeats = 1 if smoke else 15
    with tempfile.TemporaryDirectory(prefix="arb-bench-render-") as tmp:
        write_deal_files(Path(tmp), n)
        deals = load_deals([Path(tmp)]).deals
    valuation = value_deals(deals, MemorySource(synthetic_quotes(symbols_for(deals))), as_of=AS_OF)
    rows = []
    for width in (120, 80):
        printed: list[str] = []

        def render(width: int = width, printed: list[str] = printed) -> None:
            buf = io.StringIO()
            console = SafeConsole(file=buf, width=width, soft_wrap=False, color_system=None)
            console.print(render_report(valuation, width=width), crop=False)
            printed[:] = [buf.getvalue()]

        seconds = median_time(render, repeats)
        lines = printed[0].splitlines()
        shown = sum(1 for line in lines if "synthetic-" in line)
        if shown < n:
            raise AssertionError(f"the report showed {shown} of {n} deals at {width} columns")
        longest = max(len(line) for line in lines)
        rows.append(
            Row(
                "render",
                f"report table, {n:,} deals, piped at {width} columns, in process",
                seconds,
                "s",
                "" if smoke else f"< {TARGET_SECONDS:g} s",
                None if smoke else seconds < TARGET_SECONDS,
                repeats=repeats,
                note=f"median of {repeats}; {len(lines):,} lines, the longest {longest} characters",
                extra={"deals": n, "width": width, "lines": len(lines)},
            )
        )
    return rows

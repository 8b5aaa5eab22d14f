"""load: parse and validate 1,000 synthetic deal files (target < 1 s).

The reference is TOML parsing alone as the loader parses (:func:`arb.tomlread.loads`: rtoml where
it must give tomli's document, else tomli; no validation): a floor, not a rival, so the ratio says
how much of the time validation takes. The note gives tomli alone and the standard library's
``tomllib`` on the same files. A second row values the loaded deals end to
end (fetch from memory, compile the book, run the engine, shape the results); it has no target.
"""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path

from arb import tomlread
from arb.book import symbols_for
from arb.engine import value_book
from arb.loader import load_deals
from arb.prices.base import MemorySource
from arb.pricing import value_deals
from benchmarks.synthetic import AS_OF, synthetic_quotes, write_deal_files
from benchmarks.timing import Row, median_time

__all__ = ["run"]

TARGET_SECONDS = 1.0


def run(smoke: bool = False) -> list[Row]:
    n = 50 if smoke else 1_000
    repeats = 1 if smoke else 5
    with tempfile.TemporaryDirectory(prefix="arb-bench-load-") as tmp:
        folder = Path(tmp)
        paths = write_deal_files(folder, n)
        loaded = load_deals([folder])
        if loaded.errors or len(loaded.deals) != n:
            raise AssertionError(f"synthetic deal files failed to load: {loaded.errors[:3]}")
        t = median_time(lambda: load_deals([folder]), repeats)
        t_parse = median_time(lambda: [tomlread.loads(p.read_text(encoding="utf-8")) for p in paths], repeats)
        tomli = tomlread.reference()
        t_tomli = median_time(lambda: [tomli.loads(p.read_text(encoding="utf-8")) for p in paths], repeats)
        t_stdlib = median_time(lambda: [tomllib.loads(p.read_text(encoding="utf-8")) for p in paths], repeats)

    rows = [
        Row(
            "load",
            f"parse and validate {n:,} deal files",
            t,
            "s",
            f"< {TARGET_SECONDS:g} s" if not smoke else "",
            (t < TARGET_SECONDS) if not smoke else None,
            t_parse,
            "TOML parsing only (arb.tomlread; floor)",
            t_parse / t,
            repeats,
            note=(
                f"ratio < 1: the reference does less work; {tomli.__name__} alone takes {t_tomli * 1e3:.0f} ms, "
                f"the standard tomllib {t_stdlib * 1e3:.0f} ms"
            ),
            extra={"n_files": n, "tomli_s": t_tomli, "tomllib_s": t_stdlib},
        )
    ]

    deals = loaded.deals
    source = MemorySource(synthetic_quotes(symbols_for(deals)), label="synthetic")
    valuation = value_deals(deals, source, as_of=AS_OF)
    valued = sum(r.valued for r in valuation.results)
    if valued != n:
        raise AssertionError(f"only {valued} of {n} synthetic deals were valued")
    t_value = median_time(lambda: value_deals(deals, source, as_of=AS_OF), repeats)
    t_engine = median_time(
        lambda: value_book(valuation.book.legs, valuation.book.deals, valuation.book.dividends), repeats
    )
    rows.append(
        Row(
            "load",
            f"value the {n:,} loaded deals end to end",
            t_value,
            "s",
            reference=t_engine,
            reference_label="engine alone on the same book",
            ratio=t_engine / t_value,
            repeats=repeats,
            note="fetch + compile_book + engine + results; ratio = engine share",
            extra={"n_deals": n},
        )
    )
    return rows

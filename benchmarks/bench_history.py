"""history: a store of 1,000 deals x 10 years of daily valuations; ``arb history DEAL``; size on disk.

Target: ``arb history DEAL`` in < 0.1 s; report the store's size. The store is built the way
refreshes build it, then copied forward in SQL: one real :meth:`HistoryStore.record_refresh`
of the 1,000 synthetic deals (prices, every figure, the full JSON record), then one refresh per
weekday over ten years whose rows copy that one with the day's date and figures scaled a little.
So the rows have real sizes (the record JSON included) at a fraction of the build time.

Rows: the command as a user runs it (a fresh process: start-up included; the reference is
``arb --help``, the start-up floor), the same query and table rendered in-process, and the size.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.bench_startup import arb_command
from benchmarks.synthetic import AS_OF, synthetic_quotes, write_deal_files
from benchmarks.timing import NotAvailable, Row, median_time

__all__ = ["build_store", "run"]

TARGET_SECONDS = 0.1
YEARS = 10


def _weekdays(end: dt.date, years: int) -> list[dt.date]:
    start = end.replace(year=end.year - years)
    days = (start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5]


def build_store(folder: Path, n_deals: int, days: list[dt.date]) -> Path:
    """Write a history store of ``n_deals`` synthetic deals valued on each of ``days`` into ``folder``."""
    from arb.book import symbols_for
    from arb.loader import load_deals
    from arb.paths import STORE_NAME
    from arb.prices.base import MemorySource
    from arb.pricing import value_deals
    from arb.store import HistoryStore
    from arb.store.schema import METRICS

    write_deal_files(folder / "deals", n_deals)
    deals = load_deals([folder / "deals"]).deals
    source = MemorySource(synthetic_quotes(symbols_for(deals)), label="synthetic")
    last = days[-1]
    store = HistoryStore(folder / STORE_NAME)
    info = store.record_refresh(value_deals(deals, source, as_of=last), backfill=True)
    template = info.id
    moving = [m for m in METRICS if m not in ("days_to_close", "downside")]
    scaled = ", ".join(f"{m} * :k" for m in moving)
    fixed = ["name", "status", "currency", "target", "expected_close", "days_to_close", "downside"]
    cols = ", ".join(("refresh_id", "deal_id", "as_of", *fixed, *moving, "flags", "terms_hash", "record"))
    copy_valuations = (
        f"INSERT INTO valuations ({cols}) SELECT :rid, deal_id, :day, {', '.join(fixed)}, {scaled},"
        " flags, terms_hash, record FROM temp.template_valuations"
    )
    copy_prices = (
        "INSERT INTO prices (symbol, time, price, currency, source, origin, refresh_id)"
        " SELECT symbol, :day, price * :k, currency, source, origin, :rid FROM temp.template_prices"
    )
    with store.connect() as conn:
        # Build-time settings only; the finished file has the same schema, indexes and WAL mode.
        # One transaction with no journal and a cache that holds the indexes writes each index
        # page once; secondary indexes are rebuilt once at the end.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -3000000")
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'valuations' AND sql IS NOT NULL"
        ).fetchall()
        # The day's rows are copied from small temporary tables: selecting them out of the growing
        # tables by refresh_id would scan millions of rows a day (prices has no such index).
        conn.execute(
            "CREATE TEMP TABLE template_valuations AS SELECT * FROM valuations WHERE refresh_id = ?", (template,)
        )
        conn.execute("CREATE TEMP TABLE template_prices AS SELECT * FROM prices WHERE refresh_id = ?", (template,))
        conn.execute("BEGIN")
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        for i, day in enumerate(days[:-1]):
            text = day.isoformat()
            cur = conn.execute(
                "INSERT INTO refreshes (started, finished, as_of, source, backfill_of, n_deals, n_valued)"
                " VALUES (?, ?, ?, 'synthetic', ?, ?, ?)",
                (f"{text}T20:00:00+00:00", f"{text}T20:00:05+00:00", text, text, n_deals, n_deals),
            )
            params = {"rid": cur.lastrowid, "day": text, "k": 1.0 + 0.05 * math.sin(i / 40)}
            conn.execute(copy_valuations, params)
            conn.execute(copy_prices, params)
        for _, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
    return store.path


def _space_by_table(path: Path) -> dict[str, float]:
    """Share of the file each table and index takes, and the share the valuations' JSON record takes.

    Empty when this SQLite has no ``dbstat`` table.
    """
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        pages = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
        record = conn.execute("SELECT sum(length(record)) FROM valuations").fetchone()[0] or 0
    except sqlite3.Error:
        return {}
    finally:
        conn.close()
    total = sum(size for _, size in pages) or 1
    out = {name: size / total for name, size in pages}
    out["valuations.record (JSON)"] = record / total
    return out


def run(smoke: bool = False) -> list[Row]:
    try:
        from arb.cli.history import render_history
        from arb.store import HistoryStore
    except ImportError as exc:
        raise NotAvailable(f"the history store or `arb history` has not landed ({exc})") from None
    from rich.console import Console

    n_deals = 20 if smoke else 1_000
    days = _weekdays(AS_OF, 1 if smoke else YEARS)
    if smoke:
        days = days[-20:]
    repeats = 1 if smoke else 7
    deal = "synthetic-0001"
    with tempfile.TemporaryDirectory(prefix="arb-bench-history-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        path = build_store(folder, n_deals, days)
        t_build = time.perf_counter() - start
        size = sum(p.stat().st_size for p in folder.glob(path.name + "*"))
        store = HistoryStore(path, create=False)
        counts = store.counts()
        breakdown = _space_by_table(path)

        def in_process() -> str:
            rows = store.deal_history(deal)
            console = Console(file=io.StringIO(), width=100, color_system=None)
            console.print(render_history(deal, rows, last=30, width=100))
            return console.file.getvalue()  # type: ignore[attr-defined]

        shown = in_process()
        if "synthetic" not in shown:
            raise AssertionError("arb history rendered no rows for the synthetic deal")
        t_query = median_time(in_process, repeats)

        env = dict(os.environ, ARB_HOME=str(folder), NO_COLOR="1", COLUMNS="100")
        cmd = [*arb_command(), "history", deal]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            raise AssertionError(f"`arb history {deal}` failed: {proc.stderr[-300:]}")

        def command(args: list[str] = cmd) -> None:
            subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)

        t_cmd = median_time(command, repeats)
        t_help = median_time(lambda: command([*arb_command(), "--help"]), repeats)

    rows_per_deal = len(days)
    what = f"{n_deals:,} deals x {rows_per_deal:,} weekdays"
    return [
        Row(
            "history",
            f"arb history DEAL ({what}), fresh process",
            t_cmd,
            "s",
            "" if smoke else f"< {TARGET_SECONDS:g} s",
            None if smoke else t_cmd < TARGET_SECONDS,
            t_help,
            "arb --help (start-up floor)",
            t_help / t_cmd,
            repeats,
            note=f"{t_cmd - t_help:+.3f} s over start-up",
            extra={"deals": n_deals, "days": rows_per_deal},
        ),
        Row(
            "history",
            f"query + render {rows_per_deal:,} rows in-process",
            t_query,
            "s",
            "" if smoke else f"< {TARGET_SECONDS:g} s (excl. start-up)",
            None if smoke else t_query < TARGET_SECONDS,
            repeats=repeats,
            note="HistoryStore.deal_history + render_history, the work `arb history` does after start-up",
        ),
        Row(
            "history",
            f"store size on disk ({what})",
            size / 2**20,
            "MiB",
            "report",
            repeats=1,
            note=(
                f"{counts.get('valuations', 0):,} valuations, {counts.get('prices', 0):,} prices, "
                f"{size / max(1, counts.get('valuations', 1)):.0f} bytes per valuation row (all tables); "
                f"built in {t_build:.1f} s; " + ", ".join(f"{k} {v:.0%}" for k, v in breakdown.items() if v >= 0.01)
            ),
            extra={"bytes": size, "counts": counts, "build_s": t_build, "share_by_table": breakdown},
        ),
    ]

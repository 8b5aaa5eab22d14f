"""history: ``arb history DEAL`` at 5,000 rows in a store of 1,000,000 valuations, alone and while
a refresh holds the write lock; the store's bytes per valuation row.

Targets (issue 11): the command in a fresh process under 1.6x ``arb --help`` (the start-up floor,
timed in alternating pairs with it); during a write that holds the lock (``BEGIN IMMEDIATE`` in
another process, for longer than the read), within 1.2x of the same read without one; the store
under 600 bytes per valuation row, every table and index counted.

The store is built the way refreshes build it, then copied forward in SQL: one real
:meth:`HistoryStore.record_refresh` of 200 synthetic deals (every figure, its quotes, its
``extra``), then one refresh per weekday for 5,000 weekdays whose rows copy that one with the
day's date and figures scaled a little, inserted in the table's own order (a minute or so on
2 cores; the smoke run builds 20 deals x 60 days). The first refresh's records are checked to
come back from the store exactly as ``arb report --json`` gave them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_startup import arb_command
from benchmarks.synthetic import AS_OF, synthetic_quotes, write_deal_files
from benchmarks.timing import NotAvailable, Row, command_env, median_time, paired_times

__all__ = ["build_store", "hold_write_lock", "run"]

TARGET_VS_HELP = 1.6
TARGET_UNDER_LOCK = 1.2
TARGET_BYTES_PER_ROW = 600
N_DEALS, N_DAYS = 200, 5_000

#: Holds the store's write lock (BEGIN IMMEDIATE and one written row) for argv[2] seconds, as a
#: refresh does while it writes; touches argv[3] once it holds the lock.
_HOLDER = """
import sqlite3, sys, time, pathlib
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO refreshes (started, finished, as_of, source) VALUES ('x', 'x', '1900-01-01', 'lock')")
pathlib.Path(sys.argv[3]).touch()
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def _weekdays(end: dt.date, n: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = end
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day -= dt.timedelta(days=1)
    return days[::-1]


def build_store(folder: Path, n_deals: int, days: list[dt.date]) -> Path:
    """Write a history store of ``n_deals`` synthetic deals valued on each of ``days`` into ``folder``."""
    from arb.book import symbols_for
    from arb.loader import load_deals
    from arb.paths import STORE_NAME
    from arb.prices.base import MemorySource
    from arb.pricing import value_deals
    from arb.store import HistoryStore
    from arb.store.schema import METRICS, V5_COLUMNS

    write_deal_files(folder / "deals", n_deals)
    deals = load_deals([folder / "deals"]).deals
    source = MemorySource(synthetic_quotes(symbols_for(deals)), label="synthetic")
    valuation = value_deals(deals, source, as_of=days[-1])
    with HistoryStore(folder / STORE_NAME) as store:
        info = store.record_refresh(valuation, backfill=True)
        for r in valuation.results:  # nothing of the report's record is lost on the way in
            if store.stored_record(r.id, info.id) != json.loads(json.dumps(r.to_dict())):
                raise AssertionError(f"{r.id}: the stored record differs from report --json")
        moving = {m for m in METRICS if m not in ("days_to_close", "downside")}
        select = ", ".join(
            {"as_of": "d.day", "refresh_id": "d.rid"}.get(c, f"t.{c} * d.k" if c in moving else f"t.{c}")
            for c in V5_COLUMNS
        )
        store.close()  # leaving WAL mode needs the file alone: no reader open
        with store.connect() as conn:
            # Build-time settings only: the finished file has the same schema, indexes and WAL mode.
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -1000000")
            conn.execute("PRAGMA temp_store = FILE")
            for table in ("valuations", "quotes", "prices"):
                conn.execute(f"CREATE TEMP TABLE t_{table} AS SELECT * FROM {table} WHERE refresh_id = ?", (info.id,))
            conn.execute("CREATE TEMP TABLE days (rid INTEGER PRIMARY KEY, day TEXT, k REAL)")
            conn.execute("BEGIN")
            for i, day in enumerate(days[:-1]):
                text = day.isoformat()
                cur = conn.execute(
                    "INSERT INTO refreshes (started, finished, as_of, source, backfill_of, n_deals, n_valued)"
                    " VALUES (?, ?, ?, 'synthetic', ?, ?, ?)",
                    (f"{text}T20:00:00+00:00", f"{text}T20:00:05+00:00", text, text, n_deals, n_deals),
                )
                conn.execute(
                    "INSERT INTO temp.days VALUES (?, ?, ?)", (cur.lastrowid, text, 1 + 0.05 * math.sin(i / 40))
                )
            conn.execute("DROP INDEX valuations_refresh")
            conn.execute(
                f"INSERT INTO valuations ({', '.join(V5_COLUMNS)}, extra) SELECT {select}, t.extra"
                " FROM temp.t_valuations t, temp.days d ORDER BY t.deal_id, d.day, d.rid"
            )
            conn.execute(
                "INSERT INTO quotes SELECT d.rid, q.symbol, q.price * d.k, d.day, q.kind_id"
                " FROM temp.days d, temp.t_quotes q ORDER BY d.rid, q.symbol"
            )
            conn.execute(
                "INSERT INTO prices (symbol, time, price, currency, source, origin, refresh_id)"
                " SELECT p.symbol, d.day, p.price * d.k, p.currency, p.source, p.origin, d.rid"
                " FROM temp.days d, temp.t_prices p ORDER BY p.symbol, d.day"
            )
            conn.execute("CREATE INDEX valuations_refresh ON valuations (refresh_id)")
            conn.execute("COMMIT")
            conn.execute("ANALYZE")
            conn.execute("PRAGMA journal_mode = WAL")
    return store.path


def hold_write_lock(path: Path, seconds: float, marker: Path) -> subprocess.Popen[bytes]:
    """Start a process that holds ``path``'s write lock for ``seconds``; returns once it holds it."""
    marker.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path), str(seconds), str(marker)])
    deadline = time.monotonic() + 30
    while not marker.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the lock-holding process did not take the write lock")
        time.sleep(0.01)
    return proc


def _space_by_table(path: Path) -> dict[str, float]:
    """Share of the file each table and index takes (empty when this SQLite has no ``dbstat``)."""
    import sqlite3

    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        pages = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
    except sqlite3.Error:
        return {}
    finally:
        conn.close()
    total = sum(size for _, size in pages) or 1
    return {name: size / total for name, size in pages}


def run(smoke: bool = False) -> list[Row]:
    try:
        from arb.cli.history import render_history
        from arb.store import HistoryStore
        from arb.store.schema import V5_COLUMNS  # noqa: F401  (schema v5: the store this measures)
    except ImportError as exc:
        raise NotAvailable(f"the v5 history store or `arb history` has not landed ({exc})") from None
    from rich.console import Console

    n_deals, n_days = (20, 60) if smoke else (N_DEALS, N_DAYS)
    days = _weekdays(AS_OF, n_days)
    pairs = 1 if smoke else 7
    deal = "synthetic-0001"
    with tempfile.TemporaryDirectory(prefix="arb-bench-history-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        path = build_store(folder, n_deals, days)
        t_build = time.perf_counter() - start
        size = sum(p.stat().st_size for p in folder.glob(path.name + "*"))
        with HistoryStore(path, create=False) as store:
            counts = store.counts()
            n_rows = len(store.history_rows(deal))
            if n_rows != n_days:
                raise AssertionError(f"{deal} has {n_rows} stored rows, not {n_days}")

            def in_process() -> str:
                rows = store.history_rows(deal)
                console = Console(file=io.StringIO(), width=100, color_system=None)
                console.print(render_history(deal, rows, last=30, width=100))
                return console.file.getvalue()  # type: ignore[attr-defined]

            if "synthetic" not in in_process():
                raise AssertionError("arb history rendered no rows for the synthetic deal")
            t_query = median_time(in_process, 1 if smoke else 7)
        breakdown = _space_by_table(path)

        env = command_env(ARB_HOME=str(folder), ARB_CACHE_DIR=str(folder / "cache"), NO_COLOR="1", COLUMNS="100")
        cmd = [*arb_command(), "history", deal]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0 or deal not in proc.stdout:
            raise AssertionError(f"`arb history {deal}` failed: {proc.stderr[-300:]}")

        def command(args: list[str] = cmd) -> None:
            subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)

        vs_help = paired_times(command, lambda: command([*arb_command(), "--help"]), pairs)

        # During a write: the holder keeps the lock for longer than any one read takes.
        hold_for = max(2.0, 4 * vs_help.median)
        marker = folder / "locked"
        # Each timed read under the lock starts after the holder has the lock (its start-up is not timed).
        locked_times, free_times = [], []
        for i in range(pairs + 1):
            holder_proc = hold_write_lock(path, hold_for, marker)
            try:
                t0 = time.perf_counter()
                command()
                t_locked = time.perf_counter() - t0
                if holder_proc.poll() is not None:
                    raise AssertionError("the write lock was let go before the read finished")
            finally:
                holder_proc.kill()
                holder_proc.wait()
            t0 = time.perf_counter()
            command()
            t_free = time.perf_counter() - t0
            if i:  # the first pair warms the file cache
                locked_times.append(t_locked)
                free_times.append(t_free)

    import statistics

    t_cmd, t_help = vs_help.median, vs_help.reference_median
    over_help = 1 / vs_help.ratio  # the median of the pairs' history/help
    lock_ratios = [a / b for a, b in zip(locked_times, free_times, strict=True)]
    under = statistics.median(lock_ratios)
    per_row = size / max(1, counts.get("valuations", 1))
    what = f"{n_deals:,} deals x {n_days:,} weekdays = {counts.get('valuations', 0):,} valuations"
    lo, hi = vs_help.ratio_spread
    return [
        Row(
            "history",
            f"arb history DEAL ({n_days:,} rows; store of {what}), fresh process",
            t_cmd,
            "s",
            "" if smoke else f"< {TARGET_VS_HELP:g}x arb --help",
            None if smoke else over_help < TARGET_VS_HELP,
            t_help,
            "arb --help (start-up floor)",
            vs_help.ratio,
            pairs,
            note=f"history = {over_help:.2f}x arb --help (median of {pairs} alternating pairs; "
            f"pairs {1 / hi:.2f}-{1 / lo:.2f}x)",
            extra={"deals": n_deals, "days": n_days, "over_help": over_help},
        ),
        Row(
            "history",
            "arb history DEAL while another process holds the write lock",
            statistics.median(locked_times),
            "s",
            "" if smoke else f"<= {TARGET_UNDER_LOCK:g}x the same read without",
            None if smoke else under <= TARGET_UNDER_LOCK,
            statistics.median(free_times),
            "the same read, no lock held",
            1 / under,
            len(lock_ratios),
            note=f"locked/free = {under:.2f} (median of {len(lock_ratios)} pairs; "
            f"{min(lock_ratios):.2f}-{max(lock_ratios):.2f}); BEGIN IMMEDIATE held {hold_for:.1f} s per read",
            extra={"locked_over_free": under, "pairs": lock_ratios},
        ),
        Row(
            "history",
            f"query + render {n_days:,} rows in-process",
            t_query,
            "s",
            "report",
            repeats=1 if smoke else 7,
            note="HistoryStore.history_rows + render_history: the work `arb history` does after start-up",
        ),
        Row(
            "history",
            f"store bytes per valuation row ({what})",
            per_row,
            "B",
            "" if smoke else f"< {TARGET_BYTES_PER_ROW} B",
            None if smoke else per_row < TARGET_BYTES_PER_ROW,
            repeats=1,
            note=(
                f"{size / 2**20:.0f} MiB on disk, every table and index; {counts.get('prices', 0):,} first-hand "
                f"prices; built in {t_build:.0f} s; "
                + ", ".join(f"{k} {v:.0%}" for k, v in breakdown.items() if v >= 0.01)
            ),
            extra={"bytes": size, "counts": counts, "build_s": t_build, "share_by_table": breakdown},
        ),
    ]

"""The history store's faults: a truncated or emptied file, a newer or impossible schema version,
a read-only folder, a full disk, and the v3 -> v4 migration on a store with real rows.

Tests run as root, and chmod does not stop root, so a read-only folder is simulated by making
the store's opener refuse every writable opening (as SQLite does in a read-only folder); a full
disk is an error injected inside the write transaction (as SQLite raises on ENOSPC).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from arb.cli import app
from arb.loader import load_deals
from arb.prices.base import MemorySource, Quote
from arb.prices.csvfile import CsvSource
from arb.pricing import Valuation, value_deals
from arb.store import (
    SCHEMA_VERSION,
    HistoryStore,
    StoreDamagedError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    StoreSource,
    create_schema,
)
from arb.store import db as store_db
from arb.store.schema import METRICS

DATA = Path(__file__).parent / "data" / "refresh"
DEALS = DATA / "deals"
DAY1 = DATA / "prices-2025-06-02.csv"
DAY2 = DATA / "prices-2025-06-03.csv"


def valued(prices: Path) -> Valuation:
    return value_deals(load_deals([DEALS]).deals, CsvSource(prices))


@pytest.fixture
def watchlist(tmp_path: Path) -> Path:
    path = tmp_path / "watchlist.toml"
    path.write_text(f'[[watch]]\nid = "deals"\npath = "{DEALS}"\n', encoding="utf-8")
    return path


def filled(home: Path) -> HistoryStore:
    """A store with two back-filled refreshes, closed (its WAL checkpointed into the file)."""
    store = HistoryStore(home / "history.sqlite3")
    store.record_refresh(valued(DAY1), backfill=True)
    store.record_refresh(valued(DAY2), backfill=True)
    assert (home / "history.sqlite3-wal").exists()  # one connection for both writes, still open
    store.close()
    assert not (home / "history.sqlite3-wal").exists()
    return store


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def one_line(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in text
    return lines[0]


# -- damaged files ------------------------------------------------------------------------------


@pytest.mark.parametrize("cut", ["one byte", "zero bytes"])
def test_a_truncated_store_is_refused_by_history_and_refresh(
    home: Path, watchlist: Path, cut: str, tmp_path: Path
) -> None:
    store = filled(home)
    size = store.path.stat().st_size
    os.truncate(store.path, size - 1 if cut == "one byte" else 0)
    damaged = store.path.read_bytes()

    res = run("history", "alpha")
    assert res.exit_code == 1
    line = one_line(res.stderr)
    assert str(store.path) in line and "damaged" in line and "arb store check" in line
    assert "restore it" in line and "move it" in line

    res = run("refresh", "--watchlist", watchlist, "--prices", DAY2, "--json")
    assert res.exit_code == 1
    line = one_line(res.stderr)
    assert str(store.path) in line and "damaged" in line
    # The refresh is not lost: it is in a new store beside the damaged one, named in the message.
    got = json.loads(res.stdout)
    rescued = Path(got["rescued_to"])
    assert rescued.parent == store.path.parent and rescued != store.path and str(rescued) in line
    assert HistoryStore(rescued).counts() == {"refreshes": 1, "valuations": 2, "prices": 3}
    assert store.path.read_bytes() == damaged  # nothing appended to the damaged file

    with pytest.raises(StoreDamagedError, match="damaged"):
        store.record_refresh(valued(DAY2))
    assert StoreSource(store).fetch(["1111.HK"]).failures["1111.HK"].startswith(str(store.path))


def test_a_store_failing_quick_check_is_not_written(home: Path) -> None:
    store = filled(home)
    with sqlite3.connect(store.path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'prices'").fetchone()[0]
    conn.close()
    data = bytearray(store.path.read_bytes())
    start = (root - 1) * page_size
    data[start : start + page_size] = b"\x0d" + b"\xff" * (page_size - 1)  # a leaf page of nonsense
    store.path.write_bytes(bytes(data))
    assert store.problem() is None  # whole pages behind a good header: only SQLite's check sees it
    with pytest.raises(StoreDamagedError, match="damaged"):
        store.record_refresh(valued(DAY2))
    assert store.path.read_bytes() == bytes(data)
    check = HistoryStore(store.path).check()
    assert not check.ok and any(p.startswith("integrity_check") for p in check.problems)


def test_store_check_reports_a_sound_and_a_damaged_store(home: Path) -> None:
    store = filled(home)
    res = run("store", "check")
    assert res.exit_code == 0, res.stderr
    assert "ok" in res.stdout and f"schema version {SCHEMA_VERSION}" in res.stdout
    assert "2 refreshes" in res.stdout and "4 valuations" in res.stdout
    res = run("store", "stats")
    assert res.exit_code == 0 and "2025-06-02" in res.stdout and "2025-06-03" in res.stdout
    os.truncate(store.path, store.path.stat().st_size - 1)
    res = run("store", "check")
    assert res.exit_code == 1
    assert "ends part-way through a page" in res.stdout + res.stderr
    assert str(store.path) in res.stderr


def test_store_stats_and_vacuum(home: Path) -> None:
    store = filled(home)
    with store:
        for _ in range(3):  # refreshes later dropped leave free pages behind
            store.record_refresh(valued(DAY2))
        with store.connect() as conn:
            conn.execute("DELETE FROM refreshes WHERE backfill_of IS NULL")
    res = run("store", "stats", "--json")
    assert res.exit_code == 0, res.stderr
    found = json.loads(res.stdout)
    assert found["rows"]["valuations"] == 4 and found["rows"]["quotes"] == 6
    assert found["bytes_per_valuation"] == round(found["bytes"] / 4)
    assert found["oldest_refresh"] <= found["newest_refresh"]
    text = run("store", "stats").stdout
    assert f"{found['bytes_per_valuation']:,} per valuation" in text and found["oldest_refresh"] in text
    history = store.deal_history("alpha")
    res = run("store", "vacuum", "--json")
    assert res.exit_code == 0, res.stderr
    sizes = json.loads(res.stdout)
    assert sizes["bytes_after"] < sizes["bytes_before"] == found["bytes"]
    assert sizes["bytes_after"] == store.path.stat().st_size  # the WAL checkpointed away
    assert HistoryStore(store.path).deal_history("alpha") == history
    assert "bytes freed" in run("store", "vacuum").stdout
    os.truncate(store.path, store.path.stat().st_size - 1)
    res = run("store", "vacuum")
    assert res.exit_code == 1 and "damaged" in one_line(res.stderr)


# -- schema versions ----------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "words"), [(99, "upgrade arb"), (-1, "damaged or not an arb history store")])
def test_an_unusable_schema_version_is_one_line(home: Path, watchlist: Path, version: int, words: str) -> None:
    store = filled(home)
    with sqlite3.connect(store.path) as conn:
        conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    for args in (("history", "alpha"), ("refresh", "--watchlist", watchlist, "--prices", DAY2)):
        res = run(*args)
        assert res.exit_code == 1, args
        line = one_line(res.stderr)
        assert str(store.path) in line and words in line and f"version {version}" in line
    with pytest.raises(StoreError, match=words):
        HistoryStore(store.path).deal_history("alpha")


def test_migration_from_v3_with_real_rows_marks_stale_and_ages(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    create_schema(conn, 3)
    # A v3 refresh as the v3 code stored it: one live day, then one whose 2222.HK price is old.
    day = dt.datetime(2025, 6, 3)
    live = value_deals(load_deals([DEALS]).deals, CsvSource(DAY2))
    quotes = {
        "1111.HK": Quote("1111.HK", 8.5, "HKD", day, "file"),
        "2222.HK": Quote("2222.HK", 6.0, "HKD", dt.datetime(2025, 5, 1), "file"),
        "3333.HK": Quote("3333.HK", 9.0, "HKD", day, "file"),
    }
    stale = value_deals(load_deals([DEALS]).deals, MemorySource(quotes), as_of=day.date())
    assert "stale-price" in stale.get("beta").flags and "stale-price" not in live.get("beta").flags
    # alpha's price on day 2 came from the store: not live, though not old and not flagged.
    quotes["1111.HK"] = Quote("1111.HK", 8.5, "HKD", day, "store", "last yahoo price, 2025-06-03")
    stale = value_deals(load_deals([DEALS]).deals, MemorySource(quotes), as_of=day.date())
    assert "stale-price" not in stale.get("alpha").flags
    for i, v in enumerate((live, stale), 1):
        conn.execute(
            "INSERT INTO refreshes (id, started, finished, as_of, source) VALUES (?, 's', 'f', ?, 'file')",
            (i, v.as_of.isoformat()),
        )
        for r in v.results:
            rec = r.to_dict()
            conn.execute(
                f"INSERT INTO valuations (refresh_id, deal_id, as_of, {', '.join(METRICS)}, flags, terms_hash, record)"
                f" VALUES (?, ?, ?, {', '.join('?' * len(METRICS))}, ?, ?, ?)",
                (i, r.id, v.as_of.isoformat(), *(rec[m] for m in METRICS), json.dumps(rec["flags"]),
                 rec["terms_hash"], json.dumps(rec)),
            )  # fmt: skip
    conn.close()
    store = HistoryStore(path, create=False)
    rows = store.deal_history("beta")  # a read migrates once, then reads read-only
    assert store.schema_version() == SCHEMA_VERSION
    assert [r["stale"] for r in rows] == [False, True]
    assert rows[0]["price_age_days"] == 0
    assert rows[1]["price_age_days"] == (dt.date(2025, 6, 3) - dt.date(2025, 5, 1)).days
    assert [r["stale"] for r in store.deal_history("alpha")] == [False, True]
    assert [r["spread"] for r in rows] == [pytest.approx(live.get("beta").figures["spread"]), pytest.approx(
        stale.get("beta").figures["spread"])]  # fmt: skip
    assert store.counts() == {"refreshes": 2, "valuations": 4, "prices": 0}
    # Through v4 to v5, the JSON record became columns, shared quotes and a small extra: none of it lost.
    for i, v in enumerate((live, stale), 1):
        for r in v.results:
            assert store.stored_record(r.id, i) == json.loads(json.dumps(r.to_dict()))


# -- read-only folders ----------------------------------------------------------------------------


_REAL_CONNECT = sqlite3.connect


def refuse_writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every writable opening of a store fails as it does in a read-only folder; returns what was opened."""
    opened: list[str] = []

    def connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        opened.append(str(database))
        if not (kwargs.get("uri") and "mode=ro" in str(database)):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return _REAL_CONNECT(database, *args, **kwargs)

    monkeypatch.setattr(store_db.sqlite3, "connect", connect)
    return opened


def test_readers_open_read_only(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    filled(home)  # made before the folder became read-only
    opened = refuse_writes(monkeypatch)
    store = HistoryStore(home / "history.sqlite3", create=False)
    assert [r["as_of"] for r in store.deal_history("alpha")] == ["2025-06-02", "2025-06-03"]
    assert set(store.latest_prices()) == {"1111.HK", "2222.HK", "3333.HK"}
    assert StoreSource(store).fetch(["1111.HK"]).quotes["1111.HK"].price == 8.5
    assert store.counts()["refreshes"] == 2
    res = run("history", "alpha", "--json")
    assert res.exit_code == 0, res.stderr
    assert len(json.loads(res.stdout)) == 2
    assert opened and all("mode=ro" in uri for uri in opened)
    # A writer says the folder is read-only, in one line, and changes nothing.
    with pytest.raises(StoreReadOnlyError, match="read-only") as info:
        HistoryStore(store.path).record_refresh(valued(DAY2))
    assert str(store.path) in str(info.value) and "\n" not in str(info.value)


def test_a_reader_falls_back_to_immutable_when_no_shm_can_be_made(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    filled(home)
    opened: list[str] = []

    def connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        opened.append(str(database))
        if "immutable=1" not in str(database):
            raise sqlite3.OperationalError("unable to open database file")
        return _REAL_CONNECT(database, *args, **kwargs)

    monkeypatch.setattr(store_db.sqlite3, "connect", connect)
    store = HistoryStore(home / "history.sqlite3", create=False)
    assert len(store.deal_history("alpha")) == 2
    assert any("mode=ro&immutable=1" in uri for uri in opened)


def test_refresh_in_a_read_only_folder_is_one_line(
    home: Path, watchlist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    filled(home)
    before = (home / "history.sqlite3").read_bytes()
    refuse_writes(monkeypatch)
    res = run("refresh", "--watchlist", watchlist, "--prices", DAY2)
    assert res.exit_code == 1
    line = one_line(res.stderr)
    assert str(home / "history.sqlite3") in line and "read-only" in line
    assert (home / "history.sqlite3").read_bytes() == before


def test_a_new_store_in_a_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as info:
        HistoryStore(blocker / "data" / "history.sqlite3").record_refresh(valued(DAY1))
    assert str(blocker / "data") in str(info.value) or str(blocker) in str(info.value)
    assert "\n" not in str(info.value)


# -- a full disk ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        sqlite3.OperationalError("database or disk is full"),
        OSError(28, "No space left on device"),
        sqlite3.OperationalError("disk I/O error"),
    ],
    ids=["sqlite-full", "enospc", "io-error"],
)
def test_a_write_on_a_full_disk_says_so_and_loses_nothing(
    home: Path, watchlist: Path, monkeypatch: pytest.MonkeyPatch, fault: BaseException
) -> None:
    store = filled(home)
    before = store.counts()
    history_before = store.deal_history("alpha")

    def full() -> None:
        raise fault

    monkeypatch.setattr(store_db, "_pause_hook", full)
    with pytest.raises(StoreFullError) as info:
        store.record_refresh(valued(DAY2))
    text = str(info.value)
    assert str(store.path) in text and "\n" not in text
    assert ("disk is full" in text) or ("disk I/O error" in text)
    assert "nothing of this write was kept" in text
    assert store.counts() == before and store.deal_history("alpha") == history_before
    assert store.integrity_check() == "ok"
    res = run("refresh", "--watchlist", watchlist, "--prices", DAY2)
    assert res.exit_code == 1
    assert "nothing of this write was kept" in one_line(res.stderr)
    assert store.counts() == before


def test_the_python_refresh_raises_on_a_damaged_store_after_keeping_the_refresh(home: Path, watchlist: Path) -> None:
    from arb.refresh import refresh

    store = filled(home)
    store.path.write_bytes(b"")
    with pytest.raises(StoreDamagedError, match="empty") as info:
        refresh(watchlist, source=CsvSource(DAY2), store=store.path)
    kept = next(home.glob("history.rescued-*.sqlite3"))
    assert str(kept) in str(info.value)
    assert [r["as_of"] for r in HistoryStore(kept).deal_history("alpha")] == ["2025-06-03"]
    assert store.path.read_bytes() == b""


# -- a real read-only mount and a real full disk (tmpfs in a private mount namespace) -----------

REAL_FS_SCRIPT = r"""
set -u
run() {  # run NAME ARGS...: arb with ARGS on the mount; stdout, stderr and exit status kept as NAME.*
    name=$1; shift
    ARB_HOME="$MNT" $ARB "$@" > "$OUT/$name.out" 2> "$OUT/$name.err"; echo $? > "$OUT/$name.rc"
}
mount -t tmpfs -o size=512k tmpfs "$MNT" || exit 99
cp "$STORE" "$MNT/history.sqlite3"
mount -o remount,ro "$MNT" || exit 99
run ro-history history alpha --json
run ro-refresh refresh --watchlist "$WL" --prices "$DAY2"
mount -o remount,rw "$MNT" || exit 99
dd if=/dev/zero of="$MNT/filler" bs=4k 2> /dev/null
run full-history history alpha --json
run full-refresh refresh --watchlist "$WL" --prices "$DAY2"
cp "$MNT/history.sqlite3" "$OUT/after.sqlite3"
"""


def test_a_real_read_only_mount_and_a_real_full_disk(home: Path, watchlist: Path, tmp_path: Path) -> None:
    """Where the machine allows a private mount namespace (root, ``unshare``): real file systems."""
    import shutil
    import subprocess
    import sys

    if shutil.which("unshare") is None:
        pytest.skip("no unshare")
    store = HistoryStore(home / "history.sqlite3")
    store.record_refresh(valued(DAY1), backfill=True)
    store.close()  # as a finished command leaves it: the WAL checkpointed into the file
    original = store.path.read_bytes()
    out, mnt = tmp_path / "out", tmp_path / "mnt"
    out.mkdir()
    mnt.mkdir()
    arb_cmd = tmp_path / "arb"
    arb_cmd.write_text(f"#!/bin/sh\nexec '{sys.executable}' -c 'from arb.cli import app; app()' \"$@\"\n")
    arb_cmd.chmod(0o755)
    env = {**os.environ, "MNT": str(mnt), "STORE": str(store.path), "OUT": str(out), "ARB": str(arb_cmd),
           "WL": str(watchlist), "DAY2": str(DAY2)}  # fmt: skip
    done = subprocess.run(["unshare", "-m", "bash", "-c", REAL_FS_SCRIPT], env=env, timeout=120, check=False)
    if done.returncode != 0:
        pytest.skip(f"no private mounts here (unshare/mount exit {done.returncode})")

    def result(name: str) -> tuple[int, str]:
        return int((out / f"{name}.rc").read_text()), (out / f"{name}.err").read_text()

    code, err = result("ro-history")  # read from a read-only mount
    assert code == 0, err
    assert [r["as_of"] for r in json.loads((out / "ro-history.out").read_text())] == ["2025-06-02"]
    code, err = result("ro-refresh")
    assert code == 1 and "read-only" in one_line(err) and str(mnt / "history.sqlite3") in err
    code, err = result("full-history")  # read on a full disk
    assert code == 0, err
    assert len(json.loads((out / "full-history.out").read_text())) == 1
    code, err = result("full-refresh")
    assert code == 1 and "the disk is full" in one_line(err) and "nothing of this write was kept" in err
    assert (out / "after.sqlite3").read_bytes() == original  # nothing lost, nothing half-written


def test_an_old_store_in_a_read_only_folder_says_it_must_be_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "v3.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    create_schema(conn, 3)
    conn.close()
    refuse_writes(monkeypatch)
    with pytest.raises(StoreReadOnlyError, match="schema version 3 and must be migrated to") as info:
        HistoryStore(path, create=False).deal_history("alpha")
    assert str(path) in str(info.value) and "\n" not in str(info.value)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keep=st.floats(0.0, 0.9999))
def test_any_truncation_is_refused_by_writers_and_is_one_line_for_readers(tmp_path: Path, keep: float) -> None:
    folder = tmp_path / f"cut-{keep!r}"
    store = HistoryStore(folder / "history.sqlite3")
    store.record_refresh(valued(DAY1), backfill=True)
    store.close()  # as a finished command leaves it: the WAL checkpointed into the file
    size = store.path.stat().st_size
    os.truncate(store.path, int(size * keep))
    cut = store.path.read_bytes()
    with pytest.raises(StoreDamagedError) as info:
        store.record_refresh(valued(DAY2), backfill=True)
    assert str(store.path) in str(info.value) and "\n" not in str(info.value)
    assert store.path.read_bytes() == cut
    reader = HistoryStore(store.path, create=False)
    for read in (lambda: reader.deal_history("alpha"), reader.latest_prices, reader.counts):
        with pytest.raises(StoreDamagedError):
            read()

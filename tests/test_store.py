"""The history store: schema, transactions, duplicates, back-fills, migration, the store price source."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arb.loader import load_deals
from arb.prices.base import MemorySource, Quote
from arb.prices.csvfile import CsvSource
from arb.pricing import Valuation, value_deals
from arb.store import SCHEMA_VERSION, HistoryStore, StoreError, StoreSource, create_schema
from arb.store import db as store_db
from arb.store.schema import METRICS

DATA = Path(__file__).parent / "data" / "refresh"
DAY1 = DATA / "prices-2025-06-02.csv"
DAY2 = DATA / "prices-2025-06-03.csv"


def valued(prices: Path) -> Valuation:
    return value_deals(load_deals([DATA / "deals"]).deals, CsvSource(prices))


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "data" / "history.sqlite3")


def test_a_refresh_is_stored_whole(store: HistoryStore) -> None:
    v = valued(DAY1)
    info = store.record_refresh(v, backfill=True)
    assert store.counts() == {"refreshes": 1, "valuations": 2, "prices": 3}
    assert (info.as_of, info.backfill_of, info.n_deals, info.n_valued, info.n_prices) == (
        "2025-06-02", "2025-06-02", 2, 2, 3,
    )  # fmt: skip
    assert store.schema_version() == SCHEMA_VERSION
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    # Nothing of the report's record is lost: rebuilt from columns, quotes and extra, it is the same JSON.
    for deal in ("alpha", "beta"):
        record = store.stored_record(deal, info.id)
        assert record == json.loads(json.dumps(v.get(deal).to_dict()))
        assert json.dumps(record) == json.dumps(v.get(deal).to_dict())  # same keys, same order
    assert store.stored_record("alpha", info.id + 1) is None
    (row,) = store.deal_history("alpha")
    for key in ("target_price", "deal_value", "spread", "spread_pct", "days_to_close", "annualized", "downside"):
        assert row[key] == pytest.approx(v.get("alpha").figures[key])
    assert row["terms_hash"] == v.get("alpha").deal.terms_hash()
    assert row["terms_changed"] is False


def test_repeating_a_backfill_replaces_it(store: HistoryStore) -> None:
    first = store.record_refresh(valued(DAY1), backfill=True)
    again = store.record_refresh(valued(DAY1), backfill=True)
    assert again.replaced == first.id and again.id != first.id
    assert store.counts() == {"refreshes": 1, "valuations": 2, "prices": 3}
    assert [r.id for r in store.refreshes()] == [again.id]


def test_live_refreshes_on_one_day_are_two_snapshots_but_prices_stay_unique(store: HistoryStore) -> None:
    store.record_refresh(valued(DAY1))
    store.record_refresh(valued(DAY1))
    assert store.counts() == {"refreshes": 2, "valuations": 4, "prices": 3}
    assert len(store.deal_history("beta")) == 2


def test_a_failed_refresh_leaves_nothing(store: HistoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.record_refresh(valued(DAY1), backfill=True)

    def boom() -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store_db, "_pause_hook", boom)
    with pytest.raises(RuntimeError):
        store.record_refresh(valued(DAY2), backfill=True)
    assert store.counts() == {"refreshes": 1, "valuations": 2, "prices": 3}
    assert store.integrity_check() == "ok"


def test_latest_price_per_symbol(store: HistoryStore) -> None:
    store.record_refresh(valued(DAY2), backfill=True)
    store.record_refresh(valued(DAY1), backfill=True)  # an older day back-filled later
    latest = store.latest_prices()
    assert latest["1111.HK"]["price"] == 8.5 and latest["1111.HK"]["time"] == "2025-06-03"
    assert set(store.latest_prices(["2222.HK", "NOPE.HK"])) == {"2222.HK"}


def test_store_source_prices_from_the_latest_row_with_its_age(store: HistoryStore) -> None:
    store.record_refresh(valued(DAY2), backfill=True)
    got = StoreSource(store, today=dt.date(2025, 6, 13)).fetch(["1111.HK", "9999.HK"])
    q = got.quotes["1111.HK"]
    assert (q.price, q.currency, q.kind, q.as_of) == (8.5, "HKD", "store", dt.datetime(2025, 6, 3))
    assert "10 days old" in q.origin and "file" in q.origin
    assert got.failures == {"9999.HK": "never stored"}


def test_store_source_without_a_store_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "none" / "history.sqlite3"
    got = StoreSource(path).fetch(["1111.HK"])
    assert got.failures == {"1111.HK": "no history store yet"}
    assert not path.exists() and not path.parent.exists()


def test_fallback_and_store_quotes_are_not_written_again(store: HistoryStore) -> None:
    deals = load_deals([DATA / "deals"]).deals
    quotes = {
        "1111.HK": Quote("1111.HK", 9.0, "HKD", dt.datetime(2025, 6, 2), "store", "old"),
        "2222.HK": Quote("2222.HK", 6.0, "HKD", dt.datetime(2025, 6, 2), "snapshot", "x", fallback="yahoo: down"),
        "3333.HK": Quote("3333.HK", 9.0, "HKD", dt.datetime(2025, 6, 2), "yahoo", "live"),
    }
    store.record_refresh(value_deals(deals, MemorySource(quotes)))
    assert store.latest_prices().keys() == {"3333.HK"}


def test_migration_from_schema_v1_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    create_schema(conn, 1)
    conn.executemany(
        "INSERT INTO prices VALUES (?, ?, ?, ?, ?)",
        [("1111.HK", "2024-01-02", 9.0, "HKD", "yahoo"), ("1111.HK", "2024-01-03", 9.2, "HKD", "yahoo")],
    )
    conn.executemany(
        "INSERT INTO valuations VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("alpha", "2024-01-02", 9.0, 10.0, 1.0, 1 / 9, 0.2, "aaaa"),
            ("beta", "2024-01-02", 6.0, 6.5, 0.5, 0.5 / 6, 0.1, "bbbb"),
            ("alpha", "2024-01-03", 9.2, 11.0, 1.8, 1.8 / 9.2, 0.4, "cccc"),
        ],
    )
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()

    store = HistoryStore(path)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.counts() == {"refreshes": 2, "valuations": 3, "prices": 2}
    rows = store.deal_history("alpha")
    assert [(r["as_of"], r["spread"], r["terms_changed"]) for r in rows] == [
        ("2024-01-02", 1.0, False),
        ("2024-01-03", 1.8, True),
    ]
    assert store.latest_prices()["1111.HK"]["price"] == 9.2
    assert store.integrity_check() == "ok"
    store.record_refresh(valued(DAY1), backfill=True)  # the migrated store takes new refreshes
    assert store.counts() == {"refreshes": 3, "valuations": 5, "prices": 5}


def test_a_store_from_a_newer_arb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this arb"):
        HistoryStore(path).counts()


def test_ten_years_of_daily_rows_read_fast_through_the_index(store: HistoryStore) -> None:
    with store.connect():  # a writable connection creates the file and its schema
        pass
    days = [dt.date(2015, 1, 1) + dt.timedelta(days=i) for i in range(3653)]
    with sqlite3.connect(store.path) as conn:
        conn.execute("INSERT INTO labels (id, terms_hash) VALUES (1, 'h')")
        for i, day in enumerate(days, 1):
            conn.execute(
                "INSERT INTO refreshes (id, started, finished, as_of, source) VALUES (?, ?, ?, ?, 'test')",
                (i, day.isoformat(), day.isoformat(), day.isoformat()),
            )
            for deal in ("alpha", "beta", "gamma"):
                conn.execute(
                    "INSERT INTO valuations (refresh_id, deal_id, as_of, spread, spread_pct, label_id)"
                    " VALUES (?, ?, ?, ?, ?, 1)",
                    (i, deal, day.isoformat(), 1.0, 0.01 * (i % 30)),
                )
        plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + store_db.HISTORY_SQL, ("alpha",)))
    # The whole history is one range of the table, clustered by deal: no index lookups, no sort.
    assert "SEARCH v USING PRIMARY KEY (deal_id=?)" in plan
    assert "TEMP B-TREE" not in plan
    t0 = time.perf_counter()
    rows = store.deal_history("alpha")
    since = store.deal_history("alpha", since=dt.date(2024, 1, 1))
    elapsed = time.perf_counter() - t0
    assert len(rows) == 3653 and since[0]["as_of"] == "2024-01-01"
    assert elapsed < 1.0, f"{elapsed:.2f}s for ten years of rows"


def _v4_store(path: Path, valuations: list[Valuation]) -> None:
    """A schema v4 store holding ``valuations`` as the v4 code stored them (columns and the JSON record)."""
    conn = sqlite3.connect(path, isolation_level=None)
    create_schema(conn, 4)
    for i, v in enumerate(valuations, 1):
        conn.execute(
            "INSERT INTO refreshes (id, started, finished, as_of, source) VALUES (?, 's', 'f', ?, 'file')",
            (i, v.as_of.isoformat()),
        )
        for r in v.results:
            rec = r.to_dict()
            conn.execute(
                "INSERT INTO valuations (refresh_id, deal_id, as_of, name, status, currency, target, expected_close,"
                f" {', '.join(METRICS)}, flags, terms_hash, stale, price_age_days, record)"
                f" VALUES ({', '.join('?' * (13 + len(METRICS)))})",
                (i, r.id, v.as_of.isoformat(), rec["name"], rec["status"], rec["currency"], rec["target"],
                 rec["expected_close"], *(rec[m] for m in METRICS), json.dumps(rec["flags"]), rec["terms_hash"],
                 int(store_db.is_stale(r)), i, json.dumps(rec, separators=(",", ":"))),
            )  # fmt: skip
    conn.execute("INSERT INTO valuations (refresh_id, deal_id, as_of, record) VALUES (1, 'bare', '2025-06-02', 'x')")
    conn.close()


def test_migration_from_v4_keeps_every_row_and_every_record(tmp_path: Path) -> None:
    path = tmp_path / "v4.sqlite3"
    day1, day2 = valued(DAY1), valued(DAY2)
    # One deal whose price differs from the refresh's shared one: it must be kept whole, not shared.
    odd = value_deals(
        load_deals([DATA / "deals"]).deals,
        MemorySource({"1111.HK": Quote("1111.HK", 7.25, "HKD", dt.datetime(2025, 6, 2), "file", fallback="why")}),
    )
    _v4_store(path, [day1, day2])
    with sqlite3.connect(path) as conn:
        rec = odd.get("alpha").to_dict()
        conn.execute("UPDATE valuations SET record = ? WHERE deal_id = 'beta' AND refresh_id = 2", (json.dumps(rec),))
    conn.close()
    before = {(d, i): r for i, v in enumerate((day1, day2), 1) for r in v.results for d in [r.id]}
    store = HistoryStore(path)
    assert store.schema_version() == SCHEMA_VERSION == 5
    assert store.counts() == {"refreshes": 2, "valuations": 5, "prices": 0}
    for (deal, i), r in before.items():
        want = rec | {k: r.to_dict()[k] for k in r.to_dict() if k not in ("prices", "hedge", "notes")}
        want = r.to_dict() if (deal, i) != ("beta", 2) else want
        assert store.stored_record(deal, i) == json.loads(json.dumps(want)), (deal, i)
    assert store.stored_record("beta", 2)["prices"]["1111.HK"]["fallback"] == "why"
    assert store.stored_record("bare", 1)["prices"] == {}  # an unreadable record: the columns survive
    with store.connect(readonly=True) as conn:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(valuations)")}
        n_quotes = conn.execute("SELECT count(*) FROM quotes").fetchone()[0]
    assert "record" not in columns and "extra" in columns
    # Refresh 1: the three symbols, shared by both deals; refresh 2: alpha's one (beta's odd price is inline).
    assert n_quotes == 4
    rows = store.deal_history("alpha")
    assert [(r["as_of"], r["price_age_days"]) for r in rows] == [("2025-06-02", 1), ("2025-06-03", 2)]
    store.record_refresh(valued(DAY2))  # the migrated store takes new refreshes
    assert store.counts()["valuations"] == 7
    assert store.integrity_check() == "ok"


@settings(max_examples=20, deadline=None)
@given(
    prices=st.dictionaries(
        st.text(min_size=1, max_size=6),
        st.fixed_dictionaries(
            {
                "price": st.floats(0.01, 1e6),
                "currency": st.sampled_from(["HKD", "GBp", "USD"]),
                "as_of": st.none() | st.just("2025-06-02"),
                "source": st.text(max_size=30),
            },
            optional={"fallback": st.text(max_size=20)},
        ),
        max_size=4,
    ),
    hedge=st.dictionaries(st.text(min_size=1, max_size=6), st.floats(-5, 5), max_size=3),
    notes=st.lists(st.text(max_size=200), max_size=3),
)
def test_extra_round_trips_whatever_the_record_holds(
    prices: dict[str, Any], hedge: dict[str, float], notes: list[str]
) -> None:
    from arb.store.record import COLUMNS, pack_extra, record_from_row

    shared: dict[str, tuple[Any, ...]] = {"HSBC": (1.0, "HKD", None, "x", None)}
    columns = {k: None for k in COLUMNS}
    rec = {**columns, "hedge": hedge, "prices": prices, "flags": ["a"], "notes": notes, "terms_hash": "h"}
    extra = pack_extra(rec, shared)
    assert extra is None or len(extra) <= len(json.dumps({"p": prices, "h": hedge, "n": notes}).encode()) + 40
    back = record_from_row(columns, '["a"]', "h", extra, shared)
    assert back == rec


def _quote_from_record(sym: str, entry: dict[str, Any]) -> Quote:
    """The quote a stored record's price entry describes (its source label is ``kind (origin)``)."""
    kind, _, origin = entry["source"].removesuffix(" [synthetic]").partition(" (")
    when = None if entry["as_of"] is None else dt.datetime.fromisoformat(entry["as_of"])
    return Quote(sym, entry["price"], entry["currency"], when, kind, origin.removesuffix(")"),
                 fallback=entry.get("fallback"), synthetic=entry["source"].endswith("[synthetic]"))  # fmt: skip


def test_a_stored_refresh_gives_back_what_show_json_printed(store: HistoryStore) -> None:
    """Nothing `arb show --json` needs is lost: the stored record, with the deal file, gives the same JSON."""
    deals = load_deals([DATA / "deals"]).deals
    v = valued(DAY2)
    info = store.record_refresh(v)
    for r in v.results:
        rec = store.stored_record(r.id, info.id)
        assert rec is not None and rec["terms_hash"] == r.deal.terms_hash()
        quotes = {sym: _quote_from_record(sym, e) for sym, e in rec["prices"].items()}
        again = value_deals(deals, MemorySource(quotes), as_of=dt.date.fromisoformat(rec["as_of"])).get(r.id)
        assert json.dumps(again.to_dict(detail=True)) == json.dumps(r.to_dict(detail=True))


def test_history_rows_columns_agree_with_their_dicts(store: HistoryStore) -> None:
    """Columns read straight from the stored tuples are the same as the finished rows' values."""
    store.record_refresh(valued(DAY1), backfill=True)
    store.record_refresh(valued(DAY2), backfill=True)
    store.record_refresh(valued(DAY2))
    rows = store.history_rows("alpha")
    dicts = rows.dicts()
    assert len(rows) == len(dicts) == 3
    for name in rows.columns:
        want = [d[name] for d in dicts]
        if name == "flags":
            want = [json.dumps(f) for f in want]
        got = rows.column(name)
        assert got == want or (name == "stale" and [bool(x) for x in got] == want), name
    assert rows.dicts(2) == dicts[2:]
    assert [r[:4] for r in rows.rows] == [tuple(d[c] for c in rows.columns[:4]) for d in dicts]
    since = store.history_rows("alpha", since=dt.date(2025, 6, 3))
    assert since.column("as_of") == ["2025-06-03", "2025-06-03"] and since.dicts() == dicts[1:]
    again = store_db.HistoryRows.from_dicts("alpha", dicts)
    assert again.dicts() == dicts and again.column("terms_changed") == rows.column("terms_changed")


def _file_alone_refreshes(path: Path, tmp: Path) -> int:
    """The refreshes a copy of the store's file alone holds (as a backup of that file would)."""
    copy = tmp / "copy.sqlite3"
    copy.write_bytes(path.read_bytes())
    with sqlite3.connect(copy) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM refreshes").fetchone()[0])


def _wal_bytes(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_closing_a_store_puts_its_wal_in_the_file_whatever_was_opened_first(
    store: HistoryStore, tmp_path: Path
) -> None:
    store.record_refresh(valued(DAY1), backfill=True)
    store.close()
    # A read first, then a write: the reader was opened before the writer (as a refresh does with a
    # deal whose pricing period reads the store's closes), and used to close after it.
    assert store.latest_prices()
    store.record_refresh(valued(DAY2), backfill=True)
    assert _wal_bytes(store.path) > 0
    store.close()
    assert _wal_bytes(store.path) == 0
    assert _file_alone_refreshes(store.path, tmp_path) == 2
    # Another store on the same file still open for reading, in this process: the write is in the file all the same.
    reader = HistoryStore(store.path, create=False)
    assert reader.latest_prices()
    store.record_refresh(valued(DAY1), backfill=False)
    n = store.counts()["refreshes"]
    assert n == 3 and _wal_bytes(store.path) > 0
    store.close()
    assert _wal_bytes(store.path) == 0
    assert _file_alone_refreshes(store.path, tmp_path) == n
    reader.close()


def test_a_connection_another_thread_made_does_not_keep_the_others_open(store: HistoryStore) -> None:
    import threading

    store.record_refresh(valued(DAY1), backfill=True)  # this thread's writable connection
    thread = threading.Thread(target=store.latest_prices)  # a reader made in another thread
    thread.start()
    thread.join()
    assert len(store._conns) == 2
    store.close()
    assert store._conns == {}
    assert _wal_bytes(store.path) == 0  # this thread's writer was checkpointed and closed

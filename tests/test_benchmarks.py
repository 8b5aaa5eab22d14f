"""The benchmarks stay runnable and honest: the smoke run works, the references give the engine's numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # benchmarks/ sits beside the package, not inside it
    sys.path.insert(0, str(REPO))

from arb.book import symbols_for  # noqa: E402
from arb.engine import value_book  # noqa: E402
from arb.loader import load_deals  # noqa: E402
from arb.prices.base import MemorySource  # noqa: E402
from arb.pricing import value_deals  # noqa: E402
from benchmarks import run as bench_run  # noqa: E402
from benchmarks.bench_engine import check_same  # noqa: E402
from benchmarks.reference import value_loop  # noqa: E402
from benchmarks.synthetic import AS_OF, STRUCTURES, make_book, synthetic_quotes, write_deal_files  # noqa: E402
from benchmarks.timing import Row  # noqa: E402


@pytest.mark.parametrize(("n", "seed"), [(1, 0), (7, 1), (2_000, 2), (20_000, 3)])
def test_reference_loop_gives_the_engine_numbers_on_synthetic_books(n: int, seed: int) -> None:
    book = make_book(n, seed)
    check_same(value_book(book.legs, book.deals, book.dividends), value_loop(book.legs, book.deals, book.dividends))


def test_reference_loop_gives_the_engine_numbers_on_a_compiled_book(tmp_path: Path) -> None:
    # Deal files -> loader -> compile_book -> engine: the path `arb report` takes.
    write_deal_files(tmp_path, 200)
    deals = load_deals([tmp_path]).deals
    v = value_deals(deals, MemorySource(synthetic_quotes(symbols_for(deals))), as_of=AS_OF)
    assert all(r.valued for r in v.results)
    check_same(v.engine, value_loop(v.book.legs, v.book.deals, v.book.dividends))


def test_check_same_catches_a_wrong_reference() -> None:
    book = make_book(500, 4)
    loop = value_loop(book.legs, book.deals, book.dividends)
    i = next(i for i, x in enumerate(loop["spread"]) if np.isfinite(x))
    loop["spread"][i] += 1e-6
    with pytest.raises(AssertionError, match=rf"spread\[{i}\]"):
        check_same(value_book(book.legs, book.deals, book.dividends), loop)


def test_synthetic_book_has_every_structure_and_edge() -> None:
    book = make_book(5_000, 0)
    assert set(np.unique(book.structure)) == set(range(len(STRUCTURES)))
    assert np.isnan(book.legs.price).any() and (book.legs.fx != 1.0).any()
    assert np.isfinite(book.legs.high).any() and np.isinf(book.legs.high).any()  # collared and not
    assert (book.dividends.leg == -1).any() and (book.dividends.leg >= 0).any()
    assert (book.deals.n_legs == 0).any() and (book.legs.weight < 1).any()
    # Legs of a deal are contiguous and in deal order, as the engine requires.
    assert (np.diff(book.legs.deal) >= 0).all() and int(book.deals.n_legs.sum()) == len(book.legs)


def test_synthetic_deal_files_are_labelled(tmp_path: Path) -> None:
    paths = write_deal_files(tmp_path, 30)
    for p in paths:
        text = p.read_text(encoding="utf-8")
        assert text.startswith("# Synthetic test data") and 'id = "synthetic-' in text
    assert all(q.synthetic for q in synthetic_quotes(["SYNT0001.HK", "SYNA0001.L"]).values())


def test_table_shows_not_available_and_failures() -> None:
    rows = [
        Row("engine", "value 10 deals", 0.5, "s", "< 1 s", True, 5.0, "loop", 10.0, 3),
        Row("history", "not available yet", None, "", note="arb/store has not landed"),
        Row("load", "parse", 2.0, "s", "< 1 s", False, 1.0, "floor", 0.5, 3),
    ]
    table = bench_run.format_table(rows)
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["benchmark", "case", "figure"]
    assert "500 ms" in lines[2] and lines[2].rstrip().endswith("pass")
    assert lines[3].rstrip().endswith("n/a") and lines[4].rstrip().endswith("FAIL")
    assert "arb/store has not landed" in table


def test_smoke_run_writes_every_benchmark(tmp_path: Path) -> None:
    out = tmp_path / "smoke.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--smoke", "--json", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["mode"] == "smoke" and doc["errors"] == []
    assert {r["benchmark"] for r in doc["results"]} == {
        "engine",
        "load",
        "api",
        "scenarios",
        "refresh",
        "start-up",
        "report",
        "render",
        "history",
        "extract",
    }
    for r in doc["results"]:
        assert r["passed"] is None or r["case"] == "not available yet" or r["target"] == "report", r
        assert r["figure"] is not None or r["case"] == "not available yet", r
    # arb report is timed without the deal cache (a first run), with it, with it after one file is
    # edited, and with it beside one file that has a problem; the first run says what parsing alone costs
    report = {r["extra"].get("cache"): r for r in doc["results"] if r["benchmark"] == "report"}
    assert sorted(report) == ["bad", "cold", "edited", "warm"]
    assert 0 < report["cold"]["extra"]["parse_floor_s"] < report["cold"]["figure"]
    assert "benchmark" in proc.stdout.splitlines()[0]


@pytest.mark.parametrize(("n", "seed"), [(1, 5), (3_000, 6)])
def test_tight_reference_loop_gives_the_engine_numbers(n: int, seed: int) -> None:
    from benchmarks.reference import value_loop_tight

    book = make_book(n, seed)
    check_same(
        value_book(book.legs, book.deals, book.dividends), value_loop_tight(book.legs, book.deals, book.dividends)
    )


def test_paired_times_alternate_and_take_the_median_of_per_pair_ratios() -> None:
    from benchmarks.timing import PairedTimes, paired_times

    calls: list[str] = []
    got = paired_times(lambda: calls.append("f"), lambda: calls.append("r"), pairs=4, warmup=0)
    assert calls == ["f", "r", "r", "f", "f", "r", "r", "f"]  # which side goes first alternates
    assert len(got.times) == len(got.reference_times) == 4
    fixed = PairedTimes([1.0, 2.0, 1.0], [10.0, 10.0, 30.0])
    assert fixed.ratios == [10.0, 5.0, 30.0]
    assert fixed.ratio == 10.0  # median of the ratios, not 10 / 1 from the medians
    assert fixed.ratio_spread == (5.0, 30.0)


def test_refresh_benchmark_deals_share_about_the_asked_number_of_symbols(tmp_path: Path) -> None:
    from benchmarks.bench_refresh import _deals_sharing_symbols, _local_chart

    n_symbols = _deals_sharing_symbols(tmp_path, 200, 60)
    deals = load_deals([tmp_path]).deals
    listed = {s for s in symbols_for(deals) if not s.islower()}
    assert len(deals) == 200 and 40 <= len(listed) <= 60 and n_symbols == len(listed)
    # Every listing gets a chart in its exchange's currency, dated up to the day asked for.
    body = _local_chart("SYNT0001.L", 1_750_377_600.0)["chart"]["result"][0]
    assert body["meta"]["currency"] == "GBp" and body["timestamp"][-1] == 1_750_377_600


def test_history_benchmark_store_round_trips_and_is_clustered_by_deal(tmp_path: Path) -> None:
    import datetime as dt

    from arb.store import HistoryStore
    from benchmarks.bench_history import _weekdays, build_store

    days = _weekdays(AS_OF, 30)
    assert len(days) == 30 and all(d.weekday() < 5 for d in days) and days[-1] <= AS_OF
    path = build_store(tmp_path, 12, days)  # checks every record of its first refresh round-trips
    with HistoryStore(path, create=False) as store:
        rows = store.history_rows("synthetic-0003")
        assert len(rows) == 30 and rows.column("as_of") == [d.isoformat() for d in days]
        assert store.counts()["valuations"] == 12 * 30
        assert dt.date.fromisoformat(store.stats()["first_as_of"]) == days[0]


def test_timed_processes_write_and_reuse_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    # A shell with PYTHONDONTWRITEBYTECODE would have every fresh arb process compile arb again.
    from benchmarks.timing import PYCACHE, command_env

    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = command_env(ARB_HOME="/nowhere")
    assert "PYTHONDONTWRITEBYTECODE" not in env and env["PYTHONPYCACHEPREFIX"] == PYCACHE
    assert env["ARB_HOME"] == "/nowhere"

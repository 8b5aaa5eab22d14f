"""arb.helperload: a forked helper reads deal files beside the command; the result never changes.

The helper runs only in the console script's own process (``arb.cli.ONE_SHOT``); these tests set
that flag where they want one, and compare every result with the same load done without it. The
deal files are the benchmarks' synthetic ones (made-up deals, labelled synthetic).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import arb.cli
import arb.dealcache
import arb.helperload
import arb.loader
from arb.dealcache import DealCache, wait_for_saves
from arb.helperload import MIN_FILES, may_fork, start_helper
from arb.loader import LoadResult, load_deals, start_loading
from benchmarks.synthetic import AS_OF, write_deal_files

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
    reason="helpers run on Linux with two CPUs or more",
)

N = MIN_FILES + 16


@pytest.fixture
def one_shot(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process as the console script's own: helpers allowed (and reaped after the test)."""
    monkeypatch.setattr(arb.cli, "ONE_SHOT", True)
    monkeypatch.delenv("ARB_HELPER", raising=False)
    assert may_fork()
    yield
    arb.helperload.reap(wait=True)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """N synthetic deal files, one with a problem, one with the id of another, one empty."""
    out = tmp_path / "deals"
    write_deal_files(out, N)
    (out / "synthetic-0010.toml").write_text("id = 'x'\nname = 'Synthetic bad'\n[target]\nticker = 12\n")
    twin = (out / "synthetic-0003.toml").read_text(encoding="utf-8")
    (out / "synthetic-9999.toml").write_text(twin, encoding="utf-8")
    (out / "synthetic-0020.toml").write_text("", encoding="utf-8")
    return out


def _begun(pending: Any) -> Any:
    """The helper of ``pending``, once it has taken its first file (on a busy machine it may start late)."""
    helper = pending.helper
    assert helper is not None
    deadline = time.monotonic() + 10
    while helper.marks[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert helper.marks[0] != 0
    return helper


def _plain(result: LoadResult) -> tuple[Any, ...]:
    return (
        [pickle.dumps(d) for d in result.deals],
        [line for e in result.errors for line in e.lines()],
        dict(result.paths),
    )


def _alone(paths: list[Path]) -> LoadResult:
    return start_loading(paths).finish()


def test_a_helper_reads_part_of_the_files_and_the_result_is_the_same(folder: Path, one_shot: None) -> None:
    expected = _alone([folder])
    assert len(expected.deals) == N - 2 and len(expected.errors) == 3  # the bad, the empty, the twin
    pending = start_loading([folder], helper=True)
    helper = _begun(pending)
    got = pending.finish()
    assert _plain(got) == _plain(expected)
    assert helper.sent_back > 0 and helper.read_here > 0  # both read some
    assert helper.sent_back + helper.read_here >= N + 1 - 2  # the two bad files are read here again
    arb.helperload.reap(wait=True)  # a helper that finished is reaped later, not waited for by the run
    assert arb.helperload._exiting == []
    with pytest.raises(ChildProcessError):
        os.waitpid(helper.pid, os.WNOHANG)  # reaped: no child left behind


def _in_child_only(parent: int, act: Any, name: str = "load_deal") -> Any:
    """``arb.loader.<name>`` doing ``act`` in a helper only (``_read_deal`` for a first run with a cache)."""
    real = getattr(arb.loader, name)

    def load(path: Any) -> Any:
        if os.getpid() != parent:
            return act(path, real)
        return real(path)

    return load


#: Without a deal cache the helper reads with load_deal; on a first run with one (nothing kept yet),
#: with _read_deal, each deal sent with its file's key.
MODES = ["no-cache", "first-run"]


def _start(mode: str, folder: Path, tmp_path: Path) -> Any:
    cache = DealCache(tmp_path / "cache") if mode == "first-run" else None
    pending = start_loading([folder], cache=cache, helper=True)
    assert pending.keyed == (mode == "first-run")
    return pending


def _reader(mode: str) -> str:
    return "_read_deal" if mode == "first-run" else "load_deal"


@pytest.mark.parametrize("mode", MODES)
def test_a_helper_that_dies_costs_nothing_but_speed(
    folder: Path, tmp_path: Path, one_shot: None, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    expected = _alone([folder])
    seen: list[Path] = []

    def die(path: Path, real: Any) -> Any:
        seen.append(path)
        if len(seen) == 5:
            os._exit(3)  # killed mid-way: what it read is never sent
        return real(path)

    monkeypatch.setattr(arb.loader, _reader(mode), _in_child_only(os.getpid(), die, _reader(mode)))
    pending = _start(mode, folder, tmp_path)
    helper = _begun(pending)
    assert _plain(pending.finish()) == _plain(expected)
    assert helper.sent_back == 0


@pytest.mark.parametrize("mode", MODES)
def test_what_a_helper_sends_is_checked_before_it_is_used(
    folder: Path, tmp_path: Path, one_shot: None, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    expected = _alone([folder])
    odd = _in_child_only(os.getpid(), lambda path, real: "not a deal", _reader(mode))
    monkeypatch.setattr(arb.loader, _reader(mode), odd)
    pending = _start(mode, folder, tmp_path)
    helper = _begun(pending)
    time.sleep(0.05)  # time to read a chunk or more (each comes back as a string)
    assert _plain(pending.finish()) == _plain(expected)
    assert helper.sent_back == 0 and helper.refused > 0  # every file it read is read again here


@pytest.mark.parametrize("mode", MODES)
def test_a_helper_that_hangs_is_stopped(
    folder: Path, tmp_path: Path, one_shot: None, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    expected = _alone([folder])

    def hang(path: Path, real: Any) -> Any:
        time.sleep(60)
        return real(path)

    monkeypatch.setattr(arb.loader, _reader(mode), _in_child_only(os.getpid(), hang, _reader(mode)))
    monkeypatch.setattr(arb.helperload, "WAIT_SECONDS", 0.2)
    pending = _start(mode, folder, tmp_path)
    helper = _begun(pending)
    assert _plain(pending.finish()) == _plain(expected)
    with pytest.raises(ChildProcessError):
        os.waitpid(helper.pid, os.WNOHANG)  # stopped and reaped


def test_what_a_helper_sent_before_it_hung_is_used(
    folder: Path, one_shot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arb.helperload import CHUNK

    expected = _alone([folder])
    seen: list[Path] = []

    def hang_later(path: Path, real: Any) -> Any:
        seen.append(path)
        if len(seen) > CHUNK + 8:  # its first chunk sent (two files of the first 34 fail to load)
            time.sleep(60)
        return real(path)

    monkeypatch.setattr(arb.loader, "load_deal", _in_child_only(os.getpid(), hang_later))
    monkeypatch.setattr(arb.helperload, "WAIT_SECONDS", 0.5)
    pending = start_loading([folder], helper=True)
    helper = _begun(pending)
    deadline = time.monotonic() + 10
    while helper.marks[CHUNK + 8] == 0 and time.monotonic() < deadline:  # it has begun the file it hangs in
        time.sleep(0.001)
    assert _plain(pending.finish()) == _plain(expected)
    assert helper.sent_back == CHUNK  # the chunk it sent is used; the files it marked after it are read here


def test_when_no_helper_starts(folder: Path, monkeypatch: pytest.MonkeyPatch, one_shot: None) -> None:
    files = sorted(folder.glob("*.toml"))
    # too few files to pay for a fork
    assert start_helper(files[: MIN_FILES - 1], arb.loader.load_deal) is None
    # turned off
    monkeypatch.setenv("ARB_HELPER", "0")
    assert not may_fork() and start_loading([folder], helper=True).helper is None
    monkeypatch.delenv("ARB_HELPER")
    # another thread running: a fork copies only this one
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not may_fork()
    finally:
        stop.set()
        thread.join()
    assert may_fork()
    # not the console script's process (a program or notebook calling arb)
    monkeypatch.setattr(arb.cli, "ONE_SHOT", False)
    assert not may_fork() and start_loading([folder], helper=True).helper is None


def test_the_cache_written_by_a_child_is_the_one_written_here(
    folder: Path, tmp_path: Path, one_shot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arb.dealcache, "SETTLE_SECONDS", 0.0)
    load_deals([folder], cache=DealCache(tmp_path / "here"))  # not one_shot's path: written in process
    in_child = DealCache(tmp_path / "child")
    result = start_loading([folder], cache=in_child, helper=True).finish()
    assert len(arb.dealcache._savers) == 1  # written by a child
    wait_for_saves()
    assert arb.dealcache._savers == []

    def entries(where: Path) -> dict[str, Any]:
        (written,) = where.glob("*.pickle")
        with open(written, "rb") as f:
            pickle.load(f)
            return dict(pickle.load(f))

    here, child = entries(tmp_path / "here"), entries(tmp_path / "child")
    assert sorted(here) == sorted(child) and len(child) == len(result.deals) + 1  # the twin's file too
    for name, (key, deal) in child.items():
        assert key == here[name][0] and deal == here[name][1]
        assert deal.__dict__["_terms_hash"] == deal._hash_terms()  # kept with the record
    assert not list((tmp_path / "child").glob(".deals-*"))  # no temporary file left


def test_the_command_gives_the_same_report_with_and_without_helpers(tmp_path: Path) -> None:
    """End to end, fresh processes: a first run, the same with helpers off, and a later run."""
    from arb.book import symbols_for
    from benchmarks.bench_report import write_prices

    folder = tmp_path / "deals"
    write_deal_files(folder, N)
    written = time.time()
    write_prices(tmp_path / "prices.csv", symbols_for(load_deals([folder]).deals))
    # The command as `python -m arb` runs it, noting in a file whether a helper and a saver ran.
    trace = tmp_path / "trace.txt"
    script = (
        "import os, sys, arb.helperload as h, arb.dealcache as d\n"
        "def note(text):\n"
        "    with open(os.environ['TRACE'], 'a') as f: f.write(text + '\\n')\n"
        "run, fork_saver = h.Helper.run, d._fork_saver\n"
        "def traced_run(self, *a):\n"
        "    got = run(self, *a); note(f'helper {self.read_here} {self.sent_back}'); return got\n"
        "def traced_saver(*a):\n"
        "    done = fork_saver(*a); note(f'saver {done}'); return done\n"
        "h.Helper.run, d._fork_saver = traced_run, traced_saver\n"
        "from arb.cli import run as arb_run\n"
        "sys.argv = ['arb', *sys.argv[1:]]\n"
        "arb_run()\n"
    )
    args = [sys.executable, "-c", script, "report", str(folder), "--prices", str(tmp_path / "prices.csv")]
    args += ["--as-of", AS_OF.isoformat()]

    def run(cache: str, **env: str) -> subprocess.CompletedProcess[str]:
        full = dict(os.environ, ARB_HOME=str(tmp_path / "home"), ARB_CACHE_DIR=str(tmp_path / cache), **env)
        full.update(NO_COLOR="1", COLUMNS="120", ARB_OFFLINE="1", TRACE=str(trace))
        return subprocess.run(args, capture_output=True, text=True, env=full, timeout=120, check=False)

    # The cache keeps only files that have settled: wait that long, as the benchmark does.
    time.sleep(max(0.0, written + arb.dealcache.SETTLE_SECONDS + 0.2 - time.time()))
    plain = run("cache-plain", ARB_HELPER="0")
    assert trace.read_text() == "saver False\n"  # turned off: no helper, and the cache written in process
    trace.unlink()
    helped = run("cache-helped")
    assert plain.returncode in (0, 1) and "synthetic-0042" in plain.stdout
    assert (helped.returncode, helped.stdout, helped.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    helper, saver = trace.read_text().split("\n")[:2]
    read_here, sent_back = map(int, helper.split()[1:])
    assert sent_back > 0 and read_here + sent_back >= N and saver == "saver True"
    # The cache was written, whole, by a child the command waited for before it ended.
    (kept,) = (tmp_path / "cache-helped" / "deals").glob("*.pickle")
    with open(kept, "rb") as f:
        pickle.load(f)
        assert len(pickle.load(f)) == N
    later = run("cache-helped")
    assert (later.returncode, later.stdout, later.stderr) == (plain.returncode, plain.stdout, plain.stderr)


def _child_process() -> int:
    """A child process to stand for a helper (``Helper`` reaps it at the end)."""
    return subprocess.Popen([sys.executable, "-c", "pass"]).pid


def test_chunks_are_taken_whole_and_nothing_after_a_damaged_one() -> None:
    import mmap

    from arb.helperload import _HELPER, Helper, _frame

    files = [Path(f"file-{i}") for i in range(10)]
    marks = mmap.mmap(-1, len(files))
    for pos in range(6):
        marks[pos] = _HELPER  # the helper took the first six
    read_end, write_end = os.pipe()
    helper = Helper(files, marks, read_end, _child_process())
    first = _frame([(0, "deal-0"), (1, "deal-1")])
    os.write(write_end, first[:11])  # cut short: waits for the rest
    helper._drain()
    helper._take(lambda x: True)
    assert helper._theirs == {}
    os.write(write_end, first[11:])
    os.write(
        write_end, _frame([(2, "refused"), (99, "deal-99"), ("3", "deal-3")])
    )  # refused, out of range, not a position
    os.write(write_end, (5).to_bytes(8, "little") + b"junk!")  # damaged: nothing from here on
    os.write(write_end, _frame([(4, "deal-4"), (5, "deal-5")]))
    os.close(write_end)
    got = helper.run(lambda path: f"here-{path.name}", lambda x: x.startswith("deal-"))
    assert got == {0: "deal-0", 1: "deal-1", **{pos: f"here-file-{pos}" for pos in range(6, 10)}}
    assert (helper.read_here, helper.sent_back, helper.refused) == (4, 2, 3)  # 2..5: the caller reads them


def test_the_helpers_deals_are_taken_in_while_files_are_read_here(
    folder: Path, one_shot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arb.helperload import CHUNK, TAKE_EVERY

    expected = _alone([folder])
    parent = os.getpid()
    real = arb.loader.load_deal
    taken: list[int] = []

    calls: list[Any] = []

    def load(path: Any) -> Any:
        if os.getpid() != parent:  # the helper: slow once its first chunk is sent
            calls.append(path)
            if len(calls) > CHUNK:
                time.sleep(0.002)
            return real(path)
        helper = pending.helper
        if helper.marks.closed:  # after the run: a file the helper could not load, read again here
            return real(path)
        deadline = time.monotonic() + 10
        # Its first chunk is sent: it has begun a file past it (two files fail to load: not in a chunk).
        while helper.marks[CHUNK + 4] == 0 and time.monotonic() < deadline:
            time.sleep(0.001)
        taken.append(len(helper._theirs))
        return real(path)

    monkeypatch.setattr(arb.loader, "load_deal", load)
    pending = start_loading([folder], helper=True)
    assert _plain(pending.finish()) == _plain(expected)
    assert len(taken) > TAKE_EVERY and taken[0] == 0
    assert taken[TAKE_EVERY] >= CHUNK  # taken in after this process's first files, before the two met


def test_a_first_runs_helper_sends_each_key_with_its_deal_and_both_are_checked(
    folder: Path, tmp_path: Path, one_shot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With a deal cache that holds nothing yet, no file is looked up: each reader sends the key
    # its reading began with. A key that is not one is refused, and that file is read here.
    monkeypatch.setattr(arb.dealcache, "SETTLE_SECONDS", 0.0)
    expected = _alone([folder])
    parent = os.getpid()
    real = arb.loader._read_deal

    def odd_keys(path: Any) -> Any:
        deal, key = real(path)
        if os.getpid() != parent and path.name.endswith(("1.toml", "3.toml")):
            return deal, ("not", "a", "key", 0, 0)
        return deal, key

    monkeypatch.setattr(arb.loader, "_read_deal", odd_keys)
    pending = start_loading([folder], cache=DealCache(tmp_path / "cache"), helper=True)
    assert pending.keyed
    helper = _begun(pending)
    assert _plain(pending.finish()) == _plain(expected)
    assert helper.sent_back > 0 and helper.refused > 0
    wait_for_saves()
    kept = DealCache(tmp_path / "cache")
    for deal in expected.deals:
        path = expected.paths[deal.id]
        if path.name != "synthetic-9999.toml":  # the twin: kept, though its id clashes (the loader reports it)
            assert kept.lookup(path)[0] == deal


def test_a_cache_written_by_a_child_keeps_no_file_too_fresh_at_the_start(
    folder: Path, tmp_path: Path, one_shot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The child that writes the cache judges "settled" by the run's start, as a save in process does.
    monkeypatch.setattr(arb.dealcache, "SETTLE_SECONDS", 0.3)
    time.sleep(0.35)  # the folder's files have settled
    fresh = folder / "synthetic-0000-fresh.toml"
    fresh.write_text((folder / "synthetic-0001.toml").read_text().replace('id = "', 'id = "fresh-', 1))
    time.sleep(0.1)
    pending = start_loading([folder], cache=DealCache(tmp_path / "cache"), helper=True)
    assert pending.keyed
    time.sleep(0.4)  # settled by the save, not when the run began
    result = pending.finish()
    assert fresh in result.paths.values()  # loaded, and not kept
    assert len(arb.dealcache._savers) == 1  # written by a child
    wait_for_saves()
    entries = DealCache(tmp_path / "cache")._folder(fresh).entries
    assert fresh.name not in entries
    assert len(entries) == len(result.deals)  # every other file that loaded, the twin's included, is kept

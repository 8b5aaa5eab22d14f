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
    # The command as `python -m arb` runs it, noting in a file which helpers ran and who wrote the cache.
    trace = tmp_path / "trace.txt"
    script = (
        "import os, sys, arb.helperload as h, arb.dealcache as d\n"
        "def note(text):\n"
        "    with open(os.environ['TRACE'], 'a') as f: f.write(text + '\\n')\n"
        "early, run, hand_over, fork_saver = h.start_early, h.Helper.run, h.Helper.hand_over, d._fork_saver\n"
        "def traced_early(*a):\n"
        "    early(*a); note(f'early {h._early.pid if h._early else None}')\n"
        "def traced_run(self, *a):\n"
        "    got = run(self, *a); note(f'helper {self.read_here} {self.sent_back} {self.pid}'); return got\n"
        "def traced_hand_over(self, *a):\n"
        "    pid = hand_over(self, *a); note(f'handed over {pid}'); return pid\n"
        "def traced_saver(*a):\n"
        "    done = fork_saver(*a); note(f'saver {done}'); return done\n"
        "h.start_early, h.Helper.run, h.Helper.hand_over = traced_early, traced_run, traced_hand_over\n"
        "d._fork_saver = traced_saver\n"
        "from arb.start import run as arb_run\n"
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
    # turned off: no helper, and the cache written in process
    assert trace.read_text() == "early None\nsaver False\n"
    trace.unlink()
    helped = run("cache-helped")
    assert plain.returncode in (0, 1) and "synthetic-0042" in plain.stdout
    assert (helped.returncode, helped.stdout, helped.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    early, helper, handed = trace.read_text().splitlines()
    # The helper forked at the start read files, and then wrote the cache: no child was forked for it.
    pid = early.split()[1]
    read_here, sent_back = map(int, helper.split()[1:3])
    assert helper.split()[3] == pid and handed == f"handed over {pid}"
    assert sent_back > 0 and read_here + sent_back >= N
    # The cache was written, whole, by the helper, which the command waited for before it ended.
    (kept,) = (tmp_path / "cache-helped" / "deals").glob("*.pickle")
    with open(kept, "rb") as f:
        pickle.load(f)
        assert len(pickle.load(f)) == N
    trace.unlink()
    later = run("cache-helped")
    assert (later.returncode, later.stdout, later.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    assert trace.read_text().splitlines()[1:] == []  # every deal from the cache: the early helper was stopped


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


# ------------------------------------------------------------------------------------------------
# The helper forked early (arb.start): it waits for its files, then may write a first run's cache
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def early(one_shot: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A helper forked early, as the console script forks one (its pid); stopped after the test if still waiting.

    Files kept by the cache need not have settled (the helper has this process's settings as they
    were when it was forked).
    """
    from arb.start import _prepare

    monkeypatch.setattr(arb.dealcache, "SETTLE_SECONDS", 0.0)
    arb.helperload.start_early(_prepare)
    assert arb.helperload._early is not None
    yield arb.helperload._early.pid
    arb.helperload.dismiss()
    wait_for_saves()


def _gone(pid: int) -> bool:
    """Whether child ``pid`` has ended and been reaped."""
    arb.helperload.reap(wait=True)
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _entries(where: Path) -> dict[str, Any]:
    (written,) = where.glob("*.pickle")
    with open(written, "rb") as f:
        pickle.load(f)
        return dict(pickle.load(f))


def test_a_helper_forked_early_reads_and_writes_the_first_runs_cache(
    folder: Path, tmp_path: Path, early: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _alone([folder])
    load_deals([folder], cache=DealCache(tmp_path / "here"))  # written in process

    def no_fork(*args: Any) -> bool:
        raise AssertionError("no child is forked to write the cache")

    monkeypatch.setattr(arb.dealcache, "_fork_saver", no_fork)
    pending = start_loading([folder], cache=DealCache(tmp_path / "early"), helper=True)
    assert pending.keyed and arb.helperload._early is None
    helper = _begun(pending)
    assert helper.pid == early  # the helper forked early took the files
    assert _plain(pending.finish()) == _plain(expected)
    assert helper.sent_back > 0
    assert arb.dealcache._savers == [early]  # it writes the cache; the end of the command waits for it
    wait_for_saves()
    here, there = _entries(tmp_path / "here"), _entries(tmp_path / "early")
    assert list(there) == list(here) and len(there) == len(expected.deals) + 1  # the twin's file too
    for name, (key, deal) in there.items():
        assert key == here[name][0] and deal == here[name][1]
        assert deal.__dict__["_terms_hash"] == deal._hash_terms()
    assert _gone(early)


def test_a_helper_forked_early_is_stopped_when_it_has_no_files(
    folder: Path, tmp_path: Path, early: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every deal from the cache: nothing for it to read.
    load_deals([folder], cache=DealCache(tmp_path / "cache"))
    pending = start_loading([folder], cache=DealCache(tmp_path / "cache"), helper=True)
    assert pending.helper is None and arb.helperload._early is None
    assert _gone(early)
    pending.finish()
    # Too few files to read, and a command that reads none (the end of the process stops it too).
    from arb.start import _prepare

    for stop in (lambda: start_helper(sorted(folder.glob("*.toml"))[:3], arb.loader.load_deal), arb.helperload.dismiss):
        arb.helperload.start_early(_prepare)
        assert arb.helperload._early is not None
        pid = arb.helperload._early.pid
        assert stop() is None and arb.helperload._early is None
        assert _gone(pid)


def test_a_load_that_cannot_be_named_to_the_early_helper_gets_a_helper_forked_then(
    folder: Path, early: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _alone([folder])
    real = arb.loader.load_deal
    monkeypatch.setattr(arb.loader, "load_deal", lambda path: real(path))  # a closure: not sent by name
    pending = start_loading([folder], helper=True)
    helper = _begun(pending)
    assert helper.pid != early and _gone(early)
    assert _plain(pending.finish()) == _plain(expected)


def test_an_early_helper_that_has_ended_is_replaced(folder: Path, early: int) -> None:
    import signal

    expected = _alone([folder])
    os.kill(early, signal.SIGKILL)  # killed from outside before it got its files
    time.sleep(0.05)
    pending = start_loading([folder], helper=True)
    helper = _begun(pending)
    assert helper.pid != early and _gone(early)
    assert _plain(pending.finish()) == _plain(expected)


_PARENT = os.getpid()
_REAL_READ = arb.loader._read_deal


def _read_five_then_die(path: Path) -> Any:
    """``_read_deal``, but a helper dies at its sixth file (a function of the module's top level: sent by name)."""
    if os.getpid() != _PARENT:
        _read_five_then_die.calls += 1  # type: ignore[attr-defined]
        if _read_five_then_die.calls > 5:  # type: ignore[attr-defined]
            os._exit(3)
    return _REAL_READ(path)


_read_five_then_die.calls = 0  # type: ignore[attr-defined]


def test_an_early_helper_that_dies_while_reading_costs_nothing_but_speed(
    folder: Path, tmp_path: Path, early: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _alone([folder])
    monkeypatch.setattr(arb.loader, "_read_deal", _read_five_then_die)
    pending = start_loading([folder], cache=DealCache(tmp_path / "cache"), helper=True)
    helper = _begun(pending)
    assert helper.pid == early
    assert _plain(pending.finish()) == _plain(expected)
    assert helper.sent_back == 0  # it died before its first chunk: every file was read here
    wait_for_saves()  # the cache is written all the same (not by the dead helper)
    assert len(_entries(tmp_path / "cache")) == len(expected.deals) + 1


def test_a_helper_that_ends_before_it_is_handed_the_cache_leaves_it_to_the_command(
    folder: Path, tmp_path: Path, one_shot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal

    monkeypatch.setattr(arb.dealcache, "SETTLE_SECONDS", 0.0)
    expected = _alone([folder])
    hand_over = arb.helperload.Helper.hand_over
    forked: list[bool] = []
    fork_saver = arb.dealcache._fork_saver

    def killed_first(self: Any, *args: Any) -> Any:
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        got = hand_over(self, *args)
        assert got is None
        return got

    def saver(*args: Any) -> bool:
        forked.append(True)
        return fork_saver(*args)

    monkeypatch.setattr(arb.helperload.Helper, "hand_over", killed_first)
    monkeypatch.setattr(arb.dealcache, "_fork_saver", saver)
    pending = start_loading([folder], cache=DealCache(tmp_path / "cache"), helper=True)
    _begun(pending)
    assert _plain(pending.finish()) == _plain(expected)
    assert forked == [True]  # written by a child forked for it, as before
    wait_for_saves()
    assert len(_entries(tmp_path / "cache")) == len(expected.deals) + 1


def test_the_commands_given_an_early_helper_are_commands() -> None:
    from arb.start import READS_DEALS

    commands = {c.name for c in arb.cli.app.registered_commands}
    assert commands >= READS_DEALS

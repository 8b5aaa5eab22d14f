"""arb.dealcache: checked deals kept between runs, never served for a file that changed.

Files written by a test are seconds old at most, and the cache keeps only files that settled
(:data:`arb.dealcache.SETTLE_SECONDS`), so most tests set that to 0 and wait a little between
writes instead; one test checks that a fresh file is not kept.
"""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import arb.dealcache
import arb.loader
from arb.cli import app
from arb.dealcache import DealCache
from arb.frozen import Record
from arb.loader import load_deals

DEALS = Path(__file__).parent / "data" / "deals" / "valid"


def _tick() -> None:
    time.sleep(0.03)  # past the file system's clock tick, so a rewrite gets a new change time


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arb.dealcache, "SETTLE_SECONDS", 0.0)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "deals"
    out.mkdir()
    for src in sorted(DEALS.glob("*.toml")):
        (out / src.name).write_bytes(src.read_bytes())
    _tick()
    return out


def _no_reading(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Make reading a deal file record the path (and still read it)."""
    read: list[Path] = []
    real = arb.loader._read_deal  # load_deal's own reading, and a first run's (keyed by its stat)

    def spy(path: Any) -> Any:
        read.append(Path(path))
        return real(path)

    monkeypatch.setattr(arb.loader, "_read_deal", spy)
    return read


def test_unchanged_files_come_from_the_cache(
    folder: Path, tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = load_deals([folder], cache=DealCache(tmp_path / "cache"))
    assert cold.ok and len(cold.deals) == len(list(folder.glob("*.toml")))
    read = _no_reading(monkeypatch)
    warm = load_deals([folder], cache=DealCache(tmp_path / "cache"))
    assert read == []  # not one file parsed again
    assert warm.deals == cold.deals and warm.paths == cold.paths
    assert [d.model_dump() for d in warm.deals] == [d.model_dump() for d in load_deals([folder]).deals]


def test_a_changed_file_is_read_again(
    folder: Path, tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_deals([folder], cache=DealCache(tmp_path / "cache"))
    path = folder / "cash.toml"
    before = path.stat()
    text = path.read_text()
    assert 'name = "' in text
    # Same size, and the modification time put back as it was: only the change time tells.
    changed = text.replace('name = "', 'name = "X', 1).replace("\n\n", "\n", 1)
    assert len(changed.encode()) == len(text.encode())
    _tick()
    path.write_text(changed)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    read = _no_reading(monkeypatch)
    warm = load_deals([folder], cache=DealCache(tmp_path / "cache"))
    assert read == [path]
    deal = next(d for d in warm.deals if warm.paths[d.id] == path)
    assert deal.name.startswith("X")


def test_a_file_made_bad_is_an_error_not_its_old_deal(folder: Path, tmp_path: Path, settled: None) -> None:
    first = load_deals([folder], cache=DealCache(tmp_path / "cache"))
    path = folder / "cash.toml"
    _tick()
    path.write_text(path.read_text() + "\nunknown_key_here = 1\n")
    for _ in range(2):  # a bad file is never kept: it is reported on every run
        again = load_deals([folder], cache=DealCache(tmp_path / "cache"))
        assert len(again.deals) == len(first.deals) - 1
        assert [e.path for e in again.errors] == [path]


def test_a_fresh_file_is_not_kept(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Written just now: a second write in the same clock tick would keep its times, so it waits.
    load_deals([folder], cache=DealCache(tmp_path / "cache"))
    read = _no_reading(monkeypatch)
    load_deals([folder], cache=DealCache(tmp_path / "cache"))
    assert len(read) == len(list(folder.glob("*.toml")))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "wrong-shape"])
def test_a_damaged_cache_is_ignored_and_rewritten(
    folder: Path, tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    cache = tmp_path / "cache"
    cold = load_deals([folder], cache=DealCache(cache))
    (file,) = (cache).glob("*.pickle")
    data = file.read_bytes()
    if damage == "garbage":
        file.write_bytes(b"\x80\x05not a pickle at all")
    elif damage == "truncated":
        file.write_bytes(data[: len(data) // 2])
    elif damage == "foreign":  # another version of the code made it
        with open(file, "wb") as f:
            pickle.dump(("other code",), f)
            pickle.dump({"cash.toml": ((0, 0, 0, 0, 0), "not a deal")}, f)
    else:
        with open(file, "wb") as f:
            pickle.dump(arb.dealcache.code_fingerprint(), f)
            pickle.dump({"cash.toml": ("not a key", None), 3: 4}, f)
    read = _no_reading(monkeypatch)
    again = load_deals([folder], cache=DealCache(cache))
    assert again.deals == cold.deals and len(read) == len(cold.deals)
    read.clear()
    assert load_deals([folder], cache=DealCache(cache)).deals == cold.deals
    assert read == []  # rewritten whole


def test_other_code_sets_the_cache_aside(
    folder: Path, tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_deals([folder], cache=DealCache(tmp_path / "cache"))
    real = arb.dealcache.code_fingerprint
    monkeypatch.setattr(arb.dealcache, "code_fingerprint", lambda: (*real(), "edited models.py"))
    read = _no_reading(monkeypatch)
    load_deals([folder], cache=DealCache(tmp_path / "cache"))
    assert len(read) == len(list(folder.glob("*.toml")))


def test_the_fingerprint_follows_the_source_files(tmp_path: Path) -> None:
    before = arb.dealcache.code_fingerprint()
    models = Path(arb.dealcache.__file__).parent / "models.py"
    st = models.stat()
    try:
        os.utime(models, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        assert arb.dealcache.code_fingerprint() != before
    finally:
        os.utime(models, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert arb.dealcache.code_fingerprint() == before


def test_a_cache_that_cannot_be_written_costs_only_speed(folder: Path, tmp_path: Path, settled: None) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    result = load_deals([folder], cache=DealCache(blocked / "cache"))
    assert result.ok and result.deals == load_deals([folder]).deals


def test_arb_report_sees_an_edit_between_runs(
    folder: Path, tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ARB_CACHE_DIR", str(tmp_path / "cache"))
    prices = DEALS.parent / "prices.csv"
    args = ["report", str(folder / "cash.toml"), "--prices", str(prices), "--json", "--all"]
    first = CliRunner().invoke(app, args)
    assert list((tmp_path / "cache" / "deals").glob("*.pickle")), "the command line keeps checked deals"
    path = folder / "cash.toml"
    _tick()
    path.write_text(path.read_text().replace('name = "', 'name = "Edited ', 1))
    second = CliRunner().invoke(app, args)
    assert first.exit_code == second.exit_code
    assert "Edited " not in first.stdout and "Edited " in second.stdout
    third = CliRunner().invoke(app, args)
    assert third.stdout == second.stdout


def _same(a: Any, b: Any) -> None:
    """``a`` and ``b`` equal all the way down, with the same types and the same order of fields and keys."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, Record):
        assert list(vars(a)) == list(vars(b))
        for name in vars(a):
            _same(vars(a)[name], vars(b)[name])
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            _same(a[key], b[key])
    else:
        assert a == b or (a != a and b != b)  # NaN is itself


def test_a_cached_deal_is_its_record_exactly(folder: Path, tmp_path: Path, settled: None) -> None:
    cold = load_deals([folder], cache=DealCache(tmp_path / "cache"))
    hashed = cold.deals[0].terms_hash()  # worked out before the cache is saved: kept with the record
    cache = DealCache(tmp_path / "cache")
    for path in cold.paths.values():
        cache.lookup(path)
    next(iter(cache._folders.values())).changed = True
    cache.save()
    (written,) = (tmp_path / "cache").glob("*.pickle")
    with open(written, "rb") as f:
        pickle.load(f)
        entries = pickle.load(f)
    # Read back with pickle alone: every deal as loaded, field for field, type for type.
    by_name = {path.name: deal for deal, path in zip(cold.deals, cold.paths.values(), strict=True)}
    assert sorted(entries) == sorted(by_name)
    for name, (_, deal) in entries.items():
        _same(by_name[name], deal)
    assert vars(entries[cold.paths[cold.deals[0].id].name][1])["_terms_hash"] == hashed


def test_settled_is_judged_at_the_look_up_not_at_the_save(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file changed 0.1 s before it was looked up (and read) is too fresh to keep, however long
    # the load takes before the cache is saved (a helper may read it long before the save).
    monkeypatch.setattr(arb.dealcache, "SETTLE_SECONDS", 0.3)
    path = folder / "fresh.toml"
    path.write_bytes(next(folder.glob("*.toml")).read_bytes().replace(b'id = "', b'id = "fresh-', 1))
    time.sleep(0.1)
    cache = DealCache(tmp_path / "cache")
    _, key = cache.lookup(path)
    deal = arb.loader.load_deal(path)
    time.sleep(0.4)  # settled by now, but not when it was read
    cache.keep(path, key, deal)
    cache.save()
    assert DealCache(tmp_path / "cache").lookup(path)[0] is None
    # The same file looked up once it has settled is kept.
    cache = DealCache(tmp_path / "cache")
    _, key = cache.lookup(path)
    cache.keep(path, key, deal)
    cache.save()
    assert DealCache(tmp_path / "cache").lookup(path)[0] == deal


def test_a_file_changed_while_it_was_read_is_not_written_to_the_cache(
    folder: Path, tmp_path: Path, settled: None
) -> None:
    # Looked up, read, then changed before the cache is written: its deal is not written. The file
    # is looked at again when the cache is written (from the child that writes it, where one does).
    path = next(folder.glob("*.toml"))
    other = sorted(folder.glob("*.toml"))[-1]
    cache = DealCache(tmp_path / "cache")
    (_, key), (_, other_key) = cache.lookup(path), cache.lookup(other)
    deal, other_deal = arb.loader.load_deal(path), arb.loader.load_deal(other)
    cache.keep(path, key, deal)
    cache.keep(other, other_key, other_deal)
    cache._settle()  # as save() does first; the files are not looked at again yet
    assert cache._folder(path).entries[path.name] == (key, deal)
    _tick()
    path.write_bytes(path.read_bytes() + b"# changed while it was read\n")
    assert cache.lookup(path)[0] is None  # never served meanwhile: a look-up compares the key now
    cache.keep(path, key, deal)  # as if read again with its old key: still refused at the write
    cache.save()
    written = DealCache(tmp_path / "cache")._folder(path).entries  # as the cache file holds them
    assert path.name not in written  # not merely never served (a look-up would miss it): not written
    assert written[other.name] == (other_key, other_deal)  # the unchanged file is kept


def test_a_first_run_reads_each_file_once_and_keeps_its_key(
    folder: Path, tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing kept for the folder yet: no file is looked up; each one's key is the stat its reading begins with.
    cache = DealCache(tmp_path / "cache")
    assert not cache.holds_any(sorted(folder.glob("*.toml")))
    looked: list[Path] = []
    real_lookup = DealCache.lookup
    monkeypatch.setattr(DealCache, "lookup", lambda self, path: looked.append(path) or real_lookup(self, path))
    cold = arb.loader.start_loading([folder], cache=cache)
    assert cold.keyed and looked == []
    result = cold.finish()
    assert result.ok and looked == []
    kept = DealCache(tmp_path / "cache")
    assert kept.holds_any([folder / "x.toml"])
    for deal in result.deals:
        path = result.paths[deal.id]
        assert kept._folder(path).entries[path.name] == (arb.dealcache.file_key(path.stat()), deal)
    # A later run looks each file up, and reads none.
    read = _no_reading(monkeypatch)
    warm = arb.loader.start_loading([folder], cache=DealCache(tmp_path / "cache"))
    assert not warm.keyed and len(looked) == len(result.deals)
    assert warm.finish().deals == result.deals and read == []


def test_a_first_run_reports_a_file_gone_since_it_was_listed(folder: Path, tmp_path: Path, settled: None) -> None:
    pending = arb.loader.start_loading([folder], cache=DealCache(tmp_path / "cache"))
    gone = pending.files[0]
    gone.unlink()
    result = pending.finish()
    assert [(e.path, e.lines()) for e in result.errors] == [(gone, [f"{gone}: no such file or folder"])]


def test_a_first_run_judges_settled_at_its_start(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As with a look-up: a file changed 0.1 s before the run began is too fresh to keep, however
    # long the run takes before the cache is saved.
    monkeypatch.setattr(arb.dealcache, "SETTLE_SECONDS", 0.3)
    time.sleep(0.35)  # the folder's other files have settled
    fresh = folder / "fresh.toml"
    fresh.write_bytes(next(folder.glob("*.toml")).read_bytes().replace(b'id = "', b'id = "fresh-', 1))
    time.sleep(0.1)
    pending = arb.loader.start_loading([folder], cache=DealCache(tmp_path / "cache"))
    assert pending.keyed
    time.sleep(0.4)  # settled by the save, not when the run began
    pending.finish()
    entries = DealCache(tmp_path / "cache")._folder(fresh).entries
    assert fresh.name not in entries and len(entries) == len(list(folder.glob("*.toml"))) - 1

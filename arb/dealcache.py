"""A cache of checked deals, so the command line does not parse and check every deal file on every run.

Reading a deal file is TOML parsing and the :class:`~arb.models.Deal` model's checks, about 0.8 ms a
file; a folder of 1,000 deals takes most of a second before anything is priced. The deal that comes
out depends on nothing but the file's bytes and the code that checks them (no date, no setting, no
other file: duplicate ids are found after loading, by the loader). So a deal is kept, pickled, in
the cache folder (``arb.paths.cache_dir()/deals``), one cache file per deal folder, and served again
only when all of this still matches:

- the file: device, inode, size, modification and change times in nanoseconds, as ``stat`` gives
  them when the file is looked up. Any write changes the change time, and no user can set that
  back (``touch -d`` moves the modification time only);
- the code: Python's version, pydantic's installed files and the size and modification time of every module
  of the ``arb`` package's top level (where the model and its checks live), so an upgrade or an
  edit of the code sets the whole cache aside.

A file changed less than :data:`SETTLE_SECONDS` before it was read is not kept (a second write in
the same clock tick would leave the times as they were), nor one whose ``stat`` moved while it was
read. (Times a network share stamps with its own clock are taken as they come: a server clock more
than that far behind this machine's would defeat the wait.) A file that fails to load is never
kept: it is read, and its errors reported, every time. A cache file that cannot be read, was
written by other code, or is damaged is ignored and replaced; one that cannot be written only
costs the next run its speed.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arb.models import Deal

__all__ = ["SETTLE_SECONDS", "DealCache", "code_fingerprint", "file_key", "wait_for_saves"]

#: The format of a cache file; a file of another format is set aside (2: plain records, arb.frozen).
FORMAT = 2
#: A file changed more recently than this, when read, is not kept (see the module's docstring). Well
#: above the coarsest file-time steps in use (2 s on FAT, 1 s on some network shares).
SETTLE_SECONDS = 5.0
#: A folder's cache keeps at most this many deals; past it, those not looked up in this run go.
MAX_ENTRIES = 50_000

FileKey = tuple[int, int, int, int, int]


def file_key(st: os.stat_result) -> FileKey:
    """What changes whenever the file does: device, inode, size, modification and change times (ns)."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def code_fingerprint() -> tuple[Any, ...]:
    """The versions and source files a cached deal was checked by; a cache made by other code is set aside.

    pydantic (which checks what :mod:`arb.quickcheck` leaves to it) and the TOML parsers
    (:mod:`arb.tomlread`) are named by their installed files, not imported: a run of valid files
    never imports pydantic, a later run no parser. arb's own checks are among its sources.
    """
    package = Path(__file__).parent
    sources = []
    with os.scandir(package) as entries:
        for entry in entries:
            if entry.name.endswith(".py") and entry.is_file():
                st = entry.stat()
                sources.append((entry.name, st.st_size, st.st_mtime_ns))
    checkers = (_installed("pydantic"), _installed("pydantic_core"), _installed("tomli"), _installed("rtoml"))
    return (FORMAT, sys.version, *checkers, str(package), sorted(sources))


def _installed(name: str) -> tuple[str, int, int] | None:
    """Where a package is installed and its ``__init__`` file's size and modification time (an upgrade changes them)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        if origin is None:
            return None
        st = os.stat(origin)
    except (ImportError, ValueError, OSError):
        return None
    return (origin, st.st_size, st.st_mtime_ns)


class _Folder:
    """The cache of one deal folder: file name -> (file key, deal)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, tuple[FileKey, Deal]] = {}
        self.seen: set[str] = set()
        self.changed = False


def _folder_name(parent: str) -> str:
    """The cache file's name for a deal folder: two checksums of its absolute path (64 bits).

    zlib is loaded already; hashlib would load OpenSSL, a few ms of every run. A clash of two
    folders is harmless: each deal is served only for a file with its own key (device and inode
    included), so the two folders would only share one cache file and read their files again.
    """
    raw = parent.encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}"


class DealCache:
    """Checked deals by file, kept in ``folder`` between runs (see the module's docstring).

    ``lookup`` a file before reading it; ``keep`` the deal read from it with the key ``lookup``
    gave; ``save`` once at the end. Each method is quiet about a cache it cannot use.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fingerprint: tuple[Any, ...] | None = None
        self._folders: dict[str, _Folder] = {}  # by absolute folder path
        # The same folders by their names as the looked-up paths give them (relative ones too), to skip
        # an abspath per file. A relative name stands for one folder only while the working folder
        # stays put: it does, as a cache lives for one load (arb.cli.common.load makes one per call)
        # and arb never changes its working folder. A cache kept longer, across a chdir, must key
        # this by the absolute path instead. (Were it ever wrong, a deal would still be served only
        # to a file with its own key, device and inode included: a miss, never a wrong deal.)
        self._by_dirname: dict[str, _Folder] = {}
        self._kept: list[tuple[Path, FileKey, Deal]] = []  # kept since the last save, checked when saving
        # Entries put in since the last write whose files are still to be looked at again (_check).
        self._unchecked: list[tuple[_Folder, str, Path, FileKey]] = []
        self._since: int | None = None  # time.time_ns() of the first look-up since the last save

    @property
    def fingerprint(self) -> tuple[Any, ...]:
        if self._fingerprint is None:
            self._fingerprint = code_fingerprint()
        return self._fingerprint

    def _folder(self, path: Path, where: str | None = None) -> _Folder:
        """The cache of ``path``'s folder; ``where`` names that folder as the path gives it (its dirname)."""
        if where is None:
            where = os.path.dirname(path)
        folder = self._by_dirname.get(where)
        if folder is not None:
            return folder
        parent = os.path.abspath(path.parent)
        folder = self._folders.get(parent)
        if folder is None:
            name = _folder_name(parent)
            folder = self._folders[parent] = _Folder(self.folder / f"{name}.pickle")
            folder.entries = self._read(folder.path)
        self._by_dirname[where] = folder
        return folder

    def _read(self, path: Path) -> dict[str, tuple[FileKey, Deal]]:
        from arb.models import Deal

        try:
            with open(path, "rb") as f:
                if pickle.load(f) != self.fingerprint:  # before any deal is unpickled
                    return {}
                entries = pickle.load(f)
        except Exception:  # missing, unreadable, damaged, or made by code that is gone: start afresh
            return {}
        if not isinstance(entries, dict):
            return {}
        # Anything not shaped as this code writes it is dropped: checked in one pass over the
        # values' types, and entry by entry only when that finds something else.
        if {type(name) for name in entries} <= {str} and {
            (type(value), len(value), type(value[0]), len(value[0]), type(value[1]))
            if type(value) is tuple and len(value) == 2 and type(value[0]) is tuple
            else None
            for value in entries.values()
        } <= {(tuple, 2, tuple, 5, Deal)}:
            return entries
        good: dict[str, tuple[FileKey, Deal]] = {}
        for name, value in entries.items():
            if isinstance(name, str) and isinstance(value, tuple) and len(value) == 2:
                key, deal = value
                if isinstance(deal, Deal) and isinstance(key, tuple) and len(key) == 5:
                    good[name] = (key, deal)
        return good

    def begin(self) -> None:
        """Mark the start of reading files without looking them up (see :meth:`holds_any`): a file
        kept from this reading must have settled by now."""
        if self._since is None:
            self._since = time.time_ns()

    def holds_any(self, paths: Sequence[Path]) -> bool:
        """Whether any folder of ``paths`` has deals kept here; if none has (a first run there),
        looking the files up finds nothing, and the caller may :meth:`begin` and :meth:`keep`
        with the keys its reading gives (the ``stat`` just before each file is read)."""
        folders: set[str] = set()
        for path in paths:
            where = os.path.dirname(path)
            if where not in folders:
                folders.add(where)
                if self._folder(path, where).entries:
                    return True
        return False

    def lookup(self, path: Path) -> tuple[Deal | None, FileKey | None]:
        """The deal kept for ``path`` if the file is as it was, and the file's key now (None: cannot stat)."""
        if self._since is None:  # before any file is read: whether one has settled is judged at this time
            self._since = time.time_ns()
        text = os.fspath(path)
        try:
            st = os.stat(text)
        except (OSError, ValueError):
            return None, None
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        # The folder and the name cut from the path's text at its last separator (a path as pathlib
        # writes it: no trailing or doubled separator); any other form asks os.path and pathlib.
        cut = text.rfind(os.sep)
        if cut > 0 and os.altsep is None:
            where, name = text[:cut], text[cut + 1 :]
        else:
            where, name = os.path.dirname(text), path.name
        folder = self._folder(path, where)
        folder.seen.add(name)
        kept = folder.entries.get(name)
        if kept is None:
            return None, key
        if kept[0] == key:
            return kept[1], key
        del folder.entries[name]  # the file changed: its old deal is never served again
        folder.changed = True
        return None, key

    def keep(self, path: Path, key: FileKey | None, deal: Deal) -> None:
        """Keep ``deal``, read from ``path`` whose key before reading was ``key``, if the file has settled.

        Checked when saving: the file's last change must be more than :data:`SETTLE_SECONDS` before
        the first look-up since the last save (so before it was read, by this process or a helper);
        and when the cache is written (by the child that writes it, where one does), the file must
        still have ``key`` (unchanged since it was looked up, so not while it was read).
        """
        if key is not None:
            self._kept.append((path, key, deal))

    def _settle(self) -> None:
        """Put the deals kept since the last save into their folders' entries (see :meth:`keep`).

        Files that had settled are looked at again (``stat``) only when the cache is written
        (:meth:`_check`): from the child that writes it, where one does, not on this process's way.
        Until then an entry may stand for a file that has moved since; a look-up never serves it, as
        it compares the file's key now.
        """
        read_from = self._since if self._since is not None else time.time_ns()
        fresh_after = read_from - SETTLE_SECONDS * 1e9
        unchecked = self._unchecked
        where, folder = None, None  # the last folder, for the next path in it (a folder's files come together)
        for path, key, deal in self._kept:
            here = os.path.dirname(path)
            if here != where or folder is None:
                where, folder = here, self._folder(path, here)
            name = path.name
            folder.seen.add(name)  # kept without a look-up (holds_any): seen in this run all the same
            if max(key[3], key[4]) < fresh_after:  # settled
                folder.entries[name] = (key, deal)
                folder.changed = True
                unchecked.append((folder, name, path, key))
            elif folder.entries.pop(name, None) is not None:
                folder.changed = True
        self._kept = []
        self._since = None

    def _check(self) -> None:
        """Drop each entry put in since the last write whose file no longer has the key it was read with."""
        for folder, name, path, key in self._unchecked:
            try:
                after: FileKey | None = file_key(path.stat())
            except (OSError, ValueError):
                after = None
            kept = folder.entries.get(name)
            if after != key and kept is not None and kept[0] == key:
                del folder.entries[name]
        self._unchecked = []

    def save(self, background: bool = False) -> None:
        """Write each folder's cache that changed (atomically: a reader sees the old file or the new).

        ``background=True`` (the command line's choice) writes them from a forked child where
        :func:`arb.helperload.may_fork` allows, while this process goes on; :func:`wait_for_saves`
        waits for it, and runs at exit.
        """
        self._settle()
        folders = [folder for folder in self._folders.values() if folder.changed]
        if not folders:
            return
        # Pickling a few deals costs less than a fork: only a cache of some size is written by a child.
        if (
            background
            and sum(len(f.entries) for f in folders) >= BACKGROUND_ENTRIES
            and _fork_saver(lambda: self._write(folders))
        ):
            for folder in folders:
                folder.changed = False
            return
        self._write(folders)

    def _write(self, folders: list[_Folder]) -> None:
        self._check()
        for folder in folders:
            import tempfile  # only when there is something to write

            entries = folder.entries
            if len(entries) > MAX_ENTRIES:
                entries = {k: v for k, v in entries.items() if k in folder.seen}
            for _, deal in entries.values():
                with contextlib.suppress(Exception):  # a record that cannot hash is hashed (and fails) where used
                    deal.terms_hash()  # kept with the record: worked out once, not on every later run
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".deals-", suffix=".tmp")
                try:
                    with os.fdopen(fd, "wb") as f:
                        pickle.dump(self.fingerprint, f, protocol=pickle.HIGHEST_PROTOCOL)
                        pickle.dump(entries, f, protocol=pickle.HIGHEST_PROTOCOL)
                    os.replace(tmp, folder.path)
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
            except OSError:  # a read-only or full disk: the next run reads the files again
                continue
            folder.changed = False


#: Children writing a cache (DealCache.save(background=True)) not yet waited for.
_savers: list[int] = []
_waits_at_exit = False  # wait_for_saves is registered with atexit (once)
#: A cache of fewer deals than this is written in process, even where a child could write it.
BACKGROUND_ENTRIES = 64
#: How long the end of a command waits for a cache to be written before leaving it to finish alone.
SAVE_WAIT_SECONDS = 30.0


def _fork_saver(write: Callable[[], None]) -> bool:
    """``write()`` in a forked child; False (nothing started) where forking is not safe."""
    from arb.helperload import may_fork

    if not may_fork():
        return False
    _reap()  # those done already (a long-running command saves more than once)
    # The code's fingerprint (about 4 ms on a first run, which read no cache file) is worked out
    # by the child, as it writes.
    from arb.helperload import fork, in_child

    pid = fork()
    if pid is None:
        return False
    if pid == 0:  # pragma: no cover - the child: tested by its effect (tests/test_helperload.py)
        in_child(write)
    global _waits_at_exit
    if not _waits_at_exit:
        import atexit

        atexit.register(wait_for_saves)
        _waits_at_exit = True
    _savers.append(pid)
    return True


def _reap() -> None:
    """Forget the children that have finished writing (and reap them)."""
    for pid in list(_savers):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _savers.remove(pid)


def wait_for_saves(timeout: float = SAVE_WAIT_SECONDS) -> None:
    """Wait for the caches being written in the background, at most ``timeout`` seconds in all.

    Past it (a stalled disk), the writes go on without this process, which stops waiting for them.
    """
    deadline = time.monotonic() + timeout
    _reap()
    while _savers and time.monotonic() < deadline:
        time.sleep(0.002)
        _reap()
    _savers.clear()

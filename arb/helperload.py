"""A forked helper that reads deal files while the command line goes on, on a second core.

A first run over a large folder (no deal cache yet) spends most of its time reading, parsing and
checking files, one after another, and the rest importing numpy and the pricing code, which needs
no file. :func:`start_helper` forks a helper that starts on the files at once, from the first;
:meth:`Helper.run`, called when the deals are needed, reads from the last file until the two meet,
taking in what the helper has read as it goes (pickled in chunks through a pipe, as the deal cache
keeps deals), then the rest once the helper is done.

Who reads which file is settled by one byte per file in memory the two processes share: each marks
a file before reading it and stops at the first the other has marked. Both may mark the same file
at the same moment; then both read it, and this process keeps its own. Anything the helper did not
send back, however it ended (a crash, a signal, a result that does not unpickle), is read here: the
helper can make a run faster, never different. A file the helper could not load is read here
again, so its errors are this process's own.

A helper is started only where it is safe and pays: in the console script's own process
(``arb.cli.main``; never in a program or notebook that calls arb), on Linux, with no other thread
running (a fork copies one thread; a lock another one held would never be released), more than one
CPU this process may use, and at least :data:`MIN_FILES` files to read. ``ARB_HELPER=0`` (or
``false``, ``no``, ``off``) turns helpers off. The same rules let
:meth:`arb.dealcache.DealCache.save` write the deal cache from a forked child while the command
goes on.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["MIN_FILES", "Helper", "fork", "in_child", "may_fork", "reap", "start_helper"]

#: Fewer files than this are read here: a fork and a pipe cost more than they save (about 0.15 ms a file).
MIN_FILES = 64
#: Results are pickled and sent in chunks of this many files, each after its size (8 bytes, little-endian).
CHUNK = 32
#: While it reads, the main process takes in the helper's chunks that have come after every this many files.
TAKE_EVERY = 8
#: The pipe's size asked for (Linux's default limit for one pipe is 1 MiB).
PIPE_BYTES = 1 << 20
#: Seconds to wait for the helper's deals once this process has met it; past it, the rest are read here.
WAIT_SECONDS = 60.0

_FREE, _HELPER, _MAIN = 0, 1, 2


def may_fork() -> bool:
    """Whether this process may fork a helper (see the module's docstring)."""
    cli = sys.modules.get("arb.cli")
    if not getattr(cli, "ONE_SHOT", False) or not sys.platform.startswith("linux"):
        # Only the console script's own process, never a program that calls arb; and only on Linux
        # (macOS's system libraries are not safe in a forked child that does not exec).
        return False
    if os.environ.get("ARB_HELPER", "").strip().lower() in ("0", "false", "no", "off"):
        return False
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - no affinity call (macOS)
        cpus = os.cpu_count() or 1
    return cpus > 1


def start_helper(
    files: Sequence[Path], load: Callable[[Path], Any], prepare: Callable[[], object] | None = None
) -> Helper | None:
    """A helper applying ``load`` to ``files`` from the first, or None (too few files, or no safe fork).

    ``prepare`` runs first in the helper (the imports reading needs, made there while this process
    goes on; this process makes them when it reads its first file).
    A file ``load`` raises for is not sent back (the main process reads it again and reports it).
    """
    if len(files) < MIN_FILES or not may_fork():
        return None
    import mmap

    marks = mmap.mmap(-1, len(files))  # shared with the child: an anonymous MAP_SHARED mapping
    read_end, write_end = os.pipe()
    _widen(write_end)
    pid = fork()
    if pid is None:  # no memory or process slots for a child: read them all here
        os.close(read_end)
        os.close(write_end)
        marks.close()
        return None
    if pid == 0:  # pragma: no cover - the child: measured by its effect (tests/test_helperload.py)
        in_child(lambda: _child(files, load, marks, read_end, write_end, prepare))
    os.close(write_end)
    return Helper(files, marks, read_end, pid)


_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")
_child_mask: Any = None  # in a forked child: the signal mask to restore once it runs its own code


def fork() -> int | None:
    """``os.fork()`` for a child that runs :func:`in_child`; None when the system cannot fork now.

    Interrupts are held back across the fork, so that one arriving at that moment never finds the
    child still running the parent's code (its exit handlers, its buffered output); the parent gets
    them as soon as the fork returns, the child once :func:`in_child` has begun.
    """
    import signal

    global _child_mask
    reap()
    held = {getattr(signal, name) for name in _SIGNALS if hasattr(signal, name)}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        pid = os.fork()
    except OSError:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
        return None
    if pid == 0:  # pragma: no cover - the child
        _child_mask = before
    else:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
    return pid


def in_child(body: Callable[[], object]) -> NoReturn:  # pragma: no cover - runs in a forked child only
    """Run ``body`` as a forked child's whole life, then end it at once, whatever happened.

    The child reads and writes nothing of the terminal's: its standard streams are /dev/null (so a
    shell waiting for the command's output never waits for a child). It never runs the parent's
    exit handlers nor flushes its buffered output (``os._exit``).
    """
    try:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
        import signal

        signal.pthread_sigmask(signal.SIG_SETMASK, _child_mask if _child_mask is not None else set())
        body()
    except BaseException:  # whatever ends it (an interrupt included), the parent does without it
        pass
    finally:
        os._exit(0)


def _widen(fd: int) -> None:
    """Let the pipe hold all the helper sends (about 0.7 kB a deal), so it never waits on a full pipe."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):  # not Linux, or above the system's limit: the default
        pass


def _child(
    files: Sequence[Path],
    load: Callable[[Path], Any],
    marks: Any,
    read_end: int,
    write_end: int,
    prepare: Callable[[], object] | None = None,
) -> None:  # pragma: no cover - runs in the forked child only
    """The helper's whole life (in :func:`in_child`): read files from the first until one is marked, send the results.

    Results go in pickled chunks as they come (each pickled beside the reading, on this core), written
    without waiting while the pipe has room; what it cannot take yet is written at the end.
    """
    os.close(read_end)
    os.set_blocking(write_end, False)
    if prepare is not None:
        prepare()
    waiting = bytearray()
    chunk: list[tuple[int, Any]] = []
    for pos, path in enumerate(files):
        if marks[pos] != _FREE:
            break
        marks[pos] = _HELPER
        with contextlib.suppress(Exception):  # a file that fails is read again, and reported, by the main process
            chunk.append((pos, load(path)))
        if len(chunk) >= CHUNK:
            waiting += _frame(chunk)
            chunk = []
            with contextlib.suppress(BlockingIOError):  # the pipe is full: it goes at the end
                del waiting[: os.write(write_end, waiting)]
    if chunk:
        waiting += _frame(chunk)
    os.set_blocking(write_end, True)
    view = memoryview(waiting)
    while view:
        view = view[os.write(write_end, view) :]
    os.close(write_end)  # the end of what it sends, now: its exit frees its memory before closing its files


def _frame(chunk: list[tuple[int, Any]]) -> bytes:
    """One chunk as it is sent: its pickle's size, then the pickle."""
    data = pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(8, "little") + data


class Helper:
    """The main process's side of a running helper (see the module's docstring)."""

    def __init__(self, files: Sequence[Path], marks: Any, read_end: int, pid: int) -> None:
        self.files = files
        self.marks = marks
        self.read_end = read_end
        self.pid = pid
        #: After :meth:`run`: how many files were read here, how many the helper sent back, and
        #: how many results it sent were refused (not what ``accept`` takes).
        self.read_here = 0
        self.sent_back = 0
        self.refused = 0
        self._received = bytearray()  # what came through the pipe and is not yet taken in
        self._theirs: dict[int, Any] = {}  # the helper's results taken in so far, by position
        self._damaged = False  # a chunk that does not unpickle: nothing from it on is taken
        os.set_blocking(read_end, False)

    def run(self, load: Callable[[Path], Any], accept: Callable[[Any], bool]) -> dict[int, Any]:
        """Read files with ``load`` from the last until the helper's; every file read, by position.

        Positions the helper read and sent back carry its results (those ``accept`` takes: a
        result is checked for its type before it is used); any other position in the result was
        read here. A position missing from the result was not read by either (the helper
        marked it and did not send it back): the caller reads it.
        """
        got: dict[int, Any] = {}
        finished = False
        try:
            for pos in range(len(self.files) - 1, -1, -1):
                if self.marks[pos] != _FREE:
                    break
                self.marks[pos] = _MAIN
                got[pos] = load(self.files[pos])
                if len(got) % TAKE_EVERY == 0:  # the chunks that have come: taken in between files
                    self._drain()
                    self._take(accept)
            finished = self._collect(accept)
        finally:
            self._end(finished=finished)
        self.read_here = len(got)
        self.sent_back = len(self._theirs)
        for pos, deal in self._theirs.items():
            got.setdefault(pos, deal)
        return got

    def _drain(self) -> bool:
        """Read what the pipe holds now, without waiting; True once the helper has closed its end."""
        while True:
            try:
                data = os.read(self.read_end, 1 << 20)
            except BlockingIOError:
                return False
            if not data:
                return True
            self._received += data

    def _take(self, accept: Callable[[Any], bool]) -> None:
        """Take in each whole chunk received; a chunk cut short waits for the rest of it."""
        received, at, n = self._received, 0, len(self.files)
        while not self._damaged and len(received) - at >= 8:
            size = int.from_bytes(received[at : at + 8], "little")
            if len(received) - at - 8 < size:
                break
            try:
                part = pickle.loads(received[at + 8 : at + 8 + size])  # each chunk has its own memo
            except Exception:  # damaged: the files from here on are read here
                part = None
            at += 8 + size
            if not isinstance(part, list):
                self._damaged = True
                break
            for item in part:
                if (
                    type(item) is tuple
                    and len(item) == 2
                    and type(item[0]) is int
                    and 0 <= item[0] < n
                    and accept(item[1])
                ):
                    self._theirs[item[0]] = item[1]
                else:
                    self.refused += 1
        del received[:at]

    def _collect(self, accept: Callable[[Any], bool]) -> bool:
        """Take in the helper's chunks until it closes its end (True), or :data:`WAIT_SECONDS` pass (False)."""
        import select
        import time

        deadline = time.monotonic() + WAIT_SECONDS
        poll = select.poll()  # not select(): any descriptor number
        poll.register(self.read_end, select.POLLIN)
        while not self._drain():
            self._take(accept)
            left = deadline - time.monotonic()
            if left <= 0 or not poll.poll(left * 1000):
                return False
        self._take(accept)
        return True

    def _end(self, finished: bool) -> None:
        """Close the pipe and reap the child: it is exiting if it ``finished`` (closed its end), else it is stopped.

        A child that finished may still be freeing its memory (a millisecond or two): it is left
        to :func:`reap`, not waited for here.
        """
        import signal

        os.close(self.read_end)
        self.marks.close()
        try:
            if finished:
                if os.waitpid(self.pid, os.WNOHANG)[0] == 0:
                    _exiting.append(self.pid)
                return
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ChildProcessError, ProcessLookupError):  # pragma: no cover - gone already
            pass


#: Helpers that had sent everything and were still exiting when their run ended: :func:`reap` waits for them.
_exiting: list[int] = []


def reap(wait: bool = False) -> None:
    """Reap the helpers that have exited since their runs ended; ``wait``: wait for each first.

    Called before each fork (a long-running command starts helpers again and again); at the end
    of a one-shot command, what is left is reaped with the process.
    """
    for pid in list(_exiting):
        try:
            done = os.waitpid(pid, 0 if wait else os.WNOHANG)[0]
        except ChildProcessError:  # pragma: no cover - reaped elsewhere
            done = pid
        if done:
            _exiting.remove(pid)

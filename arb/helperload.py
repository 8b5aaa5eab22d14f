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

The console script forks its helper at its very start (:func:`start_early`, from :mod:`arb.start`),
for a command that reads deal files: while the process is small, so that it copies few pages as it
goes on, and so that the helper's imports overlap its own. The helper waits for its files; a run
with none for it (all from the deal cache, or few) stops it. Where it cannot take them, a helper
is forked when the files are known. Done reading, a helper waits once more: on a first run it is
handed the deals this process read, and writes the deal cache (:meth:`Helper.hand_over`), so no
other child is forked for that; otherwise it is let go (:meth:`Helper.release`).

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

__all__ = ["MIN_FILES", "Helper", "dismiss", "fork", "in_child", "may_fork", "reap", "start_early", "start_helper"]

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
    # Only the console script's own process, never a program that calls arb.
    return bool(getattr(cli, "ONE_SHOT", False)) and _fork_safe()


def _fork_safe() -> bool:
    """:func:`may_fork` but for whose process this is (:func:`start_early`'s caller is the console script)."""
    if not sys.platform.startswith("linux"):
        return False  # macOS's system libraries are not safe in a forked child that does not exec
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


#: The most files a helper forked early (:func:`start_early`) can take: one byte each of the
#: memory it shares with this process, reserved before the files are known (a page of it is only
#: allocated once touched). More files than this are left to a helper forked when they are known.
EARLY_CAPACITY = 1 << 20


class _Early:
    """A helper forked early (:func:`start_early`), waiting for its files."""

    def __init__(self, pid: int, control: int, results: int, marks: Any) -> None:
        self.pid = pid
        self.control = control  # this process writes what the helper is to do here
        self.results = results  # and reads its results here
        self.marks = marks


_early: _Early | None = None


def start_early(prepare: Callable[[], object] | None = None) -> None:
    """Fork a helper now, at the start of the console script, to wait for the files it is to read.

    Called by the console script (:mod:`arb.start`) before it imports the command line, for a
    command that reads deal files. Forked while this process is still small, the helper costs it
    far fewer pages copied on its first write as it goes on (each is 3-15 us on a virtual
    machine; a helper forked once the files are known cost a first run about 3,000 of them), and
    the helper makes its imports (``prepare``) while this process makes its own.
    :func:`start_helper` gives it the files; a command that has none for it (every deal from the
    cache, or only a few files) stops it (:func:`dismiss`), and so does the end of the process.
    """
    global _early
    if _early is not None or not _fork_safe():
        return
    import mmap

    marks = mmap.mmap(-1, EARLY_CAPACITY)
    control_read, control_write = os.pipe()
    results_read, results_write = os.pipe()
    _widen(results_write)
    pid = fork()
    if pid is None:
        for fd in (control_read, control_write, results_read, results_write):
            os.close(fd)
        marks.close()
        return
    if pid == 0:  # pragma: no cover - the child: tested by its effect (tests/test_helperload.py)
        os.close(control_write)
        os.close(results_read)
        in_child(lambda: _serve(control_read, results_write, marks, prepare, None))
    os.close(control_read)
    os.close(results_write)
    _early = _Early(pid, control_write, results_read, marks)
    import atexit

    atexit.register(dismiss)


def dismiss() -> None:
    """Stop the helper forked early (:func:`start_early`), if it is still waiting for files."""
    global _early
    early, _early = _early, None
    if early is None:
        return
    import signal

    os.close(early.control)
    os.close(early.results)
    early.marks.close()
    try:
        os.kill(early.pid, signal.SIGKILL)  # it may be in the middle of its imports: no need to let it finish
        os.waitpid(early.pid, 0)
    except (ChildProcessError, ProcessLookupError):  # pragma: no cover - gone already
        pass


def start_helper(
    files: Sequence[Path], load: Callable[[Path], Any], prepare: Callable[[], object] | None = None
) -> Helper | None:
    """A helper applying ``load`` to ``files`` from the first, or None (too few files, or no safe fork).

    The helper forked early (:func:`start_early`) takes them where there is one and ``load`` can
    be named to it (a function of a module's top level: it is sent pickled, by name); else a
    helper is forked now, which first runs ``prepare`` (the imports reading needs, made there
    while this process goes on; this process makes them when it reads its first file).
    A file ``load`` raises for is not sent back (the main process reads it again and reports it).
    Once done reading, the helper waits for :meth:`Helper.hand_over` or :meth:`Helper.release`.
    """
    global _early
    if len(files) < MIN_FILES or not may_fork():
        dismiss()
        return None
    early = _early
    if early is not None and len(files) <= EARLY_CAPACITY:
        try:
            job = _message(([os.fspath(path) for path in files], load))
        except Exception:  # a load that cannot be named (a closure, a function replaced by another)
            job = None
        if job is not None:
            _early = None
            try:
                _write_all(early.control, job)
            except OSError:  # it has ended (killed from outside): read them here, with a helper forked now
                os.close(early.control)
                os.close(early.results)
                early.marks.close()
                _wait_for(early.pid)
            else:
                return Helper(files, early.marks, early.results, early.pid, early.control)
    dismiss()
    import mmap

    marks = mmap.mmap(-1, len(files))  # shared with the child: an anonymous MAP_SHARED mapping
    control_read, control_write = os.pipe()
    read_end, write_end = os.pipe()
    _widen(write_end)
    pid = fork()
    if pid is None:  # no memory or process slots for a child: read them all here
        for fd in (control_read, control_write, read_end, write_end):
            os.close(fd)
        marks.close()
        return None
    if pid == 0:  # pragma: no cover - the child: measured by its effect (tests/test_helperload.py)
        os.close(control_write)
        os.close(read_end)
        in_child(lambda: _serve(control_read, write_end, marks, prepare, (files, load)))
    os.close(control_read)
    os.close(write_end)
    return Helper(files, marks, read_end, pid, control_write)


def _wait_for(pid: int) -> None:
    """Reap child ``pid`` (which has ended, or is ending)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


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


def _serve(
    control: int,
    results: int,
    marks: Any,
    prepare: Callable[[], object] | None,
    job: tuple[Sequence[Path | str], Callable[[Path], Any]] | None,
) -> None:  # pragma: no cover - runs in the forked child only
    """A helper's whole life (in :func:`in_child`): its imports, then its files (``job``, or the
    first message on ``control``), then the one thing it may be asked to finish with.

    Nothing on ``control`` (its end closed) ends it at any step.
    """
    import gc

    gc.disable()  # a short life: reference counting frees what it makes (as in arb.cli.main)
    if prepare is not None:
        prepare()
    if job is None:
        job = _receive(control)
        if job is None:
            return
    named, load = job
    files = [Path(name) if isinstance(name, str) else name for name in named]  # the early helper's come as text
    got = _read_files(files, load, marks, results)
    message = _receive(control)
    if message is not None:
        finish, payload = message
        finish(files, got, payload)


def _read_files(
    files: Sequence[Path], load: Callable[[Path], Any], marks: Any, write_end: int
) -> dict[int, Any]:  # pragma: no cover - runs in the forked child only
    """Read files from the first until one is marked, send the results; what was sent, by position.

    Results go in pickled chunks as they come (each pickled beside the reading, on this core), written
    without waiting while the pipe has room; what it cannot take yet is written at the end. The pipe
    is closed once everything is in it: the end of what the helper sends.
    """
    os.set_blocking(write_end, False)
    waiting = bytearray()
    sent: dict[int, Any] = {}
    chunk: list[tuple[int, Any]] = []
    for pos, path in enumerate(files):
        if marks[pos] != _FREE:
            break
        marks[pos] = _HELPER
        with contextlib.suppress(Exception):  # a file that fails is read again, and reported, by the main process
            chunk.append((pos, load(path)))
        if len(chunk) >= CHUNK:
            waiting += _frame(chunk)
            sent.update(chunk)
            chunk = []
            with contextlib.suppress(BlockingIOError):  # the pipe is full: it goes at the end
                del waiting[: os.write(write_end, waiting)]
    if chunk:
        waiting += _frame(chunk)
        sent.update(chunk)
    os.set_blocking(write_end, True)
    _write_all(write_end, waiting)
    os.close(write_end)
    return sent


def _write_all(fd: int, data: bytes | bytearray) -> None:
    """Write all of ``data`` to the blocking ``fd``."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _message(obj: Any) -> bytes:
    """``obj`` as one message on a helper's control pipe: its pickle's size, then the pickle."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(8, "little") + data


def _receive(fd: int) -> Any:
    """The next message on ``fd`` (:func:`_message`), or None once the pipe is closed."""
    head = _read_exactly(fd, 8)
    if head is None:
        return None
    body = _read_exactly(fd, int.from_bytes(head, "little"))
    return None if body is None else pickle.loads(body)


def _read_exactly(fd: int, size: int) -> bytes | None:
    """``size`` bytes from the blocking ``fd``, or None if it closes first."""
    parts = []
    while size:
        part = os.read(fd, min(size, 1 << 20))
        if not part:
            return None
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _frame(chunk: list[tuple[int, Any]]) -> bytes:
    """One chunk as it is sent: its pickle's size, then the pickle."""
    return _message(chunk)


class Helper:
    """The main process's side of a running helper (see the module's docstring)."""

    def __init__(self, files: Sequence[Path], marks: Any, read_end: int, pid: int, control: int | None = None) -> None:
        self.files = files
        self.marks = marks
        self.read_end = read_end
        self.pid = pid
        #: Where this process tells the helper, once it is done reading, what to finish with
        #: (:meth:`hand_over`), or closes to let it end (:meth:`release`); None: it ends by itself.
        self.control = control
        #: After :meth:`run`: the positions whose result is the one the helper sent (it holds them too).
        self.used: set[int] = set()
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
            if pos not in got:
                got[pos] = deal
                self.used.add(pos)
        return got

    def hand_over(self, finish: Callable[[Sequence[Path], dict[int, Any], Any], object], payload: Any) -> int | None:
        """Ask the helper, done reading, to run ``finish(files, what it sent by position, payload)``
        and end; its pid, for the caller to wait for, or None if nothing was asked (it is not
        waiting: it ended, was stopped, or ends by itself; or ``finish`` and ``payload`` do not
        pickle: ``finish`` is sent by name, as a function of a module's top level).
        """
        control, self.control = self.control, None
        if control is None:
            return None
        try:
            _write_all(control, _message((finish, payload)))
        except Exception:  # it has ended (a closed pipe), or what to send does not pickle
            os.close(control)
            self._exited()
            return None
        os.close(control)
        return self.pid

    def release(self) -> None:
        """Let the helper end, if it is waiting to be asked for more (:meth:`hand_over`)."""
        control, self.control = self.control, None
        if control is not None:
            os.close(control)
            self._exited()

    def _exited(self) -> None:
        """Reap the helper, which has ended or is ending; if it has not yet, :func:`reap` does later."""
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(self.pid, os.WNOHANG)[0] == 0:
                _exiting.append(self.pid)

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
        """Close the pipe; a helper that ``finished`` (closed its end) is left waiting for
        :meth:`hand_over` or :meth:`release` (one without a control pipe is exiting), else it is stopped.

        A child that finished may still be freeing its memory (a millisecond or two): it is left
        to :func:`reap`, not waited for here.
        """
        import signal

        os.close(self.read_end)
        self.marks.close()
        if finished:
            if self.control is None:
                self._exited()
            return
        if self.control is not None:
            os.close(self.control)
            self.control = None
        try:
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

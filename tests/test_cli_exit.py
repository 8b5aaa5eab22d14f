"""arb.cli.run: the console script ends the process quickly once a command is done, with its exit code,
its output flushed and the exit handlers run; with another thread still at work it ends the usual way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ARB_HOME=str(tmp_path / "home"), ARB_OFFLINE="1", NO_COLOR="1", COLUMNS="120")
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.mark.parametrize(
    ("args", "status", "out"),
    [
        (["report", "--offline"], 0, "enn-energy"),
        (["report", "--bogus"], 2, ""),
        (["report", "no-such-file.toml"], 1, ""),
        (["--version"], 0, "arb "),
    ],
)
def test_the_command_line_keeps_its_exit_code_and_output(
    args: list[str], status: int, out: str, tmp_path: Path
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "arb", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, ARB_HOME=str(tmp_path / "home"), ARB_OFFLINE="1", NO_COLOR="1", COLUMNS="120"),
        timeout=120,
        check=False,
    )
    assert proc.returncode == status, proc.stderr[-500:]
    assert out in proc.stdout
    if status == 0 and args[0] == "report":
        assert proc.stdout.rstrip().endswith(")") or "Flags" in proc.stdout  # the table's footnotes came out whole
        expected = subprocess.run(
            [sys.executable, "-c", "import sys; sys.argv=['arb', *sys.argv[1:]]\nfrom arb.cli import main\nmain()",
             *args],
            capture_output=True, text=True, env=dict(os.environ, ARB_HOME=str(tmp_path / "home"), ARB_OFFLINE="1",
            NO_COLOR="1", COLUMNS="120"), timeout=120, check=False,
        )  # fmt: skip
        assert proc.stdout == expected.stdout and proc.stderr == expected.stderr


def test_exit_handlers_run_and_buffered_output_is_written(tmp_path: Path) -> None:
    mark = tmp_path / "atexit.txt"
    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(mark)!r}, 'w').write('ran'))\n"
        "sys.stdout.write('buffered, no newline')\n"
        "from arb.cli import _quick_exit\n"
        "_quick_exit(3)\n"
    )
    proc = _python(code, tmp_path)
    assert proc.returncode == 3 and proc.stdout == "buffered, no newline"
    assert mark.read_text() == "ran"
    proc = _python("from arb.cli import _quick_exit\n_quick_exit('a message')\n", tmp_path)
    assert proc.returncode == 1 and proc.stderr == "a message\n"
    assert _python("from arb.cli import _quick_exit\n_quick_exit(None)\n", tmp_path).returncode == 0


def test_with_a_thread_still_at_work_the_process_waits_for_it(tmp_path: Path) -> None:
    mark = tmp_path / "thread.txt"
    code = (
        "import threading, time\n"
        f"def work():\n    time.sleep(0.3)\n    open({str(mark)!r}, 'w').write('done')\n"
        "threading.Thread(target=work).start()\n"
        "from arb.cli import _quick_exit\n"
        "_quick_exit(0)\n"
    )
    proc = _python(code, tmp_path)
    assert proc.returncode == 0 and mark.read_text() == "done"


def test_what_the_command_made_is_not_freed_before_the_process_ends(tmp_path: Path) -> None:
    # The command's frames (held by its exit's traceback) keep what it made until os._exit: an
    # object freed on the way out would print from __del__, and the flush before the exit shows it.
    code = (
        "import arb.cli\n"
        "class Made:\n"
        "    def __del__(self):\n"
        "        print('freed')\n"
        "def command():\n"
        "    made = Made()\n"
        "    print('made')\n"
        "    raise SystemExit(4)\n"
        "arb.cli.main = command\n"
        "arb.cli.run()\n"
    )
    proc = _python(code, tmp_path)
    assert proc.returncode == 4, proc.stderr
    assert proc.stdout == "made\n"
    # a command that returns: its frame is gone already, and the exit code is 0
    proc = _python("import arb.cli\narb.cli.main = lambda: print('done')\narb.cli.run()\n", tmp_path)
    assert proc.returncode == 0 and proc.stdout == "done\n"


def test_a_store_the_command_wrote_is_closed_at_its_end(tmp_path: Path) -> None:
    # `watch live` keeps its writable store in its frame; the process ends without freeing it, so
    # an exit handler closes it: the last writable connection to close checkpoints the WAL into the
    # store's file (a copy of that file alone then holds every refresh), and no -wal is left.
    env = dict(os.environ, ARB_HOME=str(tmp_path / "home"), ARB_OFFLINE="1", NO_COLOR="1", COLUMNS="120")
    env["ARB_CACHE_DIR"] = str(tmp_path / "cache")
    proc = subprocess.run(
        [sys.executable, "-m", "arb", "watch", "live", "--cycles", "1", "--offline", "--store-stale"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-500:]
    (store,) = (tmp_path / "home").glob("*.sqlite3")
    wal = store.with_name(store.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    import sqlite3

    def refreshes_in_the_file_alone() -> int:
        copy = tmp_path / "copy.sqlite3"
        copy.write_bytes(store.read_bytes())  # the file alone, as a backup of it would be
        with sqlite3.connect(copy) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM refreshes").fetchone()[0])

    assert refreshes_in_the_file_alone() == 1
    # A refresh on the store it prices from: the store read for prices is open until the end, and
    # the one written was closed before it (it used to leave its WAL for the reader).
    proc = subprocess.run(
        [sys.executable, "-m", "arb", "refresh", "--offline", "--store-stale"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr[-500:]  # 1: the snapshot's prices are stale
    assert not wal.exists() or wal.stat().st_size == 0
    assert refreshes_in_the_file_alone() == 2

"""What every command shares: consoles, deal loading, the price source, error reporting."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console, Group
from rich.segment import Segment
from rich.table import Table
from rich.text import Span, Text

from arb.errors import ArbError
from arb.text import UNSAFE, json_text, safe, safe_each, safe_lines

if TYPE_CHECKING:  # the library is imported inside the commands, so `arb --help` starts fast
    from arb.loader import LoadResult
    from arb.prices.base import PriceSource

T = TypeVar("T")

__all__ = [
    "SafeConsole",
    "err",
    "error",
    "fail",
    "hold",
    "load",
    "note",
    "out",
    "parse_date",
    "price_source",
    "print_csv",
    "print_json",
    "print_json_lines",
    "warn",
    "warn_each",
]


def _text(text: Text) -> Text:
    """A copy of ``text`` passed through ``safe``, its styles moved along with the characters."""
    plain = text.plain
    if not UNSAFE.search(plain):
        return text
    starts, pieces, at = [], [], 0
    for ch in plain:
        starts.append(at)
        piece = ch if ch == "\n" else safe(ch)
        pieces.append(piece)
        at += len(piece)
    starts.append(at)
    shown = text.copy()
    shown.plain = "".join(pieces)
    last = len(plain)  # a span may run past the end of the text; rich allows it
    shown.spans = [Span(starts[min(s.start, last)], starts[min(s.end, last)], s.style) for s in text.spans]
    return shown


def _renderable(obj: Any) -> Any:
    """``obj`` with every string and Text in it passed through ``safe`` (tables and groups in place)."""
    if isinstance(obj, str):
        return safe_lines(obj)
    if isinstance(obj, Text):
        return _text(obj)
    if isinstance(obj, Group):
        obj.renderables[:] = [_renderable(r) for r in obj.renderables]
    elif isinstance(obj, Table):
        obj.title = _renderable(obj.title)
        obj.caption = _renderable(obj.caption)
        for column in obj.columns:
            column.header = _renderable(column.header)
            column.footer = _renderable(column.footer)
            column._cells[:] = [_renderable(c) for c in column._cells]
    return obj


def _untrailed(text: str) -> str:
    """``text`` without the spaces before each line break; what follows the last break keeps its own.

    Line by line with ``rstrip``: a regex for spaces before a break tries every space of a table.
    """
    if " \n" not in text:
        return text
    lines = text.split("\n")
    last = lines.pop()
    return "\n".join([line.rstrip(" ") for line in lines] + [last])


class SafeConsole(Console):
    """A console for text that came from input: it is printed as text, never obeyed.

    Rich markup and ``:emoji:`` codes are off (a ticker ``BIGCO[/]`` is printed as written, not
    a MarkupError), and every string and Text it prints, in tables and groups too, goes through
    ``arb.text.safe``, so no control sequence from a deal or price file reaches the terminal.
    Line breaks already in a string stay; an input value that must stay on one line (an id in
    a message) is escaped whole by ``error``/``warn``/``note`` or by its printer.
    """

    def __init__(self, **kwargs: Any) -> None:
        for off in ("markup", "emoji", "highlight"):
            kwargs.setdefault(off, False)
        super().__init__(**kwargs)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(_renderable(o) for o in objects), **kwargs)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        """The text to write; piped (not a terminal), without the spaces rich pads lines with.

        Rich fills every table line to the width; in a file or a pipe those trailing spaces are
        noise for ``diff`` and ``grep``. Only spaces before a line break go: a piece of a line
        still to be continued keeps its spaces.
        """
        text = super()._render_buffer(buffer)
        return text if self.is_terminal else _untrailed(text)


class Uncut:
    """A table laid out at no less than its natural width (``natural``, else measured): on a
    terminal too narrow for it, lines run past the edge (print it with ``crop=False``) instead of
    a figure losing its last digits to an ellipsis. For tables whose cells never wrap."""

    def __init__(self, table: Table, natural: int | None = None) -> None:
        self.table, self.natural = table, natural

    def __rich_console__(self, console: Console, options: Any) -> Any:
        from rich.measure import Measurement

        natural = self.natural
        if natural is None:
            natural = Measurement.get(console, options.update_width(10_000), self.table).maximum
        yield from console.render(self.table, options.update_width(max(options.max_width, natural)))


out = SafeConsole(soft_wrap=False)
err = SafeConsole(stderr=True, soft_wrap=True)


class _Lines:
    """Lines on stderr as ``err.print(Text(head, style=style) + Text(body))`` prints each: the
    whole line in ``style``, then a line break; the same segments, without a Text per line."""

    def __init__(self, head: str, style: str, bodies: Sequence[str]) -> None:
        self.head, self.style, self.bodies = head, style, bodies

    def __rich_console__(self, console: Console, options: Any) -> Any:
        style = console.get_style(self.style) if self.style else None
        newline = Segment.line()
        for body in self.bodies:
            yield Segment(self.head + body, style)
            yield newline


#: While :func:`hold` runs its work: the stderr lines it printed, kept back (head, style, bodies).
_held: list[tuple[str, str, list[str]]] | None = None


def _lines(head: str, style: str, messages: Iterable[str]) -> None:
    """Each of ``messages`` escaped whole, as one line on stderr after ``head`` (in ``style``);
    all of them in one write."""
    bodies = safe_each(messages)
    if not bodies:
        return
    if _held is not None:
        _held.append((head, style, bodies))
        return
    if err.color_system is None and not err.is_terminal and not err.record:
        # Plain text to a file or pipe: the lines exactly as rich would write them, without its
        # per-call cost (about 0.3 ms; a report of 1,000 deals may warn a thousand times).
        err.file.write(_untrailed("".join([f"{head}{body}\n" for body in bodies])))
        err.file.flush()
        return
    err.print(_Lines(head, style, bodies), end="")


def _line(head: str, style: str, message: str) -> None:
    """``head`` (in ``style``) and ``message`` escaped whole, as one line on stderr."""
    _lines(head, style, [message])


def note(message: str) -> None:
    """One line on stderr: what a command did (the message is escaped whole, so it stays one line)."""
    _line("", "", message)


def warn(message: str) -> None:
    """One line on stderr (the message is escaped whole: plain text, one line, never markup)."""
    _line("warning: ", "yellow", message)


def warn_each(messages: Iterable[str]) -> None:
    """:func:`warn` for each of ``messages``, in order, written at once (a thousand deals may
    each have a warning: one write, not a thousand)."""
    _lines("warning: ", "yellow", messages)


def error(message: str) -> None:
    """One line on stderr (the message is escaped whole: plain text, one line, never markup)."""
    _line("error: ", "red", message)


def print_json(data: object) -> None:
    """``data`` as indented JSON on stdout: exact, readable, and with nothing a terminal would obey."""
    sys.stdout.write(json_text(data) + "\n")


def print_json_lines(rows: Sequence[object]) -> None:
    """Each of ``rows`` as compact JSON on a line of its own (NDJSON), escaped as ``print_json`` escapes."""
    sys.stdout.write("".join(json_text(row, indent=None) + "\n" for row in rows))


def print_csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """CSV on stdout; every cell passes through ``safe`` (so a cell from input cannot drive the terminal)."""
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([safe(c) for c in header])
    writer.writerows([safe(c) for c in row] for row in rows)


def hold(work: Callable[[], T]) -> Callable[[], T]:
    """Do ``work`` now, its error, warning and note lines held back; the call returned prints them
    and gives what the work gave, or raises what it raised.

    So a command can do work early (while a helper reads deal files, :func:`start_load`) and still
    print what it says in the order it always has.
    """
    global _held
    outer, _held = _held, []
    failure: Exception | None = None
    result: Any = None
    try:
        result = work()
    except Exception as exc:  # typer.Exit and BadParameter too: raised when the result is asked for
        failure = exc
    finally:
        kept, _held = _held, outer

    def release() -> T:
        for head, style, bodies in kept:
            _lines(head, style, bodies)
        if failure is not None:
            raise failure
        return result

    return release


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one error line and return the Exit to raise."""
    error(message)
    return typer.Exit(code)


def parse_date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date; write YYYY-MM-DD", param_hint=option) from None


def load(paths: Sequence[Path] | None) -> LoadResult:
    """Load deal files (default: the bundled seeds), printing one error line per bad file.

    Deals come from the cache of checked deals where their files have not changed (arb.dealcache).
    """
    return start_load(paths)()


def start_load(paths: Sequence[Path] | None) -> Callable[[], LoadResult]:
    """:func:`load` in two steps: files are listed and looked up now, and a helper process may
    start reading them (:mod:`arb.helperload`); call the result for the deals, once the command
    has done what needs none (its imports), which the helper's reading overlaps.
    """
    from arb.dealcache import DealCache
    from arb.loader import start_loading
    from arb.paths import cache_dir
    from arb.resources import seeds_dir

    if not paths:  # the config's `deals` folders, else the seeds
        paths = _config().deal_paths
    # Files unchanged since the last run give their checked deals from the cache (arb.dealcache).
    pending = start_loading(
        list(paths) if paths else [seeds_dir()], cache=DealCache(cache_dir() / "deals"), helper=True
    )

    def finish() -> LoadResult:
        result = pending.finish()
        _refuse_empty_folders(paths or [], result)
        for e in result.errors:
            for line in e.lines():  # one line per problem, each naming the file and the key
                error(line)
        return result

    return finish


def _refuse_empty_folders(paths: Sequence[Path], result: LoadResult) -> None:
    """An error for each folder given that holds no deal file: an empty report is no answer."""
    from arb.errors import DealFileError

    seen = [*result.paths.values(), *(e.path for e in result.errors)]
    for folder in paths:
        folder = Path(folder)
        try:
            is_dir = folder.is_dir()
        except OSError:  # a name too long to look up: loading it said what is wrong
            continue
        if is_dir and not any(folder == f or folder in f.parents for f in seen):
            problem = (
                "holds no deal files (*.toml; names starting with '.' or '_' are skipped); "
                "give the folder your deal files are in, or write one with `arb new ID -o FOLDER`"
            )
            result.errors.append(DealFileError(folder, "", problem))


def price_source(
    prices: Path | None,
    *,
    offline: bool = False,
    timeout: float = 20.0,
    progress: Callable[[str, bool], None] | None = None,
) -> tuple[PriceSource, bool]:
    """The price source for a command and whether a price file had bad rows.

    ``--prices FILE`` uses only that file. Otherwise live: per symbol Yahoo, then the history
    store's last price, then the bundled snapshot; ``offline`` (or ``ARB_OFFLINE=1``) skips Yahoo.
    """
    from arb.prices.coerce import as_source

    cfg = _config()
    if prices is None and cfg.price_source == "file":
        prices = cfg.prices_file
    offline = offline or cfg.price_source == "offline"
    if timeout == 20.0 and cfg.origins["timeout"] != "default":  # the option left at its default
        timeout = cfg.timeout
    if prices is None:
        from arb.paths import store_path
        from arb.refresh import default_source
        from arb.store import HistoryStore

        offline = offline or os.environ.get("ARB_OFFLINE", "") not in ("", "0")
        store = HistoryStore(store_path(), create=False)
        return default_source(store, offline=offline, timeout=timeout, progress=progress), False
    bad: list[ArbError] = []

    def bad_row(e: ArbError) -> None:
        bad.append(e)
        error(str(e))

    try:
        source = as_source(prices, on_bad_row=bad_row)
    except ArbError as exc:
        raise fail(str(exc)) from None
    return source, bool(bad)


def _config() -> Any:
    """The settings (arb.config), or one error line and exit 1 when the file or a variable is wrong."""
    from arb.config import load_config

    try:
        return load_config()
    except ArbError as exc:
        raise fail(str(exc)) from None


OfflineOpt = Annotated[
    bool, typer.Option("--offline", help="Skip the network: the history store's last prices, then the snapshot.")
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", min=0.1, metavar="SECONDS", help="Seconds the live price fetch may take in all.")
]

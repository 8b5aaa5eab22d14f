"""Read deal files (TOML) into :class:`~arb.models.Deal` objects, one clear error per bad file."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arb.dealcache import FileKey, file_key
from arb.errors import ArbError, DealFileError, DuplicateDealError
from arb.models import Deal
from arb.numbering import key_path
from arb.symbols import preview

if TYPE_CHECKING:
    from arb.dealcache import DealCache

__all__ = [
    "LoadResult",
    "PendingLoad",
    "deal_files",
    "find_todos",
    "load_deal",
    "load_deals",
    "read_toml",
    "start_loading",
]


@dataclass
class LoadResult:
    """Deals that loaded, and one error per file that did not."""

    deals: list[Deal] = field(default_factory=list)
    errors: list[DealFileError] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _key_text(text: str) -> str:
    # A key from the file is echoed as a short, escaped preview: never 100 kB, never a raw newline.
    return preview(text) if len(text) > 40 or not text.isprintable() else text


def _key_path(loc: Sequence[int | str]) -> str:
    """``consideration #2.ratio``: items counted from 1 in file order (:func:`arb.numbering.key_path`)."""
    return key_path(loc, _key_text)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else preview(text, 60)


#: Required keys that are tables, and what a missing one needs.
_TABLES = {"target": "its ticker and/or name"}


def _friendly(err: Any) -> tuple[str, str]:
    """Turn one pydantic error into (key path, problem)."""
    # pydantic puts validator names such as 'function-after[...]' or 'tuple[...]' into loc; drop them.
    loc = [p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p.startswith("function-")))]
    etype = err["type"]
    ctx = err.get("ctx") or {}
    if etype == "unknown_key":
        loc = [*loc, ctx["key"]]
        return _key_path(loc), err["msg"]
    if "key" in ctx and not loc:
        return str(ctx["key"]), err["msg"]
    if etype == "missing":
        name = str(loc[-1]) if loc and isinstance(loc[-1], str) else None
        if name in _TABLES:
            fix = f"add a [{name}] table ({_TABLES[name]})"
        else:
            fix = f"add it ({name} = ...)" if name else "add it"
        return _key_path(loc), f"is required but missing; {fix}; docs/deal-format.md describes each key"
    if etype == "extra_forbidden":
        return _key_path(loc), "unknown key"
    given = err.get("input")
    msg = err["msg"]
    quoted = _quoted(etype, given)
    if quoted is not None:
        name = _key_path(loc).rsplit(".", 1)[-1]
        shown = given if len(given) <= 40 else preview(given)
        problem = f"input should be a valid {quoted}, not text in quotes: remove the quotes ({name} = {shown})"
        return _key_path(loc), problem
    if etype in {
        "float_parsing",
        "float_type",
        "int_parsing",
        "int_type",
        "string_type",
        "date_parsing",
        "date_type",
        "date_from_datetime_parsing",
        "bool_type",
        "list_type",
        "tuple_type",
        "dict_type",
        "model_type",
        "literal_error",
        "finite_number",
    } or etype.startswith(("greater_than", "less_than")):
        msg = f"{msg[0].lower()}{msg[1:]}, got {preview(given) if isinstance(given, str) else _short(given)}"
    return _key_path(loc), msg


_NUMBER_TYPES = {"float_type", "float_parsing", "int_type", "int_parsing", "finite_number"}
_DATE_TYPES = {"date_type", "date_parsing", "date_from_datetime_parsing"}


def _quoted(etype: str, given: Any) -> str | None:
    """``'number'`` or ``'date'`` when a number or date was written in quotes (``amount = "10"``), else None."""
    if not isinstance(given, str) or given != given.strip() or not given:
        return None
    if etype in _NUMBER_TYPES:
        try:
            float(given.replace("_", ""))
        except ValueError:
            return None
        return "number" if given.lower() not in ("inf", "-inf", "+inf", "nan", "infinity") else None
    if etype in _DATE_TYPES:
        import datetime as dt

        try:
            dt.date.fromisoformat(given)
        except ValueError:
            return None
        return "date"
    return None


def find_todos(data: Any, loc: tuple[int | str, ...] = ()) -> list[tuple[str, str]]:
    """``(key, text)`` of every value written ``"TODO: ..."`` (the markers of `arb new`).

    Free text (``note``, ``notes``, ``quote``) may say TODO: it is never a marker.
    """
    if isinstance(data, str):
        free = bool(loc) and loc[-1] in _FREE_TEXT
        return [(_key_path(loc), preview(data[5:].strip(), 120))] if data.startswith("TODO:") and not free else []
    found: list[tuple[str, str]] = []
    _todos_in(data, loc, found)
    return found


_FREE_TEXT = ("note", "notes", "quote")


def _todos_in(data: Any, loc: tuple[int | str, ...], found: list[tuple[str, str]]) -> None:
    # Key paths are built only for the tables and arrays walked into, and for a marker found.
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for k, v in items:
        if isinstance(v, str):
            if v.startswith("TODO:") and k not in _FREE_TEXT:
                found.append((_key_path((*loc, k)), preview(v[5:].strip(), 120)))
        elif isinstance(v, (dict, list)):
            _todos_in(v, (*loc, k), found)


def load_deal(path: Path | str) -> Deal:
    """Load and check one deal file. Raises :class:`DealFileError` naming the file and key."""
    return _read_deal(Path(path))[0]


def _read_deal(path: Path) -> tuple[Deal, FileKey]:
    """:func:`load_deal`, and the file's key as it was just before it was read (its ``stat``)."""
    text, st = _read_file(path, DealFileError)
    data = _parse(text, path, DealFileError)
    # A "TODO:" marker is in the text as written, unless a backslash escape spells it: only then
    # can the document hold one. The walk for markers, and for nesting, is skipped otherwise.
    walked = "TODO" in text or "\\" in text
    if walked:
        _check_nesting(data, path, DealFileError)
        todos = find_todos(data)
        if todos:  # a file from `arb new` not yet filled in: name what is left, not a type error
            lines = [(k, f"still a TODO ({what}); write the value in place of the quoted TODO") for k, what in todos]
            raise DealFileError(path, *lines[0], more=lines[1:])
    from arb.quickcheck import quick

    # A valid file is checked without pydantic. What it accepts nests no deeper than a deal's own
    # tables (a handful of levels): a deeper document is always left to the checks below.
    deal = quick(Deal, data)
    if deal is None:  # a problem, or input the fast check leaves to pydantic
        if not walked:
            _check_nesting(data, path, DealFileError)
        from arb.schema import ValidationError, validate

        try:
            deal = validate(Deal, data, plain=True)
        except ValidationError as exc:
            # Every problem, each with its key: the error carries them all, `arb validate` prints a line each.
            errors = list(dict.fromkeys(_friendly(e) for e in exc.errors()))
            raise DealFileError(path, *errors[0], more=errors[1:]) from None
    return deal, file_key(st)


def read_toml(path: Path, error: Callable[[Path, str, str], ArbError]) -> dict[str, Any]:
    """The TOML document in ``path``, or ``error(path, "", problem)`` raised with one line saying why.

    Only a regular file is read (a FIFO named ``*.toml`` would block for ever), it must be UTF-8
    (a byte-order mark is accepted), and nesting too deep for the parser, or deeper than
    :data:`MAX_NESTING`, is an error for this file, not a crash of the whole run. Shared by deal
    files, the watchlist and the config file.
    """
    doc = _parse(_read_text(path, error), path, error)
    _check_nesting(doc, path, error)
    return doc


def _read_text(path: Path, error: Callable[[Path, str, str], ArbError]) -> str:
    return _read_file(path, error)[0]


def _read_file(path: Path, error: Callable[[Path, str, str], ArbError]) -> tuple[str, os.stat_result]:
    """The file's text, and its ``stat`` taken just before it was opened."""
    try:
        # The mode first, from the path: a FIFO, socket or device named *.toml is refused unopened
        # (opening one may block, or act: a watchdog starts counting when it is opened).
        st = path.stat()
        mode = st.st_mode
        if not stat.S_ISREG(mode):
            what = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a pipe, socket or device)"
            raise error(path, "", f"is {what}; only regular .toml files are read")
        fd = os.open(path, _OPEN_FLAGS)
        try:
            raw = _read_all(fd)
        finally:
            os.close(fd)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise error(path, "", f"cannot read the file ({_os_reason(exc)})") from None
    try:
        return raw.decode("utf-8-sig"), st
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problem = f"line {line} is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8"
        raise error(path, "", problem) from None


#: Swapped for a FIFO between the stat and the open, the file still opens at once (O_NONBLOCK)
#: and reads as empty; O_NOCTTY: never a controlling terminal.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def _read_all(fd: int) -> bytes:
    """Every byte of an open file, to its end (however the reads come back)."""
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


_TOO_DEEP = "arrays or tables are nested too deeply to read; no arb file needs more than a few levels"


def _parse(text: str, path: Path, error: Callable[[Path, str, str], ArbError]) -> dict[str, Any]:
    """The document, not yet checked for depth (:func:`_check_nesting`)."""
    from arb import tomlread  # tomli's document and messages, read faster where that is safe

    try:
        doc: dict[str, Any] = tomlread.loads(text)
    except tomlread.TOMLDecodeError as exc:
        raise error(path, "", f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise error(path, "", _TOO_DEEP) from None
    return doc


def _check_nesting(doc: dict[str, Any], path: Path, error: Callable[[Path, str, str], ArbError]) -> None:
    if _deeper_than(doc, MAX_NESTING):
        raise error(path, "", _TOO_DEEP)


#: Tables and arrays nested deeper than this are refused: no arb file needs more than a few levels,
#: and whether a parser itself gives up (tomllib at a few hundred, tomli's compiled wheel later)
#: must not decide which files load, nor leave code that walks the document to hit the limit.
MAX_NESTING = 64


def _deeper_than(doc: Any, limit: int) -> bool:
    """True when tables and arrays nest more than ``limit`` levels deep (a walk without recursion)."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        items = value.values() if isinstance(value, dict) else value
        stack.extend((v, depth + 1) for v in items if isinstance(v, (dict, list)))
    return False


def _os_reason(exc: OSError | ValueError) -> str:
    if isinstance(exc, ValueError):
        return str(exc)
    if exc.errno == errno.ENAMETOOLONG:
        return "the path is longer than the system allows"
    return exc.strerror or str(exc)


def _is_dir(p: Path) -> bool:
    try:
        return p.is_dir()
    except OSError:  # a path too long to look up: load_deal reports it
        return False


def deal_files(paths: Iterable[Path | str]) -> list[Path]:
    """Expand files and folders into the deal files they hold (``*.toml``, sorted, recursive).

    A folder that cannot be listed is returned as it is, so loading it reports why. A file named
    twice (a folder and a file in it, or a folder given twice) is read once: it is one deal, not
    two that clash on their id.
    """
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if _is_dir(p):
            try:
                found = _toml_under(os.fspath(p))
            except OSError:
                out.append(p)
                continue
            # Path's own ordering (by parts), without its slow __lt__; one Path made per file
            out.extend(map(Path, sorted(found, key=_parts)))
        else:
            out.append(p)
    return list(dict.fromkeys(out)) if len(out) > 1 else out


#: Errors from a directory entry's type that mean "not a folder to go into": those pathlib's glob
#: ignores, and a link into a folder this user may not look in (rglob then stopped the whole walk).
_GONE = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP, errno.EACCES, errno.EPERM)
#: The same on Windows: drive not ready, invalid name, a link to itself.
_GONE_ON_WINDOWS = (21, 123, 1921)


def _toml_under(folder: str) -> list[str]:
    """The paths of the ``*.toml`` entries in ``folder`` and the folders below it, hidden and
    underscored names left out, as ``Path(folder).rglob("*.toml")`` finds them (Python 3.11):
    linked folders are not gone into, a folder that may not be listed is skipped, and any other
    error in listing one is raised. A third of rglob's time: no Path for what is left out.
    """
    suffix_of = str.lower if os.name == "nt" else str  # pathlib matches names without case on Windows only
    found: list[str] = []
    folders = [folder]
    while folders:
        try:
            with os.scandir(folders.pop()) as listing:
                entries = list(listing)
        except PermissionError:
            continue
        for entry in entries:
            name = entry.name
            if suffix_of(name).endswith(".toml") and not name.startswith((".", "_")):
                found.append(entry.path)
            try:
                into = entry.is_dir() and not entry.is_symlink()
            except OSError as exc:
                if exc.errno not in _GONE and getattr(exc, "winerror", None) not in _GONE_ON_WINDOWS:
                    raise
                into = False
            if into:
                folders.append(entry.path)
    return found


def _parts(path: str) -> list[str]:
    return path.split(os.sep) if os.altsep is None else path.replace(os.altsep, os.sep).split(os.sep)


def _lexists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # e.g. a name too long: exists, or not, load_deal says what is wrong
        return True


def load_deals(paths: Iterable[Path | str], cache: DealCache | None = None) -> LoadResult:
    """Load every deal file under ``paths``. A bad file is an error in the result, never a stop.

    With ``cache`` (:class:`arb.dealcache.DealCache`, as the command line passes), a file unchanged
    since a deal was last read from it gives that deal without being parsed and checked again.
    """
    return start_loading(paths, cache).finish()


def start_loading(paths: Iterable[Path | str], cache: DealCache | None = None, *, helper: bool = False) -> PendingLoad:
    """Begin :func:`load_deals`: the files are listed and looked up in ``cache`` now; ``finish()`` loads.

    With ``helper=True`` (the command line's choice, never the API's), when many files are to be
    read and this process may fork, a forked helper starts reading them at once, from the first,
    while this process goes on (importing what it will price them with); ``finish()`` reads from
    the last until the two meet (:mod:`arb.helperload`). The result is the same either way.

    Where ``cache`` holds nothing for any of the files' folders (a first run there), none is looked
    up: every file is read, and each one's key is the ``stat`` its reading starts with.
    """
    files = deal_files(paths)
    keyed = False
    looked: list[tuple[Deal | None, FileKey | None]]
    if cache is not None and not cache.holds_any(files):
        keyed = True
        cache.begin()  # before any file is read: whether one has settled is judged at this time
        looked = [(None, None)] * len(files)
        todo = list(range(len(files)))
    else:
        looked = [cache.lookup(path) if cache is not None else (None, None) for path in files]
        # The files to read: each one not served by the cache that could be looked up (a key), or all without one.
        todo = [i for i, (kept, key) in enumerate(looked) if kept is None and (key is not None or cache is None)]
    pending = PendingLoad(files, looked, todo, cache, forks=helper, keyed=keyed)
    if helper:
        from arb.helperload import start_helper

        load = _read_deal if keyed else load_deal
        pending.helper = start_helper([files[i] for i in todo], load, prepare=_prepare)
    return pending


def _prepare() -> None:
    """Import what reading a deal file needs: a helper's first step (this process imports it on its first file)."""
    import arb.quickcheck  # noqa: F401
    from arb import tomlread

    tomlread.warm()


class PendingLoad:
    """Deal files listed and looked up, not yet loaded: :meth:`finish` loads them (once)."""

    def __init__(
        self,
        files: list[Path],
        looked: list[tuple[Deal | None, FileKey | None]],
        todo: list[int],
        cache: DealCache | None,
        forks: bool = False,
        keyed: bool = False,
    ) -> None:
        self.files = files
        self.looked = looked
        self.todo = todo
        self.cache = cache
        self.helper: Any = None  # arb.helperload.Helper, when one was started
        self.forks = forks  # a helper may read files, and a forked child write the cache (DealCache.save)
        self.keyed = keyed  # not looked up: each file's key comes from its reading
        self._result: LoadResult | None = None

    def finish(self) -> LoadResult:
        if self._result is None:
            self._result = self._finish()
        return self._result

    def _read(self) -> dict[int, tuple[Deal | DealFileError, FileKey | None]]:
        """Each file to read, read (by the helper or here): what came of it, and its key."""
        if self.keyed:
            load: Callable[[Path], Any] = _read_keyed_or_error
            accept: Callable[[Any], bool] = _is_keyed_deal
        else:
            load, accept = _load_or_error, _is_deal
        got: dict[int, Any] = {}
        if self.helper is not None:
            # This process reads from the last file, the helper from the first; what the helper
            # read comes back as it goes. A file it did not send back is read here.
            for pos, item in self.helper.run(load, accept).items():
                got[self.todo[pos]] = item
        for i in self.todo:
            if i not in got:
                got[i] = load(self.files[i])
        if self.keyed:
            return got
        return {i: (item, self.looked[i][1]) for i, item in got.items()}

    def _finish(self) -> LoadResult:
        read = self._read()
        result = LoadResult()
        cache = self.cache
        for i, path in enumerate(self.files):
            kept, key = self.looked[i]
            if kept is not None:
                deal = kept
            else:
                got, key = read[i] if i in read else (_load_or_error(path), key)
                if isinstance(got, DealFileError):
                    # a file gone since it was listed (or that could not be looked up, and is not there)
                    if key is None and not _lexists(path):
                        got = DealFileError(path, "", "no such file or folder")
                    result.errors.append(got)
                    continue
                deal = got
                if cache is not None and key is not None:
                    cache.keep(path, key, deal)
            if deal.id in result.paths:
                result.errors.append(
                    DuplicateDealError(
                        path, "id", f"{deal.id!r} is already used by {result.paths[deal.id]}; ids must be unique"
                    )
                )
                continue
            result.paths[deal.id] = path
            result.deals.append(deal)
        if cache is not None:
            cache.save(background=self.forks)
        return result


def _is_deal(value: object) -> bool:
    return isinstance(value, Deal)


def _is_keyed_deal(value: object) -> bool:
    """A deal and its file's key, as :func:`_read_deal` gives them (a helper's result, checked before use)."""
    return (
        type(value) is tuple
        and len(value) == 2
        and isinstance(value[0], Deal)
        and type(value[1]) is tuple
        and len(value[1]) == 5
        and all(type(n) is int for n in value[1])
    )


def _read_keyed_or_error(path: Path) -> tuple[Deal | DealFileError, FileKey | None]:
    try:
        return _read_deal(path)
    except DealFileError as exc:
        return exc, None


def _load_or_error(path: Path) -> Deal | DealFileError:
    try:
        return load_deal(path)
    except DealFileError as exc:
        return exc

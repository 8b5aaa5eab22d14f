"""Prices from a CSV file: ``symbol,price,currency`` and optional ``as_of,source,note``.

Lines starting with ``#`` are comments. A bad row is reported with its line number and skipped;
the good rows are still used. A symbol may have one row per date: a valuation as of a date uses
the latest price on or before it (see :meth:`CsvSource.fetch_at`).

The file is split into records here, not by the ``csv`` module over the whole text, so that one
broken record (an unclosed quote, a cell too long, bytes that are not UTF-8) is one error line
naming its line, and the records after it are still read.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import re
from collections.abc import Collection
from pathlib import Path

from arb.errors import PriceFileError
from arb.prices.base import FetchResult, Quote, bad_price_reason
from arb.symbols import fx_unit_problem, price_in_range, price_key, quote_unit

__all__ = ["CsvSource", "normalize_price_symbol", "parse_when", "snapshot"]

REQUIRED = ("symbol", "price", "currency")
OPTIONAL = ("as_of", "source", "note")


def normalize_price_symbol(symbol: str) -> str:
    """The key a price row is filed under: :func:`arb.symbols.price_key` (the one door for symbols).

    Yahoo form for tickers and FX pairs; a bare word with a lower-case letter (a ``[securities]``
    name such as ``enn-ng-h`` or ``NewCo``) case-folded. Raises ValueError for what is neither.
    """
    return price_key(symbol)


def parse_when(text: str) -> dt.datetime:
    """An ISO date or date-time; a bare date means that day (naive)."""
    text = text.strip()
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"as_of {text!r} is not a date; write YYYY-MM-DD") from None


#: The longest cell accepted, as the ``csv`` module's default limit; a price row is a few dozen characters.
MAX_CELL = 131_072
#: The bytes that were not UTF-8, as ``surrogateescape`` decoding keeps them.
_UNDECODED = re.compile("[\udc80-\udcff]")
_TOO_LONG = f"a cell is longer than {MAX_CELL:,} characters; a price row is a few dozen"


#: One CSV record: the line it starts on (from 1), and its cells, or (cells None) why it is bad.
_Record = tuple[int, list[str] | None, str | None]


def _physical_lines(raw: bytes) -> list[str]:
    """The file's lines, decoded; bytes that are not UTF-8 are kept as surrogates and reported later.

    The file is decoded in one go: a line end (``\\n`` or ``\\r``) is never part of a UTF-8
    sequence, so each line comes out as it would decoded alone.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    sep = "\n" if b"\n" in raw or b"\r" not in raw else "\r"  # a file with old Mac line ends only
    lines = raw.decode("utf-8", "surrogateescape").split(sep)
    if lines and lines[-1] == "":
        lines.pop()
    if sep == "\n" and b"\r" in raw:
        return [line.rstrip("\r") for line in lines]
    return lines


def _not_utf8(text: str) -> str | None:
    bad = _UNDECODED.search(text)
    if bad is None:
        return None
    byte, col = ord(bad.group()) - 0xDC00, bad.start() + 1
    return f"is not UTF-8 text (byte 0x{byte:02x} at column {col}); save the file as UTF-8"


def _scan(lines: list[str], first: int) -> tuple[int, str | None]:
    """Where the record starting at ``lines[first]`` ends (index past its last line), or why it is broken.

    Follows the ``csv`` module's quoting: a cell that starts with a quote runs to the matching
    quote (``""`` is a quote inside it) and may span lines; after the closing quote only a comma
    or the end of the line may follow. A quote that never closes, or closes into more text, is
    reported at the line that opened it, and the reader goes on with the next line.
    """
    # at_start: at the first character of a cell; a quote there opens a quoted cell.
    at_start, in_quotes, after_quote = True, False, False
    i = first
    while i < len(lines):
        for ch in lines[i]:
            if in_quotes:
                if ch == '"':
                    in_quotes, after_quote = False, True
            elif after_quote:
                if ch == '"':  # a doubled quote: still inside the cell
                    in_quotes, after_quote = True, False
                elif ch == ",":
                    at_start, after_quote = True, False
                else:
                    closed = "" if i == first else f" (it closes on line {i + 1})"
                    return first + 1, (
                        f"text follows a quoted cell's closing quote{closed}; is a quote left open? "
                        'Write "" for a quote inside a quoted cell'
                    )
            elif ch == ",":
                at_start = True
            else:  # an unquoted cell: a quote inside it is text, as the csv module reads it
                in_quotes, at_start = at_start and ch == '"', False
        if not in_quotes:
            return i + 1, None
        i += 1
    return first + 1, "a quote opened on this line is never closed; close it or remove it"


def _records(lines: list[str]) -> list[_Record]:
    """The records of the file, skipping blank lines and ``#`` comments between records."""
    out: list[_Record] = []
    whole = "\n".join(lines)
    # Bytes that were not UTF-8 are looked for line by line only when the file holds any.
    undecoded = not whole.isascii() and _UNDECODED.search(whole) is not None
    if not undecoded and '"' not in whole and "\r" not in whole and max(map(len, lines), default=0) <= MAX_CELL:
        # No quote anywhere (the usual price file): every line that is not blank or a comment is
        # one record, cut at the commas, as the loop below would cut each.
        return [
            (i + 1, line.split(","), None) for i, line in enumerate(lines) if (lead := line.lstrip()) and lead[0] != "#"
        ]
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        lead = line.lstrip()
        if not lead or lead[0] == "#":
            i += 1
            continue
        if '"' not in line and "\r" not in line and len(line) <= MAX_CELL:
            # No quote: one line, one record, cut at the commas (what the csv module would do).
            problem = _not_utf8(line) if undecoded else None
            out.append((i + 1, None if problem else line.split(","), problem))
            i += 1
            continue
        end, problem = _scan(lines, i)
        if problem is None and undecoded:
            problem = next((p for k in range(i, end) if (p := _not_utf8(lines[k]))), None)
        cells: list[str] | None = None
        if problem is None:
            try:
                cells = next(csv.reader([line + "\n" for line in lines[i:end]]))
            except csv.Error as exc:
                if "field limit" in str(exc):
                    problem = _TOO_LONG
                elif "new-line" in str(exc):
                    problem = "a carriage return (\\r) inside an unquoted cell; quote the cell or remove it"
                else:
                    problem = f"is not a CSV row ({exc})"
        out.append((i + 1, None if problem else cells, problem))
        i = end
    return out


class _Columns:
    """Where each column's cell is in a row, and how many cells a row may have, from the header.

    A row reads as a dict of the header's names to the row's cells would: a name written twice
    takes the later cell, and a short row is padded with empty cells.
    """

    def __init__(self, header: list[str]) -> None:
        self.n = len(header)
        at = {name: i for i, name in enumerate(header)}  # the last of a repeated name, as dict(zip()) keeps
        names = list(dict.fromkeys(header))  # the dict's keys, in the order it would hold them
        # A row with fewer cells than this leaves a required column to the padding.
        self.least = max(names.index(c) for c in REQUIRED) + 1
        self.symbol, self.price, self.currency = at["symbol"], at["price"], at["currency"]
        self.as_of, self.source = at.get("as_of"), at.get("source")


class _RowReader:
    """Turns a row's cells into a :class:`Quote`, or raises ValueError saying what is wrong with it.

    What a cell's text means (a symbol's key, a currency, a date, an origin) is worked out once
    per distinct text in the file: a file of daily rows repeats each of them many times.
    Errors are not kept: a bad cell is checked again, and reported, on every row that has it.
    """

    def __init__(self, columns: _Columns, kind: str, path: Path, today: dt.date) -> None:
        self.cols = columns
        self.kind = kind
        self.file = str(path)
        self.today = today
        self.symbols: dict[str, str] = {}
        self.units: dict[str, str | None] = {}
        #: as_of text -> (the time, its day, True when that day is after today)
        self.dates: dict[str, tuple[dt.datetime, dt.date, bool]] = {}
        self.origins: dict[str, tuple[str, bool]] = {}

    def quote(self, row: list[str]) -> tuple[Quote, dt.date | None]:
        """The row's quote and the day it is dated (None when undated)."""
        cols = self.cols
        n_cells = len(row)
        if n_cells > cols.n or n_cells < cols.least:
            raise ValueError(f"has {n_cells} cells but the header has {cols.n}")
        if n_cells < cols.n:  # trailing optional cells left off
            row = row + [""] * (cols.n - n_cells)
        text = row[cols.symbol].strip()
        symbol = self.symbols.get(text) if text else ""
        if symbol is None:
            symbol = self.symbols[text] = normalize_price_symbol(text)
        if not symbol:
            raise ValueError("symbol is empty")
        text = row[cols.price].strip()
        try:
            price = float(text)
        except ValueError:
            comma = (
                ""
                if "," not in text
                else "; write the number without thousands separators (1234.5)"
                if "." in text
                else "; write the decimals after a point (40.10), not a comma"
            )
            raise ValueError(f"price {text[:40]!r} of {symbol} is not a number{comma}") from None
        if not price_in_range(price):
            raise ValueError(f"{symbol}: {bad_price_reason(price)}")
        text = row[cols.currency].strip()
        try:
            currency = self.units[text]
        except KeyError:
            currency = self.units[text] = quote_unit(text)
        if currency is None:
            raise ValueError(
                f"currency {text[:40]!r} of {symbol} is not an ISO code (HKD, USD...) or a minor unit (GBp, ZAc, ILA)"
            )
        unit_problem = fx_unit_problem(symbol, currency)
        if unit_problem:
            raise ValueError(unit_problem)
        text = "" if cols.as_of is None else row[cols.as_of].strip()
        as_of: dt.datetime | None = None
        day: dt.date | None = None
        if text:
            dated = self.dates.get(text)
            if dated is None:
                when = parse_when(text)
                dated = self.dates[text] = (when, when.date(), _calendar_day(when) > self.today)
            as_of, day, future = dated
            if future:
                raise ValueError(
                    f"{symbol}: as_of {text} is after today ({self.today}); "
                    "a price cannot come from the future (is the year a typo?)"
                )
        text = "" if cols.source is None else row[cols.source].strip()
        origin = self.origins.get(text)
        if origin is None:
            name = text or self.file
            origin = self.origins[text] = (name, "synthetic" in name.lower())
        return Quote(symbol, price, currency, as_of, self.kind, origin[0], synthetic=origin[1]), day


class CsvSource:
    """Prices read once from a CSV file. ``errors`` holds one :class:`PriceFileError` per bad row.

    A symbol may have several rows with different dates; :meth:`fetch` gives the latest,
    :meth:`fetch_at` the latest on or before a date. A row dated after ``today`` is an error.
    """

    dated = True

    def __init__(
        self, path: Path | str, *, kind: str = "file", label: str | None = None, today: dt.date | None = None
    ) -> None:
        self.path = Path(path)
        self.kind = kind
        self.label = label or f"{kind} {self.path}"
        self.today = today or dt.date.today()
        self.errors: list[PriceFileError] = []
        #: Each symbol's quotes, oldest first (an undated quote is alone).
        self._history: dict[str, list[Quote]] = {}
        self._read()

    def _read(self) -> None:
        try:
            if not self.path.is_file() and self.path.exists():
                what = "a folder" if self.path.is_dir() else "not a regular file (a pipe, socket or device)"
                raise PriceFileError(self.path, None, f"is {what}; give a CSV price file")
            raw = self.path.read_bytes()
        except OSError as exc:
            raise PriceFileError(self.path, None, f"cannot read the price file ({exc.strerror or exc})") from None
        records = _records(_physical_lines(raw))
        if not records:
            raise PriceFileError(self.path, None, "has no rows; expected a header 'symbol,price,currency'")
        head_line, head_cells, head_problem = records[0]
        if head_cells is None:
            raise PriceFileError(self.path, head_line, f"the header {head_problem}")
        header = [h.strip().lower() for h in head_cells]
        for col in header:
            if col not in REQUIRED + OPTIONAL:
                close = difflib.get_close_matches(col, REQUIRED + OPTIONAL, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; columns are {', '.join(REQUIRED + OPTIONAL)}"
                if len(header) == 1 and any(sep in col for sep in ";\t"):  # a spreadsheet's export
                    hint = "; separate the cells with commas (symbol,price,currency), not semicolons or tabs"
                raise PriceFileError(self.path, head_line, f"unknown column {col[:40]!r}{hint}")
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise PriceFileError(
                self.path,
                head_line,
                f"missing column(s) {', '.join(missing)}; the header must hold symbol,price,currency",
            )
        reader = _RowReader(_Columns(header), self.kind, self.path, self.today)
        history = self._history
        # The line of each (symbol, date) read, for the clashes; a symbol's first row is kept apart
        # (most symbols have one row) and joins them when the symbol has a second.
        seen: dict[tuple[str, dt.date | None], int] = {}
        first_line: dict[str, int] = {}
        for line, row, problem in records[1:]:
            if row is None:
                self.errors.append(PriceFileError(self.path, line, problem or "unreadable row"))
                continue
            try:
                quote, day = reader.quote(row)
            except ValueError as exc:
                self.errors.append(PriceFileError(self.path, line, str(exc)))
                continue
            symbol = quote.symbol
            rows = history.get(symbol)
            if rows is None:  # the symbol's first row: nothing to clash with
                history[symbol] = [quote]
                first_line[symbol] = line
                continue
            seen.setdefault((symbol, _day(rows[0])), first_line[symbol])
            problem = self._clash(symbol, day, rows[0], seen)
            if problem:
                self.errors.append(PriceFileError(self.path, line, problem))
                continue
            rows.append(quote)
            seen[(symbol, day)] = line
        for quotes in history.values():
            if len(quotes) > 1:
                quotes.sort(key=_order)

    @staticmethod
    def _clash(
        symbol: str, day: dt.date | None, first: Quote, seen: dict[tuple[str, dt.date | None], int]
    ) -> str | None:
        """Why a row of ``symbol`` dated ``day`` cannot join the rows already read, the first of them
        ``first``: the same symbol on the same date, or undated twice."""
        if (symbol, day) in seen:
            on, per = (f" for {day}", " and date") if day else ("", "")
            return f"{symbol} is already priced on line {seen[(symbol, day)]}{on}; keep one row per symbol{per}"
        # The symbol's rows so far are all dated or one undated row: its first row says which. (Scanning
        # every row seen here made a file of n rows take n^2 steps: 36 s for 20,000 rows.)
        if (_day(first) is None) == (day is None):
            return None
        return (
            f"{symbol} is already priced on line {seen[(symbol, _day(first))]}; a symbol's rows must all have an "
            "as_of date (one row per date) or be a single undated row"
        )

    @property
    def quotes(self) -> dict[str, Quote]:
        """The latest quote of each symbol."""
        return {sym: rows[-1] for sym, rows in self._history.items()}

    def history(self, symbol: str) -> list[Quote]:
        """Every quote of ``symbol`` in the file, oldest first."""
        return list(self._history.get(symbol, []))

    def fetch(self, symbols: Collection[str]) -> FetchResult:
        """The latest price of each symbol."""
        return self.fetch_at(symbols, None)

    def fetch_at(self, symbols: Collection[str], as_of: dt.date | None) -> FetchResult:
        """The latest price of each symbol dated on or before ``as_of`` (undated prices always count).

        When a symbol has only later prices, the earliest of them is returned: the caller
        (:func:`arb.prices.base.fetch_as_of`) sets it aside as dated after the as-of.
        """
        out = FetchResult()
        quotes, failures, history = out.quotes, out.failures, self._history
        missing = f"not in {self.path.name}"
        for sym in symbols:
            rows = history.get(sym)
            if not rows:
                failures[sym] = missing
                continue
            # Rows are in date order, so those on or before the date come first: take the last of them.
            q = rows[-1]
            if as_of is not None and q.as_of is not None and q.as_of.date() > as_of:
                q = next((r for r in reversed(rows) if r.as_of is None or r.as_of.date() <= as_of), rows[0])
            quotes[sym] = q
        return out


def _day(q: Quote) -> dt.date | None:
    return None if q.as_of is None else q.as_of.date()


def _order(q: Quote) -> tuple[dt.date, dt.datetime]:
    when = q.as_of
    if when is None:
        return (dt.date.min, dt.datetime.min)
    return (when.date(), when.replace(tzinfo=None))


def _calendar_day(when: dt.datetime) -> dt.date:
    """The day a price is from, in UTC when it carries a time zone (a Hong Kong close is still that day)."""
    return when.date() if when.tzinfo is None else when.astimezone(dt.UTC).date()


def snapshot() -> CsvSource:
    """The bundled snapshot of the prices printed in the seed articles."""
    from arb.resources import snapshot_path

    path = snapshot_path()
    return CsvSource(path, kind="snapshot", label="snapshot seeds/prices.csv")

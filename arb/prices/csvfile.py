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
from dataclasses import dataclass
from pathlib import Path

from arb.errors import PriceFileError
from arb.prices.base import FetchResult, Quote, bad_price_reason
from arb.symbols import fx_unit_problem, price_key, quote_unit

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


@dataclass(frozen=True)
class _Record:
    """One CSV record: the line it starts on (from 1) and its cells, or why it is bad."""

    line: int
    cells: list[str] | None
    problem: str | None = None


def _physical_lines(raw: bytes) -> list[str]:
    """The file's lines, decoded; bytes that are not UTF-8 are kept as surrogates and reported later."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    sep = b"\n" if b"\n" in raw or b"\r" not in raw else b"\r"  # a file with old Mac line ends only
    lines = raw.split(sep)
    if lines and lines[-1] == b"":
        lines.pop()
    return [line.rstrip(b"\r").decode("utf-8", "surrogateescape") for line in lines]


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
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        if '"' not in line and "\r" not in line and len(line) <= MAX_CELL:
            # No quote: one line, one record, cut at the commas (what the csv module would do).
            problem = _not_utf8(line)
            out.append(_Record(i + 1, None if problem else line.split(","), problem))
            i += 1
            continue
        end, problem = _scan(lines, i)
        if problem is None:
            problem = next((p for n in range(i, end) if (p := _not_utf8(lines[n]))), None)
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
        out.append(_Record(i + 1, None if problem else cells, problem))
        i = end
    return out


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
        head = records[0]
        if head.cells is None:
            raise PriceFileError(self.path, head.line, f"the header {head.problem}")
        header = [h.strip().lower() for h in head.cells]
        for col in header:
            if col not in REQUIRED + OPTIONAL:
                close = difflib.get_close_matches(col, REQUIRED + OPTIONAL, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; columns are {', '.join(REQUIRED + OPTIONAL)}"
                if len(header) == 1 and any(sep in col for sep in ";\t"):  # a spreadsheet's export
                    hint = "; separate the cells with commas (symbol,price,currency), not semicolons or tabs"
                raise PriceFileError(self.path, head.line, f"unknown column {col[:40]!r}{hint}")
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise PriceFileError(
                self.path,
                head.line,
                f"missing column(s) {', '.join(missing)}; the header must hold symbol,price,currency",
            )
        seen: dict[tuple[str, dt.date | None], int] = {}
        for rec in records[1:]:
            if rec.cells is None:
                self.errors.append(PriceFileError(self.path, rec.line, rec.problem or "unreadable row"))
                continue
            row = rec.cells
            try:
                cells = [c.strip() for c in row] + [""] * max(0, len(header) - len(row))
                quote = self._row(dict(zip(header, cells, strict=False)), len(row), len(header))
            except ValueError as exc:
                self.errors.append(PriceFileError(self.path, rec.line, str(exc)))
                continue
            problem = self._clash(quote, seen)
            if problem:
                self.errors.append(PriceFileError(self.path, rec.line, problem))
                continue
            seen[(quote.symbol, _day(quote))] = rec.line
            self._history.setdefault(quote.symbol, []).append(quote)
        for quotes in self._history.values():
            quotes.sort(key=_order)

    def _clash(self, quote: Quote, seen: dict[tuple[str, dt.date | None], int]) -> str | None:
        """Why ``quote`` cannot join the rows already read: the same symbol on the same date, or undated twice."""
        day = _day(quote)
        if (quote.symbol, day) in seen:
            on = f" for {day}" if day else ""
            return (
                f"{quote.symbol} is already priced on line {seen[(quote.symbol, day)]}{on}; keep one row per symbol"
                + (" and date" if day else "")
            )
        # The symbol's rows so far are all dated or one undated row: its first row says which. (Scanning
        # every row seen here made a file of n rows take n^2 steps: 36 s for 20,000 rows.)
        first = self._history.get(quote.symbol, [None])[0]
        other = None if first is None or (_day(first) is None) == (day is None) else seen[(quote.symbol, _day(first))]
        if other is not None:
            return (
                f"{quote.symbol} is already priced on line {other}; a symbol's rows must all have an as_of "
                "date (one row per date) or be a single undated row"
            )
        return None

    def _row(self, row: dict[str, str], n_cells: int, n_cols: int) -> Quote:
        if n_cells > n_cols or any(c in REQUIRED for c in list(row)[n_cells:]):
            raise ValueError(f"has {n_cells} cells but the header has {n_cols}")
        symbol = normalize_price_symbol(row["symbol"]) if row["symbol"] else ""
        if not symbol:
            raise ValueError("symbol is empty")
        try:
            price = float(row["price"])
        except ValueError:
            text = row["price"]
            comma = (
                ""
                if "," not in text
                else "; write the number without thousands separators (1234.5)"
                if "." in text
                else "; write the decimals after a point (40.10), not a comma"
            )
            raise ValueError(f"price {row['price'][:40]!r} of {symbol} is not a number{comma}") from None
        why = bad_price_reason(price)
        if why:
            raise ValueError(f"{symbol}: {why}")
        currency = quote_unit(row["currency"])
        if currency is None:
            currency = row["currency"][:40]
            raise ValueError(
                f"currency {currency!r} of {symbol} is not an ISO code (HKD, USD...) or a minor unit (GBp, ZAc, ILA)"
            )
        unit_problem = fx_unit_problem(symbol, currency)
        if unit_problem:
            raise ValueError(unit_problem)
        as_of = parse_when(row["as_of"]) if row.get("as_of") else None
        if as_of is not None and _calendar_day(as_of) > self.today:
            raise ValueError(
                f"{symbol}: as_of {row['as_of']} is after today ({self.today}); "
                "a price cannot come from the future (is the year a typo?)"
            )
        origin = row.get("source") or str(self.path)
        return Quote(symbol, price, currency, as_of, self.kind, origin, synthetic="synthetic" in origin.lower())

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
        for sym in symbols:
            rows = self._history.get(sym)
            if not rows:
                out.failures[sym] = f"not in {self.path.name}"
                continue
            usable = [q for q in rows if as_of is None or q.as_of is None or q.as_of.date() <= as_of]
            out.quotes[sym] = usable[-1] if usable else rows[0]
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

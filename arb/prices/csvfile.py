"""Prices from a CSV file: ``symbol,price,currency`` and optional ``as_of,source,note``.

Lines starting with ``#`` are comments. A bad row is reported with its line number and skipped;
the good rows are still used.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
from collections.abc import Collection
from pathlib import Path

from arb.errors import PriceFileError
from arb.prices.base import FetchResult, Quote, bad_price_reason
from arb.symbols import normalize_symbol, quote_unit

__all__ = ["CsvSource", "normalize_price_symbol", "parse_when", "snapshot"]

REQUIRED = ("symbol", "price", "currency")
OPTIONAL = ("as_of", "source", "note")


def normalize_price_symbol(symbol: str) -> str:
    """Yahoo form for tickers and FX pairs; a ``[securities]`` name (lower-case) stays as written."""
    text = symbol.strip()
    if text and text == text.lower() and any(c.isalpha() for c in text) and "." not in text and "=" not in text:
        return text
    return normalize_symbol(text)


def parse_when(text: str) -> dt.datetime:
    """An ISO date or date-time; a bare date means that day (naive)."""
    text = text.strip()
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"as_of {text!r} is not a date; write YYYY-MM-DD") from None


class CsvSource:
    """Prices read once from a CSV file. ``errors`` holds one :class:`PriceFileError` per bad row."""

    dated = True

    def __init__(self, path: Path | str, *, kind: str = "file", label: str | None = None) -> None:
        self.path = Path(path)
        self.kind = kind
        self.label = label or f"{kind} {self.path}"
        self.errors: list[PriceFileError] = []
        self._quotes: dict[str, Quote] = {}
        self._read()

    def _read(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise PriceFileError(self.path, None, f"cannot read the price file ({exc.strerror or exc})") from None
        lines = [
            (n, line)
            for n, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")
        ]
        if not lines:
            raise PriceFileError(self.path, None, "has no rows; expected a header 'symbol,price,currency'")
        header_no = lines[0][0]
        reader = csv.reader(io.StringIO("\n".join(line for _, line in lines)))
        header = [h.strip().lower() for h in next(reader)]
        for col in header:
            if col not in REQUIRED + OPTIONAL:
                close = difflib.get_close_matches(col, REQUIRED + OPTIONAL, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; columns are {', '.join(REQUIRED + OPTIONAL)}"
                raise PriceFileError(self.path, header_no, f"unknown column {col!r}{hint}")
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise PriceFileError(
                self.path,
                header_no,
                f"missing column(s) {', '.join(missing)}; the header must hold symbol,price,currency",
            )
        seen: dict[str, int] = {}
        for (line_no, _), row in zip(lines[1:], reader, strict=False):
            try:
                cells = [c.strip() for c in row] + [""] * max(0, len(header) - len(row))
                quote = self._row(dict(zip(header, cells, strict=False)), len(row), len(header))
            except ValueError as exc:
                self.errors.append(PriceFileError(self.path, line_no, str(exc)))
                continue
            if quote.symbol in seen:
                self.errors.append(
                    PriceFileError(
                        self.path,
                        line_no,
                        f"{quote.symbol} is already priced on line {seen[quote.symbol]}; keep one row per symbol",
                    )
                )
                continue
            seen[quote.symbol] = line_no
            self._quotes[quote.symbol] = quote

    def _row(self, row: dict[str, str], n_cells: int, n_cols: int) -> Quote:
        if n_cells > n_cols or any(c in REQUIRED for c in list(row)[n_cells:]):
            raise ValueError(f"has {n_cells} cells but the header has {n_cols}")
        symbol = normalize_price_symbol(row["symbol"]) if row["symbol"] else ""
        if not symbol:
            raise ValueError("symbol is empty")
        try:
            price = float(row["price"])
        except ValueError:
            raise ValueError(f"price {row['price']!r} of {symbol} is not a number") from None
        why = bad_price_reason(price)
        if why:
            raise ValueError(f"{symbol}: {why}")
        currency = quote_unit(row["currency"])
        if currency is None:
            currency = row["currency"]
            raise ValueError(
                f"currency {currency!r} of {symbol} is not an ISO code (HKD, USD...) or a minor unit (GBp, ZAc, ILA)"
            )
        as_of = parse_when(row["as_of"]) if row.get("as_of") else None
        origin = row.get("source") or str(self.path)
        return Quote(symbol, price, currency, as_of, self.kind, origin, synthetic="synthetic" in origin.lower())

    @property
    def quotes(self) -> dict[str, Quote]:
        return dict(self._quotes)

    def fetch(self, symbols: Collection[str]) -> FetchResult:
        out = FetchResult()
        for sym in symbols:
            if sym in self._quotes:
                out.quotes[sym] = self._quotes[sym]
            else:
                out.failures[sym] = f"not in {self.path.name}"
        return out


def snapshot() -> CsvSource:
    """The bundled snapshot of the prices printed in the seed articles."""
    from arb.resources import snapshot_path

    path = snapshot_path()
    return CsvSource(path, kind="snapshot", label="snapshot seeds/prices.csv")

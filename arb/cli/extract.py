"""``arb extract``: draft deal files from a news article."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from arb.cli.common import error, note, out, parse_date, warn
from arb.text import safe, safe_lines

if TYPE_CHECKING:
    from arb.extract import DraftDeal


def extract(
    article: Annotated[str, typer.Argument(help="The article: a text or HTML file, or - for stdin.")],
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            help="Write the draft to this file, or into this folder (created) when it ends with / or is a folder; "
            "always a folder when the article holds several deals.",
        ),
    ] = None,
    prices_out: Annotated[
        Path | None,
        typer.Option("--prices-out", help="Write the prices quoted in the article as a price CSV (folder created)."),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option(
            "--title",
            help="The article's title, for [[source]] (default: its first headline, skipping Published/By and "
            "dateline lines; without one, a TODO that arb validate refuses).",
        ),
    ] = None,
    publisher: Annotated[str | None, typer.Option("--publisher", help="Its publisher, for [[source]].")] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Its date, YYYY-MM-DD, for [[source]] and for dating the prices it quotes ('Thursday's close'); "
            "default: its dateline or Published line.",
        ),
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="Its address, for [[source]].")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite drafts and price files that exist (edits in them are lost).")
    ] = False,
) -> None:
    """Read an article (Chinese or English) and draft a deal TOML per deal in it; fill the TODOs, then validate."""
    from arb.extract import MAX_ARTICLE_CHARS, ArticleError, extract_article, read_article

    day: dt.date | None = parse_date(date, "--date")
    if "\n" in article or len(article) > 4096:
        raise _fail(f"{_preview(article)}: this is article text, not a file name; pipe the text to `arb extract -`")
    try:
        if article == "-":
            text = read_article(text=sys.stdin.buffer.read(MAX_ARTICLE_CHARS + 1))
        else:
            path = Path(article)
            if not path.exists():
                raise typer.BadParameter(safe(f"{article}: no such file"), param_hint="ARTICLE")
            if not path.is_file():
                raise typer.BadParameter(safe(f"{article}: not a regular file"), param_hint="ARTICLE")
            text = read_article(path)
        result = extract_article(text, source_title=title, source_date=day, source_url=url, source_publisher=publisher)
    except ArticleError as exc:
        raise _fail(str(exc) if article != "-" else f"stdin: {exc}") from None
    except OSError as exc:
        raise _fail(f"{_preview(article)}: cannot read it ({exc.strerror or exc})") from None
    for item in result.skipped:
        note(f"skipped: {item.headline}: {item.reason}")
    for w in result.warnings:
        warn(w)
    drafts = result.drafts
    if not drafts:
        raise _fail(f"{article}: no deal terms found ({len(result.skipped)} item(s) skipped)")
    if prices_out is not None and not force:
        _refuse_existing(prices_out)  # before any draft is written: all of them or none
    if output is None:
        for n, d in enumerate(drafts, 1):
            if len(drafts) > 1:
                out.print(safe(f"# ---- draft {n} of {len(drafts)}: {d.id} ----"), highlight=False, soft_wrap=True)
            sys.stdout.write(safe_lines(d.to_toml()))  # still the same TOML: see safe_lines
            sys.stdout.flush()
    else:
        _write_drafts(drafts, output, force)
    if prices_out is not None:
        rows = [row for d in drafts for row in d.prices_csv_rows()]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=["symbol", "price", "currency", "as_of", "source"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        _write(prices_out, buf.getvalue(), force)
        note(f"wrote {prices_out} ({len(rows)} price row(s))")


def _fail(message: str) -> typer.Exit:
    error(message)
    return typer.Exit(1)


def _preview(text: str, limit: int = 120) -> str:
    """A path or argument as echoed in a message: its start and end when it is long."""
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-limit // 2 :]} ({len(text):,} characters)"


def _is_folder(output: str) -> bool:
    """``-o drafts/`` (trailing slash) or an existing folder: the drafts go into it."""
    try:
        return output.endswith(("/", os.sep)) or Path(output).is_dir()
    except OSError:  # a name too long to look up: writing it will say so
        return False


def _write_drafts(drafts: list[DraftDeal], output: str, force: bool = False) -> None:
    target = Path(output)
    if len(drafts) == 1 and not _is_folder(output):
        _write(target, drafts[0].to_toml(), force)
        note(f"wrote {target}")
        return
    if _is_file(target):
        raise _fail(f"{_preview(output)}: is a file; the article holds {len(drafts)} deals, so -o must name a folder")
    paths = [target / f"{d.id}.toml" for d in drafts]
    if not force:  # checked before any is written: all of them or none
        for path in paths:
            _refuse_existing(path)
    for d, path in zip(drafts, paths, strict=True):
        _write(path, d.to_toml(), force)
        note(f"wrote {path}")


def _refuse_existing(path: Path) -> None:
    """A draft or price file already there may hold the user's edits (TODOs filled): never replaced unasked."""
    if _is_file(path):
        raise _fail(
            f"{_preview(str(path))}: already exists (edits in it would be lost); "
            "pass --force to overwrite it, or choose another -o / --prices-out"
        )


def _write(path: Path, text: str, force: bool = False) -> None:
    """Write ``text`` to ``path``, creating its folder; a failure is one error line and exit 1.

    A file already at ``path`` is refused unless ``force``."""
    if not force:
        _refuse_existing(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(21, "it is a folder")
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _fail(f"{_preview(str(path))}: cannot write it ({exc.strerror or exc})") from None


def _is_file(path: Path) -> bool:
    try:
        return path.exists() and not path.is_dir()
    except OSError:
        return False

"""``arb extract``: draft deal files from a news article."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path
from typing import Annotated

import typer

from arb.cli.common import error, note, out, parse_date, warn
from arb.text import safe, safe_lines


def extract(
    article: Annotated[str, typer.Argument(help="The article: a text or HTML file, or - for stdin.")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the draft here (a folder when the article holds several deals)."),
    ] = None,
    prices_out: Annotated[
        Path | None, typer.Option("--prices-out", help="Write the prices quoted in the article as a price CSV.")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="The article's title, for [[source]].")] = None,
    publisher: Annotated[str | None, typer.Option("--publisher", help="Its publisher, for [[source]].")] = None,
    date: Annotated[str | None, typer.Option("--date", help="Its date, YYYY-MM-DD, for [[source]].")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Its address, for [[source]].")] = None,
) -> None:
    """Read an article (Chinese or English) and draft a deal TOML per deal in it; fill the TODOs, then validate."""
    from arb.extract import extract_article, read_article

    day: dt.date | None = parse_date(date, "--date")
    try:
        raw: str | bytes | Path = sys.stdin.buffer.read() if article == "-" else Path(article)
        if isinstance(raw, Path) and not raw.is_file():
            raise typer.BadParameter(safe(f"{article}: no such file"), param_hint="ARTICLE")
        text = read_article(raw)
    except OSError as exc:
        error(f"{article}: cannot read it ({exc.strerror or exc})")
        raise typer.Exit(1) from None
    result = extract_article(text, source_title=title, source_date=day, source_url=url, source_publisher=publisher)
    for item in result.skipped:
        note(f"skipped: {item.headline}: {item.reason}")
    for w in result.warnings:
        warn(w)
    drafts = result.drafts
    if not drafts:
        error(f"{article}: no deal terms found ({len(result.skipped)} item(s) skipped)")
        raise typer.Exit(1)
    if output is None:
        for n, d in enumerate(drafts, 1):
            if len(drafts) > 1:
                out.print(safe(f"# ---- draft {n} of {len(drafts)}: {d.id} ----"), highlight=False, soft_wrap=True)
            sys.stdout.write(safe_lines(d.to_toml()))  # still the same TOML: see safe_lines
            sys.stdout.flush()
    elif len(drafts) == 1 and not output.is_dir():
        output.write_text(drafts[0].to_toml(), encoding="utf-8")
        note(f"wrote {output}")
    else:
        output.mkdir(parents=True, exist_ok=True)
        for d in drafts:
            path = output / f"{d.id}.toml"
            path.write_text(d.to_toml(), encoding="utf-8")
            note(f"wrote {path}")
    if prices_out is not None:
        rows = [row for d in drafts for row in d.prices_csv_rows()]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=["symbol", "price", "currency", "as_of", "source"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        prices_out.write_text(buf.getvalue(), encoding="utf-8")
        note(f"wrote {prices_out} ({len(rows)} price row(s))")

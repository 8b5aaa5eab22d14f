"""extract: ``arb extract`` on articles at the size cap and on hostile inputs (target < 5 s each).

Articles are capped at ``arb.extract.MAX_ARTICLE_CHARS`` (2,000,000 characters) and every step of
the extractor is linear in the text, so the cap bounds the time. The rows read articles built by
repeating the test fixtures up to the cap (dense deal prose in English, a Chinese digest, an HTML
digest) and the hostile inputs that used to take 10 s to over a minute each at 20 kB (digits,
abbreviations, blank lines, unterminated and nested tags). The reference is the same input at a
quarter of the size, so the ratio (reference / figure) is about 0.25 when the work is linear and
1/16 when it is quadratic.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from arb.extract import MAX_ARTICLE_CHARS, extract_article
from benchmarks.timing import Row, median_time

__all__ = ["run"]

TARGET_SECONDS = 5.0
ARTICLES = Path(__file__).resolve().parent.parent / "tests" / "data" / "articles"
DEAL = "Acme Corp. (NASDAQ: ACME) agreed to acquire Globex Inc. (NYSE: GBX) for $25.50 per share in cash.\n\n"


def _fill(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def _cases() -> dict[str, Callable[[int], str]]:
    zh = (ARTICLES / "zh_digest.txt").read_text(encoding="utf-8") + "\n"
    html = (ARTICLES / "en_digest.html").read_text(encoding="utf-8")
    return {
        "English deal prose": lambda n: _fill(DEAL, n),
        "Chinese digest": lambda n: _fill(zh, n),
        "HTML digest": lambda n: _fill(html, n),
        "digits": lambda n: DEAL + "For each share " + "7" * n,
        "Inc. repeated": lambda n: DEAL + _fill("Inc. ", n),
        "blank lines": lambda n: DEAL + "\n" * n,
        'unterminated <a b="': lambda n: "<html><body><p>" + DEAL + _fill('<a b="', n),
        "nested <div>": lambda n: "<html><body>" + _fill("<div>", n) + "<p>" + DEAL,
    }


def run(smoke: bool = False) -> list[Row]:
    size = 40_000 if smoke else MAX_ARTICLE_CHARS - 10_000
    repeats = 1 if smoke else 3
    rows = []
    for case, make in _cases().items():
        text, quarter = make(size), make(size // 4)
        if len(text) > MAX_ARTICLE_CHARS:
            raise AssertionError(f"{case}: the benchmark article is over the cap")
        t = median_time(lambda text=text: extract_article(text), repeats)  # type: ignore[misc]
        t_quarter = median_time(lambda quarter=quarter: extract_article(quarter), repeats)  # type: ignore[misc]
        rows.append(
            Row(
                "extract",
                f"{case}, {len(text):,} characters",
                t,
                "s",
                f"< {TARGET_SECONDS:g} s" if not smoke else "",
                (t < TARGET_SECONDS) if not smoke else None,
                t_quarter,
                "the same at 1/4 size",
                t_quarter / t if t else None,
                repeats,
                note="" if rows else "reference: the same input at 1/4 size; ratio ~0.25 if linear, 1/16 if quadratic",
                extra={"chars": len(text)},
            )
        )
    return rows

"""Turn an article (HTML or plain text) into clean news items and sentences.

A digest page carries several news items; they are told apart by hard breaks only: a newsletter
boilerplate line, a brief marker (``简讯:``, ``Brief:``), a rule (``---``) or an HTML ``<hr>`` /
``<article>``. Short lines are not breaks, because feature articles use them as sub-headings.

Articles come from scrapers and newsletters, so every step here is linear in the length of the
text (no pattern can rescan what it has passed: no unbounded run before a test that may fail),
and an article longer than :data:`MAX_ARTICLE_CHARS` is refused outright.
"""

from __future__ import annotations

import errno
import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from arb.errors import ArbError
from arb.extract.patterns_en import is_headline

__all__ = [
    "MAX_ARTICLE_CHARS",
    "ArticleError",
    "Item",
    "check_size",
    "clean_text",
    "drop_controls",
    "html_to_text",
    "is_chinese",
    "read_article",
    "split_items",
    "split_sentences",
]

#: The longest article read, in characters (bytes for a file: UTF-8 is at least one byte a
#: character). News articles and digests are well under 1 MB; a larger input is a mistake
#: (a whole site dump, a binary file) and is refused rather than ground through.
MAX_ARTICLE_CHARS = 2_000_000


class ArticleError(ArbError):
    """An article that cannot be read: missing, too large, or text passed where a path belongs."""


def check_size(length: int, what: str = "the article", unit: str = "characters") -> None:
    """Raise :class:`ArticleError` when ``length`` (characters, or bytes of a file) is over the cap."""
    if length > MAX_ARTICLE_CHARS:
        raise ArticleError(
            f"{what} is {length:,} {unit} long, over the {MAX_ARTICLE_CHARS:,} arb reads; "
            "news articles are well under 1 MB: pass one article, not a whole page dump"
        )


# C0 controls except tab and line breaks, DEL and the C1 controls: none belongs in an article,
# an ESC starts a terminal sequence, and TOML forbids most of them even in comments. Lone
# surrogates too: no file can hold one (writing the draft would raise).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]+")


def drop_controls(text: str) -> str:
    """``text`` without control characters or lone surrogates (tab, ``\\n`` and ``\\r`` are kept)."""
    return _CONTROLS.sub("", text)


_BREAK = "\n\x00BREAK\x00\n"
_RULE_LINE = "\n---\n"  # what an <hr> or <article> becomes: split_items reads it as a hard break
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section"}
    | {"header", "footer", "blockquote", "figcaption", "title"}
)
_SKIP_TAGS = frozenset({"noscript", "template", "svg", "head"})
_RAW_TAGS = frozenset({"script", "style"})  # their content is not markup: skip to the end tag
_HARD_TAGS = frozenset({"hr", "article"})
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,30})")
_RAW_END = {tag: re.compile(rf"</{tag}\b", re.I) for tag in _RAW_TAGS}


def looks_like_html(text: str) -> bool:
    """True when ``text`` has a tag that only HTML uses (``<p>``, ``<div ...>``, ``<br/>``...)."""
    return re.search(r"<(?:html|body|p|div|article|br|h[1-6])\b[^<>]*>", text, re.I) is not None


def html_to_text(page: str) -> str:
    """Plain text of an HTML page: one block per line, articles and rules as item breaks.

    A single left-to-right scan, linear however broken the markup: a tag runs to the next
    ``>`` (found once and remembered, so a page of unclosed ``<a b="`` is not rescanned); a ``<``
    that starts no tag, or has no ``>`` after it, is text. Script and style bodies are dropped,
    as are comments and declarations. Character references are decoded.
    """
    parts: list[str] = []
    skip = 0
    pos = 0
    n = len(page)
    next_gt = -2  # position of the next ">" at or after the current tag; -1: there is none

    def text(chunk: str) -> None:
        if chunk and not skip:
            parts.append(html.unescape(chunk).replace("\n", " "))

    while pos < n:
        lt = page.find("<", pos)
        if lt < 0:
            text(page[pos:])
            break
        text(page[pos:lt])
        if next_gt != -1 and next_gt < lt:
            next_gt = page.find(">", lt)
        if next_gt == -1:  # no ">" anywhere after: nothing from here on can be a tag
            text(page[lt:])
            break
        if page.startswith("<!--", lt):
            close = page.find("-->", lt + 4)
            pos = n if close < 0 else close + 3
            continue
        if page.startswith(("<!", "<?"), lt):
            pos = next_gt + 1
            continue
        m = _TAG.match(page, lt)
        if m is None:
            text("<")
            pos = lt + 1
            continue
        closing, tag = m.group(1) == "/", m.group(2).lower()
        pos = next_gt + 1
        if tag in _RAW_TAGS and not closing and not page[lt:pos].endswith("/>"):
            end = _RAW_END[tag].search(page, pos)
            if end is None:
                break
            close = page.find(">", end.end())
            pos = n if close < 0 else close + 1
        elif tag in _SKIP_TAGS:
            skip = max(0, skip - 1) if closing else skip + 1
        elif tag in _HARD_TAGS:
            parts.append(_RULE_LINE)
        elif tag in _BLOCK_TAGS:
            parts.append("\n")
    return "".join(parts)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def read_article(path: str | os.PathLike[str] | None = None, *, text: str | bytes | None = None) -> str:
    """The article's plain text, from a file (``path``) or from its content (``text=``).

    ``read_article("news/enn.html")`` reads the file; ``read_article(text=page)`` takes the
    article itself, as a string or as bytes (decoded as UTF-8, then GB18030). A path is never
    guessed from text or text from a path. HTML is reduced to text; control characters are
    dropped. Raises :class:`ArticleError` for an article over :data:`MAX_ARTICLE_CHARS`, and
    for article text passed as the path; ``OSError`` when the file cannot be read.
    """
    if (path is None) == (text is None):
        raise TypeError("read_article takes a path or text=..., exactly one of them")
    raw: str | bytes
    if path is not None:
        if isinstance(path, str) and ("\n" in path or len(path) > 4096):
            raise ArticleError("this is article text, not a path: pass it as read_article(text=...)")
        file = Path(path)
        try:
            size = file.stat().st_size
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise ArticleError(
                    "the path is longer than the system allows; if it is the article's text, "
                    "pass it as read_article(text=...)"
                ) from None
            raise
        if not file.is_file():
            raise ArticleError(f"{file}: not a regular file (a pipe or a device is read with text=...)")
        check_size(size, str(file), "bytes")
        with file.open("rb") as fh:  # read no further than one byte past the cap, whatever stat said
            raw = fh.read(MAX_ARTICLE_CHARS + 1)
        check_size(len(raw), str(file), "bytes")
    else:
        raw = text  # type: ignore[assignment]
        check_size(len(raw), "the article", "bytes" if isinstance(raw, bytes) else "characters")
    article = _decode(raw) if isinstance(raw, bytes) else raw
    article = drop_controls(article)
    return html_to_text(article) if looks_like_html(article) else article


# Full-width ASCII forms -> ASCII, except the full-width comma (it would glue into numbers).
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if cp != 0xFF0C}
_FULLWIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0x2009: 0x20, 0x202F: 0x20})


def clean_text(text: str) -> str:
    """Normalise width and spacing so the patterns see one notation; drop control characters."""
    text = drop_controls(text.translate(_FULLWIDTH).replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub(r"[ \t]+", " ", text)
    return text


def is_chinese(text: str) -> bool:
    """True when CJK characters dominate the letters of ``text``."""
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return cjk > latin / 3


# Every run of characters below is bounded, and no pattern starts with a run that can cross a
# line (``^\s*`` did: at each of 20,000 blank lines it ran over all the others, then failed).
_BOILERPLATE = re.compile(
    r"欲订阅[^\n]{0,200}?点击这里|(?:订阅|關注|关注)[^\n。]{0,20}?(?:通讯|公众号)[^\n。]{0,10}"
    r"|(?i:(?:to )?subscribe to (?:our|the) [^\n.]{0,60}(?:newsletter|digest)[^\n.]{0,200}(?:\.|here))"
    r"|(?i:sign up for (?:our|the) [^\n.]{0,60}newsletter[^\n.]{0,200}\.?)"
)
_MARKER = re.compile(r"(?m)^ ?(?:简讯|快讯|短讯|Brief|BRIEF|In brief) ?[:\-–—] ?")
_RULE = re.compile(r"(?m)^ ?(?:-{3,}|\*{3,}|={3,}|(?:\* ){2,}\*) ?$")


@dataclass
class Item:
    """One news item: its headline lines and its body paragraphs."""

    headline: str
    headlines: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    #: False when the item opens with no heading line: its headline is then its first sentence
    #: (cut to 80 characters), which names the item in messages but is no title for the article.
    titled: bool = True

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def text(self) -> str:
        return "\n".join([*self.headlines, *self.paragraphs])


def _is_heading(line: str) -> bool:
    limit = 60 if is_chinese(line) else 100
    return len(line) <= limit and not re.search(r"[。.;]$", line)


#: Lines read as an item's head at most: three headlines and the bylines and date lines around them.
_MAX_HEAD_LINES = 8


def split_items(text: str) -> list[Item]:
    """Split an article into news items at hard breaks; drop label-only fragments."""
    text = clean_text(text)
    text = _BOILERPLATE.sub(_BREAK, text)
    text = _RULE.sub(_BREAK, text)
    text = _MARKER.sub(lambda m: _BREAK, text)
    items: list[Item] = []
    for chunk in text.split(_BREAK.strip("\n")):
        lines = [ln.strip() for ln in chunk.split("\n")]
        lines = [ln for ln in lines if ln]
        if not lines or sum(len(ln) for ln in lines) < 30:
            continue  # a section label such as "新闻"
        headlines: list[str] = []
        # Up to three heading lines; bylines and "Published" lines among them are not counted.
        while (
            lines
            and _is_heading(lines[0])
            and len(headlines) < _MAX_HEAD_LINES
            and sum(map(is_headline, headlines)) < 3
            and len(lines) > 1
        ):
            headlines.append(lines.pop(0))
        titled = bool(headlines)
        if not headlines:
            first = split_sentences(lines[0])[0] if lines else ""
            headlines = [first[:80]]
        headline = next((h for h in headlines if is_headline(h)), headlines[0])
        items.append(Item(headline=headline, headlines=headlines, paragraphs=lines, titled=titled))
    return items


_ABBREV = re.compile(
    r"(?:\b(?:Inc|Corp|Co|Ltd|Mr|Ms|Mrs|Dr|Jr|Sr|St|No|vs|approx|Bros|Plc|"
    r"Hldgs|Intl|U\.S|U\.K|e\.g|i\.e|N\.V|S\.A)|\b[A-Z])\.$"
)
_ABBREV_REACH = 8  # the longest abbreviation above with its dot ("approx."), plus the char before
_SENTENCE_END = re.compile(r"[。!?](?![”\"’])|[。!?][”\"’]|[.!?][”\"’]?(?=\s+[\"“(A-Z0-9\u4e00-\u9fff])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph, Chinese (。!?) or English (. ! ? before a capital).

    A full stop after an abbreviation ("Inc.", "U.S.", an initial) does not end a sentence;
    only the few characters before the stop are looked at, so a run of them stays linear.
    """
    out: list[str] = []
    for para in text.split("\n"):
        start = 0
        for m in _SENTENCE_END.finditer(para):
            end = m.end()
            dot = m.start() + 1
            if m.group(0) == "." and _ABBREV.search(para[max(start, dot - _ABBREV_REACH) : dot]):
                continue
            piece = para[start:end].strip()
            if piece:
                out.append(piece)
            start = end
        if para[start:].strip():
            out.append(para[start:].strip())
    return out

"""Turn an article (HTML or plain text) into clean news items and sentences.

A digest page carries several news items; they are told apart by hard breaks only: a newsletter
boilerplate line, a brief marker (``简讯:``, ``Brief:``), a rule (``---``) or an HTML ``<hr>`` /
``<article>``. Short lines are not breaks, because feature articles use them as sub-headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

__all__ = ["Item", "clean_text", "html_to_text", "is_chinese", "read_article", "split_items", "split_sentences"]

_BREAK = "\n\x00BREAK\x00\n"
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "header",
    "footer",
    "blockquote",
    "figcaption",
    "title",
}
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head"}
_HARD_TAGS = {"hr", "article"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _HARD_TAGS:
            self.parts.append(_BREAK)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _HARD_TAGS:
            self.parts.append(_BREAK)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data.replace("\n", " "))


def looks_like_html(text: str) -> bool:
    return re.search(r"<(?:html|body|p|div|article|br|h[1-6])\b[^>]*>", text, re.I) is not None


def html_to_text(html: str) -> str:
    """Plain text of an HTML page: one block per line, articles and rules as item breaks."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def read_article(source: str | bytes | Path) -> str:
    """The article's plain text, from a path, raw HTML/text bytes, or a string.

    A ``str`` naming an existing file (short, single line) is read as a path; any other string is
    the article itself. HTML is reduced to text; bytes are decoded as UTF-8 (then GB18030).
    """
    raw: str | bytes
    if isinstance(source, Path):
        raw = source.read_bytes()
    elif isinstance(source, str) and "\n" not in source and len(source) < 4096 and Path(source).is_file():
        raw = Path(source).read_bytes()
    else:
        raw = source
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="replace")
    else:
        text = raw
    return html_to_text(text) if looks_like_html(text) else text


# Full-width ASCII forms -> ASCII, except the full-width comma (it would glue into numbers).
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if cp != 0xFF0C}
_FULLWIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0x2009: 0x20, 0x202F: 0x20})


def clean_text(text: str) -> str:
    """Normalise width and spacing so the patterns see one notation."""
    text = text.translate(_FULLWIDTH).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[ \t]+", " ", text)
    return text


def is_chinese(text: str) -> bool:
    """True when CJK characters dominate the letters of ``text``."""
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return cjk > latin / 3


_BOILERPLATE = re.compile(
    r"欲订阅[^\n]*?(?:请点击这里|点击这里)|(?:订阅|關注|关注)[^\n。]{0,20}?(?:通讯|公众号)[^\n。]{0,10}"
    r"|(?i:(?:to )?subscribe to (?:our|the) [^\n.]{0,60}(?:newsletter|digest)[^\n.]*(?:\.|here))"
    r"|(?i:sign up for (?:our|the) [^\n.]{0,60}newsletter[^\n.]*\.?)"
)
_MARKER = re.compile(r"(?m)^\s*(?:简讯|快讯|短讯|Brief|BRIEF|In brief)\s*[:\-–—]\s*")
_RULE = re.compile(r"(?m)^\s*(?:-{3,}|\*{3,}|={3,}|(?:\* ){2,}\*)\s*$")


@dataclass
class Item:
    """One news item: its headline lines and its body paragraphs."""

    headline: str
    headlines: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def text(self) -> str:
        return "\n".join([*self.headlines, *self.paragraphs])


def _is_heading(line: str) -> bool:
    limit = 60 if is_chinese(line) else 100
    return len(line) <= limit and not re.search(r"[。.;]$", line)


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
        while lines and _is_heading(lines[0]) and len(headlines) < 3 and len(lines) > 1:
            headlines.append(lines.pop(0))
        if not headlines:
            first = split_sentences(lines[0])[0] if lines else ""
            headlines = [first[:80]]
        items.append(Item(headline=headlines[0], headlines=headlines, paragraphs=lines))
    return items


_ABBREV = re.compile(
    r"(?:\b(?:Inc|Corp|Co|Ltd|Mr|Ms|Mrs|Dr|Jr|Sr|St|No|vs|approx|Bros|Plc|"
    r"Hldgs|Intl|U\.S|U\.K|e\.g|i\.e|N\.V|S\.A)|\b[A-Z])\.$"
)


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph, Chinese (。!?) or English (. ! ? before a capital)."""
    out: list[str] = []
    for para in text.split("\n"):
        start = 0
        for m in re.finditer(r"[。!?](?![”\"’])|[。!?][”\"’]|[.!?][”\"’]?(?=\s+[\"“(A-Z0-9\u4e00-\u9fff])", para):
            end = m.end()
            piece = para[start:end]
            if m.group(0)[0] == "." and _ABBREV.search(piece):
                continue
            if piece.strip():
                out.append(piece.strip())
            start = end
        if para[start:].strip():
            out.append(para[start:].strip())
    return out

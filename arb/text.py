"""The one door for text that came from input on its way to a terminal: :func:`safe`.

Deal files, price files, watchlists and articles are written by other people. Any string taken
from them (an id, a name, a ticker, a price file's source cell, a path, an error message quoting
a value) may hold terminal control sequences: ``ESC [2J`` clears the screen, ``ESC ]0;...``
sets the window title, ``ESC ]8;;...`` prints a live link, a bare ``CR`` overwrites what was
printed. :func:`safe` writes every such character as a visible escape, so the text reads the
same on any terminal and cannot drive it.

This module is part of the core library: it imports nothing from ``rich`` or ``typer``. The
command line applies it in its consoles and its message helpers (``arb.cli.common``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["UNSAFE", "json_text", "safe", "safe_each", "safe_lines"]

#: Every character :func:`safe` rewrites: the C0 controls and DEL (ESC, BEL, CR, LF, TAB...);
#: the C1 controls (U+0080-U+009F: U+009B is a one-character CSI, U+009D an OSC on some
#: terminals); every format character (Unicode category Cf: the bidirectional overrides and
#: isolates that reorder what is shown, "Trojan Source"; zero-width spaces and joiners, the soft
#: hyphen, the BOM, tag characters, which make two different ids look alike); the line and
#: paragraph separators; and lone surrogates (a file name that is not valid UTF-8 decodes to
#: them, and printing one raises UnicodeEncodeError). A test checks the Cf list against the
#: running Python's Unicode tables.
_BEYOND_C0 = (
    "\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
)
UNSAFE = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
#: What ``json.dumps(..., ensure_ascii=False)`` leaves raw of the above (it escapes C0 itself;
#: the line breaks and indents it writes between values are layout, not text).
_JSON_UNSAFE = re.compile(f"[{_BEYOND_C0}]")

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    # C0 and DEL the way Python's repr writes them (``\x1b``); the rest as ``\u009b`` or
    # ``\U000e0001``, which are also valid escapes inside a TOML string, so a printed draft
    # stays parseable.
    if code < 0x80:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def safe(text: object) -> str:
    """``text`` as a single printable line: every character in :data:`UNSAFE` written as an escape.

    ``\\n``, ``\\r`` and ``\\t`` for line breaks and tabs, ``\\x1b`` for the other C0 controls and
    DEL, ``\\u009b`` (``\\U000e0001`` beyond U+FFFF) for the C1 controls, the format characters,
    the line separators and lone surrogates. Everything else (accents, CJK, emoji, backslashes)
    is kept as it is.

    Backslashes are not doubled, so escaping is idempotent: ``safe(safe(x)) == safe(x)``, and a
    message that already quotes a value with ``repr`` (``'USD\\x1b'``) prints as written; the
    price is that the characters ``\\x1b`` typed out in a file and a real ESC print alike. The
    JSON output (:func:`json_text`) is the exact form. Rich markup is not this module's concern:
    the CLI prints with markup off.
    """
    s = text if isinstance(text, str) else str(text)
    return s if _clean(s) else UNSAFE.sub(_escape, s)


def safe_each(texts: Iterable[str]) -> list[str]:
    """:func:`safe` of each of ``texts``: one search over them all when, as usual, none needs it
    (a column of a thousand ids is one search, not a thousand)."""
    parts = list(texts)
    whole = "".join(parts)  # a character of the class is in the whole iff in a part
    if _clean(whole):
        return parts
    return [safe(t) for t in parts]


def _clean(text: str) -> bool:
    """True when ``text`` holds no character of :data:`UNSAFE`. For ASCII text (the usual case) that is
    ``isprintable`` (no C0 control, no DEL), a scan some five times quicker than the regex's."""
    return text.isprintable() if text.isascii() else not UNSAFE.search(text)


def safe_lines(text: str) -> str:
    """:func:`safe` line by line: the ``\\n`` line breaks stay, everything else is escaped.

    For text that is several lines on purpose (a TOML draft, a table cell the CLI built), where
    only the line breaks are layout. A ``\\r`` is escaped too, so ``\\r\\n`` shows its ``\\r``.
    Inside a TOML or JSON basic string, the escapes it writes for a tab and for the characters
    from U+0080 up mean the same character, so a draft that parsed still parses to the same values.
    """
    return "\n".join(safe(line) for line in text.split("\n")) if UNSAFE.search(text) else text


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON writes a character beyond the BMP as its UTF-16 surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """``data`` as JSON that is safe to print and parses back to exactly ``data``.

    ``json.dumps`` already escapes C0 controls, but with ``ensure_ascii=False`` (kept so that
    names in Chinese stay readable) it writes DEL, the C1 controls, the bidi controls and lone
    surrogates raw. Those only ever occur inside JSON strings, where ``\\uXXXX`` means the same
    character, so they are rewritten that way. NaN and infinity are refused (``allow_nan=False``).
    """
    raw = json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False)
    return _JSON_UNSAFE.sub(_json_escape, raw) if _JSON_UNSAFE.search(raw) else raw
